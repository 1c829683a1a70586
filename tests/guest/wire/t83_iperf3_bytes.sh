#!/usr/bin/env bash
# TCP both ways on a card with a wire, sized by bytes (iperf3 -n, WIRE_IPERF_BYTES, 2M), for
# ne2k_rs and then the C ne2k-pci as the baseline: the transfers complete, no transmit timeout,
# no interface error, and ne2k_rs' byte queue limits end with nothing in flight. Sized by bytes,
# not seconds, because the guest's clock is not the host's: make stress runs it in a 2-CPU
# Bochs guest, about 20 times slower than real time, and the peer's iperf3 server (on the host)
# would end a timed test on its own clock, early.
. "$(dirname "$0")/../lib.sh"
BYTES=${WIRE_IPERF_BYTES:-2M}
for drv in ne2k_rs ne2k-pci; do
    card_up "$drv"
    to0=0; [ "$drv" = ne2k_rs ] && to0=$(ethtool -S "$IFC" | awk '$1 == "tx_timeouts:" {print $2}')
    for dir in "" "-R"; do
        out=$(timeout 1200 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -n "$BYTES" $dir -J 2>&1) ||
            { echo "$out" | tail -5; fail "$drv: iperf3 -n $BYTES $dir failed"; }
        read -r sent got < <(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]
print(int(d["sum_sent"]["bytes"]), int(d["sum_received"]["bytes"]))')
        note "$drv TCP ${dir:-(guest->peer)} ${dir:+(peer->guest)}: $sent bytes sent, $got received (CPUs: $(nproc))"
        # iperf3 -n ends when the sender has written the bytes: the receiver's count leaves out
        # what was still in flight then (a socket buffer's worth, up to about 10 % of 2M here)
        [ "$sent" -gt 0 ] && [ "$got" -ge $((sent * 85 / 100)) ] || fail "$drv: $got of $sent bytes arrived"
    done
    [ "$(stat "$IFC" tx_errors)" = 0 ] && [ "$(stat "$IFC" rx_errors)" = 0 ] || fail "$drv: interface errors"
    if [ "$drv" = ne2k_rs ]; then
        sleep 1   # the last ACKs' frames leave the wire
        to=$(ethtool -S "$IFC" | awk '$1 == "tx_timeouts:" {print $2}')
        [ "$to" = "$to0" ] || fail "ne2k_rs: $((to - to0)) transmit timeouts"
        inflight=$(cat /sys/class/net/"$IFC"/queues/tx-0/byte_queue_limits/inflight 2>/dev/null)
        [ "${inflight:-0}" = 0 ] || fail "ne2k_rs: BQL has $inflight bytes in flight after the run"
    fi
done
unload_all
