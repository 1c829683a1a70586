#!/usr/bin/env bash
# The main job (make demo): one guest boot runs ping and iperf3 through ne2k_rs and then through
# the C ne2k-pci on the same card, then the stage experiment (ICMP/UDP 28+1/100/1000 and ARP,
# EXP_COUNT packets each, for ne2k_rs, ne2k-pci and e100); the host turns the traces into the
# paper's Tables 8 and 10 (scripts/report.py); then the stage experiment again in Bochs
# (results/<time>/bochs/). Results: results/<time>/, results/latest.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
# --kdir KBUILD: the lab kernel (a build tree); or --kimg VMLINUZ [--ksrc SRC]: a kernel image
# with its packaged modules, e.g. Debian's stock kernel (make demo KERNEL=debian), with
# NE2K_RS_KO built for it (QEMU and Bochs boot the same image).
KDIR="" KIMG="" KSRC=""
while [ $# -gt 0 ]; do case "$1" in
    --kdir) KDIR=$2; shift 2;;
    --kimg) KIMG=$2; shift 2;;
    --ksrc) KSRC=$2; shift 2;;
    *) die "unknown argument $1";;
esac; done
if [ -n "$KIMG" ]; then
    KERNEL_ARGS=(--kimg "$KIMG" --ksrc "$KSRC")
else
    KERNEL_ARGS=(--kdir "$KDIR")
fi
count=${EXP_COUNT:-1100}
[[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] || die "EXP_COUNT must be a positive integer (got '$count')"
xcount=${EXP_XCHECK_COUNT:-300}
[[ "$xcount" =~ ^[0-9]+$ ]] && [ "$xcount" -ge 1 ] || die "EXP_XCHECK_COUNT must be a positive integer (got '$xcount')"
out="$REPO/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
# The guest gets EXP_COUNT through the environment file the runner writes.
EXP_COUNT=$count "$HERE/guest-run.sh" "${KERNEL_ARGS[@]}" --timeout "${DEMO_TIMEOUT:-3000}" --out "$out" \
    "$HERE/guest/main-job.sh"
step "report"
python3 "$HERE/report.py" "$out"
done_step
# The cross-check once more where the clock counts instructions (QEMU -icount: one cycle is one
# instruction), so that what recording an event costs is exact, not the emulator's moment:
# ne2k_rs' cross-check windows only (results/<time>/icount/). DEMO_ICOUNT=0 skips it.
if [ "${DEMO_ICOUNT:-1}" = 1 ]; then
    GUEST_QEMU_OPTS="-icount shift=0,sleep=off" EXP_COUNT=$xcount EXP_DRIVERS=ne2k_rs \
        EXP_XCHECK_ONLY=1 EXP_CLOCK=icount "$HERE/guest-run.sh" "${KERNEL_ARGS[@]}" --timeout "${DEMO_TIMEOUT:-3000}" \
        --out "$out/icount" "$HERE/guest/experiment.sh"
    step "report (cross-check, -icount)"
    python3 "$HERE/report.py" "$out/icount" >/dev/null
    done_step
fi
# The same stage experiment on a card with a wire and a 567 MHz instruction clock (Bochs):
# ne2k_rs and ne2k-pci (Bochs has no e100 model). DEMO_BOCHS=0 skips it.
if [ "${DEMO_BOCHS:-1}" = 1 ]; then
    EXP_COUNT=$count EXP_DRIVERS="ne2k_rs ne2k-pci" "$HERE/guest-run.sh" "${KERNEL_ARGS[@]}" --emu bochs --cpus 1 \
        --timeout "${DEMO_BOCHS_TIMEOUT:-3600}" --out "$out/bochs" "$HERE/guest/experiment.sh"
    step "report (Bochs)"
    python3 "$HERE/report.py" "$out/bochs" >/dev/null
    done_step
fi
ln -sfn "$(basename "$out")" "$REPO/results/latest"
echo
echo "results: $out (results/latest): table8.csv table10.csv samples.csv crosscheck.csv report.md table8.svg table10.svg, raw/ traces, demo output in guest.log"
# (if, not &&: the script's status is its last command's, and a skipped step is no failure)
if [ "${DEMO_ICOUNT:-1}" = 1 ]; then
    echo "         $out/icount (results/latest/icount): the cross-check with an instruction clock (QEMU -icount)"
fi
if [ "${DEMO_BOCHS:-1}" = 1 ]; then
    echo "         $out/bochs (results/latest/bochs): the same from Bochs (567 MHz instruction clock, a card with a wire)"
fi
