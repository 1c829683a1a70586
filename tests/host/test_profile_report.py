#!/usr/bin/env python3
"""Host test of scripts/profile-report.py on synthetic plugin counts: per driver, boots with three
marks each (two windows of echoes, the second COUNT echoes longer, each with the same fixed cost
of starting and ending the echo program); per echo = (mark3 - mark2) - (mark2 - mark1), / COUNT,
per function; KASLR per boot; module code split from the rest; every run's totals and their
spread; Rust names demangled and shortened."""
import os
import subprocess
import sys
import tempfile

from checks import REPO, Checks

check = Checks("profile_report")
RX_PEEK = "_RNvMs7_NtCsilUJgfi6S55_7ne2k_rs6dp8390INtB5_6Dp8390NtNtNtB7_2hw4port7PortBusE7rx_peekB7_"
COUNT = 100
BASE = 20


def boot(d, name, base, blocks):
    """A boot with marks: kallsyms with functions at base + offset, and the plugin's counts at
    each mark for blocks [(offset, ninsns, at boot, per window, per echo)]: the boot, then a
    window of BASE echoes, then one of BASE + COUNT."""
    os.makedirs(os.path.join(d, name))
    with open(os.path.join(d, name, "kallsyms.txt"), "w") as f:
        f.write(f"{base + 0x1000:016x} T mtree_load\n{base + 0x2000:016x} T schedule\n"
                f"{base + 0x9000:016x} t {RX_PEEK}\t[ne2k_rs]\n{base + 0xa000:016x} t ei_receive\t[8390]\n")
    for m, (windows, echoes) in enumerate([(0, 0), (1, BASE), (2, 2 * BASE + COUNT)], 1):
        with open(os.path.join(d, f"{name}.prof.mark{m}"), "w") as f:
            for off, n, at_boot, per_window, per_echo in blocks:
                ex = round(at_boot + windows * per_window + echoes * per_echo)
                if ex:
                    f.write(f"{base + off:x} {n} {ex}\n")


with tempfile.TemporaryDirectory() as d:
    # ne2k_rs: rx_peek 7 instructions x 2 blocks per echo; schedule 10 x 1/2 per echo (run 2:
    # 10 x 0.6), with a cost per window (the echo program) that cancels out
    boot(d, "ne2k_rs-run1", 0xffffffff81000000, [(0x2000, 10, 100, 7, 0.5), (0x9010, 7, 0, 0, 2)])
    boot(d, "ne2k_rs-run2", 0xffffffff83000000, [(0x2000, 10, 300, 9, 0.6), (0x9010, 7, 0, 0, 2)])
    # ne2k-pci: ei_receive 3 per echo; mtree_load 4 per echo (a block in the middle of it)
    for r, base in ((1, 0xffffffff82000000), (2, 0xffffffff84000000)):
        boot(d, f"ne2k-pci-run{r}", base, [(0x2000, 10, 100, 50, 1), (0xa000, 3, 0, 0, 1),
                                           (0x1040, 2, 5, 3, 2)])
    with open(os.path.join(d, "workload.txt"), "w") as f:
        f.write("icmp\n")
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts/profile-report.py"), d, str(COUNT), "2"],
                       capture_output=True, text=True)
    check("runs", r.returncode == 0, r.stderr[-500:])
    out = r.stdout
    # ne2k_rs: 14 (rx_peek) + 5 (schedule) = 19 per echo; ne2k-pci: 3 + 4 + 10 = 17
    check("every-instruction", "| every kernel instruction | 19 | 17 | 1.118 |" in out, out[:1500])
    check("module-code", "| the driver's own module code | 14 | 3 | 4.67 |" in out, out[:1500])
    check("rust-name-demangled", "| `Dp8390::rx_peek` | 14.0 |" in out, out)
    check("c-module-name", "| `ei_receive [8390]` | 3.0 |" in out, out)
    check("difference-row", "| `mtree_load` | 0.0 | 4.0 | -4.0 |" in out, out)
    check("kaslr-per-boot", "| `schedule` | 5.0 | 10.0 | -5.0 |" in out, out)
    check("icmp-workload-named", out.startswith("# Kernel instructions per ICMP echo")
          and "-icount shift=0,sleep=off" in out, out[:600])
    # Run 2: schedule 6 per echo, so every instruction 20 (spread 1/19), module code the same.
    check("every-run-row", "| 1 | 19 | 17 | 1.118 | 14.0 | 3.0 |" in out
          and "| 2 | 20 | 17 | 1.176 | 14.0 | 3.0 |" in out, out)
    check("spread-row", "| spread | 5.26 % | 0.00 % | | 0.00 % | 0.00 % |" in out, out)
    # The UDP workload says how it was counted.
    with open(os.path.join(d, "workload.txt"), "w") as f:
        f.write("udp\n")
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts/profile-report.py"), d, str(COUNT), "2"],
                       capture_output=True, text=True)
    out = r.stdout
    check("udp-workload-named", out.startswith("# Kernel instructions per UDP echo"), out[:200])
    check("udp-same-figures", "| the driver's own module code | 14 | 3 | 4.67 |" in out, out[:800])
check.exit()
