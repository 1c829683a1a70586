#!/usr/bin/env bash
# Experiment (make guest-run SCRIPT=scripts/guest/exp-tp-cost.sh): only make bench's tracepoint
# cost figures (bench-lib.sh: tp_cost_enabled, tp_cost_disabled), BENCH_EXP_REPS times, plus an
# A/A control (the same ABBA blocks with both arms events-off: the method's noise floor on this
# machine) and a reference: the kernel's own skb:consume_skb/kfree_skb events, one per frame
# sent, on vs off (what one stock ftrace event per frame costs here). NE2K_RS_NOTRACE_KO: a
# build with the tracepoints compiled out (make module NE2K_RS_NOTRACE=y); without it, no
# disabled-cost figure. The stage statistics the same way: on vs off, and (NE2K_RS_NOSTATS_KO:
# a build with their check compiled out, make module NE2K_RS_NOSTATS=y) off vs compiled out.
#   BENCH_EXP_REPS (2)  BENCH_TP_BLOCKS (8)  BENCH_TP_COUNT (4000)  BENCH_TP_SIZE (60)  BENCH_PIN (same)
#   BENCH_EXP_DISABLED (1: also the disabled-cost blocks, a reload per run)
set -u
. "$REPO/tests/guest/lib.sh"
REPS=${BENCH_EXP_REPS:-2} PLACE=${BENCH_PIN:-same} KO_NOTRACE=${NE2K_RS_NOTRACE_KO:-}
KO_NOSTATS=${NE2K_RS_NOSTATS_KO:-}
RAW="$OUT/exp-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
. "$REPO/scripts/guest/bench-lib.sh"
[ -z "$KO_NOTRACE" ] || [ -f "$KO_NOTRACE" ] || { echo "error: NE2K_RS_NOTRACE_KO=$KO_NOTRACE: no such file"; exit 1; }
[ -z "$KO_NOSTATS" ] || [ -f "$KO_NOSTATS" ] || { echo "error: NE2K_RS_NOSTATS_KO=$KO_NOSTATS: no such file"; exit 1; }

rc=0
tp_arm_same() { pg_run; } # A/A: both arms alike
tp_arm_stock() { # A: off, B: the kernel's own per-frame events (skb:consume_skb, skb:kfree_skb)
    local e v=0; [ "$1" = B ] && v=1
    for e in skb/consume_skb skb/kfree_skb; do echo $v >$TR/events/$e/enable; done
    echo 1 >$TR/tracing_on
    pg_run
    for e in skb/consume_skb skb/kfree_skb; do echo 0 >$TR/events/$e/enable; done
}
events_per_frame() { # events... -> events recorded per frame in one pktgen run with them on
    local e n
    echo 0 >$TR/tracing_on; echo >$TR/trace
    for e in "$@"; do echo 1 >$TR/events/$e/enable; done
    echo 1 >$TR/tracing_on; pg_run >/dev/null; echo 0 >$TR/tracing_on
    for e in "$@"; do echo 0 >$TR/events/$e/enable; done
    n=$(awk '/^(entries|overrun):/ {s += $2} END {print s + 0}' $TR/per_cpu/cpu*/stats)
    awk -v n="$n" -v c="$TP_COUNT" 'BEGIN {printf "%.2f", n / c}'
}
echo "exp-tp-cost: $REPS reps, $TP_BLOCKS blocks of 4 runs of $TP_COUNT $TP_SIZE-byte frames, placement $PLACE"
for r in $(seq "$REPS"); do
    load ne2k_rs || { echo "error: cannot bring up ne2k_rs"; exit 1; }
    if pg_add "$TP_SIZE" "$TP_COUNT" && pg_run >/dev/null; then
        tp_blocks control "$r" tp_arm_same tracepoint_aa_control_pct || rc=1
        tp_blocks stock "$r" tp_arm_stock tracepoint_stock_skb_events_pct || rc=1
        rec "$r" ne2k_rs ne2k_rs_events_per_frame "$(events_per_frame ne2k_rs)"
        rec "$r" ne2k_rs stock_skb_events_per_frame "$(events_per_frame skb/consume_skb skb/kfree_skb)"
    fi
    pg_del
    tp_cost_enabled "$r" || rc=1
    if [ -n "$KO_NOTRACE" ] && [ "${BENCH_EXP_DISABLED:-1}" = 1 ]; then
        tp_cost_disabled "$r" "$KO_NOTRACE" || rc=1
    fi
    # as left on (one unit in 8 timed), and timing every frame (what the events cost without
    # their recording)
    stats_cost_enabled "$r" 8 stage_stats_overhead_pct || rc=1
    stats_cost_enabled "$r" 1 stage_stats_every_frame_overhead_pct || rc=1
    if [ -n "$KO_NOSTATS" ] && [ "${BENCH_EXP_DISABLED:-1}" = 1 ]; then
        stats_cost_disabled "$r" "$KO_NOSTATS" || rc=1
    fi
    unload_all
done
echo "blocks (round kind block pct):"
cat "$OUT/tp-blocks.txt"
[ $rc = 0 ] || echo "exp-tp-cost: some figures are missing (see above)"
exit $rc
