#!/usr/bin/env bash
# Guest side of `make demo`: load ne2k_rs, show the probe, ping and iperf3 through it; then the
# same through the C ne2k-pci driver on the same card, in the same guest; print a summary.
set -u
T=${DEMO_IPERF_SECONDS:-5}
iface() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$NE2K_MAC" ] && basename "$d"; done; }
summary=()

run_driver() { # label load-command unload-command
    local label=$1 load=$2 unload=$3
    echo
    echo "################ $label ################"
    eval "$load" || { echo "load failed"; return 1; }
    command -v udevadm >/dev/null && udevadm settle -t 10
    local ifc; ifc=$(iface)
    dmesg | grep -E "ne2k.*(MAC|found at)" | tail -1
    ethtool -i "$ifc" | head -3
    drv=$(ethtool -i "$ifc" | awk '/^driver:/ {print $2}')
    [ "$drv" = "$label" ] || { echo "error: the card is driven by '$drv', not $label"; return 1; }
    ip addr add "$GUEST_IP" dev "$ifc"; ip link set "$ifc" up
    ping -c 1 -W 3 "$PEER_IP" >/dev/null || ping -c 1 -W 3 "$PEER_IP" >/dev/null
    echo "### ping -c 5 $PEER_IP"
    ping -c 5 -i 0.2 "$PEER_IP"
    echo "### ping -c 5 -s 1472 -M do $PEER_IP"
    ping -c 5 -i 0.2 -s 1472 -M do "$PEER_IP" | tail -2
    local tx rx
    echo "### iperf3 -c $PEER_IP -t $T   (guest -> peer: $label transmits)"
    iperf3 -c "$PEER_IP" -p "$IPERF3_PORT" -t "$T" | tee "$OUT/iperf-$label-tx.txt" | tail -4
    echo "### iperf3 -c $PEER_IP -t $T -R   (peer -> guest: $label receives)"
    iperf3 -c "$PEER_IP" -p "$IPERF3_PORT" -t "$T" -R | tee "$OUT/iperf-$label-rx.txt" | tail -4
    tx=$(awk '/receiver/ {print $7, $8}' "$OUT/iperf-$label-tx.txt")
    rx=$(awk '/receiver/ {print $7, $8}' "$OUT/iperf-$label-rx.txt")
    echo "### ip -s link show $ifc"
    ip -s link show "$ifc"
    summary+=("$(printf '%-10s TCP tx %-16s TCP rx %-16s' "$label" "$tx" "$rx")")
    ip link set "$ifc" down
    ip addr flush dev "$ifc"
    eval "$unload"
}

echo "### guest kernel: $(uname -r), $(nproc) CPUs; PCI network devices:"
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/class")" = 0x020000 ] && echo "  $(basename "$d")  $(cat "$d/vendor"):$(cat "$d/device")"
done
run_driver ne2k_rs "insmod $NE2K_RS_KO" "rmmod ne2k_rs" || exit 1
run_driver ne2k-pci "modprobe ne2k-pci" "modprobe -r ne2k-pci" || exit 1
echo
echo "################ summary (iperf3 ${T} s, TCG guest, peer = QEMU user net on the host loopback) ################"
printf '%s\n' "${summary[@]}"
