#!/usr/bin/env bash
# ne2k_rs stress (issue #5), run inside the guest by scripts/stress.sh (make stress) and, scaled
# down, by t70_stress_quick.sh (make check). Needs the frame injector (guest-run.sh --injector).
#
# Phases, each followed by the same after-checks (no new kernel report, module gone with its
# I/O ports and IRQ after rmmod, unreclaimable slab back near its baseline):
#   params   every module parameter with invalid values: refused, with a message, nothing loaded
#   churn    STRESS_CHURN insmod/rmmod cycles, then STRESS_CHURN_TRAFFIC more with flood ping +
#            iperf3 running when rmmod comes
#   flaps    STRESS_FLAPS link down/up cycles under flood ping + iperf3
#   soak     STRESS_SOAK seconds of iperf3 --bidir + flood ping; a watchdog samples the RX and TX
#            counters every second and counts each second without progress in either as a stall
#   faults   probe under injected failures (fail-nth on each allocation ne2k_rs makes while
#            loading, until one passes without any), then STRESS_FAULT_SECONDS of traffic with
#            failslab + fail_page_alloc failing 10 % of the allocations made from module text
#   frames   odd frames from the injector: runts, 1514, oversize, broadcast/multicast bursts,
#            foreign unicast (filtered), random; counted, the ring never corrupted
#   remove   STRESS_REMOVES times: the card removed (sysfs PCI remove) under iperf3 --bidir and a
#            flood ping, each step bounded; a PCI rescan finds it, ne2k_rs binds it, it works.
#            Then STRESS_HOTPLUGS times (guest-run.sh --hotplug): QEMU's device_del under the same traffic
#            (ACPI hotplug: the guest ejects the card), device_add, ne2k_rs binds it, it works
#   netconsole  STRESS_NETCONSOLE_SECONDS of netconsole bound to ne2k_rs under iperf3 --bidir
#            and a flood ping, with a printk storm from process context (/dev/kmsg) and netpoll
#            from hard-IRQ context (tests/guest/modules/irqnetpoll) while CPU 0 reads the
#            statistics (holders of the chip lock): no lockup, traffic flows, the messages arrive
# Counts go to $OUT/stress-counts.txt (key=value); one line per phase in
# $OUT/stress-phases.txt ("PASS name" / "FAIL name"). Exit status 0 when every phase passed.
. "$(dirname "$0")/lib.sh"
CHURN=${STRESS_CHURN:-1000}
CHURN_TRAFFIC=${STRESS_CHURN_TRAFFIC:-100}
FLAPS=${STRESS_FLAPS:-200}
SOAK=${STRESS_SOAK:-600}
FAULT_SECONDS=${STRESS_FAULT_SECONDS:-60}
ODD=${STRESS_ODD:-500}
REMOVES=${STRESS_REMOVES:-20}
HOTPLUGS=${STRESS_HOTPLUGS:-10}
NETCONSOLE_SECONDS=${STRESS_NETCONSOLE_SECONDS:-60}
PHASES=${STRESS_PHASES:-params churn flaps soak faults frames remove netconsole}
COUNTS="$OUT/stress-counts.txt"
. "$REPO/scripts/guest/cases.sh"
# A run resumed after a phase froze the guest (the host's watchdog booted a fresh one) keeps the
# counts of the phases that ended before.
[ -s "$OUT/.cases-ledger" ] || : >"$COUNTS"
: >"$OUT/stress-phases.txt"
count() { echo "$1=$2" >>"$COUNTS"; }
[ -n "${INJECT_PORT:-}" ] || { echo "stress.sh needs the frame injector (guest-run.sh --injector)"; exit 2; }

# A private copy of the module: loading from the 9p root costs a round trip per page.
KO=/tmp/ne2k_rs.ko
cp "$NE2K_RS_KO" "$KO"

# ---- helpers ----
sunreclaim_kib() { awk '/^SUnreclaim:/ {print $2}' /proc/meminfo; }
settle_slab() { sync; echo 2 >/proc/sys/vm/drop_caches 2>/dev/null; sleep 1; sunreclaim_kib; }
problem_lines() { dmesg_problems | wc -l; }
ethtool_stat() { ethtool -S "$1" | awk -v k="$2:" '$1 == k {print $2}'; }
bound() { ls -d /sys/bus/pci/drivers/ne2k_rs/0000:* >/dev/null 2>&1; }
resources_free() { ! grep -q ne2k_rs /proc/ioports /proc/interrupts; }

# Brings ne2k_rs up on $KO (sets IFC); quiet version of ne2k_up for loops.
up() {
    unload_all
    insmod "$KO" "$@" || fail "insmod $*"
    IFC=$(iface_by_mac "$NE2K_MAC"); [ -n "$IFC" ] || fail "no interface with MAC $NE2K_MAC"
    ip addr add "$GUEST_IP" dev "$IFC" && ip link set "$IFC" up || fail "bring-up of $IFC"
    for _ in 1 2 3; do ping -c 1 -W 2 "$PEER_IP" >/dev/null 2>&1 && return 0; done
    fail "peer unreachable after bring-up"
}
down() {
    rmmod ne2k_rs 2>/dev/null
    [ ! -e /sys/module/ne2k_rs ] || fail "module still loaded after rmmod"
    resources_free || fail "I/O ports or IRQ still claimed after rmmod"
}
# The generators' PIDs are also kept in a file: a phase runs in a subshell, and when it fails
# half-way the runner (phase) must still stop what it started.
TRAFFIC_PIDS=()
TRAFFIC_FILE=$OUT/.stress-traffic-pids
traffic_start() { # flood ping + iperf3 (TCP; --bidir with $1 = bidir) for at most $2 seconds
    local mode=${1:-tx} secs=${2:-3600} extra="" port
    [ "$mode" = bidir ] && extra=--bidir
    # the port first (labctl starts a server for it): in the background it could come after
    # whatever the caller does next, a card removal included
    port=$(iperf_port)
    timeout $((secs + 30)) iperf3 -c "$PEER_IP" -p "$port" -t "$secs" $extra \
        >>"$OUT/stress-iperf3.log" 2>&1 &
    TRAFFIC_PIDS=($!)
    timeout $((secs + 30)) ping -f -W 1 "$PEER_IP" >/dev/null 2>&1 &
    TRAFFIC_PIDS+=($!)
    echo "${TRAFFIC_PIDS[@]}" >>"$TRAFFIC_FILE"
}
# TCP traffic both ways on IFC: at least 64 KiB each way within a second, within 10 s of the
# start (a flood ping alone moves about a tenth of that)
flowing() {
    local rx tx
    for _ in $(seq 10); do
        rx=$(stat "$1" rx_bytes); tx=$(stat "$1" tx_bytes)
        sleep 1
        [ $(( $(stat "$1" rx_bytes) - rx )) -ge 65536 ] && [ $(( $(stat "$1" tx_bytes) - tx )) -ge 65536 ] && return 0
    done
    return 1
}
traffic_stop() {
    local pids
    pids=$(cat "$TRAFFIC_FILE" 2>/dev/null)
    [ -n "$pids" ] && { kill $pids 2>/dev/null; for p in $pids; do wait "$p" 2>/dev/null; done; }
    : >"$TRAFFIC_FILE"
    TRAFFIC_PIDS=()
    sleep 1 # the iperf3 server on the peer notices the end of the test
}
inject() { # KIND COUNT [GAP_US] [DST] -> prints the number of frames the injector sent
    python3 - "$PEER_IP" "$INJECT_PORT" "$@" <<'PY'
import socket, sys
peer, port, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(60)
s.sendto(" ".join(args).encode(), (peer, port))
reply = s.recv(256).decode()
if not reply.startswith("sent "):
    sys.exit("injector: " + reply)
print(reply.split()[1])
PY
}
# DP8390 / QEMU multicast hash bucket (top 6 bits of the big-endian Ethernet CRC) of a MAC.
mc_bucket() {
    python3 - "$1" <<'PY'
import sys
crc = 0xffffffff
for b in bytes.fromhex(sys.argv[1].replace(":", "")):
    for _ in range(8):
        carry = ((crc >> 31) ^ b) & 1
        crc = (crc << 1) & 0xffffffff
        b >>= 1
        if carry:
            crc = (crc ^ 0x04c11db6) | carry
print(crc >> 26)
PY
}

SPLATS0=$(problem_lines)
SLAB0=$(settle_slab)
note "baseline: SUnreclaim ${SLAB0} KiB, $SPLATS0 kernel report lines"

# Runs one phase in a subshell, then the after-checks.
FAILED=0 SLAB_LEAKS=0
phase() {
    local name=$1 t0 splats slab rc r
    if r=$(case_done "stress:$name"); then
        echo "$r $name" >>"$OUT/stress-phases.txt"
        [ "$r" = PASS ] || FAILED=1
        echo "$r phase $name (ended in an earlier boot of this run)"
        return
    fi
    t0=$(date +%s)
    echo "== phase $name"
    case_begin "stress:$name"
    ( "phase_$name" ); rc=$?
    traffic_stop 2>/dev/null
    unload_all
    if [ $rc = 0 ]; then
        splats=$(( $(problem_lines) - SPLATS0 ))
        if [ "$splats" -gt 0 ]; then
            dmesg_problems | tail -20; echo "FAIL: $name: new kernel reports"; rc=1
        fi
        [ ! -e /sys/module/ne2k_rs ] && resources_free || { echo "FAIL: $name: module or resources left"; rc=1; }
        slab=$(settle_slab)
        count "slab_delta_kib_$name" $((slab - SLAB0))
        # 1000 load cycles leaking one 256-byte object each would show; allocator noise does not
        if [ $((slab - SLAB0)) -gt "${STRESS_SLAB_SLACK_KIB:-1024}" ]; then
            echo "FAIL: $name: unreclaimable slab grew $((slab - SLAB0)) KiB (baseline $SLAB0)"; rc=1
            SLAB_LEAKS=$((SLAB_LEAKS + 1))
        fi
    fi
    if [ $rc = 0 ]; then echo "PASS $name" >>"$OUT/stress-phases.txt"
    else echo "FAIL $name" >>"$OUT/stress-phases.txt"; FAILED=1; fi
    case_end "stress:$name" "$([ $rc = 0 ] && echo PASS || echo FAIL)"
    printf '%s phase %s (%ss)\n' "$([ $rc = 0 ] && echo PASS || echo FAIL)" "$name" $(( $(date +%s) - t0 ))
}

# ---- phases ----
# ne2k_rs up on the card, iperf3 --bidir and a flood ping flowing; sets bdf (the card's PCI
# address). $1 names what comes next, for the failure message.
card_under_traffic() {
    up
    bdf=$(basename "$(readlink -f "/sys/class/net/$IFC/device")")
    traffic_start bidir 60
    flowing "$IFC" || fail "no iperf3 traffic both ways before $1"
}

phase_remove() {
    local i bdf
    for i in $(seq "$REMOVES"); do
        card_under_traffic "remove #$i"
        timeout 30 sh -c "echo 1 > /sys/bus/pci/devices/$bdf/remove" || fail "PCI remove #$i did not finish in 30 s"
        [ ! -e "/sys/bus/pci/devices/$bdf" ] || fail "$bdf still present after remove #$i"
        traffic_stop
        timeout 30 sh -c "echo 1 > /sys/bus/pci/rescan" || fail "PCI rescan #$i did not finish in 30 s"
        settle
        [ -e "/sys/bus/pci/devices/$bdf" ] || fail "$bdf not found again by rescan #$i"
        bound || fail "ne2k_rs did not bind the card after rescan #$i"
        [ $((i % 5)) = 0 ] && note "remove: $i/$REMOVES"
    done
    count removes_under_traffic "$REMOVES"
    if [ "${NE2K_HOTPLUG:-0}" != 1 ] || [ -z "${LABCTL_PORT:-}" ]; then
        note "remove: the card is not hot-pluggable in this guest (guest-run.sh --hotplug): device_del/device_add not run"
        HOTPLUGS=0
    fi
    local reply t
    for i in $(seq "$HOTPLUGS"); do
        card_under_traffic "device_del #$i"
        # the reply crosses the card that is about to go: lost replies are fine, the sysfs
        # device going away is the evidence; the card stays out 5 s, long enough to see it
        # gone under a TCG guest's load
        reply=$(LABCTL_TIMEOUT=5 labctl hotplug 5 2>/dev/null || true)
        case $reply in error*) fail "labctl hotplug: $reply";; esac
        for t in $(seq 300); do [ -e "/sys/bus/pci/devices/$bdf" ] || break; sleep 0.1; done
        [ ! -e "/sys/bus/pci/devices/$bdf" ] || fail "$bdf still present 30 s after device_del #$i"
        [ ! -e "/sys/class/net/$IFC" ] || fail "$IFC still registered with its card gone (device_del #$i)"
        traffic_stop
        for t in $(seq 600); do bound && break; sleep 0.1; done
        bound || fail "ne2k_rs did not bind the card 60 s after device_del #$i (device_add)"
        settle
        [ $((i % 5)) = 0 ] && note "hotplug: $i/$HOTPLUGS"
    done
    count hotplugs_under_traffic "$HOTPLUGS"
    up; ping_ok 20 100 -i 0.01; down
}

phase_netconsole() {
    local cfg=/sys/kernel/config/netconsole/stress mod port=6666 sent=0 got hp end
    mod="$REPO/tests/guest/modules/irqnetpoll/irqnetpoll.ko"
    [ -f "$mod" ] || fail "$mod is not built (scripts/check.sh and scripts/stress.sh build it)"
    modprobe netconsole || fail "modprobe netconsole"
    mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || fail "configfs"
    up
    # the peer (slirp's 10.0.2.2) has no listener: netconsole's frames go out on the wire and
    # are counted by the card (tx_packets), which is what the phase needs
    mkdir $cfg || fail "netconsole target"
    echo "$IFC" >$cfg/dev_name; echo "$PEER_IP" >$cfg/remote_ip; echo $port >$cfg/remote_port
    echo "${GUEST_IP%/*}" >$cfg/local_ip
    echo 1 >$cfg/enabled || { rmdir $cfg; fail "netconsole target does not enable on $IFC"; }
    local level; level=$(awk '{print $1}' /proc/sys/kernel/printk)
    echo 8 >/proc/sys/kernel/printk
    traffic_start bidir $((NETCONSOLE_SECONDS + 30))
    flowing "$IFC" || fail "no iperf3 traffic both ways"
    taskset -c 0 insmod "$mod" dev="$IFC" period_us=500 || fail "insmod irqnetpoll"
    local tx0; tx0=$(stat "$IFC" tx_packets)
    end=$(( $(date +%s) + NETCONSOLE_SECONDS ))
    taskset -c 0 sh -c "while [ \$(date +%s) -lt $end ]; do
        cat /sys/class/net/$IFC/statistics/rx_packets >/dev/null; ethtool -S $IFC >/dev/null
        ip -s link show $IFC >/dev/null; done" &
    hp=$!
    while [ "$(date +%s)" -lt "$end" ]; do
        # 100 a second: what the serial console (115200 baud, where the kernel log also goes)
        # keeps up with
        for _ in $(seq 20); do echo "<4>ne2k-stress: netconsole storm message $sent" >/dev/kmsg; sent=$((sent + 1)); done
        sleep 0.2
    done
    # bounded: a CPU locked up in the driver never lets the reader end
    for _ in $(seq 60); do kill -0 $hp 2>/dev/null || break; sleep 1; done
    kill -0 $hp 2>/dev/null && fail "the statistics reader on CPU 0 did not end 60 s after its time (a lockup?)"
    wait $hp
    rmmod irqnetpoll || fail "rmmod irqnetpoll"
    got=$(( $(stat "$IFC" tx_packets) - tx0 ))
    traffic_stop
    echo "$level" >/proc/sys/kernel/printk
    echo 0 >$cfg/enabled; rmdir $cfg
    modprobe -r netconsole
    count netconsole_messages "$sent"
    count netconsole_busy "$(ethtool_stat "$IFC" netpoll_busy)"
    note "netconsole: $sent messages printed in ${NETCONSOLE_SECONDS}s under traffic, $got frames sent, netpoll_busy $(ethtool_stat "$IFC" netpoll_busy)"
    ping_ok 20 100 -i 0.01
    down
}

phase_params() {
    local n=0 bad
    for bad in napi_weight=0 napi_weight=65 napi_weight=-1 napi_weight=4294967296 napi_weight=abc \
               napi_weight= msg_enable=-2 msg_enable=0x80000000000 msg_enable=zz; do
        if insmod "$KO" "$bad" 2>/dev/null; then rmmod ne2k_rs; fail "accepted $bad"; fi
        [ ! -e /sys/module/ne2k_rs ] || fail "module left loaded after refusing $bad"
        n=$((n + 1))
    done
    dmesg | grep -q "napi_weight=65 is invalid" || fail "no message for napi_weight=65"
    dmesg | grep -q "msg_enable=-2 is invalid" || fail "no message for msg_enable=-2"
    count bad_params_refused $n
    note "$n invalid parameter settings refused"
}

phase_churn() {
    local i
    for i in $(seq "$CHURN"); do
        insmod "$KO" || fail "insmod #$i"
        bound || fail "device not bound after insmod #$i"
        [ "$(cat /sys/module/ne2k_rs/refcnt)" = 0 ] || fail "refcnt $(cat /sys/module/ne2k_rs/refcnt) after insmod #$i"
        rmmod ne2k_rs || fail "rmmod #$i"
        [ ! -e /sys/module/ne2k_rs ] || fail "module present after rmmod #$i"
        [ $((i % 100)) = 0 ] && note "churn: $i/$CHURN"
    done
    resources_free || fail "resources left claimed after $CHURN cycles"
    count churn_cycles "$CHURN"
    local rx
    for i in $(seq "$CHURN_TRAFFIC"); do
        up
        traffic_start tx 30
        rx=$(stat "$IFC" rx_packets)
        sleep 1
        [ "$(stat "$IFC" rx_packets)" -gt "$rx" ] || fail "no traffic before rmmod #$i"
        rmmod ne2k_rs || fail "rmmod under traffic #$i"
        [ ! -e /sys/module/ne2k_rs ] || fail "module present after rmmod under traffic #$i"
        traffic_stop
        [ $((i % 10)) = 0 ] && note "churn under traffic: $i/$CHURN_TRAFFIC"
    done
    count churn_cycles_under_traffic "$CHURN_TRAFFIC"
    up; ping_ok 20 100 -i 0.01; down
}

phase_flaps() {
    local i
    up
    traffic_start tx 3600
    for i in $(seq "$FLAPS"); do
        ip link set "$IFC" down || fail "link down #$i"
        ip link set "$IFC" up || fail "link up #$i"
        sleep 0.2
        [ $((i % 50)) = 0 ] && note "flaps: $i/$FLAPS"
    done
    traffic_stop
    ping_ok 20 1000 -i 0.01
    count link_flaps "$FLAPS"
    down
}

phase_soak() {
    local t=0 rx tx rx0 tx0 stalls=0 worst=0 run=0 to0 start now alive
    up
    to0=$(ethtool_stat "$IFC" tx_timeouts)
    # the generators outlast the soak; the watchdog runs on the wall clock, not on its own loop
    # count (a loop of `sleep 1` + sampling takes longer than a second per turn)
    traffic_start bidir $((SOAK + 60))
    rx0=$(stat "$IFC" rx_packets); tx0=$(stat "$IFC" tx_packets)
    start=$(date +%s)
    sleep 1
    while :; do
        sleep 1
        now=$(date +%s); t=$((now - start))
        rx=$(stat "$IFC" rx_packets); tx=$(stat "$IFC" tx_packets)
        alive=0
        for p in "${TRAFFIC_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
        [ "$alive" = "${#TRAFFIC_PIDS[@]}" ] || fail "a traffic generator ended early (t=${t}s): the watchdog would see idle, not a stall"
        if [ "$rx" -le "$rx0" ] || [ "$tx" -le "$tx0" ]; then
            stalls=$((stalls + 1)); run=$((run + 1)); [ $run -gt $worst ] && worst=$run
            echo "  stall at ${t}s: rx $rx0 -> $rx, tx $tx0 -> $tx"
        else
            run=0
        fi
        rx0=$rx; tx0=$tx
        [ $((t / 60)) != $(((t - 1) / 60)) ] && note "soak: ${t}/${SOAK}s, rx $rx tx $tx packets"
        [ "$t" -ge "$SOAK" ] && break
    done
    traffic_stop
    local tos=$(( $(ethtool_stat "$IFC" tx_timeouts) - to0 ))
    count soak_seconds "$t"; count stalls $stalls; count soak_tx_timeouts $tos
    count soak_rx_packets "$rx"; count soak_tx_packets "$tx"
    note "soak: $t s, $stalls stalled samples (longest run $worst), $tos TX timeouts, rx $rx tx $tx packets"
    ping_ok 20 1000 -i 0.01
    [ $stalls = 0 ] || fail "$stalls samples without progress"
    down
}

FI=/sys/kernel/debug
fault_arm() { # PROBABILITY TIMES: fail that share of allocations made from module text
    local f start
    # everything above the kernel image: the module area (only ne2k_rs is loaded here)
    start=$(awk '$3 == "_end" {print $1}' /proc/kallsyms)
    [ -n "$start" ] || start=$(awk 'NF == 3 {print $1}' /proc/kallsyms | sort | tail -1)
    [ -n "$start" ] || fail "cannot read /proc/kallsyms"
    for f in failslab fail_page_alloc; do
        echo 0 >"$FI/$f/probability"
        echo "0x$start" >"$FI/$f/require-start"
        echo 0xffffffffff000000 >"$FI/$f/require-end"
        # Only allocations within a few frames of ne2k_rs code (its own kmalloc/netdev/skb
        # allocations, request_irq): a deeper walk also fails the ACPI interpreter's
        # allocations made under pci_enable_device, whose error paths corrupt ACPICA state
        # (seen here: AE_NO_MEMORY, then an oops in acpi_ut_update_object_reference at the
        # next pci_disable_device) -- a kernel bug outside this driver.
        echo "${STRESS_FAULT_DEPTH:-8}" >"$FI/$f/stacktrace-depth"
        echo N >"$FI/$f/task-filter"
        echo 0 >"$FI/$f/verbose"
        echo 1 >"$FI/$f/interval"
        echo 0 >"$FI/$f/space"
        echo "$2" >"$FI/$f/times"
        echo "$1" >"$FI/$f/probability"
    done
    echo N >"$FI/failslab/ignore-gfp-wait"
    echo N >"$FI/fail_page_alloc/ignore-gfp-wait"
    echo 0 >"$FI/fail_page_alloc/min-order"
}
fault_disarm() { # prints how many failures were injected since fault_arm TIMES
    local f total=0
    for f in failslab fail_page_alloc; do
        echo 0 >"$FI/$f/probability"
        total=$((total + $1 - $(cat "$FI/$f/times")))
    done
    echo $total
}
lsmod_others() { lsmod | awk 'NR > 1 && $1 != "ne2k_rs" {print $1}'; }

phase_faults() {
    [ -d "$FI/failslab" ] && [ -d "$FI/fail_page_alloc" ] || fail "kernel without failslab/fail_page_alloc debugfs"
    [ -w "$FI/failslab/require-start" ] || fail "kernel without the fault-injection stacktrace filter"
    [ -z "$(lsmod_others)" ] || fail "other modules loaded ($(lsmod_others)): the module-area filter would hit them"
    fault_arm 0 -1
    # 1. probe under injected failures: fail the n-th allocation made from module text while
    #    loading, for n = 1, 2, ... until a load passes without reaching n.
    local n=0 injected=0 res
    while :; do
        n=$((n + 1))
        [ $n -le 400 ] || fail "more than 400 allocation sites while loading?"
        res=$(python3 - "$KO" "$n" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY)
with open("/proc/thread-self/fail-nth", "w") as f:
    f.write(sys.argv[2])
rc = libc.syscall(313, fd, b"", 0)  # finit_module
err = ctypes.get_errno()
with open("/proc/thread-self/fail-nth") as f:
    left = int(f.read())
with open("/proc/thread-self/fail-nth", "w") as f:
    f.write("0")
print(rc, err, "injected" if left == 0 else "not-injected")
PY
)
        set -- $res
        if [ "$3" = injected ]; then
            injected=$((injected + 1))
            # the module may be loaded (a failed probe leaves the driver registered) or not
            if [ -e /sys/module/ne2k_rs ]; then
                ! bound || [ -n "$(iface_by_mac "$NE2K_MAC")" ] || fail "bound without an interface (fault $n)"
                rmmod ne2k_rs || fail "rmmod after injected fault $n"
            fi
            resources_free || fail "resources left claimed after injected fault $n"
            [ -z "$(iface_by_mac "$NE2K_MAC")" ] || fail "interface left after injected fault $n"
        else
            [ "$1" = 0 ] || fail "load failed (errno $2) with no fault injected"
            bound || fail "device not bound with no fault injected"
            rmmod ne2k_rs || fail "rmmod"
            break
        fi
    done
    note "probe: $injected allocation sites failed one at a time, each unwound cleanly"
    count probe_fault_points "$injected"
    # 2. 10 % of the module's allocations fail while traffic runs (and the link flaps, so
    #    open/stop allocate too).
    up
    local drop0 nomem0 times=100000000 faults i
    drop0=$(stat "$IFC" rx_dropped); nomem0=$(ethtool_stat "$IFC" rx_dropped_nomem)
    traffic_start bidir "$FAULT_SECONDS"
    fault_arm 10 $times
    for i in $(seq $((FAULT_SECONDS / 5))); do
        sleep 4
        ip link set "$IFC" down; ip link set "$IFC" up
    done
    faults=$(fault_disarm $times)
    traffic_stop
    local drops=$(( $(stat "$IFC" rx_dropped) - drop0 )) nomem=$(( $(ethtool_stat "$IFC" rx_dropped_nomem) - nomem0 ))
    note "traffic under injection: $faults allocations failed, rx_dropped +$drops, rx_dropped_nomem +$nomem"
    [ "$faults" -gt 0 ] || fail "no failure injected in ${FAULT_SECONDS}s of traffic"
    [ "$drops" -gt 0 ] && [ "$nomem" -gt 0 ] || fail "injected failures not counted as drops"
    [ "$nomem" -le "$faults" ] || fail "more drops ($nomem) than injected failures ($faults)"
    # the link may have been left down if open itself failed: bring it up, traffic resumes
    ip link set "$IFC" up 2>/dev/null
    ping_ok 50 1000 -i 0.01
    count faults_injected $((faults + injected))
    down
}

phase_frames() {
    up
    ip link set "$IFC" promisc off allmulticast off
    local k sent rx0 rx d res0 err0 bytes0 total=0
    # paced kinds: every frame must be counted (the slack covers ARP/IGMP from the stack).
    # Runts: QEMU's dgram backend does not pad them, so they land on the ring short; the driver
    # skips each as a length error (a real chip drops runts itself unless RCR.AR is set).
    local len0 lenerr
    for k in runt max unicast; do
        rx0=$(stat "$IFC" rx_packets); bytes0=$(stat "$IFC" rx_bytes); len0=$(stat "$IFC" rx_length_errors)
        sent=$(inject "$k" "$ODD" 1000) || fail "injector ($k)"
        sleep 1
        d=$(( $(stat "$IFC" rx_packets) - rx0 )); lenerr=$(( $(stat "$IFC" rx_length_errors) - len0 ))
        note "$k: sent $sent, rx_packets +$d, rx_length_errors +$lenerr, rx_bytes +$(( $(stat "$IFC" rx_bytes) - bytes0 ))"
        [ $((d + lenerr)) -ge "$sent" ] && [ $((d + lenerr)) -le $((sent + 10)) ] || fail "$k: sent $sent, counted $d + $lenerr"
        [ $k = runt ] || [ "$lenerr" = 0 ] || fail "$k: $lenerr length errors"
        total=$((total + sent))
    done
    [ $(( $(stat "$IFC" rx_bytes) - bytes0 )) -ge $((sent * 60)) ] || fail "rx_bytes too small"
    # foreign unicast: filtered by the chip unless promiscuous
    rx0=$(stat "$IFC" rx_packets)
    sent=$(inject foreign "$ODD" 1000); sleep 1
    d=$(( $(stat "$IFC" rx_packets) - rx0 ))
    [ "$d" -le 10 ] || fail "foreign unicast: $d of $sent frames received without promisc"
    ip link set "$IFC" promisc on
    rx0=$(stat "$IFC" rx_packets)
    sent=$(inject foreign "$ODD" 1000); sleep 1
    d=$(( $(stat "$IFC" rx_packets) - rx0 ))
    [ "$d" -ge "$sent" ] || fail "foreign unicast in promisc: $d of $sent received"
    ip link set "$IFC" promisc off
    note "foreign unicast: filtered, received ($d of $sent) in promiscuous mode"
    total=$((total + 2 * sent))
    # multicast: a joined group passes the hash filter, a group in another bucket does not
    local joined=01:00:5e:01:02:03 other b
    ip maddr add "$joined" dev "$IFC" || fail "ip maddr add"
    for b in 01:00:5e:7f:00:01 01:00:5e:7f:00:02 01:00:5e:7f:00:03 01:00:5e:7f:00:04; do
        [ "$(mc_bucket $b)" != "$(mc_bucket $joined)" ] && [ "$(mc_bucket $b)" != "$(mc_bucket 01:00:5e:00:00:01)" ] && { other=$b; break; }
    done
    rx0=$(stat "$IFC" rx_packets); sent=$(inject mcast "$ODD" 1000 "$joined"); sleep 1
    d=$(( $(stat "$IFC" rx_packets) - rx0 ))
    [ "$d" -ge "$sent" ] || fail "joined multicast: $d of $sent received"
    rx0=$(stat "$IFC" rx_packets); sent=$(inject mcast "$ODD" 1000 "$other"); sleep 1
    d=$(( $(stat "$IFC" rx_packets) - rx0 ))
    [ "$d" -le 10 ] || fail "multicast to an unjoined bucket: $d of $sent received"
    note "multicast: $joined received, $other (bucket $(mc_bucket $other)) filtered"
    total=$((total + 2 * sent))
    # oversize: the chip writes them anyway; each is skipped as a length error (its header is
    # consistent), or, if it no longer fits the ring, caught by the header check (ring reset)
    res0=$(ethtool_stat "$IFC" rx_ring_resets); len0=$(stat "$IFC" rx_length_errors)
    sent=$(inject oversize 50 20000); sleep 1
    local resets=$(( $(ethtool_stat "$IFC" rx_ring_resets) - res0 ))
    lenerr=$(( $(stat "$IFC" rx_length_errors) - len0 ))
    note "oversize: sent $sent, rx_length_errors +$lenerr, ring resets +$resets"
    [ $((lenerr + resets)) -ge 1 ] || fail "oversize frames were neither skipped nor caught"
    ping_ok 10 1000 -i 0.01
    total=$((total + sent))
    # bursts (no pacing: the ring overflows, the card drops) and random frames
    for k in bcast mcast random; do
        sent=$(inject "$k" $((ODD * 4)) 0 $([ $k = mcast ] && echo $joined)) || fail "injector ($k)"
        sleep 1
        ping_ok 10 1000 -i 0.01
        total=$((total + sent))
    done
    note "bursts of broadcast, multicast and random frames: traffic still flows"
    count odd_frames "$total"
    down
}

for p in $PHASES; do phase "$p"; done
count splats $(( $(problem_lines) - SPLATS0 ))
# kmemleak (debug flavor): objects whose allocation backtrace runs through ne2k_rs
KML=/sys/kernel/debug/kmemleak
if [ -w "$KML" ]; then
    echo scan >"$KML"; sleep 2; echo scan >"$KML"
    leaks=$(grep -A20 'unreferenced object' "$KML" | grep -c 'ne2k_rs' || true)
    cp "$KML" "$OUT/stress-kmemleak.txt"
    count leaks $((leaks + SLAB_LEAKS)); count kmemleak 1
    [ "$leaks" = 0 ] || { echo "FAIL: kmemleak: $leaks objects from ne2k_rs"; FAILED=1; }
else
    count leaks "$SLAB_LEAKS"; count kmemleak 0
fi
count slab_baseline_kib "$SLAB0"
cat "$COUNTS"
exit $FAILED
