#!/usr/bin/env bash
# make profile: where each driver's kernel instructions go, per packet, counted by QEMU itself.
# A QEMU TCG plugin (scripts/profile/insnprof.c) counts every kernel instruction the guest
# executes, per translation block; the guest (scripts/guest/profile.sh, one vCPU) brings up one
# driver and runs two windows of echoes of 28+100 bytes, PROFILE_BASE (200) and PROFILE_BASE +
# COUNT, between three marks: each mark (scripts/profile/mark.S, a program the plugin knows by
# its address) makes the plugin write its counts so far. The second window less the first,
# divided by COUNT, is one echo's instructions (one transmit, one receive), per kernel function
# named from the guest's /proc/kallsyms: the boot, the bring-up and the echo program's start
# and exit cancel out within one boot. No event, kprobe or statistic runs in the guest: the
# count is QEMU's. Each driver boots PROFILE_RUNS times (2): the report gives every run, so
# that how far the figures repeat is in the result.
#
# The workload (PROFILE_WORKLOAD): icmp (the default) is a flood ping of QEMU's user-net gateway
# in a guest whose clock counts instructions (-icount shift=0,sleep=off): slirp answers each
# echo itself, inside the transmit's command write, so every echo takes the same path and the
# guest's timers land by instruction count, not by the host's load (a rep ins/outs counts once
# per element here). udp is the earlier workload: UDP echoes to a host process, 2 ms apart, on
# the wall clock (the module's rows repeat only as far as the reply's arrival does; every
# kernel instruction does not).
#   profile.sh --kdir KBUILD [--count N] [--out DIR]
# Writes DIR/profile.md (scripts/profile-report.py) and the raw counts; default DIR
# results/profile-<time>, COUNT 3000.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR="" COUNT=3000 OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --count) COUNT=$2; shift 2;;
        --out) OUT=$2; shift 2;;
        *) die "unknown argument $1 (see the header of $0)";;
    esac
done
need_kdir "$KDIR"
[[ "$COUNT" =~ ^[0-9]+$ ]] && [ "$COUNT" -ge 100 ] || die "--count must be an integer >= 100 (got '$COUNT')"
RUNS=${PROFILE_RUNS:-2}
[[ "$RUNS" =~ ^[1-9]$ ]] || die "PROFILE_RUNS must be 1..9 (got '$RUNS')"
PROFILE_BASE=${PROFILE_BASE:-200}
[[ "$PROFILE_BASE" =~ ^[0-9]+$ ]] && [ "$PROFILE_BASE" -ge 1 ] ||
    die "PROFILE_BASE must be an integer >= 1 (got '$PROFILE_BASE')"
OUT=${OUT:-$REPO/results/profile-$(date +%Y%m%d-%H%M%S)}
WORKLOAD=${PROFILE_WORKLOAD:-icmp}
case $WORKLOAD in
    icmp) QEMU_CLOCK="-icount shift=0,sleep=off";;
    udp) QEMU_CLOCK="";;
    *) die "PROFILE_WORKLOAD must be icmp or udp, not '$WORKLOAD'";;
esac
mkdir -p "$OUT"
echo "$WORKLOAD" >"$OUT/workload.txt"
git -C "$REPO" describe --always --dirty >"$OUT/commit.txt" 2>/dev/null || true
step "building the QEMU plugin"
gcc -shared -fPIC -O2 -Wall -o "$OUT/insnprof.so" "$HERE/profile/insnprof.c" -lpthread
gcc -c -o "$OUT/mark.o" "$HERE/profile/mark.S"
ld -static -Ttext=0x5a5a1000 -e _start -o "$OUT/mark" "$OUT/mark.o"
done_step
for drv in ne2k_rs ne2k-pci; do
    for r in $(seq 1 "$RUNS"); do
        run="$OUT/$drv-run$r"
        GUEST_QEMU_OPTS="$QEMU_CLOCK -plugin $OUT/insnprof.so,out=$run.prof" PROFILE_WORKLOAD=$WORKLOAD \
            PROFILE_MARK=$OUT/mark PROFILE_BASE=$PROFILE_BASE EXP_DRIVERS=$drv EXP_COUNT=$COUNT \
            "$HERE/guest-run.sh" --kdir "$KDIR" --cpus 1 --timeout 1800 --out "$run" "$HERE/guest/profile.sh"
        for m in 1 2 3; do
            [ -s "$run.prof.mark$m" ] || die "$drv, run $r: the plugin wrote no mark $m (see $run)"
        done
        [ -s "$run/kallsyms.txt" ] || die "$drv, run $r: no kallsyms (see $run)"
        rm -f "$run.prof"    # the counts at QEMU's exit: the marks hold what the report reads
    done
done
step "report"
python3 "$HERE/profile-report.py" "$OUT" "$COUNT" "$RUNS" > "$OUT/profile.md"
done_step
echo "results: $OUT/profile.md"
