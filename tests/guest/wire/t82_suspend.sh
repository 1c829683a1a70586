#!/usr/bin/env bash
# System sleep with frames on the wire: the drivers' suspend and resume callbacks, run by the
# kernel's PM test mode (`devices` in /sys/power/pm_test, then `freeze` into /sys/power/state:
# tasks frozen, every device suspended, a pause, every device resumed; no platform sleep).
# While UDP datagrams keep both TX slots busy (a frame on the wire, one waiting) the system
# goes to sleep and comes back; then traffic must flow both ways, nothing stay in flight
# (BQL), no transmit timeout fire, the kernel log stay clean. Then, on an idle card, the
# function tracer on ne2k_rs' C shims shows its callbacks ran, in order: the suspend stops NAPI
# and empties BQL, the resume restarts NAPI (without PM callbacks none of it runs and the test
# fails). The same for the C ne2k-pci (ne2k_pci_suspend/resume) as the baseline; an interface
# that was down stays down, and comes up afterwards.
#
# Bochs only (scripts/check.sh runs tests/guest/wire/ there): under QEMU the lab's guest
# (virtme-ng) has its root file system on virtio 9p/virtiofs, whose drivers have no PM
# callbacks; after a device resume its virtqueues are gone and the guest hangs on its next
# file access. Bochs' guest runs from an initramfs.
. "$(dirname "$0")/../lib.sh"
[ -w /sys/power/pm_test ] && [ -w /sys/power/state ] || fail "no /sys/power/pm_test (CONFIG_PM_DEBUG)"
grep -qw freeze /sys/power/state || fail "no 'freeze' in /sys/power/state (CONFIG_SUSPEND)"
# The pause between suspend and resume (5 s by default; instructions are time in Bochs).
[ -w /sys/module/suspend/parameters/pm_test_delay ] && echo 1 >/sys/module/suspend/parameters/pm_test_delay
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || fail "no tracefs"

# One suspend-resume cycle of every device; the write returns when they are resumed.
sleep_cycle() {
    echo devices >/sys/power/pm_test || fail "pm_test=devices"
    local rc=0
    echo freeze >/sys/power/state || rc=$?
    echo none >/sys/power/pm_test
    [ $rc = 0 ] || fail "echo freeze > /sys/power/state: exit $rc"
}

# ne2k_rs' callbacks seen through the function tracer on its net layer's C shims (netdev/helpers.c,
# prefix rnet_: the kernel cannot kprobe or ftrace the module's Rust text, it has no
# mcount/fentry sites). Registration's suspend and resume are the only callers of
# rnet_netif_running; a suspend then stops NAPI
# and drops the frames in flight from BQL, a resume restarts NAPI. Without PM callbacks none
# of these run during the cycle.
SHIMS="rnet_netif_running rnet_napi_disable rnet_netdev_reset_queue rnet_napi_enable"
trace_shims() {
    local f
    echo nop >$T/current_tracer
    for f in $SHIMS; do
        grep -qx "$f" $T/available_filter_functions 2>/dev/null ||
            grep -q "^$f " $T/available_filter_functions || fail "$f is not traceable"
    done
    echo "$SHIMS" | tr ' ' '\n' >$T/set_ftrace_filter || fail "set_ftrace_filter"
    echo >$T/trace
    echo function >$T/current_tracer || fail "function tracer"
    echo 1 >$T/tracing_on
}
shim_order() { # (read before the tracer is switched off: switching tracers empties the buffer)
    echo 0 >$T/tracing_on
    awk '!/^#/ {for (i = 1; i <= NF; i++) if ($i ~ /^rnet_[a-z_]+$/ && $(i+1) ~ /^<-/) {sub("rnet_", "", $i); printf "%s ", $i}}' $T/trace
}
trace_off() { echo nop >$T/current_tracer; echo >$T/set_ftrace_filter; }

mark="t82-suspend-$$"
echo "$mark" >/dev/kmsg
for drv in ne2k_rs ne2k-pci; do
    card_up $drv
    pin_peer
    BQL=/sys/class/net/$IFC/queues/tx-0/byte_queue_limits
    pat="$IFC.*(transmit timed out|TX timeout|timed out)"
    warn0=$(dmesg_count "$pat")
    tx0=$(stat "$IFC" tx_packets)
    python3 "$REPO/scripts/guest/sendpkts.py" blast "$PEER_IP" "$UDP_SINK_PORT" 1472 0 6 >/dev/null &
    blast=$!
    sleep 1
    sleep_cycle
    wait $blast
    note "$drv: sent $(( $(stat "$IFC" tx_packets) - tx0 )) frames across a suspend-resume cycle"
    ping_ok 10 1400 -i 0.1
    out=$(timeout 60 iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t 2 -J 2>&1) || { echo "$out" | tail -5; fail "$drv: iperf3 after the resume"; }
    sleep 1
    [ ! -r "$BQL/inflight" ] || [ "$(cat "$BQL/inflight")" = 0 ] || fail "$drv: $(cat "$BQL/inflight") bytes in flight on an idle card after the resume"
    [ "$(dmesg_count "$pat")" = "$warn0" ] || fail "$drv: a transmit timeout after the resume: $(dmesg | grep -E "$pat" | tail -1)"
    # ne2k_rs: the order its callbacks ran in, one idle cycle
    if [ $drv = ne2k_rs ]; then
        trace_shims
        sleep_cycle
        order=$(shim_order)
        note "ne2k_rs shims during an idle suspend-resume cycle, in order: $order"
        want="netif_running napi_disable netdev_reset_queue netif_running napi_enable"
        [[ " $order" == *" $want "* ]] || { grep -v '^#' $T/trace | head -20; fail "expected '$want', got '$order'"; }
        trace_off
        ping_ok 5 100
    fi
    # down at suspend: stays down, then comes up
    ip link set "$IFC" down
    sleep_cycle
    ip -br link show "$IFC" | grep -qw DOWN || fail "$drv: the interface came up by itself: $(ip -br link show "$IFC")"
    ip link set "$IFC" up || fail "$drv: ip link set up after the resume"
    ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || true
    ping_ok 5 100
done
bad=$(dmesg | sed -n "/$mark/,\$p" | grep -E 'WARNING:|BUG:|Oops|Call Trace:' | head -5)
[ -z "$bad" ] || { echo "$bad"; fail "kernel log after suspend/resume"; }
exit 0
