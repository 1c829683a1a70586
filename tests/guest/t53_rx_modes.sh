#!/usr/bin/env bash
# promiscuous / allmulticast switches and multicast joins while traffic runs; a MAC change
# keeps traffic flowing (QEMU's model filters unicast on the PROM address: the driver
# compensates by receiving promiscuously while the address differs).
. "$(dirname "$0")/lib.sh"
ne2k_up
for mode in "promisc on" "promisc off" "allmulticast on" "allmulticast off"; do
    ip link set "$IFC" $mode || fail "ip link set $mode"
    ping_ok 20 100 -i 0.01
done
ip maddr add 01:00:5e:00:00:fb dev "$IFC" || fail "maddr add"
ip maddr show dev "$IFC" | grep -q 01:00:5e:00:00:fb || fail "multicast address not listed"
ping_ok 20 100 -i 0.01
ip maddr del 01:00:5e:00:00:fb dev "$IFC"
ip link set "$IFC" address 52:54:00:ab:cd:ef || fail "MAC change refused"
ip neigh flush dev "$IFC"
ping_ok 20 100 -i 0.01
ip link set "$IFC" address "$NE2K_MAC"
ip link set "$IFC" address 01:00:5e:00:00:01 2>/dev/null && fail "a multicast MAC was accepted"
ne2k_down
