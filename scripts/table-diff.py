#!/usr/bin/env python3
"""Run-to-run difference of two stage experiments (report.py outputs).

    table-diff.py RUN_A RUN_B

Reads RUN_A/table8.csv, RUN_B/table8.csv (and table10.csv) and prints, as markdown, every
cell's median in both runs and the difference, then the largest relative difference and where
it is. For Bochs runs (an instruction clock) the medians should agree to within the host-side
timing of slirp's replies."""
import csv
import os
import sys


def load(run, name, key_cols):
    out = {}
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return out
    for row in csv.DictReader(open(path)):
        if int(row["n"]) == 0:
            continue
        out[tuple(row[c] for c in key_cols)] = int(row["median_cycles"])
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: table-diff.py RUN_A RUN_B")
    a_run, b_run = sys.argv[1:]
    lines = [f"# Run-to-run: {a_run} vs {b_run}\n"]
    worst = (0.0, None)
    for name, cols in (("table8.csv", ["driver", "proto", "payload", "direction", "stage"]),
                       ("table10.csv", ["driver", "cause", "payload"])):
        a, b = load(a_run, name, cols), load(b_run, name, cols)
        keys = sorted(set(a) & set(b))
        if not keys:
            continue
        lines.append(f"## {name}\n")
        lines.append("| " + " | ".join(cols) + " | median A | median B | B - A | rel |")
        lines.append("|" + "---|" * (len(cols) + 4))
        for k in keys:
            d = b[k] - a[k]
            rel = abs(d) / max(a[k], 1)
            if rel > worst[0]:
                worst = (rel, f"{name} {' '.join(k)}: {a[k]:,} vs {b[k]:,}")
            lines.append("| " + " | ".join(k) + f" | {a[k]:,} | {b[k]:,} | {d:+,} | {rel:.2%} |")
        missing = sorted(set(a) ^ set(b))
        if missing:
            lines.append(f"\nCells in one run only: {', '.join(' '.join(m) for m in missing)}")
        lines.append("")
    lines.insert(1, f"Largest relative difference of a median: **{worst[0]:.2%}** ({worst[1]}).\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
