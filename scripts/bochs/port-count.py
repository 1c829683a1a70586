#!/usr/bin/env python3
"""port-count.py RUN_DIR: the card's port accesses per packet in each window of a Bochs run made
with BOCHS_LOG_NE2K=1 (bochs/boot.sh: Bochs' ne2k logs every access to its I/O ports, one
"read addr"/"write addr" line each, stamped with Bochs' tick count, which is the guest's TSC).
RUN_DIR/port-windows.txt holds "round label tsc0 tsc1 packets" (scripts/guest/bench-bochs.sh);
prints one "round label bochs_port_accesses_per_pkt value" line per window (bench-raw format).
Exits 1 if a window holds no access (the log was off, or the stamps do not match)."""
import bisect
import os
import re
import sys

ACCESS = re.compile(rb"^(\d{11,})d\[NE2K\d? *\] (?:read|write) addr ")


def main():
    run = sys.argv[1]
    windows = [line.split() for line in open(os.path.join(run, "port-windows.txt")) if len(line.split()) == 5]
    ticks = []
    if not os.path.exists(os.path.join(run, "bochs.log")):
        sys.exit(f"port-count.py: no bochs.log in {run} (the boot must run with BOCHS_LOG_NE2K=1)")
    with open(os.path.join(run, "bochs.log"), "rb") as log:
        for line in log:
            m = ACCESS.match(line)
            if m:
                ticks.append(int(m.group(1)))
    ticks.sort()
    bad = 0
    for rnd, label, t0, t1, pkts in windows:
        if not (t0.isdigit() and t1.isdigit() and pkts.isdigit()):
            print(f"port-count.py: window {rnd} {label} has no TSC stamps ({t0!r}, {t1!r})", file=sys.stderr)
            bad = 1
            continue
        n = bisect.bisect_right(ticks, int(t1)) - bisect.bisect_left(ticks, int(t0))
        if n == 0 or int(pkts) == 0:
            print(f"port-count.py: no access or no packet in window {rnd} {label} ({t0}..{t1})", file=sys.stderr)
            bad = 1
            continue
        print(f"{rnd} {label} bochs_port_accesses_per_pkt {n / int(pkts):.1f}")
    sys.exit(bad if windows else 1)


if __name__ == "__main__":
    main()
