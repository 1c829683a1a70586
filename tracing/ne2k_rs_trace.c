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
 * datapath's check is a patched no-op, as a disabled tracepoint's is, and the sampling period.
 * stage_stats=N (at load, or echo N >/sys/module/ne2k_rs/parameters/stage_stats): 0 off; N >= 1
 * on, timing one transmit, and one interrupt with its poll, in N (1: every frame).
 */
#define NE2K_RS_STAGE_STATS_MAX 1000000
DEFINE_STATIC_KEY_FALSE(ne2k_rs_stage_stats_key);
u32 ne2k_rs_stage_stats_period;

/*
 * Anybody listening: one count for each event that has a probe attached (ftrace, perf, BPF: the
 * tracepoint's regfunc/unregfunc) and one while the statistics are on. The datapath asks this
 * one key at each entry point and, while it is off, runs its code with no stage clock at all.
 */
DEFINE_STATIC_KEY_FALSE(ne2k_rs_listen_key);

int ne2k_rs_listener_reg(void)
{
	static_branch_inc(&ne2k_rs_listen_key);
	return 0;
}

void ne2k_rs_listener_unreg(void)
{
	static_branch_dec(&ne2k_rs_listen_key);
}

static int stage_stats_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n > NE2K_RS_STAGE_STATS_MAX)
		return -ERANGE;
	WRITE_ONCE(ne2k_rs_stage_stats_period, n);
	/* Serialised by the parameter lock: the key's state is the statistics' listener count. */
	if (n && !static_key_enabled(&ne2k_rs_stage_stats_key)) {
		static_branch_enable(&ne2k_rs_stage_stats_key);
		static_branch_inc(&ne2k_rs_listen_key);
	} else if (!n && static_key_enabled(&ne2k_rs_stage_stats_key)) {
		static_branch_disable(&ne2k_rs_stage_stats_key);
		static_branch_dec(&ne2k_rs_listen_key);
	}
	return 0;
}

static int stage_stats_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(ne2k_rs_stage_stats_period));
}

static const struct kernel_param_ops stage_stats_ops = {
	.set = stage_stats_set,
	.get = stage_stats_get,
};
module_param_cb(stage_stats, &stage_stats_ops, NULL, 0644);
MODULE_PARM_DESC(stage_stats,
		 "stage statistics per card (debugfs ne2k_rs/<pci device>/stage_stats): 0 off, N time one frame in N (1: every frame)");
