#!/usr/bin/env bash
# The example guest script of docs/lab.md (make guest-run SCRIPT=scripts/guest/ping-iperf3.sh
# [EMU=bochs] [CPUS=1|2]; arguments: the drivers, default "ne2k_rs ne2k-pci"): with each, brings the card up, pings the
# peer with the smallest and the largest unfragmented payloads and runs iperf3 both ways.
# Exits non-zero at the first loss or failure.
set -u
. "$REPO/tests/guest/lib.sh"
# Under Bochs the guest's clock runs slower than the wall clock when the guest is busy (on two
# CPUs about 8x), and the host's iperf3 server ends a timed test that overruns its duration
# in wall-clock time: there the test is a byte count instead.
LEN="-t ${IPERF_SECONDS:-5}"
[ "${EMU:-qemu}" = bochs ] && LEN="-n ${IPERF_BYTES:-4M}"
for drv in ${@:-ne2k_rs ne2k-pci}; do
    card_up $drv
    echo "== $drv on $IFC ($(nproc) CPU(s), ${EMU:-qemu})"
    ping_ok 10 1 -i 0.2
    ping_ok 10 1472 -i 0.2
    for dir in "" -R; do
        out=$(timeout 300 iperf3 -c "$PEER_IP" -p "$IPERF3_PORT" $LEN $dir 2>&1) || { echo "$out" | tail -5; fail "$drv: iperf3 $dir"; }
        echo "$out" | grep -E 'sender|receiver' | sed "s/^/  iperf3 ${dir:-(tx)} /"
    done
    ip link set "$IFC" down
done
unload_all
echo "ping-iperf3: ok"
