#!/usr/bin/env bash
# make bench: ne2k_rs against the C ne2k-pci driver on the same emulated card, in one guest boot,
# A B A B ... for BENCH_ROUNDS rounds (default 5), every workload of issue #6; writes
# results/bench-<time>/{bench.json,bench.md} and results/bench.json, results/bench.md.
#   bench.sh --kdir KBUILD [--timeout S]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR="" TIMEOUT=${BENCH_TIMEOUT:-5400}
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --timeout) TIMEOUT=$2; shift 2;;
        *) die "unknown argument $1";;
    esac
done
[ -n "$KDIR" ] || die "--kdir is required"
ROUNDS=${BENCH_ROUNDS:-5}
positive_int BENCH_ROUNDS "$ROUNDS"
for v in BENCH_T BENCH_TU BENCH_PKTGEN BENCH_PING BENCH_TP_BLOCKS BENCH_TP_COUNT; do positive_int "$v" "${!v:-1}"; done
TP_REPS=${BENCH_TP_REPS:-2} TP_ICOUNT_BLOCKS=${BENCH_TP_ICOUNT_BLOCKS:-4}
positive_int BENCH_TP_REPS "$TP_REPS"; positive_int BENCH_TP_ICOUNT_BLOCKS "$TP_ICOUNT_BLOCKS"
case "${BENCH_PIN:-same}" in same|free|split) ;; *) die "BENCH_PIN must be same, free or split, not '${BENCH_PIN}'";; esac
out="$REPO/results/bench-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

# The same module with the tracepoint checks compiled out (cost of a disabled tracepoint).
step "ne2k_rs variant without tracepoints (NE2K_RS_NOTRACE=y)"
nt="$NE2K_CACHE/notrace-src"
build_module_copy "$REPO" "$nt" "$KDIR" "$out/notrace-build.log" NE2K_RS_NOTRACE=y || die "notrace build failed"
cp "$nt/ne2k_rs.ko" "$out/ne2k_rs_notrace.ko"
done_step

step "guest: $ROUNDS rounds (timeout ${TIMEOUT}s)"
NE2K_RS_NOTRACE_KO="$out/ne2k_rs_notrace.ko" BENCH_ROUNDS=$ROUNDS \
    "$HERE/guest-run.sh" --kdir "$KDIR" --timeout "$TIMEOUT" --out "$out/guest" \
    "$HERE/guest/bench.sh"
rc=$?
done_step
[ $rc = 0 ] || { echo "bench: the guest run failed (exit $rc); see $out/guest"; exit 1; }

# What the tracepoints cost, in a second guest run with -icount: guest time is the count of
# instructions executed, so the A/B blocks compare instructions per frame and the host's noise
# (+-20 % per block above) drops out (an A/A control shows the floor). Same ABBA method
# (guest/exp-tp-cost.sh: events on vs off, this build vs compiled out, the kernel's own skb
# events as a reference); bench-report.py takes the targets' figures from it.
step "guest, -icount: tracepoint cost, $TP_REPS reps of $TP_ICOUNT_BLOCKS blocks"
GUEST_QEMU_OPTS="-icount shift=0,sleep=off" NE2K_RS_NOTRACE_KO="$out/ne2k_rs_notrace.ko" \
    BENCH_EXP_REPS=$TP_REPS BENCH_TP_BLOCKS=$TP_ICOUNT_BLOCKS \
    "$HERE/guest-run.sh" --kdir "$KDIR" --timeout $((600 + TP_REPS * TP_ICOUNT_BLOCKS * 150)) --out "$out/icount" \
    "$HERE/guest/exp-tp-cost.sh" ||
    echo "bench: the -icount run failed; no tracepoint cost figures (see $out/icount)"
done_step
python3 "$HERE/bench-report.py" "$out" || exit 1
cp "$out/bench.json" "$out/bench.md" "$REPO/results/"
echo "bench: results in $out (and results/bench.json, results/bench.md)"
