#!/usr/bin/env bash
# Experiment (make guest-run SCRIPT=scripts/guest/exp-placement.sh): does where the sender and
# the card's interrupt run decide the transmit figures? For ne2k_rs (and a second build of it,
# BENCH_EXP_KO_B, if given) and ne2k-pci alternately, BENCH_EXP_REPS times, TCP and 64-byte
# UDP guest -> peer with
#   free  - nothing pinned (make bench before BENCH_PIN; BENCH_PIN=free)
#   same  - iperf3 and the card's IRQ on CPU 0 (make bench's default)
#   split - iperf3 on CPU 0, the card's IRQ on CPU 1
# Raw lines "rep driver placement workload value" in $OUT/exp-raw.txt; medians at the end.
#   BENCH_EXP_REPS (3)  BENCH_EXP_KO_B (none)  BENCH_EXP_PLACES (free same split)
#   BENCH_T (10: TCP seconds)  BENCH_TU (5: UDP seconds)
set -u
. "$REPO/tests/guest/lib.sh"
REPS=${BENCH_EXP_REPS:-3} PLACES=${BENCH_EXP_PLACES:-free same split} KO_B=${BENCH_EXP_KO_B:-} T=${BENCH_T:-10} TU=${BENCH_TU:-5} PKTGEN=0 PINGS=0
RAW="$OUT/exp-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
. "$REPO/scripts/guest/bench-lib.sh"

echo "exp-placement: $REPS reps, places: $PLACES, TCP ${T}s, UDP ${TU}s; kernel $(uname -r)"
for r in $(seq "$REPS"); do
    for d in ne2k_rs ${KO_B:+ne2k_rs_b} ne2k-pci; do
        if [ "$d" = ne2k_rs_b ]; then load ne2k_rs "$KO_B"; else load "$d"; fi ||
            { echo "error: cannot bring up $d"; exit 1; }
        for p in $PLACES; do
            case $p in free|same|split) ;; *) echo "error: BENCH_EXP_PLACES: unknown placement '$p'"; exit 1;; esac
            place "$p"
            rec "$r" "$d" "$p" "tcp_tx $(tcp tx "$T")"
            v=$(udp tx 64 "$TU"); rec "$r" "$d" "$p" "udp64_tx_pps ${v% *}"
        done
        unload_all
    done
done
python3 - "$RAW" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, d, p, w, x = line.split()
    if x != "nan":
        v[(w, p, d)].append(float(x))
drivers = [d for d in ("ne2k_rs", "ne2k_rs_b", "ne2k-pci") if any(k[2] == d for k in v)]
f = lambda s: "%.1f (%.1f-%.1f)" % (statistics.median(s), min(s), max(s)) if s else "n/a"
print("%-13s %-6s" % ("workload", "place") + "".join(" %26s" % (d + " med (min-max)") for d in drivers)
      + "".join(" %12s" % (d + "/C") for d in drivers[:-1]))
for w in ("tcp_tx", "udp64_tx_pps"):
    for p in ("free", "same", "split"):
        s = [v.get((w, p, d), []) for d in drivers]
        c = s[-1]
        ratios = ["%.2f" % (statistics.median(a) / statistics.median(c)) if a and c else "n/a" for a in s[:-1]]
        print("%-13s %-6s" % (w, p) + "".join(" %26s" % f(a) for a in s) + "".join(" %12s" % r for r in ratios))
PY
