#!/usr/bin/env bash
# Guest side of `make irqsoff` (scripts/irqsoff.sh), on the irqsoff kernel flavor: the longest
# interrupts-off section, and the distribution of all of them, while the card moves 1514-byte
# frames flat out, for ne2k_rs and the C ne2k-pci on the same card in the same boot.
#   - max: the kernel's irqsoff tracer (tracing_max_latency, with the trace of that section:
#     where it began and ended);
#   - every section: the preemptirq irq_disable/irq_enable events paired per CPU by a
#     synthetic event (Documentation/trace/histogram.rst), a histogram of their lengths in us.
# Both are system-wide: whatever the CPU does with interrupts off during the flood counts, the
# driver's own sections and the rest of the kernel's; the workload is the same for both drivers.
# Workloads: tx - pktgen, 1514-byte frames to the peer's UDP sink; rx - iperf3 -R -u, 1472-byte
# datagrams (1514-byte frames) from the peer at IRQSOFF_RX_RATE (20M: about what the card takes;
# flat out, slirp starves the vCPUs of the host and every long section is the host's).
# Output: $OUT/irqsoff-raw.txt, lines "driver dir frame_bytes max_us p99 sections hist_max p999
# sections_over_long unit hirq_n hirq_max hirq_p99": max_us from the tracer (always us); the
# others from the histograms in unit (us on the wall clock; ns, i.e. instructions, with
# IRQSOFF_CLOCK=icount, where a long section is 50000 ns); hirq_*: the driver's hard-IRQ
# handler on the card's line (count, longest, 99th percentile), and the
# max section's trace in $OUT/irqsoff-<driver>-<dir>.trace. IRQSOFF_SECONDS (10), IRQSOFF_REPS (3).
set -u
. "$REPO/tests/guest/lib.sh"
T=${IRQSOFF_SECONDS:-10} REPS=${IRQSOFF_REPS:-3} TU=$T PKTGEN=1000000000 PINGS=10
RAW="$OUT/irqsoff-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
. "$REPO/scripts/guest/bench-lib.sh"
[ -f $TR/events/preemptirq/irq_disable/enable ] || { echo "error: no preemptirq events: not the irqsoff kernel"; exit 1; }
grep -qw irqsoff $TR/available_tracers || { echo "error: no irqsoff tracer: not the irqsoff kernel"; exit 1; }

HT=$TR/events/synthetic/irqsoff_lat/trigger
# IRQSOFF_CLOCK=icount (scripts/irqsoff.sh: QEMU -icount shift=0, one nanosecond of guest time
# per instruction): sections in ns, i.e. instructions, in buckets of 100; else (the wall clock)
# in us.
if [ "${IRQSOFF_CLOCK:-wall}" = icount ]; then
    UNIT=ns TS=common_timestamp LONG=50000 HSPEC='hist:keys=lat.buckets=100:sort=lat:size=4096'
else
    UNIT=us TS=common_timestamp.usecs LONG=50 HSPEC='hist:keys=lat:sort=lat:size=4096'
fi
# Once per boot: irq_disable stamps the CPU's time, irq_enable emits the section's length.
echo 'irqsoff_lat u64 lat' >>$TR/synthetic_events
echo "hist:keys=common_cpu:ts0=$TS" >>$TR/events/preemptirq/irq_disable/trigger
echo "hist:keys=common_cpu:lat=$TS-\$ts0:onmatch(preemptirq.irq_disable).trace(irqsoff_lat,\$lat)" \
    >>$TR/events/preemptirq/irq_enable/trigger
echo "$HSPEC:pause" >>$HT

# The irqsoff tracer, set once: without its function tracing (options/function-trace: each
# window only needs the longest section's length and where it began and ended; switching
# tracers with function tracing on crashed this kernel, an ftrace trampoline fault in a page
# fault path) and never switched off; each window resets the max.
echo 0 >$TR/tracing_on
echo 0 >$TR/options/function-trace
echo irqsoff >$TR/current_tracer

# The driver's own sections: its hard-IRQ handler, from irq_handler_entry to irq_handler_exit
# on the card's line (the one place either driver runs with interrupts off in these workloads:
# ne2k_rs' chip lock keeps them on, and lib8390's transmit copy runs with the line disabled, not
# the CPU's interrupts, unless lockdep is on). Set up once the card's IRQ is known (hirq_setup).
HT2=$TR/events/synthetic/irqh_lat/trigger
CARD_IRQ=""
hirq_setup() {
    [ -n "$CARD_IRQ" ] && return 0
    CARD_IRQ=$(cat /sys/class/net/"$IFC"/device/irq)
    echo "card IRQ $CARD_IRQ: $(grep -E "^ *$CARD_IRQ:" /proc/interrupts | tr -s ' ')"
    echo 'irqh_lat u64 lat' >>$TR/synthetic_events
    echo "hist:keys=common_cpu:th=$TS if irq == $CARD_IRQ" >>$TR/events/irq/irq_handler_entry/trigger
    echo "hist:keys=common_cpu:lat=$TS-\$th:onmatch(irq.irq_handler_entry).trace(irqh_lat,\$lat) if irq == $CARD_IRQ" \
        >>$TR/events/irq/irq_handler_exit/trigger
    echo "$HSPEC:pause" >>$HT2
}

arm() {
    hirq_setup
    echo >$TR/trace
    echo 0 >$TR/tracing_max_latency
    echo 1 >$TR/tracing_on
    echo "$HSPEC:clear" >>$HT
    echo "$HSPEC:cont" >>$HT
    echo "$HSPEC:clear" >>$HT2
    echo "$HSPEC:cont" >>$HT2
}

collect() { # driver dir rep
    echo "$HSPEC:pause" >>$HT
    echo "$HSPEC:pause" >>$HT2
    echo 0 >$TR/tracing_on
    local max hist hist2
    max=$(cat $TR/tracing_max_latency)
    cp $TR/trace "$OUT/irqsoff-$1-$2-$3.trace"
    hist=$(cat $TR/events/synthetic/irqsoff_lat/hist)
    echo "$hist" >"$OUT/irqsoff-$1-$2-$3.hist"
    hist2=$(cat $TR/events/synthetic/irqh_lat/hist)
    echo "$hist2" >"$OUT/irqsoff-$1-$2-$3.hirq.hist"
    echo >$TR/trace
    python3 - "$1" "$2" "$max" "$LONG" "$UNIT" <<PY >>"$RAW"
import re, sys
drv, d, mx, long_at, unit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
# "lat: N" or, in buckets, "lat: ~ LO-HI" (a section counts as HI long: the bound it is under)
def parse(text):
    return [(int(b or a), int(c)) for a, b, c in
            re.findall(r"lat:\s*~?\s*(\d+)(?:-(\d+))?\s*\}\s*hitcount:\s*(\d+)", text)]
pairs = parse("""$hist""")
hpairs = parse("""$hist2""")
n = sum(c for _, c in pairs)
def pct(q, pairs=pairs):
    n = sum(c for _, c in pairs)
    acc = 0
    for lat, c in sorted(pairs):
        acc += c
        if acc >= q * n:
            return lat
    return 0
hmax = max((l for l, _ in pairs), default=0)
long_ = sum(c for l, c in pairs if l >= long_at)
print(drv, d, 1514, mx, pct(0.99), n, hmax, pct(0.999), long_, unit,
      sum(c for _, c in hpairs), max((l for l, _ in hpairs), default=0), pct(0.99, hpairs))
PY
}

DRIVERS="ne2k_rs ne2k-pci"
[ -n "${IRQSOFF_KO_B:-}" ] && DRIVERS="$DRIVERS ${IRQSOFF_B_NAME:-ne2k_rs@base}"
for rep in $(seq 1 "$REPS"); do
    for d in $DRIVERS; do
        case "$d" in
            ne2k_rs@*) load ne2k_rs "$IRQSOFF_KO_B";;
            *) load "$d";;
        esac || { echo "error: cannot bring up $d"; exit 1; }
        # tx: pktgen for T seconds (it stops on its own count; killed at T)
        if pg_add 1514 "$PKTGEN"; then
            arm
            timeout -s INT "$T" sh -c "echo start >$PG/pgctrl" 2>/dev/null
            echo stop >$PG/pgctrl 2>/dev/null
            collect "$d" tx "$rep"
        fi
        pg_del
        arm
        v=$(RATE=${IRQSOFF_RX_RATE:-20M} udp rx 1472 "$T")
        collect "$d" rx "$rep"
        echo "  rep $rep $d: $(tail -2 "$RAW" | awk -v L=$LONG '{printf "%s max %s us p99 %s p99.9 %s %s, %s of %s sections >= %s %s; ", $2, $4, $5, $8, $10, $9, $6, L, $10}') rx $v"
        for w in tx rx; do
            echo "    $w longest: $(grep -E '^ *[^#].*(us|us[!#*+]):' "$OUT/irqsoff-$d-$w-$rep.trace" 2>/dev/null | head -2 | awk '{print $NF}' | tr '\n' ' ')"
        done
        ip link set "$IFC" down
    done
done
unload_all
echo "irqsoff: done"
