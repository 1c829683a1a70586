#!/usr/bin/env python3
"""Host test of scripts/profile-report.py on synthetic plugin counts: two boots per driver, each
with its own kernel base (KASLR); per echo = (boot with COUNT - boot with none) / COUNT, per
function; module code split from the rest; Rust names demangled and shortened."""
import os
import subprocess
import sys
import tempfile

from checks import REPO, Checks

check = Checks("profile_report")
RX_PEEK = "_RNvMs7_NtCsilUJgfi6S55_7ne2k_rs6dp8390INtB5_6Dp8390NtNtNtB7_2hw4port7PortBusE7rx_peekB7_"
COUNT = 100


def boot(d, name, base, blocks):
    """A boot: kallsyms with functions at base + offset, and the plugin's lines for blocks
    [(offset, ninsns, execs)]."""
    os.makedirs(os.path.join(d, name))
    with open(os.path.join(d, name, "kallsyms.txt"), "w") as f:
        f.write(f"{base + 0x1000:016x} T mtree_load\n{base + 0x2000:016x} T schedule\n"
                f"{base + 0x9000:016x} t {RX_PEEK}\t[ne2k_rs]\n{base + 0xa000:016x} t ei_receive\t[8390]\n")
    with open(os.path.join(d, name + ".prof"), "w") as f:
        for off, n, ex in blocks:
            f.write(f"{base + off:x} {n} {ex}\n")


with tempfile.TemporaryDirectory() as d:
    # ne2k_rs: rx_peek 7 instructions x 2 blocks per echo; schedule: 1000 at boot, +5/echo
    boot(d, "ne2k_rs-0", 0xffffffff81000000, [(0x2000, 10, 100)])
    boot(d, f"ne2k_rs-{COUNT}", 0xffffffff83000000, [(0x2000, 10, 100 + COUNT // 2), (0x9010, 7, 2 * COUNT)])
    # ne2k-pci: ei_receive 3 per echo; mtree_load 4 per echo (a block in the middle of it)
    boot(d, "ne2k-pci-0", 0xffffffff82000000, [(0x2000, 10, 100)])
    boot(d, f"ne2k-pci-{COUNT}", 0xffffffff84000000, [(0x2000, 10, 100 + COUNT), (0xa000, 3, COUNT),
                                                      (0x1040, 2, 2 * COUNT)])
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts/profile-report.py"), d, str(COUNT)],
                       capture_output=True, text=True)
    check("runs", r.returncode == 0, r.stderr[-500:])
    out = r.stdout
    # ne2k_rs: 14 (rx_peek) + 5 (schedule) = 19 per echo; ne2k-pci: 3 + 4 + 10 = 17
    check("every-instruction", "| every kernel instruction | 19 | 17 | 1.118 |" in out, out[:800])
    check("module-code", "| the driver's own module code | 14 | 3 | 4.67 |" in out, out[:800])
    check("rust-name-demangled", "| `Dp8390::rx_peek` | 14.0 |" in out, out)
    check("c-module-name", "| `ei_receive [8390]` | 3.0 |" in out, out)
    check("difference-row", "| `mtree_load` | 0.0 | 4.0 | -4.0 |" in out, out)
    check("kaslr-per-boot", "| `schedule` | 5.0 | 10.0 | -5.0 |" in out, out)
    check("udp-by-default", out.startswith("# Kernel instructions per UDP echo"), out[:200])
    # A run of the default workload says how it was counted.
    with open(os.path.join(d, "workload.txt"), "w") as f:
        f.write("icmp\n")
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts/profile-report.py"), d, str(COUNT)],
                       capture_output=True, text=True)
    out = r.stdout
    check("icmp-workload-named", out.startswith("# Kernel instructions per ICMP echo")
          and "-icount shift=0,sleep=off" in out, out[:600])
    check("icmp-same-figures", "| the driver's own module code | 14 | 3 | 4.67 |" in out, out[:800])
check.exit()
