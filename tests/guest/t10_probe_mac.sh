#!/usr/bin/env bash
# insmod ne2k_rs binds the ne2k_pci card, logs the PROM MAC given to QEMU, claims I/O + IRQ;
# rmmod releases both.
. "$(dirname "$0")/lib.sh"
unload_all
before=$(dmesg_count "ne2k_rs .*MAC ")
insmod "$NE2K_RS_KO" || fail "insmod failed"
line=$(dmesg | grep -E "ne2k_rs .*MAC " | tail -1)
note "dmesg: $line"
[ "$(dmesg_count "ne2k_rs .*MAC ")" -eq $((before + 1)) ] || fail "no probe line logged"
echo "$line" | grep -qi "MAC ${NE2K_MAC}," || fail "logged MAC differs from QEMU's $NE2K_MAC"
[ -e /sys/bus/pci/drivers/ne2k_rs ] || fail "driver not registered"
bound=$(ls /sys/bus/pci/drivers/ne2k_rs | grep -c '^0000:' || true)
[ "$bound" -eq 1 ] || fail "expected 1 bound device, got $bound"
grep -q ne2k_rs /proc/ioports || fail "I/O ports not claimed (/proc/ioports)"
grep -q ne2k_rs /proc/interrupts || fail "IRQ not claimed (/proc/interrupts)"
ioline=$(grep ne2k_rs /proc/ioports | head -1); note "ioports: $ioline"
start=$(echo "$ioline" | sed -E 's/^ *([0-9a-f]+)-([0-9a-f]+).*/\1/'); end=$(echo "$ioline" | sed -E 's/^ *([0-9a-f]+)-([0-9a-f]+).*/\2/')
[ $(( 0x$end - 0x$start + 1 )) -eq 32 ] || fail "claimed $(( 0x$end - 0x$start + 1 )) ports, expected 0x20"
rmmod ne2k_rs || fail "rmmod failed"
! grep -q ne2k_rs /proc/ioports || fail "I/O ports still claimed after rmmod"
! grep -q ne2k_rs /proc/interrupts || fail "IRQ still claimed after rmmod"
dmesg | tail -5 | grep -q "unbound" || fail "no unbind line"
exit 0
