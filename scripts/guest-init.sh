#!/usr/bin/env bash
# Runs inside the guest (started by guest-run.sh): prepares the environment, runs the script,
# records its status, dmesg and module state in $OUT.
OUT=$1; SCRIPT=$2
. "$OUT/.env"
eval "set -- $(cat "$OUT/.args")"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mountpoint -q /sys/kernel/debug || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null
# Start from unbound cards whatever the guest's udev did at boot.
modprobe -r ne2k-pci e100 2>/dev/null
cd "$OUT"
# The kernel log as the script found it: what the boot itself reported (e.g. Bochs' CPU model
# trips a topology WARN at 0.000000) is not the tests' doing (tests/guest/lib.sh).
dmesg >"$OUT/dmesg-boot.txt" 2>/dev/null
# The live channel to the host (fd 9), which the host's watchdog (guest-watchdog.py) reads while
# the guest runs: the case runners' begin/end lines (scripts/guest/cases.sh) and, with
# GUEST_HEARTBEAT (seconds; guest-run.sh --watchdog), a heartbeat. It is this script's own
# output: under Bochs the port-0xE9 stream, under QEMU virtme-ng's script port, both of which
# the host writes to a file as they come (e9.log, console.log).
exec 9>&1
if [ "${GUEST_HEARTBEAT:-0}" != 0 ]; then
    ( while :; do echo "@@NE2K-HB $(cut -d' ' -f1 /proc/uptime)" >&9; sleep "$GUEST_HEARTBEAT"; done ) \
        </dev/null >/dev/null 2>&1 &
    HB=$!
    # A frozen guest answers only an NMI: the watchdog sends one (QEMU's monitor) and the guest
    # panics on it, printing every CPU's backtrace on the console (panic_sys_info=all_bt).
    sysctl -qw kernel.unknown_nmi_panic=1 kernel.panic_sys_info=all_bt 2>/dev/null
fi
# The script gets its own timeout, shorter than the host's, so dmesg still comes back.
# Output goes to the console (virtme-ng's script ports) and to $OUT/guest.log.
timeout --kill-after=5 $(( GUEST_TIMEOUT > 90 ? GUEST_TIMEOUT - 45 : GUEST_TIMEOUT * 2 / 3 )) \
    bash "$SCRIPT" "$@" 2>&1 | tee "$OUT/guest.log"
rc=${PIPESTATUS[0]}
# (gone before anything else uses the channel: Bochs' init sends OUT through it next)
[ -n "${HB:-}" ] && { kill "$HB" 2>/dev/null; wait "$HB" 2>/dev/null; }
[ $rc = 124 ] && echo "guest-init: script timed out" >&2
dmesg >"$OUT/dmesg.txt" 2>/dev/null
lsmod >"$OUT/lsmod.txt" 2>/dev/null
echo $rc >"$OUT/.status"
sync
exit $rc
