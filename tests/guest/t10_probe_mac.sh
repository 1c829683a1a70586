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
# The ops tables as the core sees them (built in Rust, netdev/ops.rs): ethtool -i from get_drvinfo,
# the -S names from get_sset_count/get_strings, the message level from get_msglevel.
settle
ifc=$(iface_by_mac "$NE2K_MAC"); [ -n "$ifc" ] || fail "no interface with MAC $NE2K_MAC"
pci=$(basename "$(readlink -f "/sys/class/net/$ifc/device")")
info=$(ethtool -i "$ifc") || fail "ethtool -i"
echo "$info" | grep -qx "driver: ne2k_rs" || fail "ethtool -i driver: $info"
# No driver version (netdev asks drivers not to report one): the core fills in the kernel's.
echo "$info" | grep -qx "version: $(uname -r)" || fail "ethtool -i version is not the kernel's $(uname -r): $info"
echo "$info" | grep -qx "bus-info: $pci" || fail "ethtool -i bus-info is not $pci: $info"
nstats=$(ethtool -S "$ifc" | grep -c '^ *[a-z_]*: [0-9]*$')
[ "$nstats" -eq 25 ] || fail "ethtool -S lists $nstats counters, expected 25"
ethtool -S "$ifc" | grep -q '^ *irq_deferrals: 0$' || fail "ethtool -S: no irq_deferrals 0"
ethtool "$ifc" | grep -q 'Current message level: 0x000000c3' || fail "msglevel not the default 0xc3 (drv, probe, rx_err, tx_err)"
# One queue pair (ethtool -l/-L), and the fixed rings (ethtool -g): the receive ring's pages as
# the probe line gives them ("RX ring 0x4c-0xbf"), the two transmit slots.
chan=$(ethtool -l "$ifc") || fail "ethtool -l"
[ "$(echo "$chan" | grep -c '^Combined:[[:space:]]*1$')" = 2 ] || fail "ethtool -l: not 1 combined channel (max and current): $chan"
ethtool -L "$ifc" combined 1 || fail "ethtool -L combined 1 (the current count) refused"
! ethtool -L "$ifc" combined 2 2>/dev/null || fail "ethtool -L combined 2 accepted"
first=$(echo "$line" | sed -nE 's/.*RX ring 0x([0-9a-f]+)-0x([0-9a-f]+).*/\1/p')
last=$(echo "$line" | sed -nE 's/.*RX ring 0x([0-9a-f]+)-0x([0-9a-f]+).*/\2/p')
[ -n "$first" ] || fail "no RX ring in the probe line"
ring=$(ethtool -g "$ifc") || fail "ethtool -g"
[ "$(echo "$ring" | grep -c "^RX:[[:space:]]*$(( 0x$last - 0x$first + 1 ))$")" = 2 ] || fail "ethtool -g RX is not the $(( 0x$last - 0x$first + 1 )) ring pages: $ring"
[ "$(echo "$ring" | grep -c '^TX:[[:space:]]*2$')" = 2 ] || fail "ethtool -g TX is not the 2 slots: $ring"
# ethtool -G: the fixed sizes themselves are accepted (a tool restoring what it read must not
# fail), any other size is refused.
rxp=$(( 0x$last - 0x$first + 1 ))
ethtool -G "$ifc" rx "$rxp" tx 2 || fail "ethtool -G rx $rxp tx 2 (the current sizes) refused"
! ethtool -G "$ifc" rx $(( rxp / 2 )) 2>/dev/null || fail "ethtool -G rx $(( rxp / 2 )) accepted"
! ethtool -G "$ifc" tx 1 2>/dev/null || fail "ethtool -G tx 1 accepted"
rmmod ne2k_rs || fail "rmmod failed"
! grep -q ne2k_rs /proc/ioports || fail "I/O ports still claimed after rmmod"
! grep -q ne2k_rs /proc/interrupts || fail "IRQ still claimed after rmmod"
dmesg | tail -5 | grep -q "unbound" || fail "no unbind line"
exit 0
