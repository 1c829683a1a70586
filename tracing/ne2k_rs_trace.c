// SPDX-License-Identifier: GPL-2.0
/* Instantiates the ne2k_rs tracepoints and their rust_do_trace_* entry points. */
#define CREATE_TRACE_POINTS
#define CREATE_RUST_TRACE_POINTS
#include "ne2k_rs_trace.h"

#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

/*
 * The stage statistics' switch (stagestats.rs): a static key, so that while it is off the
 * datapath's check is a patched no-op, as a disabled tracepoint's is. Set at load
 * (stage_stats=1) or at run time: echo 1 >/sys/module/ne2k_rs/parameters/stage_stats.
 */
DEFINE_STATIC_KEY_FALSE(ne2k_rs_stage_stats_key);

static int stage_stats_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (on)
		static_branch_enable(&ne2k_rs_stage_stats_key);
	else
		static_branch_disable(&ne2k_rs_stage_stats_key);
	return 0;
}

static int stage_stats_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", static_key_enabled(&ne2k_rs_stage_stats_key) ? 'Y' : 'N');
}

static const struct kernel_param_ops stage_stats_ops = {
	.set = stage_stats_set,
	.get = stage_stats_get,
};
module_param_cb(stage_stats, &stage_stats_ops, NULL, 0644);
MODULE_PARM_DESC(stage_stats,
		 "aggregate the stage cycles per card (debugfs ne2k_rs/<pci device>/stage_stats; Y/N)");
