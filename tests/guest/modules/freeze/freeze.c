// SPDX-License-Identifier: GPL-2.0
/*
 * freeze: a test module for ne2k-rs's host-side guest watchdog (issue #28, item 7). Loading it
 * freezes the guest for good, as a driver's deadlock would: every CPU spins with interrupts off
 * (on_each_cpu: the others in the IPI handler, this one in the call), so no timer, no
 * console, no userspace, and the in-guest `timeout` of the test case can never fire. Only an
 * NMI gets through: the host's watchdog sends one through QEMU's monitor, which the guest turns
 * into a panic with every CPU's backtrace (scripts/guest-init.sh), and boots a fresh guest for
 * the next case. The spin loop is freeze_spin(): the backtraces must name it.
 *
 * Never load it outside that test (tests/guest/hang/).
 */
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/processor.h>

static noinline void freeze_spin(void *unused)
{
	pr_emerg("freeze: CPU %d spinning with interrupts off\n", smp_processor_id());
	for (;;)
		cpu_relax();
}

static int __init freeze_init(void)
{
	on_each_cpu(freeze_spin, NULL, 0);
	return 0; /* never reached */
}

module_init(freeze_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ne2k-rs test: freeze every CPU with interrupts off (watchdog test)");
