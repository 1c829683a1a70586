#!/usr/bin/env python3
"""Renders results/irqsoff.json (make irqsoff) as markdown: results/irqsoff.md.
usage: irqsoff-report.py results/irqsoff.json > results/irqsoff.md"""
import json
import os
import sys

doc = json.load(open(sys.argv[1]))
res = doc["results"]
unit = doc.get("unit", "us")
icount = unit == "ns"
print("# Interrupts-off sections under a 1514-byte flood (`make irqsoff`)\n")
print(f"Generated from `results/{os.path.basename(sys.argv[1])}` by `scripts/irqsoff-report.py`; command: `{doc['command']}`; "
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
if any(r.get(f"max_driver_hirq_{unit}") is not None for r in res):
    print(f"The drivers' own sections, their hard-IRQ handler on the card's line ({name}):\n")
    print("| driver | direction | handler runs, per rep | max | p99 | max, per rep |")
    print("|---|---|---|---:|---:|---|")
    for r in res:
        if r.get(f"max_driver_hirq_{unit}") is None:
            continue
        print(f"| {r['driver']} | {r['direction']} | {', '.join(map(str, r['driver_hirq_per_rep']))} | "
              f"{r[f'max_driver_hirq_{unit}']} | {r[f'p99_driver_hirq_{unit}']} | "
              f"{', '.join(map(str, r[f'max_driver_hirq_{unit}_per_rep']))} |")
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
    print("Reading it: the guest's clock counts the instructions of its one CPU, so a section "
          "is as long as what the CPU executed with interrupts off, whatever the host was doing; "
          "a port access is one instruction here (on a real card it is a bus cycle of about a "
          "microsecond), so a driver that copies frames through the data port with interrupts "
          "off shows it in instructions of its loop, not in bus time. The first table is "
          "system-wide, the drivers' sections and the rest of the kernel's under the same "
          "workload: its longest sections are, for both drivers, the page allocator's (freeing "
          "an exiting process's pages; the histogram trigger's own page allocations: the "
          "irqsoff tracer's traces in the run's directory), not the drivers', and their maxima "
          "move by a factor of two from rep to rep for the same driver. The second table is the drivers' own: the hard-IRQ "
          "handler, where ne2k-pci receives and copies frames and ne2k_rs only takes the "
          "interrupt status and schedules NAPI.")
else:
    print("Reading it: under QEMU's TCG the guest's clock is the host's, so a vCPU thread the host "
          "preempts stretches whatever section it was in; the longest sections (the max column) "
          "land in random places (timer interrupts, the clocksource watchdog) for every driver "
          "and do not rank them (IRQSOFF_CLOCK=icount ranks them). The percentiles and the count "
          "of long sections carry the drivers' own sections: a frame copy through the data port "
          "takes about 70 us here.")
