#!/usr/bin/env bash
# Invalid module parameters are refused with a clear message; valid ones load.
. "$(dirname "$0")/lib.sh"
unload_all
for bad in napi_weight=0 napi_weight=65 napi_weight=-1 msg_enable=-2 napi_weight=abc; do
    if insmod "$NE2K_RS_KO" $bad 2>/dev/null; then rmmod ne2k_rs; fail "accepted $bad"; fi
    [ ! -e /sys/module/ne2k_rs ] || fail "module left loaded after refusing $bad"
done
dmesg | grep -q "napi_weight=0 is invalid" || fail "no message for napi_weight=0"
dmesg | grep -q "msg_enable=-2 is invalid" || fail "no message for msg_enable=-2"
insmod "$NE2K_RS_KO" napi_weight=16 msg_enable=0 || fail "valid parameters refused"
IFC=$(iface_by_mac "$NE2K_MAC")
[ "$(ethtool "$IFC" | grep -c 'Current message level: 0x00000000')" = 1 ] || note "(msglevel not shown by ethtool)"
ethtool -s "$IFC" msglvl 0x40 || fail "ethtool msglvl"
rmmod ne2k_rs
note "bad parameters refused; napi_weight=16 msg_enable=0 loaded"
