#!/usr/bin/env python3
"""Renders results/irqsoff.json (make irqsoff) as markdown: results/irqsoff.md.
usage: irqsoff-report.py results/irqsoff.json > results/irqsoff.md"""
import json
import sys

doc = json.load(open(sys.argv[1]))
res = doc["results"]
print("# Interrupts-off sections under a 1514-byte flood (`make irqsoff`)\n")
print(f"Generated from `{sys.argv[1]}` by `scripts/irqsoff-report.py`; command: `{doc['command']}`; "
      f"kernel {doc['kernel']}.\n")
print(doc["what"] + ".\n")
print("| driver | direction | p99 (us) | p99.9 (us) | sections >= 50 us, per rep | max (us), per rep |")
print("|---|---|---:|---:|---|---|")
for r in res:
    print(f"| {r['driver']} | {r['direction']} | {r['p99_irqsoff_us']} | {r.get('p999_irqsoff_us', '')} | "
          f"{', '.join(map(str, r.get('sections_over_50us_per_rep', [])))} | "
          f"{', '.join(map(str, r['max_irqsoff_us_per_rep']))} |")
print()
print("Reading it: under QEMU's TCG the guest's clock is the host's, so a vCPU thread the host "
      "preempts stretches whatever section it was in; the longest sections (the max column) land "
      "in random places (timer interrupts, the clocksource watchdog) for every driver and do not "
      "rank them. The percentiles and the count of long sections carry the drivers' own "
      "sections: a frame copy through the data port takes about 70 us here.")
