#!/usr/bin/env bash
# The counters read while the card is busy: `ethtool -S` and `ip -s link` (both take the chip
# lock from process context, bottom halves on) up to 200 times each, for at most 60 s, under a
# flood ping, so that
# the card's interrupt keeps meeting those holds and is taken at their release. The counters
# only grow, the flood loses nothing, and (on the debug kernel, with lockdep) the release's
# lock discipline is checked: the lock is also taken by the NAPI poll in softirq context, so a
# release that took it with bottom halves on was an "inconsistent lock state" (found by
# `make stress FLAVOR=debug` in the churn phase; t99 reports it).
. "$(dirname "$0")/lib.sh"
ne2k_up
pin_peer
d0=$(ethtool -S "$IFC" | awk '/irq_deferrals:/ {print $2}')
# the flood lasts as long as the reads (the deadline stops it; one request may then be
# outstanding)
ping -q -f -w 62 -s 56 "$PEER_IP" >"$OUT/t57-flood.txt" 2>&1 &
fp=$!
last=0 reads=0 end=$((SECONDS + 60))
while [ $reads -lt 200 ] && [ $SECONDS -lt $end ]; do
    reads=$((reads + 1))
    n=$(ethtool -S "$IFC" | awk '/napi_polls:/ {print $2}')
    [ "$n" -ge "$last" ] || fail "napi_polls went back from $last to $n"
    last=$n
    ip -s link show "$IFC" >/dev/null || fail "ip -s link"
done
note "$reads reads of ethtool -S and ip -s link during the flood"
[ $reads -ge 20 ] || fail "only $reads reads in 60 s"
kill -INT $fp 2>/dev/null; wait $fp
tail -2 "$OUT/t57-flood.txt" | sed 's/^/  /'
read -r sent got < <(awk '/packets transmitted/ {print $1, $4}' "$OUT/t57-flood.txt")
[ -n "$sent" ] && [ "$got" -ge $((sent - 1)) ] || fail "the flood lost packets ($got of $sent answered)"
d1=$(ethtool -S "$IFC" | awk '/irq_deferrals:/ {print $2}')
note "irq_deferrals during the reads: $((d1 - d0))"
[ -z "$(dmesg_problems)" ] || { dmesg_problems | head -20; fail "kernel log reports a problem"; }
ne2k_down
