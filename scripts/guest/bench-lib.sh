# Workload functions of the guest benchmark (sourced by scripts/guest/bench.sh and by the
# experiments in scripts/guest/exp-*.sh). Needs tests/guest/lib.sh, RAW (results file), T, TU,
# PKTGEN, PINGS, OUT, TR. Each workload prints one number ("nan" when it failed).
rec() { echo "$1 $2 $3 $4" >>"$RAW"; printf '  %-10s %-26s %s\n' "$2" "$3" "$4"; }
# ---- bring a driver up on its card: load DRIVER -> IFC ----
load() {
    unload_all
    case "$1" in
        ne2k_rs) insmod "${2:-$NE2K_RS_KO}" || return 1; IFC=$(iface_by_mac "$NE2K_MAC");;
        ne2k-pci) modprobe ne2k-pci || return 1; IFC=$(iface_by_mac "$NE2K_MAC");;
        e100) modprobe e100 || return 1; IFC=$(iface_by_mac "$E100_MAC");;
    esac
    [ -n "$IFC" ] || return 1
    local drv; drv=$(ethtool -i "$IFC" | awk '/^driver:/ {print $2}')
    [ "$drv" = "$1" ] || { echo "error: $IFC is driven by $drv, not $1"; return 1; }
    ip addr add "$GUEST_IP" dev "$IFC" && ip link set "$IFC" up
    ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1 || ping -c 1 -W 3 "$PEER_IP" >/dev/null 2>&1
    pin_peer
    place "${PLACE:-free}"
}

# Where the workload's sender/receiver and the card's interrupt run (BENCH_PIN):
#   same - both on CPU 0 (make bench's default); free - wherever the scheduler and the IRQ
#   balancing put them; split - the application on CPU 0, the IRQ on CPU 1.
# scripts/guest/exp-placement.sh measured why it matters: on this 2-core host, TCP send rates
# of both ne2k drivers swing by 2x with it, and "free" draws one of the others at random.
place() {
    local irq; irq=$(cat /sys/class/net/"$IFC"/device/irq)
    case "$1" in
        free) PIN=""; printf '%x\n' $(( (1 << $(nproc)) - 1 )) >/proc/irq/"$irq"/smp_affinity;;
        same) PIN="taskset -c 0"; echo 1 >/proc/irq/"$irq"/smp_affinity;;
        split) [ "$(nproc)" -ge 2 ] || { echo "error: placement split needs two CPUs"; return 1; }
               PIN="taskset -c 0"; echo 2 >/proc/irq/"$irq"/smp_affinity;;
        *) echo "error: unknown placement $1 (same, free, split)"; return 1;;
    esac
}

# ---- workloads; each prints one number ----
# Every workload runs under a timeout: a driver that livelocks the guest under a flood (or an
# iperf3 whose control connection lost a message) costs a "nan", not the whole run.
tcp() { # tx|rx seconds -> Mbit/s at the receiver
    local r=""; [ "$1" = rx ] && r=-R
    timeout -k 5 $(($2 + 40)) ${PIN:-} iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t "$2" $r -J 2>/dev/null | python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print("nan")'
}
udp() { # tx|rx payload seconds -> "pps loss%" delivered to the receiver, offered above saturation
    # (RATE: an iperf3 -b rate instead of 0, unlimited)
    local r=""; [ "$1" = rx ] && r=-R
    timeout -k 5 $(($3 + 40)) ${PIN:-} iperf3 -c "$PEER_IP" -p "$(iperf_port)" -u -b "${RATE:-0}" -l "$2" -t "$3" $r -J 2>/dev/null | python3 -c '
import json, sys
try:
    e = json.load(sys.stdin)["end"]
    s = e.get("sum_received") or e["sum"]
    lost = s.get("lost_packets", 0); pk = s.get("packets", 0); secs = s["seconds"]
    if "sum_received" in e and "lost_packets" not in s:  # newer iperf3: loss in "sum"
        lost, pk = e["sum"]["lost_packets"], e["sum"]["packets"]
    print("%.1f %.2f" % ((pk - lost) / secs, 100.0 * lost / pk if pk else 100.0))
except Exception:
    print("nan nan")'
}
rtt() { # payload -> median round trip in microseconds of a UDP ping-pong with the peer's echo
    # server (scripts/guest/rtt.py: iputils ping cannot time payloads under 16 bytes)
    timeout -k 5 60 ${PIN:-} python3 "$REPO/scripts/guest/rtt.py" "$PEER_IP" "$1" "$PINGS" "udp:$UDP_ECHO_PORT" || echo nan
}
# pktgen on $IFC, set up once and started any number of times (pg_add, pg_run..., pg_del;
# pg_del before the driver unloads: pktgen holds the device). The frames go to the peer's UDP
# sink (udp-echo.py): to a closed port slirp would answer each with an ICMP port unreachable,
# and the "transmit" figure would carry a receive per frame.
PG=/proc/net/pktgen
pg_add() { # frame size, count
    local mac SINKP=${UDP_SINK_PORT:-9}
    modprobe pktgen 2>/dev/null
    [ -d $PG ] || return 1
    mac=$(ip neigh show "$PEER_IP" dev "$IFC" | awk '/lladdr/ {print $3}')
    echo rem_device_all >$PG/kpktgend_0
    echo "add_device $IFC" >$PG/kpktgend_0
    { echo "count $2"; echo "clone_skb 0"; echo "pkt_size $1"; echo "delay 0"
      echo "dst ${PEER_IP}"; echo "dst_mac $mac"; echo "udp_dst_min $SINKP"; echo "udp_dst_max $SINKP"; } |
        while read -r l; do echo "$l" >$PG/"$IFC"; done
}
pg_run() { # -> packets/s of one run (pktgen's own timing)
    timeout -k 5 120 sh -c "echo start >$PG/pgctrl" 2>/dev/null
    grep -o '[0-9]*pps' $PG/"$IFC" | head -1 | tr -d 'pps' | grep . || echo nan
}
pg_del() {
    [ -d $PG ] && echo rem_device_all >$PG/kpktgend_0
    sleep 0.5
    rmmod pktgen 2>/dev/null
}
pktgen() { # frame size -> packets/s
    if pg_add "$1" "$PKTGEN"; then pg_run; else echo nan; fi
    pg_del
}

# ---- what the tracepoints cost: pktgen (60-byte frames), A/B in ABBA blocks ----
# Throughput moves by +-10 % between identical runs minutes apart here, more than tracepoints
# can cost. Short runs of the same pktgen load (TP_COUNT frames, a fraction of a second), in
# blocks A B B A / B A A B, cancel that drift: each block gives 100 * (1 - pps_B / pps_A) and
# a round records the median of TP_BLOCKS blocks. 60-byte frames make the per-frame work, and
# so the tracepoints' share of it, as small as it gets: the worst case.
#   tp_cost_enabled ROUND        A = events off, B = every ne2k_rs event recording (one load):
#                                records tracepoint_overhead_pct
#   tp_cost_disabled ROUND KO    A = KO (tracepoints compiled out), B = this build, events off
#                                (a reload per run): records tracepoint_disabled_cost_pct
#   stats_cost_enabled ROUND N NAME  A = stage statistics off, B = on (stage_stats=N): NAME
#   stats_cost_disabled ROUND KO A = KO (their check compiled out), B = this build, off:
#                                stage_stats_disabled_cost_pct
# The blocks are kept in $OUT/tp-blocks.txt ("round kind block pct").
TP_COUNT=${BENCH_TP_COUNT:-4000} TP_BLOCKS=${BENCH_TP_BLOCKS:-8} TP_SIZE=${BENCH_TP_SIZE:-60}
tp_blocks() { # kind round arm-command workload -> records workload (the median over blocks)
    local kind=$1 round=$2 arm=$3 name=$4 i x v order pa pb
    for i in $(seq "$TP_BLOCKS"); do
        if [ $((i % 2)) = 1 ]; then order="A B B A"; else order="B A A B"; fi
        pa=0 pb=0
        for x in $order; do
            v=$($arm "$x")
            case $v in ''|0|*[!0-9]*) echo "  tp_cost $kind: arm $x of block $i failed (load or pktgen: '$v')"; return 1;; esac
            if [ "$x" = A ]; then pa=$((pa + v)); else pb=$((pb + v)); fi
        done
        # a block is written only once complete
        echo "$round $kind $i $(awk -v a=$pa -v b=$pb 'BEGIN {printf "%.2f", 100 * (1 - b / a)}')" >>"$OUT/tp-blocks.txt"
    done
    rec "$round" ne2k_rs "$name" "$(awk -v r="$round" -v k="$kind" '$1 == r && $2 == k {print $4}' "$OUT/tp-blocks.txt" |
        sort -g | awk '{v[NR] = $1} END {if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2}')"
}
tp_arm_events() { # A: events off, B: on
    if [ "$1" = B ]; then echo 1 >$TR/events/ne2k_rs/enable; echo 1 >$TR/tracing_on
    else echo 0 >$TR/events/ne2k_rs/enable; fi
    pg_run
    echo 0 >$TR/events/ne2k_rs/enable
}
tp_cost_enabled() { # round
    echo >$TR/set_event; echo >$TR/trace
    pg_add "$TP_SIZE" "$TP_COUNT" || return 1
    pg_run >/dev/null # warm: neighbour, caches
    tp_blocks enabled "$1" tp_arm_events tracepoint_overhead_pct
    local rc=$?
    pg_del; echo 0 >$TR/tracing_on; echo >$TR/trace
    return $rc
}
arm_build() { # A: $ARM_KO_A (a variant build), B: $NE2K_RS_KO; events and statistics off
    if [ "$1" = A ]; then load ne2k_rs "$ARM_KO_A"; else load ne2k_rs; fi >/dev/null || return 1
    pg_add "$TP_SIZE" "$TP_COUNT" || return 1
    pg_run >/dev/null
    pg_run
    pg_del
}
cost_disabled() { # kind round variant-ko workload; leaves this build loaded (the arms load in a subshell)
    ARM_KO_A=$3
    echo >$TR/set_event
    tp_blocks "$1" "$2" arm_build "$4"
    local rc=$?
    load ne2k_rs >/dev/null || rc=1
    return $rc
}
tp_cost_disabled() { # round notrace-ko
    cost_disabled disabled "$1" "$2" tracepoint_disabled_cost_pct
}
# The stage statistics (issue #16), the same way: on (stage_stats=$SS_PERIOD) vs off, one load;
# and off vs their check compiled out (NE2K_RS_NOSTATS=y, a reload per run). Events stay off.
SS_PARAM=/sys/module/ne2k_rs/parameters/stage_stats
ss_arm_on() { # A: statistics off, B: on at $SS_PERIOD
    if [ "$1" = B ]; then echo "$SS_PERIOD" >$SS_PARAM; else echo 0 >$SS_PARAM; fi
    pg_run
    echo 0 >$SS_PARAM
}
stats_cost_enabled() { # round period workload
    SS_PERIOD=$2
    echo >$TR/set_event
    [ -w $SS_PARAM ] || { echo "  no $SS_PARAM"; return 1; }
    pg_add "$TP_SIZE" "$TP_COUNT" || return 1
    pg_run >/dev/null
    tp_blocks "stats$2" "$1" ss_arm_on "$3"
    local rc=$?
    pg_del
    return $rc
}
stats_cost_disabled() { # round nostats-ko
    cost_disabled stats_disabled "$1" "$2" stage_stats_disabled_cost_pct
}

# ---- per-packet costs from events: driver cycles, hard-IRQ cycles, IRQs per 1000 packets ----
# Generic events for every driver: the net_dev_start_xmit -> net_dev_xmit span is the driver's
# ndo_start_xmit; irq_handler_entry -> exit of the card's IRQ is its hard-IRQ handler. ne2k_rs
# also does work in its NAPI poll: ne2k_rs_poll gives the poll's cycles minus the time spent
# handing frames to the stack (GRO and up), so the figure is driver work only for both.
# The traffic of events_run: EV_TRAFFIC DIR (tcp by default: 4 s of iperf3 each way).
events_run() { # driver round [label] -> records driver_cycles_per_pkt, hardirq_cycles_per_rx_irq,
    # irqs_per_1000_pkts (with EV_PREFIX before each name) under LABEL (default: the driver)
    local drv=$1 round=$2 label=${3:-$1} irq tx0 rx0 tx1 rx1
    irq=$(awk -v d="$IFC" '$NF == d || $NF ~ d {sub(":", "", $1); print $1; exit}' /proc/interrupts)
    [ -n "$irq" ] || irq=$(cat /sys/class/net/"$IFC"/device/irq)
    echo 0 >$TR/tracing_on; echo >$TR/trace; echo x86-tsc >$TR/trace_clock
    echo 16384 >$TR/buffer_size_kb
    local aff; aff=$(cat /proc/irq/"$irq"/smp_affinity 2>/dev/null)
    echo 1 >/proc/irq/"$irq"/smp_affinity 2>/dev/null
    echo >$TR/set_event
    for e in irq/irq_handler_entry irq/irq_handler_exit; do
        echo "irq == $irq" >$TR/events/$e/filter; echo 1 >$TR/events/$e/enable
    done
    for e in net/net_dev_start_xmit net/net_dev_xmit; do
        echo "name == \"$IFC\"" >$TR/events/$e/filter 2>/dev/null || echo 0 >$TR/events/$e/filter
        echo 1 >$TR/events/$e/enable
    done
    [ "$drv" = ne2k_rs ] && echo 1 >$TR/events/ne2k_rs/ne2k_rs_poll/enable
    local dirs="rx tx"; [ "$drv" = e100 ] && dirs=rx
    for dir in $dirs; do
        echo >$TR/trace
        tx0=$(stat "$IFC" tx_packets); rx0=$(stat "$IFC" rx_packets)
        echo 1 >$TR/tracing_on
        # IRQ and iperf3 on CPU 0: no cycle counted is a wait for the other CPU (ne2k_rs' poll
        # would otherwise spin on the chip lock while the other CPU's start_xmit holds it for
        # a copy; ne2k-pci masks its IRQ line instead)
        PIN="taskset -c 0" ${EV_TRAFFIC:-tcp} "$dir" 4 >/dev/null
        echo 0 >$TR/tracing_on
        tx1=$(stat "$IFC" tx_packets); rx1=$(stat "$IFC" rx_packets)
        cat $TR/trace >"$OUT/events-$drv-$dir.txt"
        echo "$((tx1 - tx0)) $((rx1 - rx0)) $(awk '/lost|overrun/' $TR/per_cpu/cpu*/stats 2>/dev/null | awk '{s += $NF} END {print s + 0}')" \
            >"$OUT/events-$drv-$dir.pkts"
    done
    echo >$TR/set_event; echo 0 >$TR/events/irq/irq_handler_entry/filter
    echo 0 >$TR/events/irq/irq_handler_exit/filter
    echo 0 >$TR/events/net/net_dev_start_xmit/filter; echo 0 >$TR/events/net/net_dev_xmit/filter
    echo local >$TR/trace_clock
    [ -n "$aff" ] && echo "$aff" >/proc/irq/"$irq"/smp_affinity 2>/dev/null
    python3 - "$OUT" "$drv" "$dirs" <<'PY' | while read -r k v; do rec "$round" "$label" "${EV_PREFIX:-}$k" "$v"; done
import re, sys
out, drv, dirs = sys.argv[1], sys.argv[2], sys.argv[3].split()
ts_re = re.compile(r"^\s*(\S+)-\d+\s+\[(\d+)\]\s+\S+\s+(\d+):\s+(\w+):(.*)$")
tot = {"xmit": 0, "hard": 0, "poll": 0, "irqs": 0, "pkts": 0}
rx_irq_cycles = rx_irqs = 0
for d in dirs:
    tx, rx, _ = open(f"{out}/events-{drv}-{d}.pkts").read().split()
    tot["pkts"] += int(tx) + int(rx)
    open_x, open_h = {}, {}
    hard = irqs = 0
    for line in open(f"{out}/events-{drv}-{d}.txt"):
        m = ts_re.match(line)
        if not m:
            continue
        cpu, ts, ev, rest = int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)
        if ev == "net_dev_start_xmit":
            open_x[cpu] = ts
        elif ev == "net_dev_xmit" and cpu in open_x:
            tot["xmit"] += ts - open_x.pop(cpu)
        elif ev == "irq_handler_entry":
            open_h[cpu] = ts
        elif ev == "irq_handler_exit" and cpu in open_h:
            hard += ts - open_h.pop(cpu); irqs += 1
        elif ev == "ne2k_rs_poll":
            f = dict(kv.split("=") for kv in rest.split())
            tot["poll"] += int(f["cycles"]) - int(f.get("stack_cycles", 0))
    tot["hard"] += hard; tot["irqs"] += irqs
    if d == "rx":
        rx_irq_cycles, rx_irqs = hard, irqs
if tot["pkts"]:
    if drv != "e100":
        print("driver_cycles_per_pkt %.0f" % ((tot["xmit"] + tot["hard"] + tot["poll"]) / tot["pkts"]))
        print("irqs_per_1000_pkts %.1f" % (1000.0 * tot["irqs"] / tot["pkts"]))
    if rx_irqs:
        print("hardirq_cycles_per_rx_irq %.0f" % (rx_irq_cycles / rx_irqs))
PY
}

# ---- port accesses per packet, counted by QEMU (the same counter for every driver) ----
port_accesses() { # driver round [label]
    local l=${3:-$1} tx0 rx0 n pk
    tx0=$(stat "$IFC" tx_packets); rx0=$(stat "$IFC" rx_packets)
    labctl trace-start >/dev/null
    timeout 60 ping -q -c 100 -i 0.01 -s 56 "$PEER_IP" >/dev/null 2>&1
    timeout 60 ping -q -c 100 -i 0.01 -s 1400 "$PEER_IP" >/dev/null 2>&1
    n=$(labctl trace-stop | awk '$1 == "accesses" {print $2}')
    pk=$(( $(stat "$IFC" tx_packets) - tx0 + $(stat "$IFC" rx_packets) - rx0 ))
    if [ -n "$n" ] && [ "$pk" -gt 0 ]; then
        rec "$2" "$l" port_accesses_per_pkt "$(awk -v n="$n" -v p="$pk" 'BEGIN {printf "%.1f", n / p}')"
    fi
}

# ---- dropping a receive flood as early as the stack allows: XDP_DROP against iptables ----
# drop_flood HOW payload seconds -> packets/s the card's driver took off the ring and handed on
# (the interface's rx_packets) while a UDP flood from the peer (iperf3 -R -u, unlimited rate,
# the same flood as `udp rx`) met HOW, and nothing of it reached a socket:
#   xdp        - BENCH_XDP_OBJ (scripts/bpf/xdp_drop_udp.bpf.c: every IPv4 UDP datagram is
#                XDP_DROP) attached natively: the driver runs it before any skb exists
#   xdpgeneric - the same program attached generically: after the driver has built the skb
#                (what a driver without native XDP, such as the C ne2k-pci, offers)
#   nf         - iptables -t raw -A PREROUTING -i IFC -p udp -j DROP (Debian's iptables, the
#                nf_tables backend): the first hook of the IP layer
# The drop goes in once the flood runs (iperf3 sets its UDP stream up with datagrams both
# ways); the flood runs on (host time: under it the guest's commands take seconds) until the
# window has been read, then the client is stopped. The dropper's own counter (ethtool -S
# xdp_drop; the rule's packets), read around the rx_packets reads, must hold at least 90 % of
# the frames counted; a failed attach or a flood that ended early gives "nan". (xdpgeneric has
# no counter of its own.) A driver whose receive path dies under the flood scores 0.
drop_flood() {
    local how=$1 size=$2 secs=$3 it ok=1 r0 r1 d0 d1 t0 t1
    case $how in
        xdp|xdpgeneric) [ -r "${BENCH_XDP_OBJ:-}" ] || { echo nan; return; };;
        nf) command -v iptables >/dev/null || { echo nan; return; };;
        *) echo nan; return;;
    esac
    drop_count() {
        case $how in
            xdp) ethtool -S "$IFC" | awk '$1 == "xdp_drop:" {print $2}';;
            nf) iptables -t raw -nvxL PREROUTING | awk '$3 == "DROP" {print $1; exit}';;
            *) echo 0;;
        esac
    }
    timeout -k 2 $((secs + 120)) ${PIN:-} iperf3 -c "$PEER_IP" -p "$(iperf_port)" -u -b 0 -l "$size" \
        -t $((secs + 100)) -R >/dev/null 2>&1 &
    it=$!
    sleep 1.5
    case $how in
        xdp|xdpgeneric) ip link set dev "$IFC" "$how" obj "$BENCH_XDP_OBJ" sec xdp >&2
                        ip link show "$IFC" | head -1 | grep -qw "$how" || ok=0;;
        nf) iptables -t raw -A PREROUTING -i "$IFC" -p udp -j DROP || ok=0;;
    esac
    if [ $ok = 1 ]; then
        sleep 0.5
        d0=$(drop_count); r0=$(stat "$IFC" rx_packets); t0=$(date +%s.%N)
        sleep "$secs"
        r1=$(stat "$IFC" rx_packets); t1=$(date +%s.%N); d1=$(drop_count)
        kill -0 $it 2>/dev/null || ok=0
    fi
    case $how in
        xdp|xdpgeneric) ip link set dev "$IFC" "$how" off;;
        nf) iptables -t raw -D PREROUTING -i "$IFC" -p udp -j DROP 2>/dev/null;;
    esac
    kill $it 2>/dev/null; wait $it 2>/dev/null
    [ $ok = 1 ] || { echo "  ($how: no attach, or the flood ended early)" >&2; echo nan; return; }
    python3 -c '
import sys
r0, r1, d0, d1, t0, t1, how = sys.argv[1:]
try:
    n, d, secs = int(r1) - int(r0), int(d1) - int(d0), float(t1) - float(t0)
except ValueError:
    print("nan"); sys.exit()
if how != "xdpgeneric" and d < 0.9 * n:
    print(f"  ({how}: {n} frames received, {d} dropped by it)", file=sys.stderr)
    print("nan")
else:
    print("%.1f" % (n / secs))' "$r0" "$r1" "${d0:-x}" "${d1:-x}" "$t0" "$t1" "$how"
}
