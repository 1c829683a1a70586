#!/usr/bin/env python3
"""Turn the kernel driver selftests' output (scripts/guest/selftests.sh) into verdicts.

    selftests-report.py [--xfail FILE] [--json OUT.json] [--md OUT.md] [--docs DOC.md]
                        [--require ne2k_rs] [--baseline ne2k-pci] RUNDIR...

RUNDIR/selftests/<driver>/<test path with / as +>.log (+ .rc) are read for every driver found; a driver seen in
several RUNDIRs takes each case from the last one that has it. Case names are KTAP names:
  - Python tests (ping.py, stats.py, ...) and any test that prints KTAP (ne2k-rs/netconsole.sh):
    the KTAP line's own name, e.g. ping.test_default_v4;
  - hw/ethtool.sh (the forwarding library): ethtool.<its TEST: description> (a trailing
    "(: detail)" is the case's detail, not its name: it names interfaces);
  - net/netdevice.sh: netdevice.<its PASS/FAIL/SKIP description without the interface name>;
  - a test that printed no result line: <test file> (fail if it exited non-zero, skip on 4);
  - a test that froze the guest (a .hang beside its log: the host's watchdog ended it and
    scripts/guest/selftests.sh went on in a fresh guest): <test file>, verdict hang.
Verdicts: pass, fail, hang, skip, xfail. A case the test itself reports as XFAIL is xfail. A failed
case listed in the --xfail file (lines "<case> :: <reason>", '#' comments) becomes xfail with that
reason: the failures that belong to the hardware or the emulator, not the driver. A line
"<case> :: when <text> :: <reason>" makes the case xfail only when its test's log holds <text>
(the one failure that belongs to the hardware; any other failure of the case stays a fail).

--json writes {driver: {case: verdict}}; --md a table (both may be given more than once) (case, one column per driver, and the
reason for every skip and xfail); --docs replaces the text between the markers
"<!-- selftests:begin -->" and "<!-- selftests:end -->" in DOC.md with that table.
Exit status 1 if --require's driver has a "fail" or a "hang", or fails or skips a case --baseline's driver
passes; else 0.
"""
import argparse
import json
import os
import re
import sys

KTAP = re.compile(r"^(not ok|ok) \d+ (\S+)(?:\s+#\s*(SKIP|XFAIL|TODO)\b\s*(.*))?")
FWD = re.compile(r"^TEST: (.*?)\s+\[\s*(OK|FAIL|SKIP|XFAIL)\s*\]")
NDEV = re.compile(r"^(PASS|FAIL|SKIP|XFAIL): (?:\S+: )?(.*)$")


def parse_log(test, text, rc):
    """[(case, verdict, reason)] for one test's output."""
    base = os.path.basename(test)
    stem = base.rsplit(".", 1)[0]
    out = []
    if test.endswith(".py") or re.search(r"^TAP version", text, re.M):
        for line in text.splitlines():
            m = KTAP.match(line)
            if not m:
                continue
            ok, name, directive, reason = m.groups()
            if directive == "SKIP":
                v = "skip"
            elif directive == "XFAIL":
                v = "xfail"
            else:
                v = "pass" if ok == "ok" else "fail"
            out.append((name, v, (reason or "").strip()))
    elif base == "netdevice.sh":
        for line in text.splitlines():
            m = NDEV.match(line)
            if m:
                v = {"PASS": "pass", "FAIL": "fail", "SKIP": "skip", "XFAIL": "xfail"}[m.group(1)]
                desc = m.group(2).strip()
                out.append((f"{stem}.{desc}", v, desc if v in ("skip", "xfail") else ""))
    else:
        last = ""
        for line in text.splitlines():
            m = FWD.match(line)
            if m:
                v = {"OK": "pass", "FAIL": "fail", "SKIP": "skip", "XFAIL": "xfail"}[m.group(2)]
                desc = re.sub(r"\s+", " ", m.group(1).strip())
                # "name (: what went wrong)": the name is the case, the rest its detail
                detail = ""
                d = re.match(r"(.*?) \(: (.*)\)$", desc)
                if d:
                    desc, detail = d.group(1), d.group(2)
                out.append((f"{stem}.{desc}", v, detail if v != "pass" else ""))
            elif line.strip():
                last = line.strip()
        if not out and rc == 4:
            out.append((stem, "skip", last))
    if not out:
        v = "skip" if rc == 4 else ("pass" if rc == 0 else "fail")
        reason = ""
        for line in text.splitlines():
            if "SKIP" in line or "skip" in line.lower():
                reason = line.strip().lstrip("# ")
        out.append((stem, v, reason if v != "pass" else ""))
    # the same name twice (e.g. a feature toggled twice): keep the worst
    rank = {"fail": 3, "xfail": 2, "skip": 1, "pass": 0}
    best = {}
    for name, v, reason in out:
        if name not in best or rank[v] > rank[best[name][0]]:
            best[name] = (v, reason)
    return [(n, v, r) for n, (v, r) in best.items()]


def load_xfail(path):
    xf = {}
    if not path:
        return xf
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [x.strip() for x in line.split(" :: ")]
            when = None
            if len(parts) == 3 and parts[1].startswith("when "):
                when = parts[1][len("when "):].strip()
                parts = [parts[0], parts[2]]
            if len(parts) != 2 or not all(parts) or when == "":
                sys.exit(f"{path}: a line needs '<case> :: <reason>' or "
                         f"'<case> :: when <log text> :: <reason>': {line!r}")
            xf[parts[0]] = (when, parts[1])
    return xf


def collect(rundirs, xfail):
    verdicts, reasons, order = {}, {}, []
    for rd in rundirs:
        base = os.path.join(rd, "selftests")
        if not os.path.isdir(base):
            sys.exit(f"no selftests/ in {rd}")
        for drv in sorted(os.listdir(base)):
            ddir = os.path.join(base, drv)
            if not os.path.isdir(ddir):
                continue
            for fn in sorted(os.listdir(ddir)):
                if not fn.endswith(".log"):
                    continue
                stem = fn[:-4]
                test = stem.replace("+", "/")  # selftests.sh names a log after its test's path
                with open(os.path.join(ddir, fn), errors="replace") as f:
                    text = f.read()
                if os.path.exists(os.path.join(ddir, stem + ".hang")):
                    # the guest froze in this test: the host's watchdog ended it (guest-watchdog.py)
                    case = os.path.basename(test).rsplit(".", 1)[0]
                    verdicts.setdefault(drv, {})[case] = "hang"
                    reasons.setdefault(drv, {})[case] = "the guest froze in it (host watchdog)"
                    if case not in order:
                        order.append(case)
                    continue
                rc = 1
                rcf = os.path.join(ddir, stem + ".rc")
                if os.path.exists(rcf):
                    with open(rcf) as f:
                        rc = int(f.read().strip() or 1)
                for case, v, reason in parse_log(test, text, rc):
                    when, why = xfail.get(case, (None, None))
                    if v == "fail" and why and (when is None or when in text):
                        v, reason = "xfail", why
                    verdicts.setdefault(drv, {})[case] = v
                    if reason:
                        reasons.setdefault(drv, {})[case] = reason
                    if case not in order:
                        order.append(case)
    return verdicts, reasons, order


def table(verdicts, reasons, order):
    drivers = sorted(verdicts, key=lambda d: (d != "ne2k_rs", d))
    mark = {"pass": "pass", "fail": "**FAIL**", "hang": "**HANG**", "skip": "skip", "xfail": "xfail", None: "–"}
    lines = ["| case | " + " | ".join(drivers) + " | why (skip / xfail) |",
             "|---|" + "---|" * len(drivers) + "---|"]
    for case in order:
        why = []
        for d in drivers:
            r = reasons.get(d, {}).get(case)
            if r and r not in why:
                why.append(r)
        cells = [mark[verdicts[d].get(case)] for d in drivers]
        lines.append(f"| `{case}` | " + " | ".join(cells) + " | " +
                     "; ".join(w.replace("|", "\\|") for w in why) + " |")
    totals = []
    for d in drivers:
        c = {}
        for v in verdicts[d].values():
            c[v] = c.get(v, 0) + 1
        totals.append(f"{d}: " + ", ".join(f"{c.get(k, 0)} {k}" for k in ("pass", "fail", "xfail", "skip"))
                      + (f", {c['hang']} hang" if c.get("hang") else ""))
    return "\n".join(lines) + "\n\nTotals: " + "; ".join(totals) + ".\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundirs", nargs="+")
    ap.add_argument("--xfail")
    ap.add_argument("--json", action="append", default=[])
    ap.add_argument("--md", action="append", default=[])
    ap.add_argument("--docs")
    ap.add_argument("--require")
    ap.add_argument("--baseline")
    a = ap.parse_args()
    verdicts, reasons, order = collect(a.rundirs, load_xfail(a.xfail))
    if not verdicts:
        sys.exit("no selftest results found")
    md = table(verdicts, reasons, order)
    for path in a.json:
        with open(path, "w") as f:
            json.dump(verdicts, f, indent=1, sort_keys=True)
            f.write("\n")
    for path in a.md:
        with open(path, "w") as f:
            f.write(md)
    if a.docs:
        with open(a.docs) as f:
            doc = f.read()
        b, e = "<!-- selftests:begin -->", "<!-- selftests:end -->"
        if b not in doc or e not in doc:
            sys.exit(f"{a.docs}: markers {b} / {e} not found")
        doc = doc[: doc.index(b) + len(b)] + "\n" + md + doc[doc.index(e):]
        with open(a.docs, "w") as f:
            f.write(doc)
    print(md, end="")
    bad = []
    if a.require:
        mine = verdicts.get(a.require)
        if mine is None:
            sys.exit(f"no results for {a.require}")
        bad += [f"{a.require}: {c} {'fails' if v == 'fail' else 'hung the guest'}"
                for c, v in mine.items() if v in ("fail", "hang")]
        if a.baseline:
            base = verdicts.get(a.baseline, {})
            bad += [f"{a.require}: {c} is {mine.get(c, 'missing')} where {a.baseline} passes"
                    for c, v in base.items() if v == "pass" and mine.get(c) != "pass"]
    for line in bad:
        print("selftests: " + line, file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
