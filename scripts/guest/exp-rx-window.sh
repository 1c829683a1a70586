#!/usr/bin/env bash
# Experiment (make guest-run SCRIPT=scripts/guest/exp-rx-window.sh): what limits TCP receive
# (iperf3 -R, peer -> guest)? QEMU's ne2000 drops a frame when its receive ring is full (no
# can_receive, no overflow interrupt), and slirp sends a whole TCP window in one burst of its
# main loop, while a vCPU cannot drain the ring (port I/O needs the same lock). Loss then
# depends on the window against the ring. This clamps the guest's receive buffer (iperf3 -w,
# SO_RCVBUF, which bounds the advertised window) and records, per driver and window:
#   Mbit/s, and per 1000 received segments: out-of-order segments queued (TCPOFOQueue: a hole,
#   i.e. a frame lost before it) and duplicates of already-received data (DelayedACKLost: a
#   retransmission the peer sent after a timeout) - the guest's view of the losses.
# Raw lines "rep driver window workload value" in $OUT/exp-raw.txt; medians at the end.
#   BENCH_EXP_REPS (2)  BENCH_EXP_WINDOWS (8K 16K 24K 32K 48K 64K 128K default)
#   BENCH_EXP_DRIVERS (ne2k_rs ne2k-pci e100)  BENCH_T (5: seconds per run)  BENCH_PIN (same)
set -u
. "$REPO/tests/guest/lib.sh"
REPS=${BENCH_EXP_REPS:-2} T=${BENCH_T:-5} PLACE=${BENCH_PIN:-same} PKTGEN=0 PINGS=0
WINDOWS=${BENCH_EXP_WINDOWS:-8K 16K 24K 32K 48K 64K 128K default}
DRIVERS=${BENCH_EXP_DRIVERS:-ne2k_rs ne2k-pci e100}
RAW="$OUT/exp-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
. "$REPO/scripts/guest/bench-lib.sh"

for w in $WINDOWS; do
    case $w in default|[0-9]*K) ;; *) echo "error: BENCH_EXP_WINDOWS: '$w' is not NK or default"; exit 1;; esac
done
counter() { # file name -> value of a /proc/net/{snmp,netstat} counter (header line, then values)
    awk -v n="$2" '{ if (!($1 in seen)) { seen[$1] = 1; for (i = 2; i <= NF; i++) k[$1, i] = $i }
                     else { for (i = 2; i <= NF; i++) if (k[$1, i] == n) { print $i; exit } } }' "$1"
}
snap() { echo "$(counter /proc/net/snmp InSegs) $(counter /proc/net/netstat TCPOFOQueue) $(counter /proc/net/netstat DelayedACKLost)"; }

echo "exp-rx-window: $REPS reps, windows: $WINDOWS, drivers: $DRIVERS, ${T}s each, placement $PLACE"
for r in $(seq "$REPS"); do
    for d in $DRIVERS; do
        load "$d" || { echo "error: cannot bring up $d"; exit 1; }
        [ "$r" = 1 ] && dmesg | grep -E "ne2k_rs|ne2k-pci|e100" | grep -iE "ring|KiB|RAM" | tail -1
        for w in $WINDOWS; do
            a=$(snap)
            wopt=""; [ "$w" = default ] || wopt="-w $w"
            v=$(timeout -k 5 $((T + 40)) ${PIN:-} iperf3 -c "$PEER_IP" -p "$(iperf_port)" -t "$T" -R $wopt -J 2>/dev/null |
                python3 -c 'import json, sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print("nan")')
            b=$(snap)
            set -- $a $b
            segs=$(($4 - $1))
            rec "$r" "$d" "$w" "tcp_rx $v"
            if [ "$segs" -gt 0 ]; then
                rec "$r" "$d" "$w" "ofo_per_1000 $(awk -v o=$(($5 - $2)) -v s=$segs 'BEGIN {printf "%.1f", 1000 * o / s}')"
                rec "$r" "$d" "$w" "dup_per_1000 $(awk -v o=$(($6 - $3)) -v s=$segs 'BEGIN {printf "%.1f", 1000 * o / s}')"
            fi
        done
        unload_all
    done
done
python3 - "$RAW" "$WINDOWS" "$DRIVERS" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, d, w, k, x = line.split()
    if x != "nan":
        v[(d, w, k)].append(float(x))
windows, drivers = sys.argv[2].split(), sys.argv[3].split()
med = lambda s: "%.1f" % statistics.median(s) if s else "n/a"
print("%-9s %-8s %14s %14s %14s" % ("driver", "window", "tcp_rx Mbit/s", "OFO/1000 segs", "dup/1000 segs"))
for d in drivers:
    for w in windows:
        print("%-9s %-8s %14s %14s %14s" % (d, w, med(v[(d, w, "tcp_rx")]), med(v[(d, w, "ofo_per_1000")]),
                                            med(v[(d, w, "dup_per_1000")])))
PY
