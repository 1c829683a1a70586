#!/usr/bin/env bash
# Guest side of the stage experiment (scripts/experiment.sh): for each driver (ne2k_rs, the C
# ne2k-pci, the C e100 on QEMU's i82559er) and each workload (ICMP and UDP with 1, 100, 1000
# payload bytes, ARP), send EXP_COUNT packets one at a time with ftrace recording, the TSC as
# trace clock. ne2k_rs is read through its own tracepoints; the C drivers, unpatched, through
# generic events (irq_handler_entry/exit, napi_poll, netif_receive_skb, net_dev_xmit) and
# kprobes/kretprobes on their functions. Raw traces go to $OUT/raw/<driver>/<workload>.trace;
# ne2k_rs' stage statistics of each window (stage_stats=1) to $OUT/raw/ne2k_rs/<workload>.stats.
set -u
N=${EXP_COUNT:-1100}
DRIVERS=${EXP_DRIVERS:-"ne2k_rs ne2k-pci e100"}
# EXP_XCHECK_ONLY=1: only ne2k_rs' cross-check windows (make demo runs them once more in a
# QEMU guest whose clock counts instructions, EXP_CLOCK=icount, where a record's cost is exact)
XONLY=${EXP_XCHECK_ONLY:-0}
case $XONLY in 0|1) ;; *) echo "[experiment] EXP_XCHECK_ONLY must be 0 or 1 (got '$XONLY')"; exit 2;; esac
T=/sys/kernel/tracing
PEER=$PEER_IP
mkdir -p "$OUT/raw"

log() { echo "[experiment] $*"; }
iface_of() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$1" ] && basename "$d"; done; }

# ---- trace setup ----
echo 0 > $T/tracing_on
echo x86-tsc > $T/trace_clock
echo 32768 > $T/buffer_size_kb
echo > $T/kprobe_events
add_probe() { # group name function
    echo "p:$1/$2_in $3" >> $T/kprobe_events && echo "r:$1/$2_out $3" >> $T/kprobe_events
}

{
    echo "tsc_mhz=$(dmesg | sed -n 's/.*Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -1)"
    [ -n "$(dmesg | grep 'Refined TSC')" ] || echo "tsc_mhz_detected=$(dmesg | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -1)"
    echo "kernel=$(uname -r)"
    echo "emu=${EMU:-qemu}"
    echo "clock=${EXP_CLOCK:-tsc}"
    echo "cpus=$(nproc)"
    echo "count=$N"
    echo "cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
} > "$OUT/meta.txt"
cat "$OUT/meta.txt"

run_workload() { # driver iface workload [subdir]
    local drv=$1 ifc=$2 w=$3 out="$OUT/raw/$1/${4:+$4/}$3.trace"
    mkdir -p "$(dirname "$out")"
    local stats=/sys/kernel/debug/ne2k_rs/$(basename "$(readlink -f /sys/class/net/$ifc/device)")/stage_stats
    [ "$drv" = ne2k_rs ] && { echo 0 > "$stats" || log "cannot reset $stats"; }
    echo > $T/trace
    echo 1 > $T/tracing_on
    case $w in
        xirq*) python3 "$REPO/scripts/guest/sendpkts.py" udp "$PEER" "$UDP_ECHO_PORT" "${w#xirq}" "$N";;
        icmp*|xcheck*) ping -q -c "$N" -i 0.002 -W 1 -s "${w##*[a-z]}" "$PEER" | tail -2 | head -1;;
        udptx*) python3 "$REPO/scripts/guest/sendpkts.py" udptx "$PEER" "$UDP_SINK_PORT" "${w#udptx}" "$N";;
        udp*) python3 "$REPO/scripts/guest/sendpkts.py" udp "$PEER" "$UDP_ECHO_PORT" "${w#udp}" "$N";;
        arp) python3 "$REPO/scripts/guest/sendpkts.py" arp "$ifc" "$PEER" "$N";;
    esac
    echo 0 > $T/tracing_on
    cat $T/trace > "$out"
    # ne2k_rs' stage statistics of the same window (the same probe calls as its events)
    [ "$drv" = ne2k_rs ] && cp "$stats" "${out%.trace}.stats"
    log "$drv $w: $(grep -c . "$out") trace lines, $(grep -c 'overrun\|LOST' "$out" || true) loss markers"
}

enable_events() { # list of event dirs (relative to events/)
    echo 0 > $T/events/enable
    for e in "$@"; do echo 1 > "$T/events/$e/enable" || log "cannot enable $e"; done
}

for drv in $DRIVERS; do
    mkdir -p "$OUT/raw/$drv"
    rmmod ne2k_rs 2>/dev/null; modprobe -r ne2k-pci e100 2>/dev/null
    echo > $T/kprobe_events
    case $drv in
        ne2k_rs)
            insmod "$NE2K_RS_KO" stage_stats=1 || exit 1
            mac=$NE2K_MAC
            events=(ne2k_rs irq/irq_handler_entry irq/irq_handler_exit napi/napi_poll
                    net/napi_gro_receive_entry net/napi_gro_receive_exit)
            ;;
        ne2k-pci)
            modprobe ne2k-pci || exit 1
            mac=$NE2K_MAC
            add_probe ne2kc xmit ei_start_xmit
            add_probe ne2kc bout ne2k_pci_block_output
            add_probe ne2kc trig NS8390_trigger_send
            add_probe ne2kc txint ei_tx_intr
            add_probe ne2kc rcv ei_receive
            add_probe ne2kc hdr ne2k_pci_get_8390_hdr
            add_probe ne2kc bin ne2k_pci_block_input
            events=(ne2kc irq/irq_handler_entry irq/irq_handler_exit net/netif_rx)
            ;;
        e100)
            modprobe e100 || exit 1
            mac=$E100_MAC
            # Tracepoints only: kprobes on e100's functions crash 7.3 under TCG (a kretprobe on
            # e100_poll faults in the return trampoline; a second probe in the module leaves a
            # NULL call in the xmit path). The poll starts at the NET_RX softirq.
            echo 'vec == 3' > $T/events/irq/softirq_entry/filter
            events=(irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry napi/napi_poll
                    net/netif_receive_skb_entry net/netif_receive_skb_exit
                    net/net_dev_start_xmit net/net_dev_xmit)
            ;;
    esac
    command -v udevadm >/dev/null && udevadm settle -t 10
    ifc=$(iface_of "$mac")
    [ -n "$ifc" ] || { log "no interface for $drv"; exit 1; }
    ip addr flush dev "$ifc"; ip addr add "$GUEST_IP" dev "$ifc"; ip link set "$ifc" up
    ping -c 2 -W 3 "$PEER" >/dev/null || ping -c 2 -W 3 "$PEER" >/dev/null || { log "$drv: peer unreachable"; exit 1; }
    # A permanent neighbour entry keeps ARP refreshes out of the ICMP/UDP windows (the ARP
    # workload sends its own requests on a raw socket).
    peer_mac=$(ip neigh show "$PEER" dev "$ifc" | awk '/lladdr/ {print $3}')
    [ -n "$peer_mac" ] && ip neigh replace "$PEER" lladdr "$peer_mac" dev "$ifc" nud permanent
    grep -E "^ *[0-9]+:.*($drv|ne2k|eth|enp)" /proc/interrupts | head -3 > "$OUT/raw/$drv/interrupts.txt"
    echo "$ifc" > "$OUT/raw/$drv/iface"
    enable_events "${events[@]}"
    [ -n "$(cat $T/kprobe_events)" ] && log "kprobes: $(grep -c . $T/kprobe_events), enabled: $(cat $T/events/*c/enable 2>/dev/null | tr "\n" " ")"
    [ "$XONLY" = 1 ] || for w in icmp1 icmp100 icmp1000 udp1 udp100 udp1000 arp udptx1 udptx100 udptx1000; do
        run_workload "$drv" "$ifc" "$w"
    done
    # Table 10 like with like (raw/<driver>/like/): the interrupt handling with no record of
    # the driver's own inside. ne2k_rs: its stage statistics alone (stage_stats=1), no event;
    # ne2k-pci: no kprobe, only the handler's entry/exit and net:netif_rx (which tells a receive
    # interrupt), whose records the report takes off at their measured cost.
    case $drv in
        ne2k_rs) enable_events;;
        ne2k-pci) enable_events irq/irq_handler_entry irq/irq_handler_exit net/netif_rx;;
    esac
    if [ "$drv" != e100 ] && [ "$XONLY" = 0 ]; then
        for w in icmp1 icmp100 icmp1000 udptx1 udptx100 udptx1000; do
            run_workload "$drv" "$ifc" "$w" like
        done
    fi
    if [ "$drv" = ne2k_rs ]; then
        # Cross-check window: only the RX stage event and the interrupt entry, so that ftrace's
        # own timestamps bracket the same path with as little recording cost inside as possible.
        enable_events ne2k_rs/ne2k_rs_rx irq/irq_handler_entry
        run_workload "$drv" "$ifc" xcheck100
        # The same for the hard interrupt: its own event and the handler's entry and exit, the
        # statistics off, so that the span holds the handler's count and three records only;
        # UDP echo (a ping's reply interrupt nearly always finds start_xmit holding the lock on
        # QEMU, and is taken at its release, outside the handler's span).
        echo 0 > /sys/module/ne2k_rs/parameters/stage_stats
        enable_events ne2k_rs/ne2k_rs_irq irq/irq_handler_entry irq/irq_handler_exit
        run_workload "$drv" "$ifc" xirq100
        echo 1 > /sys/module/ne2k_rs/parameters/stage_stats
    fi
    enable_events
    ip link set "$ifc" down; ip addr flush dev "$ifc"
done
rmmod ne2k_rs 2>/dev/null; modprobe -r ne2k-pci e100 2>/dev/null
echo > $T/kprobe_events
echo 0 > $T/events/irq/softirq_entry/filter
echo local > $T/trace_clock
log "done"
