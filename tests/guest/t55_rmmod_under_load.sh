#!/usr/bin/env bash
# rmmod while iperf3 runs both ways, then insmod again: traffic resumes.
. "$(dirname "$0")/lib.sh"
ne2k_up
timeout 30 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 20 >/dev/null 2>&1 &
p1=$!
ping -f -c 100000 "$PEER_IP" >/dev/null 2>&1 &
p2=$!
sleep 3
rmmod ne2k_rs || fail "rmmod under load failed"
[ ! -e /sys/module/ne2k_rs ] || fail "module still loaded"
kill $p1 $p2 2>/dev/null; wait $p1 $p2 2>/dev/null
ne2k_up
ping_ok 20 100 -i 0.01
ne2k_down
note "rmmod under iperf3 + flood ping, reload, traffic resumed"
