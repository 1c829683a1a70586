#!/usr/bin/env bash
# Byte queue limits: ne2k_rs reports every frame still in flight when start_xmit returns, and its
# completion (netdev_tx_sent_queue / netdev_tx_completed_queue), so on a card with a wire (Bochs)
# the queue's dynamic limit moves off 0 under traffic, and nothing is left in flight once the card
# is idle; a TX-heavy run ends with the same. Without the calls `limit` stays 0 (dql never
# completes) and the test fails there. QEMU's card sends inside the command write: start_xmit
# takes every completion before it returns, no frame is ever in flight, and BQL hears of none
# (issue #26: two calls into C and dql_completed per frame for nothing), so there `limit` stays
# 0, and a frame reported anyway moves it.
. "$(dirname "$0")/lib.sh"
ne2k_up
BQL=/sys/class/net/$IFC/queues/tx-0/byte_queue_limits
[ -r "$BQL/inflight" ] || fail "no byte_queue_limits in sysfs (CONFIG_BQL?)"
out=$(timeout 40 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 5 -J 2>&1) || { echo "$out" | tail -5; fail "iperf3"; }
ping -q -f -c 2000 -s 1400 "$PEER_IP" >/dev/null || fail "flood ping: no reply"
sleep 1
limit=$(cat "$BQL/limit") inflight=$(cat "$BQL/inflight")
note "after 5 s of iperf3 and 2000 flood pings: limit $limit, inflight $inflight"
if [ "$EMU" = bochs ]; then
    [ "$limit" -gt 0 ] || fail "BQL limit still 0: no completion was reported"
else
    [ "$limit" = 0 ] || fail "BQL limit $limit on QEMU: frames completed inside start_xmit were reported"
fi
[ "$inflight" = 0 ] || fail "$inflight bytes still in flight on an idle card"
# A reload starts from a reset queue.
ne2k_down
ne2k_up
[ "$(cat "/sys/class/net/$IFC/queues/tx-0/byte_queue_limits/inflight")" = 0 ] || fail "inflight after reload"
exit 0
