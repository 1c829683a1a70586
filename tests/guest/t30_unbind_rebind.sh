#!/usr/bin/env bash
# Driver unbind/bind through sysfs releases and re-claims the device; a busy region refuses
# cleanly (the C driver holds the card, so ne2k_rs must fail to bind with a clear message).
. "$(dirname "$0")/lib.sh"
unload_all
insmod "$NE2K_RS_KO" || fail "insmod failed"
dev=$(ls /sys/bus/pci/drivers/ne2k_rs | grep '^0000:' | head -1)
[ -n "$dev" ] || fail "nothing bound"
echo "$dev" > /sys/bus/pci/drivers/ne2k_rs/unbind || fail "unbind failed"
! grep -q ne2k_rs /proc/ioports || fail "ports still claimed after unbind"
echo "$dev" > /sys/bus/pci/drivers/ne2k_rs/bind || fail "bind failed"
grep -q ne2k_rs /proc/ioports || fail "ports not claimed after rebind"
rmmod ne2k_rs || fail "rmmod failed"
# Both drivers claim the same IDs; with the C driver bound, ne2k_rs must not touch the card.
modprobe ne2k-pci || fail "modprobe ne2k-pci failed"
insmod "$NE2K_RS_KO" || fail "insmod (C driver bound) failed"
[ -z "$(ls /sys/bus/pci/drivers/ne2k_rs | grep '^0000:' || true)" ] || fail "ne2k_rs bound a device the C driver holds"
rmmod ne2k_rs || fail "rmmod failed"
modprobe -r ne2k-pci
note "unbind/bind via sysfs ok; C driver's card left alone"
