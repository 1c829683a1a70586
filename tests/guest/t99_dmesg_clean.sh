#!/usr/bin/env bash
# After everything above: no WARN/BUG/Oops/lockdep/refcount/leak reports in the kernel log, and,
# on a kernel with kmemleak (FLAVOR=debug), no unreferenced object allocated by ne2k_rs.
. "$(dirname "$0")/lib.sh"
unload_all
KML=/sys/kernel/debug/kmemleak
if [ -w "$KML" ]; then
    echo scan > "$KML"; sleep 2; echo scan > "$KML"
    leaks=$(grep -c 'unreferenced object' "$KML" || true)
    ours=$(grep -A20 'unreferenced object' "$KML" | grep -c 'ne2k_rs' || true)
    note "kmemleak: $leaks unreferenced objects, $ours with ne2k_rs in the backtrace"
    cp "$KML" "$OUT/kmemleak.txt"
    [ "$ours" -eq 0 ] || fail "kmemleak reports objects allocated by ne2k_rs"
fi
boot=$(boot_problems)
[ -z "$boot" ] && note "boot log clean" || note "reported by the boot, before any test (not counted): $(echo "$boot" | head -3)"
bad=$(dmesg_problems)
[ -z "$bad" ] || { echo "$bad" | head -20; fail "kernel reported problems"; }
note "dmesg clean ($(dmesg | wc -l) lines)"
