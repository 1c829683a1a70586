#!/bin/busybox sh
# The guest side of `scripts/debian-kernel.sh smoke`: /init of a busybox initramfs booted on
# Debian's unmodified kernel, with Debian's 8390.ko and ne2k-pci.ko and our ne2k_rs.ko in /mod.
# On QEMU's ne2k_pci card (slirp: the peer 10.0.2.2): the C driver as the baseline, then
# ne2k_rs; each loads, its interface comes up with 10.0.2.15/24 and pings 10.0.2.2. Prints
# "SMOKE PASS|FAIL <check>" lines and "SMOKE DONE" on the console (ttyS0); the running kernel's
# kallsyms goes to ttyS1 (the host compares its Rust symbols with the prepared tree's).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ip link set lo up

pass() { echo "SMOKE PASS $*"; }
fail() { echo "SMOKE FAIL $*"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

echo "SMOKE INFO uname -r: $(uname -r); $(cat /proc/version)"
echo "SMOKE INFO taint before: $(cat /proc/sys/kernel/tainted); lockdown: $(cat /sys/kernel/security/lockdown 2>/dev/null || echo n/a)"

# the interface the card got (the driver's, by the PCI device's net/ directory)
card_if() {
    for n in /sys/bus/pci/devices/*/net/*; do
        [ -e "$n" ] || continue
        d=$(readlink -f "$n/device/driver"); [ "${d##*/}" = "$1" ] && { echo "${n##*/}"; return 0; }
    done
    return 1
}

try_driver() { # driver-name-in-sysfs label modules...
    drv=$1 label=$2; shift 2
    ok=1
    for m in "$@"; do
        if out=$(insmod "/mod/$m" 2>&1); then echo "SMOKE INFO insmod $m: ok"; else echo "SMOKE INFO insmod $m: $out"; ok=0; fi
    done
    check "$label-insmod" [ $ok = 1 ]
    sleep 1
    ifc=$(card_if "$drv") || ifc=""
    check "$label-netdev" [ -n "$ifc" ]
    if [ -n "$ifc" ]; then
        echo "SMOKE INFO $label: interface $ifc, $(cat /sys/class/net/$ifc/address)"
        ip addr add 10.0.2.15/24 dev "$ifc"
        ip link set "$ifc" up
        sleep 2
        ping -c 5 -W 2 10.0.2.2 >/tmp/ping.txt 2>&1; prc=$?
        sed 's/^/SMOKE INFO ping: /' /tmp/ping.txt | tail -3
        check "$label-ping" [ $prc = 0 ]
        ip link set "$ifc" down
        ip addr flush dev "$ifc"
    fi
}

try_driver ne2k-pci ne2k-pci 8390.ko ne2k-pci.ko
rmmod ne2k_pci && rmmod 8390
check ne2k-pci-rmmod [ ! -d /sys/module/ne2k_pci ]

try_driver ne2k_rs ne2k_rs ne2k_rs.ko
dmesg | grep -iE 'ne2k_rs|unknown symbol|disagrees|Invalid module|tainting|module verification' | sed 's/^/SMOKE DMESG /'
check ne2k_rs-no-unknown-symbol sh -c '! dmesg | grep -qiE "unknown symbol|disagrees about version"'
check ne2k_rs-rmmod rmmod ne2k_rs
dmesg | grep -E "BUG:|WARNING:|Oops|Kernel panic|RIP:|Call Trace" | sed 's/^/SMOKE DMESG /'
check dmesg-clean sh -c '! dmesg | grep -qE "BUG:|WARNING:|Oops|Kernel panic|RIP:|Call Trace"'
# expected: 12288 = O (out-of-tree module, 4096) + E (unsigned module, 8192)
echo "SMOKE INFO taint after: $(cat /proc/sys/kernel/tainted)"
cat /proc/kallsyms >/dev/ttyS1
echo "SMOKE DONE"
poweroff -f
