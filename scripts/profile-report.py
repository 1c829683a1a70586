#!/usr/bin/env python3
"""The report of scripts/profile.sh: kernel instructions per UDP echo, per function, for
ne2k_rs and ne2k-pci, from the QEMU plugin's counts (scripts/profile/insnprof.c).

    profile-report.py DIR COUNT   (DIR/<driver>-0.prof, DIR/<driver>-COUNT.prof and their
                                   DIR/<driver>-N/kallsyms.txt) -> markdown on stdout

Per driver, the boot with COUNT echoes less the boot with none, divided by COUNT: the
instructions of one echo (a transmit and a receive, with the stack and the scheduler), named by
the function each translation block starts in. Rust names are demangled with c++filt and
shortened (crate hashes and paths dropped)."""
import bisect
import collections
import re
import subprocess
import sys

DRIVERS = {"ne2k_rs": ("[ne2k_rs]",), "ne2k-pci": ("[8390]", "[ne2k_pci]")}


def load(run):
    """{function: instructions} of one boot; the function is 'name [module]' as kallsyms has it."""
    syms = []
    for line in open(f"{run}/kallsyms.txt"):
        p = line.split()
        if len(p) >= 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2] + (" " + p[3] if len(p) > 3 else "")))
    syms.sort()
    addrs = [a for a, _ in syms]
    per = collections.Counter()
    for line in open(f"{run}.prof"):
        va, n, ex = (int(x, 16) if i == 0 else int(x) for i, x in enumerate(line.split()))
        i = bisect.bisect_right(addrs, va) - 1
        per[syms[i][1] if i >= 0 else "(no symbol)"] += n * ex
    return per


def short(names):
    """Demangled, shortened names: 'ne2k_rs::dp8390::Dp8390<..>::rx_peek' -> 'Dp8390::rx_peek'."""
    raw = [n.split()[0] for n in names]
    out = subprocess.run(["c++filt", "-s", "rust"], input="\n".join(raw), capture_output=True,
                         text=True).stdout.split("\n")
    res = {}
    for n, d in zip(names, out):
        d = re.sub(r"\[[0-9a-f]{16}\]", "", d or n.split()[0])
        d = re.sub(r"\b[a-z_][a-z0-9_]*::(?![<{])", "", d)    # module paths (not a method's ::<T>)
        prev = None
        while prev != d:                                      # generic arguments, innermost first
            prev = d
            d = re.sub(r"::<[^<>]*>", "", d)
            d = re.sub(r"(\w)<[^<>]*>", r"\1", d)
        d = re.sub(r"^<(\w+)>::", r"\1::", d)               # <Datapath>::poll -> Datapath::poll
        res[n] = d + (" " + n.split()[1] if n.split()[1:] and not n.endswith("[ne2k_rs]") else "")
    return res


def main():
    run_dir, count = sys.argv[1], int(sys.argv[2])
    per = {}
    for drv in DRIVERS:
        a, b = load(f"{run_dir}/{drv}-0"), load(f"{run_dir}/{drv}-{count}")
        per[drv] = {k: (b[k] - a[k]) / count for k in set(a) | set(b)}
    try:
        workload = open(f"{run_dir}/workload.txt").read().split()[0]
    except OSError:
        workload = "udp"    # runs before the workload was recorded
    if workload == "icmp":
        how = (f"QEMU TCG, one vCPU, the guest's clock counting instructions (`-icount shift=0,sleep=off`); "
               "a plugin counts every kernel instruction the guest executes. Each driver booted twice, "
               f"with a flood ping of {count:,} ICMP echoes of 28+100 bytes to QEMU's user-net gateway and "
               "with none; slirp answers each echo itself, inside the transmit's command write, so every "
               "echo takes the same path (one transmit, one receive) and the guest's timers land by "
               "instruction count. The difference divided by the echoes is one echo's instructions, per "
               "function (the function a translation block starts in). No event, kprobe or statistic ran "
               "in the guest. With `-icount` a `rep ins`/`outs` counts once per element (as the card sees "
               "it), alike for both drivers' copies. The module rows repeat to the instruction; every "
               "kernel instruction repeats to within the run-to-run figures of docs/measurement.md.\n")
    else:
        how = ("QEMU TCG, one vCPU; a plugin counts every kernel instruction the guest executes. Each driver "
               f"booted twice, with {count:,} UDP echoes of 28+100 bytes (2 ms apart: one transmit and one "
               "receive each) and with none; the difference divided by the echoes is one echo's "
               "instructions, per function (the function a translation block starts in). No event, kprobe "
               "or statistic ran in the guest. Without `-icount` a `rep ins`/`outs` copy counts once per "
               "pass of its block, alike for both drivers' copies. The drivers' module code repeats as far "
               "as the reply's arrival does; the rest holds the scheduler, timers and idle, which move with "
               "the guest's timing (two runs of the same commit gave ratios of 1.06 and 1.27 for every "
               "kernel instruction).\n")
    name = "ICMP echo" if workload == "icmp" else "UDP echo"
    L = [f"# Kernel instructions per {name}, ne2k_rs and ne2k-pci (scripts/profile.sh)\n", how]
    mods = {}
    for drv, tags in DRIVERS.items():
        mods[drv] = {k: v for k, v in per[drv].items() if k.endswith(tags)}
    L.append("| | ne2k_rs | ne2k-pci | ratio |\n|---|---|---|---|")
    tot = {d: sum(per[d].values()) for d in DRIVERS}
    mod = {d: sum(mods[d].values()) for d in DRIVERS}
    L.append(f"| every kernel instruction | {tot['ne2k_rs']:,.0f} | {tot['ne2k-pci']:,.0f} | "
             f"{tot['ne2k_rs'] / tot['ne2k-pci']:.3f} |")
    L.append(f"| the driver's own module code | {mod['ne2k_rs']:,.0f} | {mod['ne2k-pci']:,.0f} | "
             f"{mod['ne2k_rs'] / mod['ne2k-pci']:.2f} |")
    L.append(f"| everything else | {tot['ne2k_rs'] - mod['ne2k_rs']:,.0f} | "
             f"{tot['ne2k-pci'] - mod['ne2k-pci']:,.0f} | "
             f"{(tot['ne2k_rs'] - mod['ne2k_rs']) / (tot['ne2k-pci'] - mod['ne2k-pci']):.3f} |\n")
    for drv in DRIVERS:
        names = short(list(mods[drv]))
        L.append(f"## {drv}: its module's functions, instructions per echo\n")
        L.append("| function | instructions |\n|---|---|")
        for k, v in sorted(mods[drv].items(), key=lambda kv: -kv[1]):
            if v >= 0.5:
                L.append(f"| `{names[k]}` | {v:,.1f} |")
        L.append("")
    L.append("## Kernel functions outside the drivers with the largest difference\n")
    L.append("Per echo, ne2k_rs less ne2k-pci (positive: ne2k_rs runs more of it). Scheduler and "
             "idle rows move with timing, not with the driver.\n")
    L.append("| function | ne2k_rs | ne2k-pci | difference |\n|---|---|---|---|")
    rest = (set(per["ne2k_rs"]) | set(per["ne2k-pci"])) - set(mods["ne2k_rs"]) - set(mods["ne2k-pci"])
    for k in sorted(rest, key=lambda k: -abs(per["ne2k_rs"].get(k, 0) - per["ne2k-pci"].get(k, 0)))[:30]:
        x, y = per["ne2k_rs"].get(k, 0), per["ne2k-pci"].get(k, 0)
        L.append(f"| `{k}` | {x:,.1f} | {y:,.1f} | {x - y:+,.1f} |")
    print("\n".join(L))


if __name__ == "__main__":
    main()
