#!/usr/bin/env bash
# 20 link down/up cycles, traffic resuming each time.
. "$(dirname "$0")/lib.sh"
ne2k_up
for i in $(seq 20); do
    ip link set "$IFC" down
    ip link set "$IFC" up
    ping -c 2 -i 0.1 -W 3 "$PEER_IP" >/dev/null 2>&1 || ping -c 2 -W 3 "$PEER_IP" >/dev/null 2>&1 || fail "no traffic after flap $i"
done
note "20 flaps, traffic resumed each time"
ne2k_down
