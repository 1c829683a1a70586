#!/usr/bin/env python3
"""Host test of scripts/bochs/port-ops.py on a synthetic Bochs card log: accesses per echo in
each window (packets / 2 echoes), split into the data port and the registers, registers named
from the card's I/O base and counted per direction; accesses outside the windows ignored."""
import os
import subprocess
import sys
import tempfile

from checks import REPO, Checks

check = Checks("port_ops")


def line(tick, rw, off, base=0xc040):
    val = "" if rw == "read" else ", value 1"
    return f"{tick:011d}d[NE2K0 ] {rw} addr {base + off:x}{val} len 1\n"


with tempfile.TemporaryDirectory() as d:
    log = ["00000000000i[NE2K0 ] NE2000 PCI NIC #0 initialized\n",
           line(5, "write", 0x0f)]                       # before the window: ignored
    t = 100
    for _ in range(2):                                   # two echoes in window 1
        for rw, off in [("read", 0x07), ("write", 0x07), ("write", 0x00), ("read", 0x10),
                        ("read", 0x10), ("write", 0x03)]:
            log.append(line(t, rw, off))
            t += 1
    log.append(line(500, "write", 0x0f))                 # between the windows: ignored
    with open(os.path.join(d, "bochs.log"), "w") as f:
        f.writelines(log)
    with open(os.path.join(d, "port-windows.txt"), "w") as f:
        f.write(f"1 ne2k_rs 100 {t - 1} 4\n1 ne2k-pci 600 700 2\n")
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts/bochs/port-ops.py"), d],
                       capture_output=True, text=True)
    out = r.stdout
    check("runs", r.returncode == 0, r.stderr[-500:])
    check("per-echo-split", "1 ne2k_rs: 2.0 data-port and 4.0 register accesses per echo" in out, out)
    check("registers-named", "ISR/CURR r 1.00" in out and "ISR/CURR w 1.00" in out
          and "CR w 1.00" in out and "BNRY w 1.00" in out, out)
    check("outside-ignored", "IMR" not in out.split("ne2k-pci")[0], out)
    check("empty-window", "1 ne2k-pci: 0.0 data-port and 0.0 register accesses per echo" in out, out)
check.exit()
