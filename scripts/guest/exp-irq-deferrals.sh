#!/usr/bin/env bash
# How often the hard IRQ meets a chip-lock holder and defers to its release (ethtool -S
# irq_deferrals), against the interrupts it handled (irqs), under iperf3 --bidir plus a flood
# ping: make guest-run SCRIPT=scripts/guest/exp-irq-deferrals.sh [EXP_SECONDS=8]
. "$REPO/tests/guest/lib.sh"
T=${EXP_SECONDS:-8}
insmod "$NE2K_RS_KO" || fail "insmod"
sleep 1
IF=$(iface_by_mac "$NE2K_MAC")
ip addr add "$GUEST_IP" dev "$IF" && ip link set "$IF" up
ping -c 2 -W 2 "$PEER_IP" >/dev/null || fail "no ping"
iperf3 -c "$PEER_IP" -p "$IPERF3_PORT" -t "$T" --bidir >/dev/null 2>&1 &
ping -f -w "$T" "$PEER_IP" >/dev/null 2>&1 &
wait
ethtool -S "$IF" | grep -E ' (irqs|napi_polls|irq_deferrals):'
ip -s link show "$IF" | sed -n '3,6p'
rmmod ne2k_rs
