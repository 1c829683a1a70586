#!/usr/bin/env bash
# Netpoll nested in a lock hold on its own CPU (issue #28, item 1): the test module irqnetpoll
# (tests/guest/modules/irqnetpoll, built by scripts/check.sh) sends a frame through netpoll from
# a hard-IRQ timer on CPU 0, as netconsole does for a message printed in hard-IRQ context, while
# CPU 0 reads the statistics and ethtool -S in a loop (holders of the chip lock, interrupts on)
# and a flood ping runs. Before the fix netpoll's start_xmit spun on the lock CPU 0 held: a hard
# lockup. Now: the loop ends, netpoll_busy counts the refusals, traffic works after.
. "$(dirname "$0")/lib.sh"
MOD="$(cd "$(dirname "$0")" && pwd)/modules/irqnetpoll/irqnetpoll.ko"
[ -f "$MOD" ] || fail "$MOD is not built (scripts/check.sh builds it against the guest kernel)"
ne2k_up
busy0=$(ethtool -S "$IFC" | awk '$1 == "netpoll_busy:" {print $2}')
[ -n "$busy0" ] || fail "ethtool -S has no netpoll_busy"
taskset -c 0 insmod "$MOD" dev="$IFC" period_us=200 || fail "insmod irqnetpoll"
timeout 30 ping -f -c 1000000 "$PEER_IP" >/dev/null 2>&1 &
pp=$!
taskset -c 0 sh -c "end=\$(( \$(date +%s) + 10 )); while [ \$(date +%s) -lt \$end ]; do
    cat /sys/class/net/$IFC/statistics/rx_packets >/dev/null; ethtool -S $IFC >/dev/null
    ip -s link show $IFC >/dev/null; done" &
hp=$!
# Bounded: a CPU locked up in the driver never lets the loop end.
for _ in $(seq 60); do kill -0 $hp 2>/dev/null || break; sleep 1; done
kill -0 $hp 2>/dev/null && fail "the statistics loop on CPU 0 did not end in 60 s (netpoll spinning on the chip lock?)"
wait $hp
kill $pp 2>/dev/null; wait $pp 2>/dev/null
rmmod irqnetpoll || fail "rmmod irqnetpoll"
sent=$(dmesg | sed -n 's/.*irqnetpoll: \([0-9]*\) frames handed.*/\1/p' | tail -1)
[ "${sent:-0}" -gt 0 ] || fail "irqnetpoll handed no frame to netpoll"
busy=$(ethtool -S "$IFC" | awk '$1 == "netpoll_busy:" {print $2}')
note "$sent frames sent from hard-IRQ context through netpoll; netpoll_busy $busy0 -> $busy"
ping_ok 20 100 -i 0.01
ne2k_down
