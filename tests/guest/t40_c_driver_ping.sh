#!/usr/bin/env bash
# Baseline: the C ne2k-pci driver pings the peer in this guest.
. "$(dirname "$0")/lib.sh"
unload_all
modprobe ne2k-pci || fail "modprobe ne2k-pci failed"
sleep 1
ifc=$(iface_by_mac "$NE2K_MAC")
[ -n "$ifc" ] || fail "no interface with MAC $NE2K_MAC"
ip addr add "$GUEST_IP" dev "$ifc"
ip link set "$ifc" up
out=$(ping -c 5 -i 0.2 -W 2 "$PEER_IP" 2>&1); rc=$?
echo "$out" | tail -2
ip link set "$ifc" down; ip addr flush dev "$ifc"
modprobe -r ne2k-pci
[ $rc -eq 0 ] || fail "ping through ne2k-pci failed"
echo "$out" | grep -q " 0% packet loss" || fail "packet loss through ne2k-pci"
