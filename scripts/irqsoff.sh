#!/usr/bin/env bash
# make irqsoff: the longest interrupts-off section (and the 99th percentile of all of them)
# while the card moves 1514-byte frames flat out, ne2k_rs against the C ne2k-pci in one guest
# of the irqsoff kernel flavor (scripts/guest-irqsoff.config: the irqsoff tracer and hist
# triggers, which slow every interrupt toggle, so not in the default kernel).
# Writes results/irqsoff-<time>/ and results/irqsoff.{json,md}.
#   IRQSOFF_SECONDS (10 per window)  IRQSOFF_REPS (3)  IRQSOFF_TIMEOUT (1800)
#   IRQSOFF_BASE=<commit>: also measure ne2k_rs as built from that commit (e.g. 69c1c75, whose
#   chip lock kept interrupts off for every hold), as "ne2k_rs@<commit>"
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
export IRQSOFF_SECONDS=${IRQSOFF_SECONDS:-10} IRQSOFF_REPS=${IRQSOFF_REPS:-3}
positive_int IRQSOFF_SECONDS "$IRQSOFF_SECONDS"
positive_int IRQSOFF_REPS "$IRQSOFF_REPS"
TIMEOUT=${IRQSOFF_TIMEOUT:-1800}
positive_int IRQSOFF_TIMEOUT "$TIMEOUT"
K=$("$HERE/build-kernel.sh" irqsoff | tail -1)
[ -f "$K/arch/x86/boot/bzImage" ] || die "the irqsoff kernel did not build"
out="$REPO/results/irqsoff-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

step "ne2k_rs.ko against the irqsoff kernel"
src="$NE2K_CACHE/irqsoff-src"
build_module_copy "$REPO" "$src" "$K" "$out/module-build.log" || die "module build against $K failed"
cp "$src/ne2k_rs.ko" "$out/ne2k_rs.ko"
done_step
if [ -n "${IRQSOFF_BASE:-}" ]; then
    step "ne2k_rs.ko of $IRQSOFF_BASE against the irqsoff kernel"
    base=$(git -C "$REPO" rev-parse --short "$IRQSOFF_BASE") || die "IRQSOFF_BASE: no commit '$IRQSOFF_BASE'"
    tree="$NE2K_CACHE/irqsoff-base-tree" bsrc="$NE2K_CACHE/irqsoff-base-src"
    rm -rf "$tree"; mkdir -p "$tree"
    git -C "$REPO" archive "$base" | tar -x -C "$tree"
    build_module_copy "$tree" "$bsrc" "$K" "$out/module-base-build.log" || die "module build of $base failed"
    cp "$bsrc/ne2k_rs.ko" "$out/ne2k_rs-$base.ko"
    export IRQSOFF_KO_B="$out/ne2k_rs-$base.ko" IRQSOFF_B_NAME="ne2k_rs@$base"
    done_step
fi

step "guest: $IRQSOFF_REPS x (ne2k_rs, ne2k-pci) x (tx, rx), ${IRQSOFF_SECONDS}s windows"
NE2K_RS_KO="$out/ne2k_rs.ko" "$HERE/guest-run.sh" --kdir "$K" --no-e100 --timeout "$TIMEOUT" \
    --out "$out/guest" "$HERE/guest/irqsoff.sh"
rc=$?
done_step
[ $rc = 0 ] || die "the guest run failed (exit $rc); see $out/guest"

python3 - "$out" "$REPO/results/irqsoff.json" "$K" <<'PY'
import json, os, statistics, subprocess, sys
out, dest, kdir = sys.argv[1:]
rows = [l.split() for l in open(os.path.join(out, "guest", "irqsoff-raw.txt")) if l.strip()]
res = []
for drv in sorted({r[0] for r in rows}, key=lambda d: (d != "ne2k_rs", d)):
    for d in ("tx", "rx"):
        rs = [r for r in rows if r[0] == drv and r[1] == d]
        if not rs:
            continue
        mx = [int(r[3]) for r in rs]
        p99 = [int(r[4]) for r in rs]
        p999 = [int(r[7]) for r in rs]
        long_ = [int(r[8]) for r in rs]
        res.append({
            "driver": drv, "direction": d, "frame_bytes": int(rs[0][2]),
            "max_irqsoff_us": max(mx), "p99_irqsoff_us": statistics.median(p99),
            "max_irqsoff_us_per_rep": mx, "p99_irqsoff_us_per_rep": p99,
            "p999_irqsoff_us": statistics.median(p999),
            "sections_per_rep": [int(r[5]) for r in rs],
            "sections_over_50us_per_rep": long_,
        })
krel = open(os.path.join(kdir, "include/config/kernel.release")).read().strip()
doc = {
    "what": "interrupts-off sections, system-wide, while the card moves 1514-byte frames "
            "(tx: pktgen flat out; rx: iperf3 -R -u -l 1472 at IRQSOFF_RX_RATE); max from the irqsoff tracer "
            "(tracing_max_latency, the max over the reps), p99 from a histogram of every section "
            "(preemptirq events paired by a synthetic event; the median over the reps)",
    "command": "make irqsoff",
    "kernel": krel + " (irqsoff flavor)",
    "results": res,
}
text = json.dumps(doc, indent=2) + "\n"
open(os.path.join(out, "irqsoff.json"), "w").write(text)
open(dest, "w").write(text)
print(f"{'driver':16} {'dir':3} {'max us':>7} {'p99 us':>7} {'p99.9 us':>8}  per rep: max, sections >= 50 us")
for r in res:
    print(f"{r['driver']:16} {r['direction']:3} {r['max_irqsoff_us']:7} {r['p99_irqsoff_us']:7} {r['p999_irqsoff_us']:8}  "
          f"{r['max_irqsoff_us_per_rep']} {r['sections_over_50us_per_rep']}")
PY
python3 "$HERE/irqsoff-report.py" "$REPO/results/irqsoff.json" >"$REPO/results/irqsoff.md"
cp "$REPO/results/irqsoff.md" "$out/"
