#!/usr/bin/env python3
"""port-ops.py RUN_DIR: the card's register accesses per echo in each window of a Bochs run made
with BOCHS_LOG_NE2K=1 (scripts/guest/bench-bochs.sh, BENCH_BOCHS_MODE=ports), split by register
and by what the access does, for the access table of docs/performance.md.

Each window of RUN_DIR/port-windows.txt ("round label tsc0 tsc1 packets") holds ping echoes of 56
and 1400 bytes, each one transmit and one receive (packets / 2 echoes). Prints, per window, the
accesses per echo to the data port (the frame's words) and to the registers, and the register
accesses per echo by register and direction (e.g. "ISR r" reads, "CR w" writes)."""
import collections
import os
import re
import sys

ACCESS = re.compile(r"^(\d{11,})d\[NE2K\d? *\] (read|write) addr ([0-9a-fA-F]+)")
# Page-0 names (page 1 is reached through CR: CURR reads follow a CR write selecting it).
NAMES = {0x0: "CR", 0x1: "PSTART/CLDA0", 0x2: "PSTOP", 0x3: "BNRY", 0x4: "TPSR/TSR", 0x5: "TBCR0/NCR",
         0x6: "TBCR1", 0x7: "ISR/CURR", 0x8: "RSAR0", 0x9: "RSAR1", 0xa: "RBCR0", 0xb: "RBCR1",
         0xc: "RCR/RSR", 0xd: "TCR", 0xe: "DCR", 0xf: "IMR", 0x10: "data", 0x1f: "reset"}


def main():
    run = sys.argv[1]
    windows = [l.split() for l in open(os.path.join(run, "port-windows.txt")) if len(l.split()) == 5]
    acc = []
    base = None
    for line in open(os.path.join(run, "bochs.log"), errors="replace"):
        m = ACCESS.match(line)
        if m:
            addr = int(m.group(3), 16)
            acc.append((int(m.group(1)), m.group(2)[0], addr))
            base = addr if base is None else min(base, addr)
    acc.sort()
    # The card's I/O base: the lowest port it was accessed at, aligned to its 32-port window.
    base &= ~0x1f
    for rnd, label, t0, t1, pkts in windows:
        echoes = int(pkts) / 2
        sel = [(d, a - base) for t, d, a in acc if int(t0) <= t <= int(t1)]
        data = sum(1 for d, o in sel if o == 0x10)
        regs = collections.Counter(f"{NAMES.get(o, hex(o))} {d}" for d, o in sel if o != 0x10)
        print(f"{rnd} {label}: {data / echoes:.1f} data-port and {sum(regs.values()) / echoes:.1f} "
              f"register accesses per echo")
        print("    " + ", ".join(f"{k} {v / echoes:.2f}" for k, v in sorted(regs.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
