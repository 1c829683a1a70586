# Helpers for guest tests (sourced). Each test is a bash script that exits 0 on pass; it prints
# what it checked and, on failure, why.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  $*"; }

# Waits for udev (if the guest runs it) to finish with new devices.
settle() { command -v udevadm >/dev/null && udevadm settle -t 10 >/dev/null 2>&1; return 0; }

# The interface whose MAC is $1 (empty if none).
iface_by_mac() {
    local m=${1,,} d
    settle
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

# Kernel-log lines that report a problem: warnings, BUGs, oopses, lockdep / atomic-sleep / RCU
# reports, UBSAN/KASAN, anything about refcounts or leaks, Rust panics. The boot banners of the
# debug kernel ("RCU lockdep checking is enabled", "kmemleak: Kernel memory leak detector
# initialized") are not reports. (Case matters for "Oops": it must not match "loops_per_jiffy".)
# Lines already in the log when the script started ($OUT/dmesg-boot.txt, guest-init.sh) are
# the boot's, not the tests': left out (boot_problems lists them).
dmesg_problems() {
    local boot=/dev/null
    [ -s "${OUT:-}/dmesg-boot.txt" ] && boot="$OUT/dmesg-boot.txt"
    dmesg | grep -vxFf "$boot" | grep -E 'WARNING:|BUG:|kernel BUG|Oops|general protection|Call Trace:|lockdep|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called from invalid context|UBSAN:|KASAN:|[Rr]efcount|[Ll]eak|rust_panic|panicked at' |
        grep -vE 'RCU lockdep checking is enabled|Kernel memory leak detector initialized' || true
}

# Problems the boot reported, before any test ran.
boot_problems() {
    [ -s "${OUT:-}/dmesg-boot.txt" ] || return 0
    grep -E 'WARNING:|BUG:|kernel BUG|Oops|general protection|lockdep|UBSAN:|KASAN:' "$OUT/dmesg-boot.txt" |
        grep -vE 'RCU lockdep checking is enabled|Kernel memory leak detector initialized' || true
}

# Loads DRIVER on the NE2000 card (ne2k_rs with insmod and ARGS, or a C driver with modprobe),
# brings its interface up with $GUEST_IP and reaches the peer once; sets IFC.
#   card_up DRIVER [ARGS...]
card_up() {
    local drv=$1; shift
    unload_all
    if [ "$drv" = ne2k_rs ]; then
        insmod "$NE2K_RS_KO" "$@" || fail "insmod ne2k_rs $*"
    else
        modprobe "$drv" "$@" || fail "modprobe $drv $*"
    fi
    IFC=$(iface_by_mac "$NE2K_MAC")
    [ -n "$IFC" ] || fail "$drv: no interface with MAC $NE2K_MAC"
    ip addr add "$GUEST_IP" dev "$IFC" || fail "ip addr add"
    ip link set "$IFC" up || fail "ip link up"
    # the first ARP exchange
    ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || fail "$drv: peer unreachable after bring-up"
}

# Loads ne2k_rs (insmod ARGS) and brings its interface up: card_up ne2k_rs.
ne2k_up() {
    card_up ne2k_rs "$@"
}

ne2k_down() {
    [ -n "${IFC:-}" ] && ip link set "$IFC" down 2>/dev/null
    rmmod ne2k_rs 2>/dev/null || true
}

# Pins the peer's neighbour entry so no ARP exchange falls into a counted window.
pin_peer() {
    local mac
    mac=$(ip neigh show "$PEER_IP" dev "$IFC" | awk '/lladdr/ {print $3}')
    [ -n "$mac" ] || fail "no neighbour entry for $PEER_IP"
    ip neigh replace "$PEER_IP" lladdr "$mac" dev "$IFC" nud permanent || fail "ip neigh replace"
}

# Interface counter from sysfs: stat IFACE NAME
stat() { cat "/sys/class/net/$1/statistics/$2"; }

# Requests to scripts/labctl.py on the peer (LABCTL_PORT; empty under Bochs): request -> reply.
# LABCTL_TIMEOUT: seconds to wait for the reply (60).
labctl() {
    python3 - "$PEER_IP" "$LABCTL_PORT" "$*" "${LABCTL_TIMEOUT:-60}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(float(sys.argv[4]))
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
print(s.recv(512).decode())
PY
}

# The port of an iperf3 server on the peer for one test: a fresh one-test server from labctl
# where there is one, so that a client killed mid-test (rmmod under load, a timeout) cannot
# leave the shared server "busy running a test" for the next; else the shared $IPERF3_PORT.
iperf_port() {
    local p=""
    [ -n "${LABCTL_PORT:-}" ] && p=$(labctl iperf3 | awk '$1 == "port" {print $2}')
    echo "${p:-$IPERF3_PORT}"
}

# ping wrapper: asserts 0% loss. ping_ok COUNT SIZE [extra ping args]
ping_ok() {
    local n=$1 size=$2; shift 2
    local out
    out=$(ping -q -c "$n" -s "$size" -W 2 "$@" "$PEER_IP" 2>&1)
    echo "$out" | tail -2 | sed 's/^/  /'
    echo "$out" | grep -q " 0% packet loss" || fail "loss pinging with $size-byte payload ($*)"
}
