#!/usr/bin/env bash
# ne2k-rs's own driver selftest (scripts/guest/selftests.sh, HW-mode environment: NETIF,
# LOCAL_V4, REMOTE_V4, REMOTE_TYPE=netns, REMOTE_ARGS): 802.1Q over the card.
#   vlan.full_size_both_ways  a VLAN device on each end; a ping of 1472 bytes with DF set is a
#                             1500-byte IP packet, a 1518-byte tagged frame, both ways; the
#                             card's byte counters grow by exactly that frame size
#   vlan.mtu_bounds           the stack's bounds for an Ethernet device: 68..1500 accepted,
#                             67 and 1501 refused, the VLAN device no larger than the card
# KTAP output; exit 0 when every case passes, 1 otherwise, 4 when 802.1Q is unavailable.
set -u
NS=${REMOTE_ARGS:?REMOTE_ARGS (the remote netns) must be set}
: "${NETIF:?}" "${LOCAL_V4:?}" "${REMOTE_V4:?}"
[ "${REMOTE_TYPE:-}" = netns ] || { echo "1..0 # SKIP needs REMOTE_TYPE=netns"; exit 4; }
VID=100 VL=198.51.100.1 VR=198.51.100.2
echo "TAP version 13"
modprobe 8021q 2>/dev/null
if ! ip link add link "$NETIF" name st-vlan type vlan id $VID 2>/dev/null; then
    echo "1..0 # SKIP 802.1Q (CONFIG_VLAN_8021Q) is not available"
    exit 4
fi
echo "1..2"
RIF=$(ip netns exec "$NS" ip -j addr show to "$REMOTE_V4" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["ifname"])')
cleanup() {
    ip link del st-vlan 2>/dev/null
    ip -n "$NS" link del st-vlan 2>/dev/null
    ip link set "$NETIF" mtu 1500 2>/dev/null
}
trap cleanup EXIT
failed=0
ip -n "$NS" link add link "$RIF" name st-vlan type vlan id $VID
ip addr add $VL/24 dev st-vlan
ip -n "$NS" addr add $VR/24 dev st-vlan
ip link set st-vlan up
ip -n "$NS" link set st-vlan up

# bytes counters of the card (not the VLAN device): tx_bytes rx_bytes
counters() { echo "$(cat "/sys/class/net/$NETIF/statistics/tx_bytes") $(cat "/sys/class/net/$NETIF/statistics/rx_bytes")"; }

why=""
# resolve the neighbour first, so the measured exchange is the echo alone
ping -c 1 -W 2 $VR >/dev/null 2>&1 || why="no reply over the VLAN at all"
if [ -z "$why" ]; then
    ip -s link show "$NETIF" >/dev/null
    read -r tx0 rx0 < <(counters)
    out=$(ping -c 5 -i 0.2 -W 2 -M do -s 1472 $VR 2>&1)
    read -r tx1 rx1 < <(counters)
    got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
    # five echoes each way, 1518 bytes each (the counters leave out the FCS); allow a few
    # stray frames (an ARP refresh) but no echo of another size
    dtx=$((tx1 - tx0)) drx=$((rx1 - rx0))
    echo "# 5 pings of 1472 bytes, DF: ${got:-0} replies; card tx +$dtx bytes, rx +$drx bytes"
    if [ "${got:-0}" != 5 ]; then
        why="${got:-0} of 5 full-size tagged echoes answered"
    elif [ $((dtx - 5 * 1518)) -lt 0 ] || [ $((dtx - 5 * 1518)) -gt 200 ] ||
         [ $((drx - 5 * 1518)) -lt 0 ] || [ $((drx - 5 * 1518)) -gt 200 ]; then
        why="byte counters do not show 5 frames of 1518 bytes each way"
    fi
    # and from the remote side
    ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 -M do -s 1472 $VL >/dev/null 2>&1 ||
        why="${why:-full-size tagged echoes from the remote end were not answered}"
fi
if [ -z "$why" ]; then echo "ok 1 vlan.full_size_both_ways"; else
    echo "# $why"; echo "not ok 1 vlan.full_size_both_ways"; failed=1; fi

why=""
for m in 68 1500; do
    ip link set "$NETIF" mtu $m 2>/dev/null || why="$why mtu $m refused;"
done
for m in 67 1501; do
    ip link set "$NETIF" mtu $m 2>/dev/null && why="$why mtu $m accepted;"
done
ip link set "$NETIF" mtu 1500
ip link set st-vlan mtu 1501 2>/dev/null && why="$why VLAN mtu 1501 accepted;"
if [ -z "$why" ]; then echo "ok 2 vlan.mtu_bounds"; else
    echo "#$why"; echo "not ok 2 vlan.mtu_bounds"; failed=1; fi
exit $failed
