#!/usr/bin/env bash
# make bench: ne2k_rs against the C ne2k-pci driver on the same emulated card, in one guest boot,
# A B A' for BENCH_ROUNDS rounds (default 5; A' = ne2k_rs again, the A/A control), every
# workload of issue #6; then the Bochs figures (BENCH_BOCHS=0 skips them, BENCH_BOCHS_ROUNDS=3);
# writes results/bench-<time>/{bench.json,bench.md} and results/bench.json, results/bench.md.
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
BOCHS_ROUNDS=${BENCH_BOCHS_ROUNDS:-3}
positive_int BENCH_BOCHS_ROUNDS "$BOCHS_ROUNDS"
case "${BENCH_BOCHS:-1}" in 0|1) ;; *) die "BENCH_BOCHS must be 0 or 1, not '${BENCH_BOCHS}'";; esac
case "${BENCH_PIN:-same}" in same|free|split) ;; *) die "BENCH_PIN must be same, free or split, not '${BENCH_PIN}'";; esac
out="$REPO/results/bench-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
# The commit measured: the module is built now (make bench's prerequisite), the report at the end.
git -C "$REPO" describe --always --dirty >"$out/commit.txt" 2>/dev/null

# The same module with the tracepoint checks compiled out (cost of a disabled tracepoint).
step "ne2k_rs variant without tracepoints (NE2K_RS_NOTRACE=y)"
nt="$NE2K_CACHE/notrace-src"
build_module_copy "$REPO" "$nt" "$KDIR" "$out/notrace-build.log" NE2K_RS_NOTRACE=y || die "notrace build failed"
cp "$nt/ne2k_rs.ko" "$out/ne2k_rs_notrace.ko"
done_step

# ... and one with the stage statistics' check compiled out (their cost while off).
step "ne2k_rs variant without the stage statistics (NE2K_RS_NOSTATS=y)"
ns="$NE2K_CACHE/nostats-src"
build_module_copy "$REPO" "$ns" "$KDIR" "$out/nostats-build.log" NE2K_RS_NOSTATS=y || die "nostats build failed"
cp "$ns/ne2k_rs.ko" "$out/ne2k_rs_nostats.ko"
done_step

# The XDP program of the drop workload (guest/bench-lib.sh: drop_flood), self-contained C.
step "XDP program (scripts/bpf/xdp_drop_udp.bpf.c)"
clang-19 -O2 -g -target bpf -c "$REPO/scripts/bpf/xdp_drop_udp.bpf.c" -o "$out/xdp_drop_udp.bpf.o" ||
    die "clang-19 -target bpf failed (make deps installs clang-19)"
done_step

step "guest: $ROUNDS rounds (timeout ${TIMEOUT}s)"
BENCH_XDP_OBJ="$out/xdp_drop_udp.bpf.o" NE2K_RS_NOTRACE_KO="$out/ne2k_rs_notrace.ko" BENCH_ROUNDS=$ROUNDS \
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
step "guest, -icount: tracepoint and stage statistics cost, $TP_REPS reps of $TP_ICOUNT_BLOCKS blocks"
GUEST_QEMU_OPTS="-icount shift=0,sleep=off" NE2K_RS_NOTRACE_KO="$out/ne2k_rs_notrace.ko" \
    NE2K_RS_NOSTATS_KO="$out/ne2k_rs_nostats.ko" \
    BENCH_EXP_REPS=$TP_REPS BENCH_TP_BLOCKS=$TP_ICOUNT_BLOCKS \
    "$HERE/guest-run.sh" --kdir "$KDIR" --timeout $((600 + TP_REPS * TP_ICOUNT_BLOCKS * 300)) --out "$out/icount" \
    "$HERE/guest/exp-tp-cost.sh" ||
    echo "bench: the -icount run failed; no tracepoint cost figures (see $out/icount)"
done_step
# Bochs' RTL8029 on a clock of instructions (567 MHz): the same drivers' figures without the
# host's noise (scripts/guest/bench-bochs.sh), A B A' per round as above. Two boots: the
# figures, then the port accesses, counted from the card's own log (on only for that boot: it
# would log every access of the TCP runs too).
if [ "${BENCH_BOCHS:-1}" = 1 ]; then
    step "Bochs guest (1 CPU): ping RTT and driver cycles per packet, $BOCHS_ROUNDS rounds"
    BENCH_ROUNDS=$BOCHS_ROUNDS "$HERE/guest-run.sh" --emu bochs --cpus 1 --kdir "$KDIR" \
        --timeout $((900 + BOCHS_ROUNDS * 400)) --out "$out/bochs" "$HERE/guest/bench-bochs.sh" ||
        echo "bench: the Bochs run failed; no bochs_* figures (see $out/bochs)"
    done_step
    step "Bochs guest (1 CPU), the card's accesses logged: port accesses per packet"
    if BOCHS_LOG_NE2K=1 BENCH_BOCHS_MODE=ports BENCH_ROUNDS=$BOCHS_ROUNDS "$HERE/guest-run.sh" --emu bochs \
        --cpus 1 --kdir "$KDIR" --timeout $((600 + BOCHS_ROUNDS * 200)) --out "$out/bochs-ports" \
        "$HERE/guest/bench-bochs.sh"; then
        # every access of the boot: large, and kept only when it could not be counted
        if python3 "$HERE/bochs/port-count.py" "$out/bochs-ports" >"$out/bochs-ports/port-count.txt"; then
            cat "$out/bochs-ports/port-count.txt" >>"$out/bochs-ports/bench-raw.txt"
            rm -f "$out/bochs-ports/bochs.log"
        else
            echo "bench: no port-access count from the Bochs log (see $out/bochs-ports)"
        fi
    else
        echo "bench: the Bochs port-access run failed (see $out/bochs-ports)"
    fi
    done_step
fi
python3 "$HERE/bench-report.py" "$out" || exit 1
cp "$out/bench.json" "$out/bench.md" "$REPO/results/"
echo "bench: results in $out (and results/bench.json, results/bench.md)"
