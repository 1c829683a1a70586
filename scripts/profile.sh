#!/usr/bin/env bash
# make profile: where each driver's kernel instructions go, per packet, counted by QEMU itself.
# A QEMU TCG plugin (scripts/profile/insnprof.c) counts every kernel instruction the guest
# executes, per translation block; the guest (scripts/guest/profile.sh, one vCPU) brings up one
# driver and runs COUNT UDP echoes of 28+100 bytes. Each driver boots twice, with COUNT echoes
# and with none, so that the boot and the bring-up cancel out: the difference divided by COUNT
# is the instructions per echo (one transmit, one receive), per kernel function, named from the
# guest's /proc/kallsyms. No event, kprobe or statistic runs in the guest: the count is QEMU's.
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
mkdir -p "$OUT"
step "building the QEMU plugin"
gcc -shared -fPIC -O2 -Wall -o "$OUT/insnprof.so" "$HERE/profile/insnprof.c" -lpthread
done_step
for drv in ne2k_rs ne2k-pci; do
    for n in 0 "$COUNT"; do
        run="$OUT/$drv-$n"
        GUEST_QEMU_OPTS="-plugin $OUT/insnprof.so,out=$run.prof" EXP_DRIVERS=$drv EXP_COUNT=$n \
            "$HERE/guest-run.sh" --kdir "$KDIR" --cpus 1 --timeout 900 --out "$run" "$HERE/guest/profile.sh"
        [ -s "$run.prof" ] && [ -s "$run/kallsyms.txt" ] || die "$drv, $n echoes: no profile (see $run)"
    done
done
step "report"
python3 "$HERE/profile-report.py" "$OUT" "$COUNT" > "$OUT/profile.md"
done_step
echo "results: $OUT/profile.md"
