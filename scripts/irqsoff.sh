#!/usr/bin/env bash
# make irqsoff: the longest interrupts-off section (and the 99th percentile of all of them)
# while the card moves 1514-byte frames flat out, ne2k_rs against the C ne2k-pci in one guest
# of the irqsoff kernel flavor (scripts/guest-irqsoff.config: the irqsoff tracer and hist
# triggers, which slow every interrupt toggle, so not in the default kernel).
# Writes results/irqsoff-<time>/ and results/irqsoff.{json,md}.
#   IRQSOFF_CLOCK: icount (default: QEMU -icount shift=0,sleep=off, the guest's clock counts
#   instructions, one per ns, so a section's length is what the CPU executed in it and the host's
#   load cannot stretch it) or wall (the host's clock, as TCG gives it: the figures of before)
#   IRQSOFF_SECONDS (10 per window)  IRQSOFF_REPS (3)  IRQSOFF_TIMEOUT (3600)
#   IRQSOFF_BASE=<commit>: also measure ne2k_rs as built from that commit (e.g. 69c1c75, whose
#   chip lock kept interrupts off for every hold), as "ne2k_rs@<commit>"
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
export IRQSOFF_SECONDS=${IRQSOFF_SECONDS:-10} IRQSOFF_REPS=${IRQSOFF_REPS:-3}
positive_int IRQSOFF_SECONDS "$IRQSOFF_SECONDS"
positive_int IRQSOFF_REPS "$IRQSOFF_REPS"
TIMEOUT=${IRQSOFF_TIMEOUT:-3600}
export IRQSOFF_CLOCK=${IRQSOFF_CLOCK:-icount}
# On the instruction clock one CPU: QEMU runs the vCPUs of an -icount guest in turn on one
# clock, so with two a section on one CPU would also count what the other executed meanwhile.
case "$IRQSOFF_CLOCK" in
    icount) export GUEST_QEMU_OPTS="${GUEST_QEMU_OPTS:-} -icount shift=0,sleep=off"; IRQSOFF_CPUS=1;;
    wall) IRQSOFF_CPUS=2;;
    *) die "IRQSOFF_CLOCK must be icount or wall (got '$IRQSOFF_CLOCK')";;
esac
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
NE2K_RS_KO="$out/ne2k_rs.ko" "$HERE/guest-run.sh" --kdir "$K" --cpus "$IRQSOFF_CPUS" --no-e100 --timeout "$TIMEOUT" \
    --out "$out/guest" "$HERE/guest/irqsoff.sh"
rc=$?
done_step
[ $rc = 0 ] || die "the guest run failed (exit $rc); see $out/guest"

python3 - "$out" "$REPO/results/irqsoff.json" "$K" "$IRQSOFF_CLOCK" <<'PY'
import json, os, statistics, subprocess, sys
out, dest, kdir, clock = sys.argv[1:]
rows = [l.split() for l in open(os.path.join(out, "guest", "irqsoff-raw.txt")) if l.strip()]
unit = rows[0][9] if rows and len(rows[0]) > 9 else "us"
res = []
for drv in sorted({r[0] for r in rows}, key=lambda d: (d != "ne2k_rs", d)):
    for d in ("tx", "rx"):
        rs = [r for r in rows if r[0] == drv and r[1] == d]
        if not rs:
            continue
        tracer = [int(r[3]) for r in rs]
        hmax = [int(r[6]) for r in rs]
        p99 = [int(r[4]) for r in rs]
        p999 = [int(r[7]) for r in rs]
        long_ = [int(r[8]) for r in rs]
        # the longest section: on the instruction clock the histogram's (ns, 100-ns buckets: the
        # bound it is under); on the wall clock the tracer's (us)
        mx = hmax if unit == "ns" else tracer
        res.append({
            "driver": drv, "direction": d, "frame_bytes": int(rs[0][2]),
            f"max_irqsoff_{unit}": max(mx), f"p99_irqsoff_{unit}": statistics.median(p99),
            f"max_irqsoff_{unit}_per_rep": mx, f"p99_irqsoff_{unit}_per_rep": p99,
            f"p999_irqsoff_{unit}": statistics.median(p999),
            "tracer_max_us_per_rep": tracer,
            # the driver's own: its hard-IRQ handler on the card's line
            f"max_driver_hirq_{unit}": max((int(r[11]) for r in rs if len(r) > 12), default=None),
            f"p99_driver_hirq_{unit}": statistics.median([int(r[12]) for r in rs if len(r) > 12] or [0]),
            f"max_driver_hirq_{unit}_per_rep": [int(r[11]) for r in rs if len(r) > 12],
            "driver_hirq_per_rep": [int(r[10]) for r in rs if len(r) > 12],
            "sections_per_rep": [int(r[5]) for r in rs],
            "sections_over_50us_per_rep": long_,
        })
krel = open(os.path.join(kdir, "include/config/kernel.release")).read().strip()
# The goal (issue #28): ne2k_rs' longest and p99 sections at or below the C driver's, per direction.
goal = []
for d in ("tx", "rx"):
    a = next((r for r in res if r["driver"] == "ne2k_rs" and r["direction"] == d), None)
    b = next((r for r in res if r["driver"] == "ne2k-pci" and r["direction"] == d), None)
    if a and b:
        for key in (f"max_driver_hirq_{unit}", f"p99_driver_hirq_{unit}",
                    f"max_irqsoff_{unit}", f"p99_irqsoff_{unit}"):
            if a.get(key) is None or b.get(key) is None:
                continue
            goal.append({"direction": d, "measure": key, "ne2k_rs": a[key], "ne2k-pci": b[key],
                         "at_or_below_c": a[key] <= b[key]})
doc = {
    "what": "interrupts-off sections, system-wide, while the card moves 1514-byte frames "
            "(tx: pktgen flat out; rx: iperf3 -R -u -l 1472 at IRQSOFF_RX_RATE); "
            + ("on QEMU -icount shift=0,sleep=off with one CPU: the guest's clock counts its "
               "instructions, 1 ns = 1 instruction, so every length below is instructions executed "
               "with interrupts off; "
               "max and percentiles from a histogram of every section (preemptirq events paired "
               "by a synthetic event, 100-ns buckets, a section counted at its bucket's upper "
               "bound), max over the reps, percentiles the median over the reps; the irqsoff "
               "tracer's max (us) beside it; the driver's own sections are its hard-IRQ "
               "handler's on the card's line (irq_handler_entry to irq_handler_exit, the same "
               "histograms)"
               if unit == "ns" else
               "max from the irqsoff tracer (tracing_max_latency, the max over the reps), p99 from "
               "a histogram of every section (preemptirq events paired by a synthetic event; the "
               "median over the reps)"),
    "command": "make irqsoff",
    "clock": "icount" if unit == "ns" else "wall",
    "unit": unit,
    "kernel": krel + " (irqsoff flavor)",
    "results": res,
    "goal": goal,
}
text = json.dumps(doc, indent=2) + "\n"
open(os.path.join(out, "irqsoff.json"), "w").write(text)
open(dest, "w").write(text)
print(f"{'driver':16} {'dir':3} {'max':>8} {'p99':>7} {'p99.9':>7} ({unit})  per rep: max, sections >= 50 us")
for r in res:
    print(f"{r['driver']:16} {r['direction']:3} {r[f'max_irqsoff_{unit}']:8} {r[f'p99_irqsoff_{unit}']:7} "
          f"{r[f'p999_irqsoff_{unit}']:7}  {r[f'max_irqsoff_{unit}_per_rep']} {r['sections_over_50us_per_rep']}")
for r in res:
    if r.get(f"max_driver_hirq_{unit}") is not None:
        print(f"{r['driver']:16} {r['direction']:3} hard-IRQ handler: max {r[f'max_driver_hirq_{unit}']} "
              f"p99 {r[f'p99_driver_hirq_{unit}']} ({unit}), {r['driver_hirq_per_rep']} handler runs per rep")
for g in goal:
    print(f"goal {g['direction']} {g['measure']}: ne2k_rs {g['ne2k_rs']} vs ne2k-pci {g['ne2k-pci']}: "
          + ("met" if g["at_or_below_c"] else "NOT met"))
PY
python3 "$HERE/irqsoff-report.py" "$REPO/results/irqsoff.json" >"$REPO/results/irqsoff.md"
cp "$REPO/results/irqsoff.md" "$out/"
