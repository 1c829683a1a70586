#!/usr/bin/env bash
# ndo_get_stats64 through netlink (`ip -s link`): rtnl_fill_stats hands the driver the
# IFLA_STATS64 attribute's payload, which on x86 is 4-byte aligned or 8 depending on the
# attributes before it (the interface's name among them). ne2k_rs made a `&mut` of it, which a
# misaligned pointer makes undefined behaviour; Rust's debug assertions panic on it (found by
# make stress in the debug flavor, in Bochs, where the interface is eth0). This test loads the
# module built with debug assertions (scripts/check.sh: NE2K_RS_DEBUG_ASSERTIONS=y) and reads
# the statistics under interface names of every length, so that both alignments occur.
. "$(dirname "$0")/lib.sh"
KO=${NE2K_RS_DEBUGASSERT_KO:-$REPO/.variants/debug-assertions/ne2k_rs.ko}
[ -f "$KO" ] || fail "$KO is not built (scripts/check.sh builds it with NE2K_RS_DEBUG_ASSERTIONS=y)"
unload_all
before=$(dmesg_count "panicked|misaligned|Oops|BUG")
insmod "$KO" || fail "insmod $KO"
IFC=$(iface_by_mac "$NE2K_MAC"); [ -n "$IFC" ] || fail "no interface with MAC $NE2K_MAC"

ip link set dev "$IFC" down
n=0
for name in a ab abc abcd abcde abcdef abcdefg abcdefgh abcdefghi abcdefghij abcdefghijk \
            abcdefghijkl abcdefghijklm abcdefghijklmn abcdefghijklmno; do
    ip link set dev "$IFC" name "$name" || fail "rename $IFC to $name"
    IFC=$name
    # one link, then the dump of all (each message lays the attributes out anew)
    timeout 10 ip -s link show dev "$IFC" >/dev/null || fail "ip -s link show dev $IFC"
    timeout 10 ip -s -s link show >/dev/null || fail "ip -s -s link show (name $IFC)"
    cat /proc/net/dev >/dev/null
    n=$((n + 1))
done
after=$(dmesg_count "panicked|misaligned|Oops|BUG")
[ "$after" = "$before" ] || { dmesg | grep -E "panicked|misaligned|Oops|BUG" | tail -5; fail "the kernel reported a problem reading the statistics"; }
rmmod ne2k_rs || fail "rmmod"
note "statistics read through netlink under $n interface names (1 to 15 characters), debug assertions on: no report"
