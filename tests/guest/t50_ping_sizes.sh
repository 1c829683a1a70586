#!/usr/bin/env bash
# ping through ne2k_rs with payloads 1, 100, 1000, 1472 (DF set): 100 each, 0% loss; the
# interface counters grow by at least what was sent and received.
. "$(dirname "$0")/lib.sh"
ne2k_up
for size in 1 100 1000 1472; do
    rx0=$(stat "$IFC" rx_packets); tx0=$(stat "$IFC" tx_packets); rb0=$(stat "$IFC" rx_bytes); tb0=$(stat "$IFC" tx_bytes)
    ping_ok 100 "$size" -i 0.01 -M do
    drx=$(( $(stat "$IFC" rx_packets) - rx0 )); dtx=$(( $(stat "$IFC" tx_packets) - tx0 ))
    drb=$(( $(stat "$IFC" rx_bytes) - rb0 )); dtb=$(( $(stat "$IFC" tx_bytes) - tb0 ))
    frame=$(( size + 8 + 20 + 14 )); [ $frame -lt 60 ] && frame=60
    note "payload $size: +$dtx tx / +$drx rx packets, +$dtb tx / +$drb rx bytes (frame $frame)"
    [ $dtx -ge 100 ] && [ $drx -ge 100 ] || fail "counters did not follow the traffic"
    [ $dtb -ge $(( 100 * frame )) ] && [ $drb -ge $(( 100 * frame )) ] || fail "byte counters too small"
    [ $dtx -le 110 ] && [ $drx -le 110 ] || fail "counters grew far more than the traffic"
done
[ "$(stat "$IFC" rx_errors)" = 0 ] && [ "$(stat "$IFC" tx_errors)" = 0 ] || fail "errors counted"
ne2k_down
