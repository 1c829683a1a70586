#!/usr/bin/env bash
# The main job (make demo): one guest boot runs ping and iperf3 through ne2k_rs and then through
# the C ne2k-pci on the same card, then the stage experiment (ICMP/UDP 28+1/100/1000 and ARP,
# EXP_COUNT packets each, for ne2k_rs, ne2k-pci and e100); the host turns the traces into the
# paper's Tables 8 and 10 (scripts/report.py). Results: results/<time>/, results/latest.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR=""
while [ $# -gt 0 ]; do case "$1" in --kdir) KDIR=$2; shift 2;; *) die "unknown argument $1";; esac; done
count=${EXP_COUNT:-1100}
[[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] || die "EXP_COUNT must be a positive integer (got '$count')"
out="$REPO/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
# The guest gets EXP_COUNT through the environment file the runner writes.
EXP_COUNT=$count "$HERE/guest-run.sh" --kdir "$KDIR" --timeout "${DEMO_TIMEOUT:-3000}" --out "$out" \
    "$HERE/guest/main-job.sh"
step "report"
python3 "$HERE/report.py" "$out"
done_step
ln -sfn "$(basename "$out")" "$REPO/results/latest"
echo
echo "results: $out (results/latest): table8.csv table10.csv samples.csv crosscheck.csv report.md table8.svg table10.svg, raw/ traces, demo output in guest.log"
