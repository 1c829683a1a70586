#!/usr/bin/env bash
# make profile: where each driver's kernel instructions go, per packet, counted by QEMU itself.
# A QEMU TCG plugin (scripts/profile/insnprof.c) counts every kernel instruction the guest
# executes, per translation block; the guest (scripts/guest/profile.sh, one vCPU) brings up one
# driver and runs COUNT echoes of 28+100 bytes. Each driver boots twice, with COUNT echoes and
# with none, so that the boot and the bring-up cancel out: the difference divided by COUNT is
# the instructions per echo (one transmit, one receive), per kernel function, named from the
# guest's /proc/kallsyms. No event, kprobe or statistic runs in the guest: the count is QEMU's.
#
# The workload (PROFILE_WORKLOAD): icmp (the default) is a flood ping of QEMU's user-net gateway
# in a guest whose clock counts instructions (-icount shift=0,sleep=off): slirp answers each
# echo itself, inside the transmit's command write, so every echo takes the same path and the
# guest's timers land by instruction count, not by the host's load; every kernel instruction
# per echo then repeats from run to run too (a rep ins/outs counts once per element here).
# udp is the earlier workload: UDP echoes to a host process, 2 ms apart, on the wall clock
# (the module's rows repeat only as far as the reply's arrival does; every kernel instruction
# does not).
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
done_step
for drv in ne2k_rs ne2k-pci; do
    for n in 0 "$COUNT"; do
        run="$OUT/$drv-$n"
        GUEST_QEMU_OPTS="$QEMU_CLOCK -plugin $OUT/insnprof.so,out=$run.prof" PROFILE_WORKLOAD=$WORKLOAD \
            EXP_DRIVERS=$drv EXP_COUNT=$n \
            "$HERE/guest-run.sh" --kdir "$KDIR" --cpus 1 --timeout 900 --out "$run" "$HERE/guest/profile.sh"
        [ -s "$run.prof" ] && [ -s "$run/kallsyms.txt" ] || die "$drv, $n echoes: no profile (see $run)"
    done
done
step "report"
python3 "$HERE/profile-report.py" "$OUT" "$COUNT" > "$OUT/profile.md"
done_step
echo "results: $OUT/profile.md"
