#!/usr/bin/env bash
# Guest side of `make demo`: load ne2k_rs next to the C drivers' cards and show the probe.
set -u
echo "### guest kernel: $(uname -r), $(nproc) CPUs"
echo "### PCI network devices (vendor:device, driver)"
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/class")" = 0x020000 ] || continue
    drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null || true)
    echo "  $(basename "$d")  $(cat "$d/vendor"):$(cat "$d/device")  driver=${drv:-none}"
done
echo "### insmod $NE2K_RS_KO"
insmod "$NE2K_RS_KO" || exit 1
dmesg | grep -E 'ne2k_rs' | tail -5
echo "### /proc/ioports and /proc/interrupts"
grep ne2k_rs /proc/ioports /proc/interrupts
echo "### bound devices: $(ls /sys/bus/pci/drivers/ne2k_rs | grep '^0000:' | tr '\n' ' ')"
echo "### rmmod ne2k_rs"
rmmod ne2k_rs || exit 1
dmesg | grep -E 'ne2k_rs' | tail -1
echo "### baseline: the C ne2k-pci driver pings the peer ($PEER_IP)"
modprobe ne2k-pci
sleep 1
for d in /sys/class/net/*; do [ "$(cat $d/address)" = "$NE2K_MAC" ] && ifc=$(basename $d); done
ip addr add "$GUEST_IP" dev "$ifc"; ip link set "$ifc" up
ping -c 3 -i 0.2 "$PEER_IP"
ip link set "$ifc" down; modprobe -r ne2k-pci
