#!/usr/bin/env bash
# iperf3 TCP 10 s each way and UDP at a fixed rate through ne2k_rs: complete without errors.
. "$(dirname "$0")/lib.sh"
ne2k_up
for dir in "" "-R"; do
    out=$(timeout 40 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 10 $dir -J 2>&1) || { echo "$out" | tail -5; fail "iperf3 TCP $dir failed"; }
    bps=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(int(d["end"]["sum_received"]["bits_per_second"]))')
    note "TCP ${dir:-(guest->peer)} ${dir:+(peer->guest)}: $((bps / 1000000)) Mbit/s"
    [ "$bps" -gt 100000 ] || fail "TCP throughput implausibly low ($bps bit/s)"
done
out=$(timeout 40 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -u -b 5M -t 5 -J 2>&1) || { echo "$out" | tail -5; fail "iperf3 UDP failed"; }
read -r pkts lost < <(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["end"]["sum"]; print(d["packets"], d["lost_packets"])')
note "UDP 5 Mbit/s guest->peer: $pkts datagrams, $lost lost"
[ "$pkts" -gt 1000 ] || fail "too few UDP datagrams ($pkts)"
[ "$(stat "$IFC" tx_errors)" = 0 ] && [ "$(stat "$IFC" rx_errors)" = 0 ] || fail "interface errors"
ne2k_down
