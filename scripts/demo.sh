#!/usr/bin/env bash
# The main job (make demo): boot the lab guest; ping and iperf3 through ne2k_rs, then through the
# C ne2k-pci driver on the same card; results in results/demo-<time>/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR=""
while [ $# -gt 0 ]; do case "$1" in --kdir) KDIR=$2; shift 2;; *) die "unknown argument $1";; esac; done
out="$REPO/results/demo-$(date +%Y%m%d-%H%M%S)"
"$HERE/guest-run.sh" --kdir "$KDIR" --timeout 600 --out "$out" "$HERE/guest/demo.sh"
ln -sfn "$(basename "$out")" "$REPO/results/latest-demo"
echo "demo results: $out"
