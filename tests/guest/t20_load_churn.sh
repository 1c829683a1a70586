#!/usr/bin/env bash
# 20 insmod/rmmod cycles: each binds and releases cleanly, the refcount returns to zero.
. "$(dirname "$0")/lib.sh"
unload_all
n=20
before=$(dmesg_count "ne2k_rs .*MAC ")
for i in $(seq $n); do
    insmod "$NE2K_RS_KO" || fail "insmod #$i failed"
    [ "$(cat /sys/module/ne2k_rs/refcnt)" = 0 ] || fail "refcnt $(cat /sys/module/ne2k_rs/refcnt) after insmod #$i"
    rmmod ne2k_rs || fail "rmmod #$i failed"
    [ ! -e /sys/module/ne2k_rs ] || fail "module still present after rmmod #$i"
done
got=$(( $(dmesg_count "ne2k_rs .*MAC ") - before ))
[ "$got" -eq $n ] || fail "expected $n probe lines, got $got"
! grep -q ne2k_rs /proc/ioports /proc/interrupts || fail "resources left claimed"
note "$n load/unload cycles, $got probes"
