#!/usr/bin/env bash
# The card removed under traffic (issue #28, item 2): with iperf3 both ways and a flood ping
# running, `echo 1 > /sys/bus/pci/devices/<bdf>/remove` unbinds the driver and deletes the
# device; then `echo 1 > /sys/bus/pci/rescan` finds it again, the driver (still loaded) binds
# it, and traffic works. Nothing may hang (each step is bounded) or splat (t99 reads the log).
# ne2k_rs, then the C ne2k-pci as the baseline.
. "$(dirname "$0")/lib.sh"
for drv in ne2k_rs ne2k-pci; do
    card_up "$drv"
    bdf=$(basename "$(readlink -f "/sys/class/net/$IFC/device")")
    [ -e "/sys/bus/pci/devices/$bdf" ] || fail "$drv: no PCI device behind $IFC"
    timeout 40 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 30 >/dev/null 2>&1 &
    p1=$!
    timeout 40 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 30 -R >/dev/null 2>&1 &
    p2=$!
    timeout 40 ping -f -c 1000000 "$PEER_IP" >/dev/null 2>&1 &
    p3=$!
    sleep 3
    # Bounded: a remove that hangs fails the test here instead of stalling the run (the
    # writer may stay stuck in the kernel, which the dmesg check then shows).
    timeout 30 sh -c "echo 1 > /sys/bus/pci/devices/$bdf/remove" || fail "$drv: PCI remove under traffic did not finish in 30 s"
    [ ! -e "/sys/bus/pci/devices/$bdf" ] || fail "$drv: $bdf still present after remove"
    [ -z "$(iface_by_mac "$NE2K_MAC")" ] || fail "$drv: the interface outlived its device"
    kill $p1 $p2 $p3 2>/dev/null; wait $p1 $p2 $p3 2>/dev/null
    timeout 30 sh -c "echo 1 > /sys/bus/pci/rescan" || fail "$drv: PCI rescan did not finish in 30 s"
    settle
    [ -e "/sys/bus/pci/devices/$bdf" ] || fail "$drv: $bdf not found again by the rescan"
    IFC=$(iface_by_mac "$NE2K_MAC")
    [ -n "$IFC" ] || fail "$drv: no interface after the rescan"
    ip addr add "$GUEST_IP" dev "$IFC" || fail "$drv: ip addr add after the rescan"
    ip link set "$IFC" up || fail "$drv: ip link up after the rescan"
    ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || true
    ping_ok 20 100 -i 0.01
    note "$drv: removed under iperf3 both ways + flood ping, rescanned, traffic works"
done
unload_all
