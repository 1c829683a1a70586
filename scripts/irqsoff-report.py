#!/usr/bin/env python3
"""Renders results/irqsoff.json (make irqsoff) as markdown: results/irqsoff.md.
usage: irqsoff-report.py results/irqsoff.json > results/irqsoff.md"""
import json
import sys

doc = json.load(open(sys.argv[1]))
res = doc["results"]
unit = doc.get("unit", "us")
icount = unit == "ns"
print("# Interrupts-off sections under a 1514-byte flood (`make irqsoff`)\n")
print(f"Generated from `{sys.argv[1]}` by `scripts/irqsoff-report.py`; command: `{doc['command']}`; "
      f"kernel {doc['kernel']}; clock: {doc.get('clock', 'wall')}.\n")
print(doc["what"] + ".\n")
name = "instructions" if icount else "us"
long_ = "sections >= 50,000 instructions" if icount else "sections >= 50 us"
print(f"| driver | direction | max ({name}) | p99 ({name}) | p99.9 ({name}) | {long_}, per rep "
      f"| max ({name}), per rep |" + (" tracer max (us), per rep |" if icount else ""))
print("|---|---|---:|---:|---:|---|---|" + ("---|" if icount else ""))
for r in res:
    print(f"| {r['driver']} | {r['direction']} | {r[f'max_irqsoff_{unit}']} | {r[f'p99_irqsoff_{unit}']} | "
          f"{r.get(f'p999_irqsoff_{unit}', '')} | "
          f"{', '.join(map(str, r.get('sections_over_50us_per_rep', [])))} | "
          f"{', '.join(map(str, r[f'max_irqsoff_{unit}_per_rep']))} |"
          + (f" {', '.join(map(str, r.get('tracer_max_us_per_rep', [])))} |" if icount else ""))
print()
if doc.get("goal"):
    print("Goal (issue #28): ne2k_rs' longest and 99th-percentile sections at or below ne2k-pci's.\n")
    print("| direction | measure | ne2k_rs | ne2k-pci | met |")
    print("|---|---|---:|---:|---|")
    for g in doc["goal"]:
        print(f"| {g['direction']} | {g['measure']} | {g['ne2k_rs']} | {g['ne2k-pci']} | "
              f"{'yes' if g['at_or_below_c'] else '**no**'} |")
    print()
if icount:
    print("Reading it: the guest's clock counts instructions, so a section is as long as what the "
          "CPU executed with interrupts off, whatever the host was doing; a port access is one "
          "instruction here (on a real card it is a bus cycle of about a microsecond), so a "
          "driver that copies frames through the data port with interrupts off shows it in "
          "instructions of its loop, not in bus time. The sections are system-wide: the "
          "drivers' own and the rest of the kernel's under the same workload.")
else:
    print("Reading it: under QEMU's TCG the guest's clock is the host's, so a vCPU thread the host "
          "preempts stretches whatever section it was in; the longest sections (the max column) "
          "land in random places (timer interrupts, the clocksource watchdog) for every driver "
          "and do not rank them (IRQSOFF_CLOCK=icount ranks them). The percentiles and the count "
          "of long sections carry the drivers' own sections: a frame copy through the data port "
          "takes about 70 us here.")
