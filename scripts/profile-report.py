#!/usr/bin/env python3
"""The report of scripts/profile.sh: kernel instructions per echo, per function, for ne2k_rs
and ne2k-pci, from the QEMU plugin's counts (scripts/profile/insnprof.c).

    profile-report.py DIR COUNT [RUNS]   (DIR/<driver>-run<r>.prof.mark{1,2,3} and
                                          DIR/<driver>-run<r>/kallsyms.txt, r = 1..RUNS)
                                          -> markdown on stdout

Per driver and boot, the plugin's counts at three marks: PROFILE_BASE echoes ran between the
first two, PROFILE_BASE + COUNT between the last two. (mark3 - mark2) - (mark2 - mark1), divided
by COUNT, is one echo's instructions (a transmit and a receive, with the stack and the
scheduler), named by the function each translation block starts in. The first run gives the
per-function tables; every run gives its totals, so the report shows how far they repeat. Rust
names are demangled with c++filt and shortened (crate hashes and paths dropped)."""
import bisect
import collections
import re
import subprocess
import sys

DRIVERS = {"ne2k_rs": ("[ne2k_rs]",), "ne2k-pci": ("[8390]", "[ne2k_pci]")}


def load(run, prof):
    """{function: instructions} in `prof`, one of a boot's count files; the function is
    'name [module]' as the boot's kallsyms (RUN/kallsyms.txt) has it."""
    syms = []
    for line in open(f"{run}/kallsyms.txt"):
        p = line.split()
        if len(p) >= 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2] + (" " + p[3] if len(p) > 3 else "")))
    syms.sort()
    addrs = [a for a, _ in syms]
    per = collections.Counter()
    for line in open(prof):
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


def echo(run, count):
    """{function: instructions per echo} of one boot with marks."""
    m = [load(run, f"{run}.prof.mark{i}") for i in (1, 2, 3)]
    return {k: (m[2][k] - 2 * m[1][k] + m[0][k]) / count for k in set(m[0]) | set(m[1]) | set(m[2])}


def main():
    run_dir, count = sys.argv[1], int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    every = {d: [echo(f"{run_dir}/{d}-run{r}", count) for r in range(1, runs + 1)] for d in DRIVERS}
    per = {d: every[d][0] for d in DRIVERS}
    try:
        workload = open(f"{run_dir}/workload.txt").read().split()[0]
    except OSError:
        workload = "icmp"
    window = (f"Each driver booted {runs} time{'s' if runs > 1 else ''}; in each boot a plugin mark "
              f"before and after two windows of echoes, the second with {count:,} echoes more than the "
              "first: the second window less the first, divided by those echoes, is one echo's "
              "instructions, per function (the function a translation block starts in), with the boot, "
              "the bring-up and the echo program's start and exit cancelled out. No event, kprobe or "
              "statistic ran in the guest.")
    if workload == "icmp":
        how = ("QEMU TCG, one vCPU, the guest's clock counting instructions (`-icount shift=0,sleep=off`); "
               "a plugin counts every kernel instruction the guest executes. The echoes are a flood ping "
               "of 28+100 bytes to QEMU's user-net gateway; slirp answers each echo itself, inside the "
               "transmit's command write, so every echo takes the same path (one transmit, one receive) "
               "and the guest's timers land by instruction count. " + window + " With `-icount` a "
               "`rep ins`/`outs` counts once per element (as the card sees it), alike for both drivers' "
               "copies.\n")
    else:
        how = ("QEMU TCG, one vCPU; a plugin counts every kernel instruction the guest executes. The "
               "echoes are UDP echoes of 28+100 bytes to a host process, 2 ms apart (one transmit and one "
               "receive each). " + window + " Without `-icount` a `rep ins`/`outs` copy counts once per "
               "pass of its block, alike for both drivers' copies. The drivers' module code repeats as far "
               "as the reply's arrival does; the rest holds the scheduler, timers and idle, which move with "
               "the guest's timing on the wall clock.\n")
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
    L.append(f"## Every run\n\nThe tables use run 1. Per echo, each boot of each driver; the spread is "
             "(largest - smallest) / smallest over the runs.\n")
    L.append("| run | every kernel instruction, ne2k_rs | ne2k-pci | ratio | module code, ne2k_rs | "
             "ne2k-pci |\n|---|---|---|---|---|---|")
    tots = {d: [sum(e.values()) for e in every[d]] for d in DRIVERS}
    modr = {d: [sum(v for k, v in e.items() if k.endswith(DRIVERS[d])) for e in every[d]] for d in DRIVERS}
    for r in range(runs):
        L.append(f"| {r + 1} | {tots['ne2k_rs'][r]:,.0f} | {tots['ne2k-pci'][r]:,.0f} | "
                 f"{tots['ne2k_rs'][r] / tots['ne2k-pci'][r]:.3f} | {modr['ne2k_rs'][r]:,.1f} | "
                 f"{modr['ne2k-pci'][r]:,.1f} |")
    spread = {d: (max(tots[d]) - min(tots[d])) / min(tots[d]) * 100 for d in DRIVERS}
    mspread = {d: (max(modr[d]) - min(modr[d])) / min(modr[d]) * 100 for d in DRIVERS}
    L.append(f"| spread | {spread['ne2k_rs']:.2f} % | {spread['ne2k-pci']:.2f} % | | "
             f"{mspread['ne2k_rs']:.2f} % | {mspread['ne2k-pci']:.2f} % |\n")
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
