#!/usr/bin/env bash
# Runs in the guest (guest-run.sh --pair): the kernel's network driver selftests in HW mode
# against the card at PAIR_LOCAL_PCI, for each driver named, with the card at PAIR_REMOTE_PCI
# (always the C ne2k-pci) in the network namespace "st-remote" as the remote end.
#   selftests.sh DRIVER...        DRIVER: ne2k_rs | ne2k-pci
# Environment: SELFTESTS_DIR (the install scripts/build-selftests.sh made), SELFTESTS_LIST
# (the tests to run: paths under SELFTESTS_DIR, space separated; default below; ne2k-rs/X is
# this repository's tests/selftests/X, run the same way).
# Writes $OUT/selftests/DRIVER/<test>.log (each test's own output: KTAP for the Python tests,
# the forwarding library's "TEST: ... [ OK ]" lines for hw/ethtool.sh, PASS/FAIL lines for
# net/netdevice.sh) and $OUT/selftests/DRIVER/<test>.rc; scripts/selftests-report.py turns them
# into results/selftests.json. Exit status 0 when every test ran (whatever its verdict), 1 when
# the topology could not be set up.
set -u
. "$REPO/tests/guest/lib.sh"
. "$REPO/scripts/guest/cases.sh"

KST=${SELFTESTS_DIR:?SELFTESTS_DIR must name the selftests install (scripts/build-selftests.sh)}
[ -f "$KST/drivers/net/ping.py" ] || { echo "selftests: no drivers/net in $KST" >&2; exit 1; }
[ -n "${PAIR_LOCAL_PCI:-}" ] || { echo "selftests: needs guest-run.sh --pair" >&2; exit 1; }
LIST=${SELFTESTS_LIST:-"drivers/net/ping.py drivers/net/stats.py drivers/net/queues.py
    drivers/net/netpoll_basic.py drivers/net/napi_id.py drivers/net/xdp.py
    drivers/net/ring_reconfig.py drivers/net/hds.py drivers/net/hw/ethtool.sh
    net/netdevice.sh ne2k-rs/netconsole.sh ne2k-rs/vlan.sh ne2k-rs/xdp_adjust.py"}
[ $# -ge 1 ] || { echo "usage: selftests.sh DRIVER..." >&2; exit 2; }
for d in "$@"; do
    case "$d" in ne2k_rs|ne2k-pci) ;; *) echo "selftests: unknown driver '$d'" >&2; exit 2;; esac
done

# the tests call `ethtool --json -l/-g`: the newer ethtool build-selftests.sh put beside them
[ -x "$KST/../tools/ethtool" ] && export PATH="$(cd "$KST/../tools" && pwd):$PATH"
# The guest's root file system is the host's over virtio 9p/virtiofs, under TCG: the first
# start of a large program reads it through that transport (bpftrace ran a 1 s script in 9.1 s
# cold, 2.4 s warm under a 16-stream iperf3 receive, 2026-12-04). netpoll_basic.py gives its
# bpftrace 20 s beyond its 10 s interval, under 16 iperf3 streams, and failed cold ("bpftrace
# failed to run"): its programs are read once here, before any test's clock runs.
command -v bpftrace >/dev/null && timeout 120 bpftrace -q -e 'BEGIN { exit(); }' >/dev/null 2>&1
NS=st-remote
LOCAL_V4=192.0.2.1 REMOTE_V4=192.0.2.2
LOCAL_V6=2001:db8::1 REMOTE_V6=2001:db8::2
HAVE_V6=0
if [ -d /proc/sys/net/ipv6 ]; then
    HAVE_V6=1
    # the lab boots with IPv6 off on every interface (guest-run.sh): on for these tests, in
    # this namespace (new interfaces) and in the remote's (created below, inherits "default")
    sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
fi

ifname_of() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -1; }

# bind PCI DRIVER: the card at PCI goes to DRIVER (ne2k_rs or ne2k-pci; driver_override keeps
# it from the other driver and keeps the other card from this one)
bind() {
    local pci=$1 drv=$2
    [ -e "/sys/bus/pci/devices/$pci/driver" ] &&
        echo "$pci" >"/sys/bus/pci/devices/$pci/driver/unbind"
    echo "$drv" >"/sys/bus/pci/devices/$pci/driver_override"
    if [ "$drv" = ne2k_rs ]; then
        lsmod | grep -q '^ne2k_rs ' || insmod "$NE2K_RS_KO" || return 1
    else
        modprobe ne2k-pci || return 1
    fi
    [ -e "/sys/bus/pci/devices/$pci/driver" ] || echo "$pci" >"/sys/bus/pci/drivers/$drv/bind"
    # the name udev gives it (enp0s28...), not the eth0 it had for a moment
    settle
    for _ in $(seq 50); do
        [ -n "$(ifname_of "$pci")" ] && return 0
        sleep 0.1
    done
    echo "selftests: $pci has no interface after binding $drv" >&2
    return 1
}

unbind() {
    [ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
    echo >"/sys/bus/pci/devices/$1/driver_override"
}

setup() {
    local drv=$1
    # both overrides first: loading one driver must not let it take the other card
    echo "$drv" >"/sys/bus/pci/devices/$PAIR_LOCAL_PCI/driver_override"
    echo ne2k-pci >"/sys/bus/pci/devices/$PAIR_REMOTE_PCI/driver_override"
    bind "$PAIR_REMOTE_PCI" ne2k-pci || return 1
    RIF=$(ifname_of "$PAIR_REMOTE_PCI")
    ip netns add $NS || return 1
    ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 2>/dev/null
    ip link set "$RIF" netns $NS || return 1
    # the local and the remote names must differ (the forwarding library's rule)
    ip -n $NS link set "$RIF" name st-peer0 || return 1
    RIF=st-peer0
    ip -n $NS link set lo up
    remote_up
    bind "$PAIR_LOCAL_PCI" "$drv" || return 1
    NETIF=$(ifname_of "$PAIR_LOCAL_PCI")
}

# the remote card's addresses, in the namespace (again after a test took it away)
remote_up() {
    # the tests take the link down and up: IPv6 must keep its addresses, as IPv4 does
    ip netns exec $NS sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 2>/dev/null
    ip -n $NS addr flush dev $RIF
    ip -n $NS addr add $REMOTE_V4/24 dev $RIF
    [ $HAVE_V6 = 1 ] && ip -n $NS addr add $REMOTE_V6/64 dev $RIF nodad
    ip -n $NS link set $RIF up
}

local_up() {
    sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 2>/dev/null
    ip addr flush dev "$NETIF"
    ip link set "$NETIF" address "$NE2K_MAC"
    ip addr add $LOCAL_V4/24 dev "$NETIF"
    [ $HAVE_V6 = 1 ] && ip addr add $LOCAL_V6/64 dev "$NETIF" nodad
    ip link set "$NETIF" up
    for _ in $(seq 50); do
        ping -c1 -W1 $REMOTE_V4 >/dev/null 2>&1 && return 0
    done
    echo "selftests: $REMOTE_V4 unreachable through $NETIF" >&2
    return 1
}

teardown() {
    # unbind first: the remote card's interface goes with its driver, wherever its namespace
    unbind "$PAIR_LOCAL_PCI"; unbind "$PAIR_REMOTE_PCI"
    ip netns del $NS 2>/dev/null
    rmmod ne2k_rs 2>/dev/null; modprobe -r ne2k-pci 2>/dev/null
    sleep 0.5
}

# run_one DIR TEST: one test, its output and exit status kept
run_one() {
    local dir=$1 t=$2 name log tmo
    name=$(echo "$t" | tr / +)
    log=$dir/$name.log
    local base=$KST
    case "$t" in ne2k-rs/*) base=$REPO/tests/selftests; t=${t#ne2k-rs/};; esac
    tmo=$(sed -n 's/^timeout=//p' "$base/$(dirname "$t")/settings" 2>/dev/null)
    # timeout=0 (hw/: none) is capped: a test waiting for a link that cannot come must end
    [ "${tmo:-0}" -gt 0 ] 2>/dev/null || tmo=600
    echo "--- $t (timeout ${tmo}s)"
    case "$t" in
        net/netdevice.sh)
            # It brings up every eth<N> (or enp<N>s<N>) interface that is down, sets a MAC and
            # an address, toggles the ethtool features, and stops it again: run it on the card
            # down, named eth0 for the run (its pattern misses enp0s28).
            ip link set "$NETIF" down
            ip link set "$NETIF" name eth0
            (cd "$KST/net" && timeout -k 5 "$tmo" sh ./netdevice.sh) >"$log" 2>&1
            echo $? >"$dir/$name.rc"
            ip link set eth0 down
            # the kernel keeps the old name as an altname: drop it to take the name back
            ip link property del dev eth0 altname "$NETIF" 2>/dev/null
            ip link set eth0 name "$NETIF" ||
                echo "selftests: could not rename eth0 back to $NETIF" >&2
            local_up >/dev/null 2>&1
            ;;
        drivers/net/hw/ethtool.sh)
            # Not yet written for the HW-mode environment: it wants both ports in this
            # namespace, on its command line, each in a VRF of its own (forwarding library).
            # The test gives the ports its own addresses: they start bare.
            ip -n $NS link set "$RIF" netns 1
            ip addr flush dev "$RIF"; ip addr flush dev "$NETIF"
            (cd "$base/$(dirname "$t")" && DRIVER_TEST_CONFORMANT=no timeout -k 5 "$tmo" \
                bash "./$(basename "$t")" "$NETIF" "$RIF") >"$log" 2>&1
            echo $? >"$dir/$name.rc"
            ip link set "$RIF" netns $NS
            remote_up
            local_up >/dev/null 2>&1
            ;;
        *.sh)
            # DRIVER_TEST_CONFORMANT: the forwarding library takes NETIF and the remote from the
            # environment (drivers/net/README.rst) instead of creating veth pairs
            (cd "$base/$(dirname "$t")" && timeout -k 5 "$tmo" bash "./$(basename "$t")") >"$log" 2>&1
            echo $? >"$dir/$name.rc"
            ;;
        *.py)
            (cd "$base/$(dirname "$t")" && timeout -k 5 "$tmo" python3 "./$(basename "$t")") >"$log" 2>&1
            echo $? >"$dir/$name.rc"
            ;;
    esac
    grep -E '^(not )?ok |^# Totals|TEST: |^(PASS|FAIL|SKIP|XFAIL): ' "$log" | sed 's/^/    /'
}

rc=0
for drv in "$@"; do
    dir=$OUT/selftests/$drv
    mkdir -p "$dir"
    echo "=== $drv"
    if ! setup "$drv" || ! local_up; then
        echo "selftests: topology for $drv could not be set up" >&2
        rc=1; teardown; continue
    fi
    export NETIF LOCAL_V4 REMOTE_V4 REMOTE_TYPE=netns REMOTE_ARGS=$NS DRIVER_TEST_CONFORMANT=yes
    # the forwarding library's wait for a link to come up (default 600 s)
    export INTERFACE_TIMEOUT=60
    if [ $HAVE_V6 = 1 ]; then export LOCAL_V6 REMOTE_V6; else unset LOCAL_V6 REMOTE_V6; fi
    echo "driver=$drv netif=$NETIF remote=$NS/$RIF ipv6=$HAVE_V6 kernel=$(uname -r)" >"$dir/env.txt"
    ethtool -i "$NETIF" >>"$dir/env.txt" 2>&1
    for t in $LIST; do
        # a case of the host's watchdog (scripts/guest/cases.sh): DRIVER/<test path with / as +>
        cname="$drv/$(echo "$t" | tr / +)"
        if r=$(case_done "$cname"); then
            echo "--- $t: ended in an earlier boot of this run ($r)"
            # selftests-report.py: a test with a .hang froze the guest
            [ "$r" = HANG ] && : >"$dir/$(echo "$t" | tr / +).hang"
            continue
        fi
        case_begin "$cname"
        run_one "$dir" "$t"
        case_end "$cname" "rc=$(cat "$dir/$(echo "$t" | tr / +).rc" 2>/dev/null)"
        # a test that left the card down or without its addresses must not fail the next one
        if ! ip link show "$NETIF" | grep -q ',UP' || ! ip -4 addr show dev "$NETIF" | grep -q "$LOCAL_V4/" ||
           { [ $HAVE_V6 = 1 ] && ! ip -6 addr show dev "$NETIF" | grep -q "$LOCAL_V6/"; }; then
            echo "    (card brought back up with its addresses)"
            local_up >/dev/null 2>&1
        fi
    done
    { ip -s -s link show "$NETIF"; ethtool -S "$NETIF"
      ip netns exec $NS ip -s -s link show $RIF; ip netns exec $NS ethtool -S $RIF; } >"$dir/stats.txt" 2>&1
    dmesg >"$dir/dmesg.txt"
    teardown
done
exit $rc
