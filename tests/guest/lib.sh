# Helpers for guest tests (sourced). Each test is a bash script that exits 0 on pass; it prints
# what it checked and, on failure, why.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  $*"; }

# The interface whose MAC is $1 (empty if none).
iface_by_mac() {
    local m=${1,,} d
    for d in /sys/class/net/*; do
        [ "$(cat "$d/address" 2>/dev/null)" = "$m" ] && { basename "$d"; return 0; }
    done
    return 0
}

unload_all() {
    rmmod ne2k_rs 2>/dev/null || true
    modprobe -r ne2k-pci 2>/dev/null || true
    modprobe -r e100 2>/dev/null || true
}

# Count of dmesg lines matching an extended regex.
dmesg_count() { dmesg | grep -Ec "$1" || true; }

# Kernel-log lines that report a problem: warnings, BUGs, oopses, lockdep/UBSAN/KASAN/kmemleak
# reports, refcount saturation, Rust panics. (Case matters: "Oops" must not match "loops_per_jiffy".)
dmesg_problems() {
    dmesg | grep -E 'WARNING:|BUG:|kernel BUG|Oops|general protection|Call Trace:|lockdep|possible (circular|recursive) locking|UBSAN:|KASAN:|refcount_t:|[Rr]efcount|[Ll]eak|rust_panic|panicked at' || true
}
