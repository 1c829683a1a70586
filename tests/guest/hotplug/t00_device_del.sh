#!/usr/bin/env bash
# QEMU's device_del and device_add of the card under iperf3 --bidir and a flood ping (ACPI PCI
# hotplug: the guest ejects the card, its driver goes, the card comes back and ne2k_rs binds
# it), STRESS_HOTPLUGS times, after one sysfs remove: make stress's remove phase with small
# counts. Needs guest-run.sh --injector --hotplug (scripts/check.sh runs it in its own boot).
[ "${NE2K_HOTPLUG:-0}" = 1 ] || { echo "FAIL: the card is not hot-pluggable (guest-run.sh --hotplug)"; exit 1; }
export STRESS_PHASES=remove STRESS_REMOVES=${STRESS_REMOVES:-1} STRESS_HOTPLUGS=${STRESS_HOTPLUGS:-3}
bash "$(dirname "$0")/../stress.sh" || exit 1
grep -qx "hotplugs_under_traffic=$STRESS_HOTPLUGS" "$OUT/stress-counts.txt" ||
    { echo "FAIL: not every device_del/device_add cycle ran"; exit 1; }
