#!/usr/bin/env python3
"""Names the kernel addresses in Bochs' debugger output (a frozen guest's registers and stack,
scripts/guest-watchdog.py --bochs-ctl) from the kernel's System.map: the lab kernel has no KASLR
("Kernel Offset: disabled"), so its link addresses are its run addresses. Addresses in module
space are named as such (the map does not have them).
    ksyms.py SYSTEM_MAP < TEXT
With no map (a packaged kernel, whose System.map is a stub, and KASLR on) the text is only
copied, with its addresses unnamed."""
import bisect
import re
import sys

syms = []
if len(sys.argv) < 2 or not sys.argv[1]:
    sys.stdout.write(sys.stdin.read())
    sys.exit(0)
for line in open(sys.argv[1]):
    a, t, name = line.split()[:3]
    if t in "tTwW":
        syms.append((int(a, 16), name))
syms.sort()
addrs = [a for a, _ in syms]
seen = []
# Bochs writes 64-bit values as ffffffff_a040001a (registers) or [0xffffffff:0x81b5e718] (stack)
text = re.sub(r"\b(?:0x)?([0-9a-f]{8})[_:](?:0x)?([0-9a-f]{8})\b", r"\1\2", sys.stdin.read(), flags=re.I)
for m in re.finditer(r"\b(?:0x)?(ffff[0-9a-f]{12})\b", text, re.I):
    v = int(m.group(1), 16)
    if v in seen:
        continue
    seen.append(v)
    if 0xffffffffa0000000 <= v < 0xffffffffff000000:
        print(f"{v:#x}  (module space)")
        continue
    i = bisect.bisect_right(addrs, v) - 1
    if i >= 0 and v - addrs[i] < 0x100000 and addrs[0] <= v <= addrs[-1] + 0x1000:
        print(f"{v:#x}  {syms[i][1]}+{v - addrs[i]:#x}")
