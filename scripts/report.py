#!/usr/bin/env python3
"""Turns the stage experiment's raw ftrace files into the paper's tables.

    report.py RUN_DIR

RUN_DIR holds meta.txt and raw/<driver>/<workload>.trace (scripts/guest/experiment.sh, trace
clock x86-tsc so every timestamp is a TSC count). Writes into RUN_DIR: samples.csv (every sample),
table8.csv, table10.csv, crosscheck.csv, report.md, table8.svg, table10.svg, and from ne2k_rs' stage
statistics (raw/ne2k_rs/<workload>.stats, when the run has them) table8_agg.csv, table10_agg.csv;
prints report.md.

Stage definitions (docs/measurement.md, "Stage tracepoints", has the full text):
  ne2k_rs: its own tracepoints (ne2k_rs_tx/rx stages; IRQ handling = ne2k_rs_irq cycles + the
  NAPI poll it scheduled, ne2k_rs_poll cycles).
  ne2k-pci (unpatched): kprobes/kretprobes on ei_start_xmit, ne2k_pci_block_output,
  NS8390_trigger_send, ei_tx_intr, ei_receive, ne2k_pci_get_8390_hdr, ne2k_pci_block_input; IRQ
  handling = irq_handler_entry..exit (ei_interrupt does all the work in hard-IRQ context).
  e100 (unpatched): kprobes on e100_xmit_frame and e100_poll entries, net_dev_xmit, napi_poll,
  netif_receive_skb_entry/exit, irq_handler_entry/exit; bus-master DMA: no CPU copy stage (0).
"""
import collections
import csv
import math
import os
import re
import statistics
import sys

WORKLOADS = [("icmp", 1), ("icmp", 100), ("icmp", 1000), ("udp", 1), ("udp", 100), ("udp", 1000), ("arp", 0)]
DRIVERS = ["ne2k_rs", "ne2k-pci", "e100"]
STAGES = ["nic", "dma", "driver"]

# The paper's figures (../shared/reference/paper-tables.md), cycles on a 567 MHz Celeron.
PAPER_T8 = {  # (proto-size key, direction, stage) -> cycles
}
for key, nic_in, nic_out in [("1", 62000, 12000), ("100", 102000, 52000), ("1000", 512000, 462000), ("arp", 62000, 12000)]:
    PAPER_T8[(key, "in", "nic")] = nic_in
    PAPER_T8[(key, "out", "nic")] = nic_out
    PAPER_T8[(key, "in", "driver")] = 1300
    PAPER_T8[(key, "out", "driver")] = 3000
PAPER_T8[("arp", "in", "dma")] = 7000
PAPER_T8[("arp", "out", "dma")] = 7000
PAPER_T10 = {("e100", "rx"): 8500, ("ne2k-pci", "rx", 1): 29000, ("ne2k-pci", "rx", 100): 34000,
             ("ne2k-pci", "rx", 1000): 90000, ("e100", "tx"): 6000, ("ne2k-pci", "tx"): 8500}

LINE = re.compile(r"^\s*(?P<task>.+?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+\S+\s+(?P<ts>[\d.]+):\s+(?P<ev>[\w.]+):\s?(?P<rest>.*)$")
KV = re.compile(r"(\w+)=(\S+)")

Event = collections.namedtuple("Event", "ts cpu name f rest")


def parse(path):
    out = []
    with open(path, errors="replace") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            m = LINE.match(line)
            if not m:
                continue
            ts = m["ts"]
            ts = int(ts.replace(".", "")) if "." not in ts else int(float(ts) * 1e9)
            f = dict(KV.findall(m["rest"]))
            if m["ev"] == "napi_poll":
                # "napi poll on napi struct %p for device %s work %d budget %d"
                n = re.search(r"device (\S+) work (-?\d+) budget (\d+)", m["rest"])
                if n:
                    f.update(dev=n[1], work=n[2], budget=n[3])
            out.append(Event(ts, int(m["cpu"]), m["ev"], f, m["rest"]))
    out.sort(key=lambda e: e.ts)
    return out


def frame_lens(proto, size):
    """Frame lengths a workload's packets can have (ARP replies from QEMU's peer are 64 bytes)."""
    if proto == "arp":
        return {60, 64}
    return {max(60, size + 8 + 20 + 14)}


# ne2k_rs' stage statistics (stagestats.rs): frame size classes, by the largest length of each
CLASSES = [64, 128, 512, 1024, 1518]


def size_class(n):
    return next((c for c in CLASSES if n <= c), CLASSES[-1])


def read_stats(path):
    """A debugfs stage_stats file: {(what, stage, class): (count, mean, p5, p50, p95)}."""
    rows = {}
    for line in open(path):
        f = line.split()
        if line.startswith("#") or len(f) != 8:
            continue
        rows[tuple(f[:3])] = tuple(int(x) for x in f[3:])
    return rows


def irq_numbers(events, name_re):
    nums = set()
    for e in events:
        if e.name == "irq_handler_entry" and re.search(name_re, e.f.get("name", "")):
            nums.add(e.f["irq"])
    return nums


def irq_spans(events, irqs):
    """(entry_ts, exit_ts, cpu) for the driver's hard interrupts."""
    open_ = {}
    spans = []
    for e in events:
        if e.name == "irq_handler_entry" and e.f.get("irq") in irqs:
            open_[e.cpu] = e.ts
        elif e.name == "irq_handler_exit" and e.f.get("irq") in irqs and e.cpu in open_:
            spans.append((open_.pop(e.cpu), e.ts, e.cpu))
    return spans


def analyse_ne2k_rs(events, want_len, iface):
    s = collections.defaultdict(list)
    for e in events:
        if e.name == "ne2k_rs_tx" and int(e.f["len"]) in want_len:
            for st, k in (("nic", "nic"), ("dma", "dma"), ("driver", "driver")):
                s[("out", st)].append(int(e.f[k]))
        elif e.name == "ne2k_rs_rx" and int(e.f["len"]) in want_len:
            for st in STAGES:
                s[("in", st)].append(int(e.f[st]))
    # IRQ handling per cause: hard IRQ + the poll that follows it on the same CPU.
    # The stack's share of the poll is not the driver's: it is subtracted, as e100's
    # netif_receive_skb time is (ne2k-pci only queues with netif_rx).
    irq = collections.defaultdict(list)
    pending = {}
    gro_open = {}
    stack = collections.defaultdict(int)
    for e in events:
        if e.name == "ne2k_rs_irq":
            pending[e.cpu] = (int(e.f["isr"], 16), int(e.f["cycles"]))
            stack[e.cpu] = 0
        elif e.name == "napi_gro_receive_entry":
            gro_open[e.cpu] = e.ts
        elif e.name == "napi_gro_receive_exit" and e.cpu in gro_open:
            stack[e.cpu] += e.ts - gro_open.pop(e.cpu)
        elif e.name == "ne2k_rs_poll" and e.cpu in pending:
            isr, c = pending.pop(e.cpu)
            cause = "rx" if isr & 0x05 else ("tx" if isr & 0x0a else None)
            # The poll's own stack_cycles (handing frames up and napi_complete_done, which
            # flushes GRO and delivers what it batched) when the event has it; traces of older
            # builds: the napi_gro_receive spans only.
            st = int(e.f["stack_cycles"]) if "stack_cycles" in e.f else stack[e.cpu]
            if cause:
                irq[cause].append(c + int(e.f["cycles"]) - st)
    # Cross-check: ne2k_rs_irq cycles vs the ftrace irq_handler span of the same interrupt.
    irqs = irq_numbers(events, r"ne2k_rs")
    spans = irq_spans(events, irqs)
    cross = []
    si = 0
    for e in events:
        if e.name == "ne2k_rs_irq":
            while si < len(spans) and spans[si][1] < e.ts:
                si += 1
            if si < len(spans) and spans[si][0] <= e.ts <= spans[si][1]:
                cross.append(("irq_handler", int(e.f["cycles"]), spans[si][1] - spans[si][0]))
    # RX total vs ftrace: from the announcing irq_handler_entry to the ne2k_rs_rx event.
    last_entry = {}
    for e in events:
        if e.name == "irq_handler_entry" and e.f.get("irq") in irqs:
            last_entry[e.cpu] = e.ts
        elif e.name == "ne2k_rs_rx" and int(e.f["len"]) in want_len and last_entry:
            t0 = max(last_entry.values())
            cross.append(("rx_total", int(e.f["total"]), e.ts - t0))
    return s, irq, cross


def bracket_gaps(events):
    """The cost of recording a bracketing event, measured: in each hard interrupt of ne2k_rs,
    the gap from its ne2k_rs_irq event (the handler's last act) to the irq_handler_exit event,
    with only the handler's return between: the rest of the first record after its timestamp
    plus the second's up to its timestamp, i.e. one event's recording."""
    irqs = irq_numbers(events, r"ne2k_rs")
    inside, last, gaps = {}, {}, []
    for e in events:
        if e.name == "irq_handler_entry" and e.f.get("irq") in irqs:
            inside[e.cpu] = True
            last.pop(e.cpu, None)
        elif e.name == "ne2k_rs_irq" and inside.get(e.cpu):
            last[e.cpu] = e.ts
        elif e.name == "irq_handler_exit" and e.f.get("irq") in irqs:
            inside[e.cpu] = False
            if e.cpu in last:
                gaps.append(e.ts - last.pop(e.cpu))
    return gaps


# Bracketing records inside each cross-check's ftrace span that the tracepoint's own count does
# not hold: irq_handler: irq_handler_entry's and _exit's halves (one record) and the ne2k_rs_irq
# record the handler writes after its count ends; rx_total: irq_handler_entry's and
# ne2k_rs_rx's halves (one record; what is recorded between is inside both counts).
BRACKETS = {"irq_handler": 2, "irq_handler (minimal tracing)": 2, "rx_total": 1, "rx_total (minimal tracing)": 1}


def nested_irq_time(spans, t0, t1, cpu):
    return sum(b - a for a, b, c in spans if c == cpu and a >= t0 and b <= t1)


def analyse_ne2k_pci(events, want_len, iface):
    s = collections.defaultdict(list)
    irqs = irq_numbers(events, r"ne2k|enp|eth")
    spans = irq_spans(events, irqs)
    # --- TX: xmit_in .. xmit_out with bout / trig inside, then txint after trig_out.
    stack = collections.defaultdict(list)
    pend_tx = []  # (trig_out_ts, driver_so_far, dma)
    cur = {}
    for e in events:
        n = e.name
        if n in ("xmit_in", "bout_in", "trig_in", "txint_in", "rcv_in", "hdr_in", "bin_in"):
            stack[(e.cpu, n[:-3])].append(e.ts)
        if n == "xmit_in":
            cur[e.cpu] = {"t0": e.ts, "dma": 0, "trig": None}
        elif n == "bout_out" and stack[(e.cpu, "bout")]:
            t = stack[(e.cpu, "bout")].pop()
            if e.cpu in cur:
                cur[e.cpu]["dma"] += e.ts - t
        elif n == "trig_out" and stack[(e.cpu, "trig")]:
            stack[(e.cpu, "trig")].pop()
            if e.cpu in cur:
                cur[e.cpu]["trig"] = e.ts
        elif n == "xmit_out" and stack[(e.cpu, "xmit")]:
            t0 = stack[(e.cpu, "xmit")].pop()
            c = cur.pop(e.cpu, None)
            if c and c["trig"]:
                nested = nested_irq_time(spans, t0, e.ts, e.cpu)
                drv = (e.ts - t0) - c["dma"] - nested
                pend_tx.append([c["trig"], drv, c["dma"]])
        elif n == "txint_out" and stack[(e.cpu, "txint")]:
            t = stack[(e.cpu, "txint")].pop()
            if pend_tx:
                trig, drv, dma = pend_tx.pop(0)
                if t >= trig:
                    s[("out", "nic")].append(t - trig)
                    s[("out", "dma")].append(dma)
                    s[("out", "driver")].append(drv + (e.ts - t))
    # --- RX: per ei_receive with exactly one netif_rx of the wanted length inside.
    rcv = {}
    for e in events:
        n = e.name
        if n == "rcv_in":
            span = [sp for sp in spans if sp[2] == e.cpu and sp[0] <= e.ts <= sp[1]]
            rcv[e.cpu] = {"t0": e.ts, "irq": span[-1][0] if span else None, "dma": 0, "frames": [], "open": {}}
        elif n in ("hdr_in", "bin_in") and e.cpu in rcv:
            rcv[e.cpu]["open"][n] = e.ts
        elif n in ("hdr_out", "bin_out") and e.cpu in rcv:
            t = rcv[e.cpu]["open"].pop(n.replace("_out", "_in"), None)
            if t is not None:
                rcv[e.cpu]["dma"] += e.ts - t
        elif n == "netif_rx" and e.cpu in rcv:
            rcv[e.cpu]["frames"].append(int(e.f.get("len", 0)))
        elif n == "rcv_out" and e.cpu in rcv:
            r = rcv.pop(e.cpu)
            # netif_rx's len is the skb length after eth_type_trans (frame minus 14).
            if len(r["frames"]) == 1 and r["frames"][0] + 14 in want_len and r["irq"]:
                s[("in", "nic")].append(r["t0"] - r["irq"])
                s[("in", "dma")].append(r["dma"])
                s[("in", "driver")].append((e.ts - r["t0"]) - r["dma"])
    # --- IRQ handling per cause: the whole hard handler; rx if ei_receive ran inside.
    irq = collections.defaultdict(list)
    rcv_ts = [e.ts for e in events if e.name == "rcv_in"]
    tx_ts = [e.ts for e in events if e.name == "txint_in"]
    import bisect
    def inside(ts_list, a, b):
        i = bisect.bisect_left(ts_list, a)
        return i < len(ts_list) and ts_list[i] <= b
    for a, b, cpu in spans:
        if inside(rcv_ts, a, b):
            irq["rx"].append(b - a)
        elif inside(tx_ts, a, b):
            irq["tx"].append(b - a)
    return s, irq, []


def analyse_e100(events, want_len, iface):
    """e100 through tracepoints only (see experiment.sh): bus-master DMA, so no CPU copy stage."""
    s = collections.defaultdict(list)
    irqs = irq_numbers(events, r"e100|enp|eth")
    spans = irq_spans(events, irqs)
    entries = [a for a, b, c in spans]
    import bisect
    # TX: net_dev_start_xmit -> net_dev_xmit is the driver's ndo_start_xmit; the card's work
    # (fetching the frame by bus-master DMA and sending it) ends at the next e100 interrupt.
    start = {}
    for e in events:
        if e.name == "net_dev_start_xmit":
            start[e.cpu] = (e.ts, int(e.f.get("len", 0)))
        elif e.name == "net_dev_xmit" and e.cpu in start:
            t0, ln = start.pop(e.cpu)
            i = bisect.bisect_right(entries, e.ts)
            # net_dev_start_xmit reports the skb before e100 pads runts to 60 bytes.
            if max(60, ln) in want_len and i < len(entries):
                s[("out", "driver")].append(e.ts - t0)
                s[("out", "dma")].append(0)
                s[("out", "nic")].append(entries[i] - e.ts)
    # RX + IRQ handling: hard IRQ, then the NET_RX softirq (poll start) .. napi_poll (poll end),
    # minus the stack's netif_receive_skb time inside.
    irq = collections.defaultdict(list)
    last_irq = {}
    counted = set()
    poll = {}
    span_by_exit = {b: (a, b) for a, b, c in spans}
    for e in events:
        if e.name == "irq_handler_exit" and e.ts in span_by_exit:
            last_irq[e.cpu] = span_by_exit[e.ts]
        elif e.name == "softirq_entry":
            poll[e.cpu] = {"t0": e.ts, "stack": 0, "open": None, "lens": []}
        elif e.name == "netif_receive_skb_entry" and e.cpu in poll:
            poll[e.cpu]["open"] = e.ts
            poll[e.cpu].setdefault("first", e.ts)
            poll[e.cpu]["lens"].append(int(e.f.get("len", 0)))
        elif e.name == "netif_receive_skb_exit" and e.cpu in poll and poll[e.cpu]["open"]:
            poll[e.cpu]["stack"] += e.ts - poll[e.cpu]["open"]
            poll[e.cpu]["open"] = None
        elif e.name == "napi_poll" and e.cpu in poll:
            p = poll.pop(e.cpu)
            # NET_RX may run the poll again in the same softirq (an interrupt came meanwhile):
            # that poll starts where this one ended.
            poll[e.cpu] = {"t0": e.ts, "stack": 0, "open": None, "lens": []}
            work = int(e.f.get("work", 0))
            # Frames a later poll finds without a new interrupt (coalesced) count from the
            # latest one; each interrupt's handling cost is counted once.
            sp = last_irq.get(e.cpu)
            fresh = sp is not None and sp not in counted
            handling = (e.ts - p["t0"]) - p["stack"]
            if sp and p["t0"] < sp[1] and "first" in p:
                # The interrupt came while NET_RX was already running: the poll picks the
                # frame up in that softirq; count from the interrupt to its first frame.
                p["t0"] = max(sp[1], p["first"] - 1)
                handling = (e.ts - p["t0"]) - p["stack"]
            if sp and p["t0"] >= sp[1]:
                if fresh:
                    counted.add(sp)
                    irq["rx" if work > 0 else "tx"].append((sp[1] - sp[0]) + handling)
                # A poll that took k frames of the workload: each gets the poll's NIC stage
                # and a k-th of its driver time.
                k = len(p["lens"])
                if work == k and k >= 1 and all(ln + 14 in want_len for ln in p["lens"]):
                    for _ in range(k):
                        s[("in", "nic")].append(p["t0"] - sp[0])
                        s[("in", "dma")].append(0)
                        s[("in", "driver")].append(handling // k)
    return s, irq, []


ANALYSE = {"ne2k_rs": analyse_ne2k_rs, "ne2k-pci": analyse_ne2k_pci, "e100": analyse_e100}


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return 0
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return int(round(xs[lo] + (xs[hi] - xs[lo]) * (k - lo)))


COLORS = ["#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4"]


def svg_panels(path, title, panels, groups, series, values, markers, unit, note="", pw=360):
    """Small multiples as plain SVG: one panel per entry of `panels`, in it a group of bars per
    entry of `groups` (a label of up to two lines: "ICMP\n1000"), a bar per entry of `series`,
    on a log10 axis shared by all panels (the spread of the stages, 1 : 30 : 250, and a few
    outliers would flatten a linear one). values[(panel, group, series)] = median;
    markers[(panel, group, series)] = the study's figure, drawn as a black tick over its bar."""
    vals = [v for v in values.values() if v and v > 0] + [m for m in markers.values() if m]
    if not vals:
        vals = [1, 10]
    lo = 10 ** math.floor(math.log10(min(vals)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    if hi <= lo:
        hi = lo * 10
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    ph = 250                     # panel height (width: pw)
    pl, pr, pt, pb = 62, 10, 28, 40  # panel margins: axis labels left, group labels below
    W, H = cols * pw + 20, rows * ph + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="10">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>']
    ylog = lambda v, y0, y1: y1 - (y1 - y0) * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    for pi, panel in enumerate(panels):
        ox, oy = 10 + (pi % cols) * pw, 30 + (pi // cols) * ph
        x0, x1, y0, y1 = ox + pl, ox + pw - pr, oy + pt, oy + ph - pb
        out.append(f'<text x="{(x0 + x1) / 2}" y="{oy + 18}" text-anchor="middle" font-size="12" font-weight="bold">{panel}</text>')
        e = math.log10(lo)
        while 10 ** e <= hi * 1.0001:
            y = ylog(10 ** e, y0, y1)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 4}" y="{y + 3:.1f}" text-anchor="end">{int(10 ** e):,}</text>')
            e += 1
        out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="black"/>')
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="black"/>')
        gw = (x1 - x0) / max(len(groups), 1)
        bw = gw * 0.8 / max(len(series), 1)
        for gi, g in enumerate(groups):
            gx = x0 + gi * gw + gw * 0.1
            for si, sname in enumerate(series):
                v = values.get((panel, g, sname))
                bx = gx + si * bw
                if v and v > 0:
                    y = ylog(max(v, lo), y0, y1)
                    out.append(f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bw * 0.92:.1f}" height="{y1 - y:.1f}" '
                               f'fill="{COLORS[si % 5]}"><title>{panel}, {g.replace(chr(10), " ")}, {sname}: {v:,} {unit}</title></rect>')
                m = markers.get((panel, g, sname))
                if m:
                    y = ylog(max(m, lo), y0, y1)
                    out.append(f'<line x1="{bx - 1:.1f}" y1="{y:.1f}" x2="{bx + bw * 0.92 + 1:.1f}" y2="{y:.1f}" '
                               f'stroke="black" stroke-width="2.5"><title>study: {m:,}</title></line>')
            for li, line in enumerate(g.split("\n")):
                out.append(f'<text x="{x0 + gi * gw + gw / 2:.1f}" y="{y1 + 13 + 11 * li}" text-anchor="middle">{line}</text>')
    ly = H - 14
    lx = 20
    for si, sname in enumerate(series):
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{COLORS[si % 5]}"/><text x="{lx + 14}" y="{ly}">{sname}</text>')
        lx += 24 + 7 * len(sname)
    if markers:
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 14}" y2="{ly - 4}" stroke="black" stroke-width="2.5"/>'
                   f'<text x="{lx + 18}" y="{ly}">the study\'s figure</text>')
        lx += 120
    out.append(f'<text x="{lx + 10}" y="{ly}" fill="#444">{unit}, median, log scale{"; " + note if note else ""}</text></svg>')
    with open(path, "w") as fh:
        fh.write("\n".join(out))


# Bochs: what the figures are, and why each stage compares with the study as it does.
BOCHS_INTRO = [
    "Bochs 2.7, one core2 CPU with `ips=567000000` and `clock: sync=none`: the TSC counts "
    "instructions at 567.000 MHz, the study's clock rate, and every figure is a count of "
    "instructions on a deterministic clock (a run repeated gives the same cycles to within the "
    "host-side timing of slirp's replies, which only moves the NIC stage of received frames). "
    "The card is Bochs' RTL8029 model: its transmit completes after the frame's 10 Mbit/s wire "
    "time; its slirp backend hands received frames over without a wire delay. ns = cycles / TSC MHz.\n",
]
BOCHS_WHY = [
    "### Why the figures differ from the study's (per stage)\n",
    "- **NIC, out (transmit)**: the time from the transmit command to the completion interrupt. "
    "Bochs models the wire: 0.8 µs per byte of the frame with its FCS, preamble and gap, 454 "
    "cycles per byte at 567 MHz. For ICMP 28+1000 that is within a few tenths of a percent "
    "of the measured figure (above) and 5 % above the study's 462,000. For small frames the "
    "measured time is a minimum frame's (60 bytes + FCS + preamble and gap: 38,100 cycles), "
    "while the study's 12,000 (21 µs) is shorter than any 10 Mbit/s frame: its small-packet "
    "figure cannot be a wire time; its growth, 40,000 cycles per 99 bytes, is the wire's.",
    "- **NIC, in (receive)**: the study measured the frame's wire time into the card plus the "
    "interrupt latency. Bochs' slirp backend writes a received frame into the ring at once (no "
    "wire time), so what remains is the interrupt delivery: far below the study's figure, and "
    "it does not grow with the frame.",
    "- **DMA**: the remote-DMA copy through the data port. In Bochs a port access costs one "
    "instruction on the 567 MHz clock; on the study's ISA/PCI card each access took about a "
    "microsecond of bus time (hundreds of cycles). The copy is the same number of accesses (one "
    "per 16-bit word) and orders of magnitude cheaper here.",
    "- **driver**: instructions of this kernel's path (7.x, NAPI for ne2k_rs, netif_rx from the "
    "hard IRQ for ne2k-pci) against the study's 2.4-era driver: the same order of magnitude, "
    "with no bus stalls inside.\n",
]


def bochs_wire_check(t8):
    """The transmit NIC stage of ICMP 28+1000 against the frame's 10 Mbit/s wire time."""
    L = []
    frame = 14 + 20 + 8 + 1000 + 4   # Ethernet header, IP, ICMP, payload, FCS
    wire_cycles = (frame + 8 + 12) * 8 / 10e6 * 567e6   # + preamble/SFD and inter-frame gap
    for d in DRIVERS:
        v = t8.get((d, "icmp", 1000, "out", "nic"), [])
        if v:
            m = pct(v, 50)
            L.append(f"- {d}: transmit NIC stage of ICMP 28+1000 = {m:,} cycles; the {frame}-byte frame's "
                     f"10 Mbit/s wire time (with preamble and gap) at 567 MHz = {wire_cycles:,.0f} cycles "
                     f"(measured / wire = {m / wire_cycles:.3f}); the study: 462,000.")
    L.append("")
    return L


def median_ci(xs):
    """The median of xs with a 95 % interval from order statistics (ranks n/2 -+ 1.96 sqrt(n)/2)."""
    xs = sorted(xs)
    n = len(xs)
    h = 1.96 * math.sqrt(n) / 2
    lo, hi = max(0, int(math.floor(n / 2 - h))), min(n - 1, int(math.ceil(n / 2 + h)))
    return pct(xs, 50), xs[lo], xs[hi]


def like_with_like(run, bracket):
    """Table 10 with no record of the driver's own inside the span (experiment.sh's like/
    windows): ne2k_rs from its stage statistics alone; ne2k-pci from its handler's
    irq_handler_entry..exit span, less the records in it (the entry/exit halves, and a
    net:netif_rx record when it received) at the measured cost of one. -> (rows, report lines)."""
    rows = []
    for size in (1, 100, 1000):
        for cause, w in (("rx", f"icmp{size}"), ("tx", f"udptx{size}")):
            rs = os.path.join(run, "raw", "ne2k_rs", "like", f"{w}.stats")
            pc = os.path.join(run, "raw", "ne2k-pci", "like", f"{w}.trace")
            if not (os.path.exists(rs) and os.path.exists(pc)):
                continue
            c = str(size_class(max(frame_lens("udp" if cause == "tx" else "icmp", size))))
            r = read_stats(rs).get(("irq", cause, c))
            events = parse(pc)
            irqs = irq_numbers(events, r"ne2k|enp|eth")
            rx_ts = sorted(e.ts for e in events if e.name == "netif_rx")
            import bisect
            vals = []
            for a, b, cpu in irq_spans(events, irqs):
                i = bisect.bisect_left(rx_ts, a)
                got = i < len(rx_ts) and rx_ts[i] <= b
                if (cause == "rx") == got:
                    vals.append(b - a - bracket * (2 if got else 1))
            rows.append((cause, size, r, vals))
    if not rows:
        return [], []
    L = ["## Table 10, like with like\n",
         "Neither driver's own records inside the measured span: ne2k_rs from its stage statistics alone "
         "(`stage_stats=1`, every event off: hard IRQ + its poll minus the stack's share); ne2k-pci from its "
         "hard handler's `irq_handler_entry`..`exit` span with no kprobe, only `net:netif_rx` on (it tells "
         f"a receive interrupt), less the records inside at the measured cost of one ({bracket:,.0f} cycles, "
         "above): two for a receive interrupt, one otherwise. The interval of a ratio: ne2k-pci's median "
         "within its 95 % order-statistics interval, ne2k_rs' within its bucket (±6.25 %). Files: "
         "`table10_like.csv`.\n",
         "| packet | cause | ne2k_rs | ne2k-pci | ne2k_rs / ne2k-pci | cheaper |", "|---|---|---|---|---|---|"]
    out = []
    for cause, size, r, vals in rows:
        if not r or not vals:
            cell = lambda v, n: f"{v:,} n={n}" if n else "— (none)"
            L.append(f"| 28+{size} | {cause} | {cell(r[3], r[0]) if r else '— (none)'} | "
                     f"{cell(pct(vals, 50), len(vals))} | — | — |")
            if r:
                out.append(["ne2k_rs", cause, size, r[0], r[3], r[2], r[4]])
            if vals:
                out.append(["ne2k-pci", cause, size, len(vals), pct(vals, 50), pct(vals, 5), pct(vals, 95)])
            continue
        n, _mean, p5, p50, p95 = r
        med, lo, hi = median_ci(vals)
        ratio = p50 / med if med > 0 else float("nan")
        rlo = p50 * (1 - 1 / 16) / hi if hi > 0 else float("nan")
        rhi = p50 * (1 + 1 / 16) / lo if lo > 0 else float("nan")
        who = ("ne2k_rs" if rhi < 1 else "ne2k-pci" if rlo > 1 else "neither (within the interval)")
        by = f", by {1 / ratio:.2f}x" if rhi < 1 else (f", by {ratio:.2f}x" if rlo > 1 else "")
        L.append(f"| 28+{size} | {cause} | {p50:,} [{p5:,}-{p95:,}] n={n} | {med:,} [{pct(vals, 5):,}-{pct(vals, 95):,}] "
                 f"n={len(vals)} | {ratio:.3f} ({rlo:.3f}-{rhi:.3f}) | {who}{by} |")
        out.append(["ne2k_rs", cause, size, n, p50, p5, p95])
        out.append(["ne2k-pci", cause, size, len(vals), med, pct(vals, 5), pct(vals, 95)])
    L.append("")
    return out, L


def agg_section(t8, t10, agg8, agg10):
    """Tables 8 and 10 from ne2k_rs' stage statistics (stage_stats=1, debugfs), read after each
    window: each median beside the events' median of the same window, and the share within 10 %."""
    L = ["## Tables 8 and 10 from the stage statistics (ne2k_rs)\n",
         "The driver's own aggregates (`stage_stats=1`, read from debugfs `ne2k_rs/<pci>/stage_stats` after each "
         "window; files `table8_agg.csv`, `table10_agg.csv`), recorded by the same probe calls as the events of the "
         "same window: a row is a size class (the workload's frames are all in one; the event tables keep the "
         "workload's exact length, so a frame of another length in the class would count here only), a sample "
         "the middle of its log2/8 bucket, a percentile interpolated as the events'; Table 10 joins each "
         "interrupt to the poll that took it over (the events: to the next poll on its CPU). Median (p5-p95) n, "
         "and the ratio to the events' median.\n",
         "| packet | dir | stage | statistics | events | ratio |", "|---|---|---|---|---|---|"]
    ratios = {"8": [], "10": []}
    for (d, proto, size, direction, stage), (n, _m, p5, p50, p95) in sorted(
            agg8.items(), key=lambda kv: (WORKLOADS.index((kv[0][1], kv[0][2])), kv[0][3], STAGES.index(kv[0][4]))):
        ev = t8.get((d, proto, size, direction, stage), [])
        med = pct(ev, 50)
        r = p50 / med if med else None
        if r is not None:
            ratios["8"].append(r)
        label = "ARP (28)" if proto == "arp" else f"{proto.upper()} 28+{size}"
        L.append(f"| {label} | {direction} | {stage} | {p50:,} ({p5:,}-{p95:,}) n={n} | {med:,} n={len(ev)} | "
                 + (f"{r:.3f}" if r is not None else "—") + " |")
    L += ["", "| packet | cause | statistics | events | ratio |", "|---|---|---|---|---|"]
    for (d, cause, size), (n, _m, p5, p50, p95) in sorted(agg10.items()):
        ev = t10.get((d, cause, size), [])
        med = pct(ev, 50)
        r = p50 / med if med else None
        if r is not None:
            ratios["10"].append(r)
        L.append(f"| 28+{size} | {cause} | {p50:,} ({p5:,}-{p95:,}) n={n} | {med:,} n={len(ev)} | "
                 + (f"{r:.3f}" if r is not None else "—") + " |")
    L.append("")
    for t, rs in ratios.items():
        if rs:
            within = sum(1 for r in rs if 0.9 <= r <= 1.1)
            L.append(f"- Table {t}: {within} of {len(rs)} statistics medians within 10 % of the events' "
                     f"({within / len(rs):.0%}).")
    L.append("")
    return L


def main():
    global DRIVERS
    run = sys.argv[1]
    meta = dict(l.strip().split("=", 1) for l in open(os.path.join(run, "meta.txt")) if "=" in l)
    bochs = meta.get("emu") == "bochs"
    # The drivers this run measured (Bochs has no e100 model).
    DRIVERS = [d for d in DRIVERS if os.path.isdir(os.path.join(run, "raw", d))] or DRIVERS
    mhz = float(meta.get("tsc_mhz") or meta.get("tsc_mhz_detected") or 0)
    ns = (lambda c: c * 1000.0 / mhz) if mhz else (lambda c: float("nan"))
    samples = []   # driver, proto, payload, direction, stage, cycles
    irqs = []      # driver, cause, payload, cycles
    cross = []
    brackets = []  # ne2k_rs: one bracketing event's recording cost, per interrupt (bracket_gaps)
    wbracket = {}  # (driver, window) -> the median of that window's own bracket_gaps
    xgaps = []     # the same from the cross-check windows (the bracket of a run that has only them)
    # from the stage statistics of the same windows: key -> (count, mean, p5, p50, p95)
    agg8 = {}      # (driver, proto, payload, direction, stage)
    agg10 = {}     # (driver, cause, payload)
    for drv in DRIVERS:
        for proto, size in WORKLOADS + [("udptx", 1), ("udptx", 100), ("udptx", 1000), ("xcheck", 100), ("xirq", 100)]:
            wname = f"{proto}{size}" if proto != "arp" else "arp"
            path = os.path.join(run, "raw", drv, f"{wname}.trace")
            if not os.path.exists(path):
                continue
            events = parse(path)
            want = frame_lens({"udptx": "udp", "xcheck": "icmp", "xirq": "udp"}.get(proto, proto), size)
            spath = os.path.join(run, "raw", drv, f"{wname}.stats")
            if os.path.exists(spath) and proto not in ("xcheck", "xirq"):
                rows = read_stats(spath)
                c = str(size_class(max(want)))
                if proto != "udptx":
                    for direction, what in (("in", "rx"), ("out", "tx")):
                        for stage in STAGES:
                            if (what, stage, c) in rows:
                                agg8[(drv, proto, size, direction, stage)] = rows[(what, stage, c)]
                cause = {"icmp": "rx", "udptx": "tx"}.get(proto)
                if cause and ("irq", cause, c) in rows:
                    agg10[(drv, cause, size)] = rows[("irq", cause, c)]
            s, irq, cr = ANALYSE[drv](events, want, None)
            if proto == "xcheck":
                cr = [("rx_total (minimal tracing)", a, b) for kind, a, b in cr if kind == "rx_total"]
            if proto == "xirq":
                cr = [("irq_handler (minimal tracing)", a, b) for kind, a, b in cr if kind == "irq_handler"]
            if proto not in ("udptx", "xcheck", "xirq"):
                for (direction, stage), vals in s.items():
                    for v in vals:
                        samples.append((drv, proto, size, direction, stage, v))
            # Table 10: "new packet arrived" from the ping windows, "transmit complete" from the
            # transmit-only windows (on QEMU a transmit completes inside the command write, so
            # in request/response traffic its interrupt nearly always carries the reply too).
            cause_wanted = {"icmp": "rx", "udptx": "tx"}.get(proto)
            for cause, vals in irq.items():
                if cause == cause_wanted and proto not in ("xcheck", "xirq"):
                    for v in vals:
                        irqs.append((drv, cause, size, v))
            for kind, a, b in cr:
                cross.append((drv, wname, kind, a, b))
            gaps = bracket_gaps(events) if drv == "ne2k_rs" else []
            if gaps:
                wbracket[(drv, wname)] = statistics.median(gaps)
            if proto not in ("xcheck", "xirq"):
                brackets.extend(gaps)
            else:
                xgaps.extend(gaps)
    with open(os.path.join(run, "samples.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["driver", "proto", "payload", "direction", "stage", "cycles"])
        w.writerows(samples)
        for d, c, p, v in irqs:
            w.writerow([d, "irq", p, "irq-" + c, "irq", v])
    t8 = collections.defaultdict(list)
    for d, proto, size, direction, stage, v in samples:
        t8[(d, proto, size, direction, stage)].append(v)
    with open(os.path.join(run, "table8.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["driver", "proto", "payload", "direction", "stage", "n", "median_cycles", "p5_cycles", "p95_cycles"])
        for d in DRIVERS:
            for proto, size in WORKLOADS:
                for direction in ("in", "out"):
                    for stage in STAGES:
                        v = t8.get((d, proto, size, direction, stage), [])
                        w.writerow([d, proto, size, direction, stage, len(v), pct(v, 50), pct(v, 5), pct(v, 95)])
    t10 = collections.defaultdict(list)
    for d, cause, size, v in irqs:
        t10[(d, cause, size)].append(v)
    with open(os.path.join(run, "table10.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["driver", "cause", "payload", "n", "median_cycles", "p5_cycles", "p95_cycles"])
        for d in DRIVERS:
            for cause in ("rx", "tx"):
                for size in (1, 100, 1000):
                    v = t10.get((d, cause, size), [])
                    w.writerow([d, cause, size, len(v), pct(v, 50), pct(v, 5), pct(v, 95)])
    if agg8 or agg10:
        with open(os.path.join(run, "table8_agg.csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["driver", "proto", "payload", "direction", "stage", "n", "median_cycles", "p5_cycles", "p95_cycles"])
            for (d, proto, size, direction, stage), (n, _mean, p5, p50, p95) in sorted(agg8.items(), key=lambda kv: (
                    kv[0][0], WORKLOADS.index((kv[0][1], kv[0][2])), kv[0][3], STAGES.index(kv[0][4]))):
                w.writerow([d, proto, size, direction, stage, n, p50, p5, p95])
        with open(os.path.join(run, "table10_agg.csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["driver", "cause", "payload", "n", "median_cycles", "p5_cycles", "p95_cycles"])
            for (d, cause, size), (n, _mean, p5, p50, p95) in sorted(agg10.items()):
                w.writerow([d, cause, size, n, p50, p5, p95])
    brackets = brackets or xgaps
    bracket = statistics.median(brackets) if brackets else 0

    def bracket_of(d, wname, kind):
        """The record cost a span is corrected by: a hard IRQ's, that of its own window (the
        same events on, the same path); a receive total's, the stage runs' (its minimal window
        has no irq_handler_exit to measure one with)."""
        return wbracket.get((d, wname), bracket) if kind.startswith("irq_handler") else bracket
    with open(os.path.join(run, "crosscheck.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["driver", "workload", "what", "tracepoint_cycles", "ftrace_cycles", "bracket_cycles",
                    "ftrace_corrected_cycles"])
        for d, wname, kind, a, b in cross:
            k = round(BRACKETS.get(kind, 0) * bracket_of(d, wname, kind))
            w.writerow([d, wname, kind, a, b, k, b - k])

    # ---- report ----
    L = []
    L.append(f"# Stage measurements ({meta.get('kernel','?')}, {meta.get('cpu_model','?')}, TSC {mhz} MHz, {meta.get('count','?')} packets per workload)\n")
    if bochs:
        L.extend(BOCHS_INTRO)
    else:
        L.append("Cycles are TSC counts in the guest (QEMU TCG: emulated, not a 567 MHz Celeron; compare ratios, not absolutes). ns = cycles / TSC MHz.\n")
    if meta.get("clock") == "icount":
        L.append("QEMU `-icount shift=0`: the guest's clock counts instructions (one cycle, one instruction, 1 GHz); "
                 "what an instruction costs the emulator does not show.\n")
    tables_at = len(L)
    L.append("## Table 8: cycles per stage (median [p5-p95] n), in = received, out = transmitted\n")
    for d in DRIVERS:
        L.append(f"### {d}\n")
        L.append("| packet | dir | NIC | DMA | driver | NIC:DMA:driver | paper NIC | paper DMA | paper driver |" + (" measured / paper (NIC, DMA, driver) |" if bochs else ""))
        L.append("|---|---|---|---|---|---|---|---|---|" + ("---|" if bochs else ""))
        for proto, size in WORKLOADS:
            key = "arp" if proto == "arp" else str(size)
            label = "ARP (28)" if proto == "arp" else f"{proto.upper()} 28+{size}"
            for direction in ("in", "out"):
                cells = []
                med = {}
                for stage in STAGES:
                    v = t8.get((d, proto, size, direction, stage), [])
                    med[stage] = pct(v, 50)
                    cells.append(f"{pct(v,50):,} ({ns(pct(v,50)):,.0f} ns) [{pct(v,5):,}-{pct(v,95):,}] n={len(v)}" if v else "—")
                drv_med = med["driver"] or 1
                ratio = f"{med['nic']/drv_med:.0f} : {med['dma']/drv_med:.1f} : 1" if med["driver"] else "—"
                paper = [PAPER_T8.get((key, direction, st)) for st in STAGES]
                vs = ""
                if bochs:
                    vs = " " + ", ".join(f"{med[st] / p:.2f}" if p and med[st] else "—"
                                         for st, p in zip(STAGES, paper)) + " |"
                L.append(f"| {label} | {direction} | " + " | ".join(cells) + f" | {ratio} | " +
                         " | ".join(f"{p:,}" if p else "(lost)" for p in paper) + " |" + vs)
        L.append("")
    L.append("The paper's ratio NIC : DMA : driver = 250 : 30 : 1 (large packets, 10 Mbit/s wire).\n")
    if bochs:
        L.extend(bochs_wire_check(t8))
        L.extend(BOCHS_WHY)
    L.append("## Table 10: interrupt handling cycles per cause (median [p5-p95] n)\n")
    L.append("\"new packet arrived\": interrupts that received a frame during the ping runs; \"transmit complete\": interrupts of the UDP transmit-only runs (28+N bytes to a discard port) that received nothing.\n")
    if bochs:
        L.append("On Bochs' card a transmit completes after its wire time, so ne2k_rs' transmit interrupt is unmasked and taken. A receive interrupt that arrives while start_xmit holds the chip lock (the peer answers before the request has left the wire) is taken by start_xmit's release of the lock, and traced there (`ne2k_rs_irq`: the handler's part plus the take).\n")
    else:
        L.append("ne2k_rs takes a transmit completion that is already there at the end of start_xmit without an interrupt (`Dp8390::tx_reap`; on QEMU a send completes inside the command write), so it has no \"transmit complete\" interrupts here (—); the transmit interrupt is unmasked only while a completion is outstanding (a real chip).\n")
    L.append("ne2k_rs: hard IRQ + the NAPI poll it scheduled, minus the stack's share of the poll (its `stack_cycles`: napi_gro_receive and napi_complete_done, which flushes GRO and delivers the frames); ne2k-pci: the hard handler (does all the work, hands frames on with netif_rx); e100: hard IRQ + its NAPI poll (NET_RX softirq entry to napi_poll) minus the stack's netif_receive_skb time.\n")
    L.append("| packet | cause | " + " | ".join(DRIVERS) + " | paper ne2k-pci | paper eepro100 |")
    L.append("|---|---|" + "---|" * len(DRIVERS) + "---|---|")
    for size in (1, 100, 1000):
        for cause, cname in (("rx", "new packet arrived"), ("tx", "transmit complete")):
            cells = []
            for d in DRIVERS:
                v = t10.get((d, cause, size), [])
                cells.append(f"{pct(v,50):,} ({ns(pct(v,50)):,.0f} ns) [{pct(v,5):,}-{pct(v,95):,}] n={len(v)}" if v else "—")
            pp = PAPER_T10.get(("ne2k-pci", cause, size), PAPER_T10.get(("ne2k-pci", cause)))
            pe = PAPER_T10.get(("e100", cause))
            L.append(f"| 28+{size} | {cname} | " + " | ".join(cells) + f" | {pp:,} | {pe:,} |")
    L.append("")
    if agg8 or agg10:
        L.extend(agg_section(t8, t10, agg8, agg10))
    like_rows, like_lines = like_with_like(run, bracket) if brackets else ([], [])
    if like_rows:
        with open(os.path.join(run, "table10_like.csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["driver", "cause", "payload", "n", "median_cycles", "p5_cycles", "p95_cycles"])
            w.writerows(like_rows)
        L.extend(like_lines)
    if not samples and not irqs:
        # a cross-check run (experiment.sh with EXP_XCHECK_ONLY=1): no stage windows
        del L[tables_at:]
        L.append("A cross-check run: ne2k_rs' cross-check windows only (`EXP_XCHECK_ONLY=1`), no stage tables.\n")
    L.append("## Cross-check: tracepoint cycles vs ftrace's own timestamps (TSC trace clock)\n")
    if brackets:
        q = statistics.quantiles(brackets, n=4) if len(brackets) > 1 else [bracket] * 3
        L.append(f"The cost of recording one bracketing event, measured in the same runs: in {len(brackets)} hard "
                 f"interrupts of ne2k_rs, the gap from its `ne2k_rs_irq` event (the handler's last act) to "
                 f"`irq_handler_exit`, only the handler's return between: median {bracket:,.0f} cycles "
                 f"(quartiles {q[0]:,.0f}-{q[2]:,.0f}). Each span is also shown less the records it holds that the "
                 "tracepoint's count does not (irq_handler: 2, the entry/exit pair's halves and the `ne2k_rs_irq` "
                 "record after the count, at the median of its own window's gaps; rx_total: 1, the two ends' halves).\n")
    by = collections.defaultdict(list)
    byc = collections.defaultdict(list)
    diff = collections.defaultdict(list)
    for d, wname, kind, a, b in cross:
        if b > 0:
            by[kind].append(a / b)
            diff[kind].append(b - a)
            bc = b - BRACKETS.get(kind, 0) * bracket_of(d, wname, kind)
            byc[kind].append(a / bc if bc > 0 else float("inf"))
    for kind, rs in by.items():
        within = sum(1 for r in rs if 0.9 <= r <= 1.1) / len(rs)
        gap = statistics.median(diff[kind])
        line = (f"- {kind}: median tracepoint/ftrace = {statistics.median(rs):.3f} over {len(rs)} samples; "
                f"{within:.0%} within 10 %; median ftrace - tracepoint = {gap:,.0f} cycles ({ns(gap):,.0f} ns)")
        if brackets and kind in BRACKETS:
            rc = byc[kind]
            wc = sum(1 for r in rc if 0.9 <= r <= 1.1) / len(rc)
            line += (f"; less the bracketing records: median {statistics.median(rc):.3f}, **{wc:.0%} within 10 %**")
        L.append(line + ".")
    if bochs:
        L.append("  (Bochs: the ftrace span of a deferred interrupt is the handler's part only, while its ne2k_rs_irq event also holds the take at the lock's release; irq_handler ratios there are not comparable.)")
    L.append("  (irq_handler: ne2k_rs_irq cycles vs irq_handler_entry..exit; rx_total: ne2k_rs_rx total vs the interrupt's irq_handler_entry to the event's timestamp, in the stage runs where every event is on; rx_total (minimal tracing): the same in a ping 28+100 run with only ne2k_rs_rx and irq_handler_entry enabled; irq_handler (minimal tracing): a UDP echo 28+100 run with only ne2k_rs_irq and irq_handler_entry/exit enabled and the statistics off.)\n")
    resid = {}
    for kind in ("irq_handler", "irq_handler (minimal tracing)"):
        r = sorted(b - a - BRACKETS[kind] * bracket_of(d, wname, kind) for d, wname, k, a, b in cross if k == kind)
        if r:
            resid[kind] = r

    def spread(r):
        if r[0] == r[-1]:
            return f"exactly {r[0]:,.0f} cycles in each of {len(r)} samples"
        q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
        return f"median {statistics.median(r):,.0f} cycles (quartiles {q[0]:,.0f} to {q[2]:,.0f}, {len(r)} samples)"
    if brackets and resid:
        L.append("What the hard IRQ's span holds besides its count and its two records (each window's own "
                 "record cost): " + "; ".join(f"{k}: {spread(r)}" for k, r in resid.items()) + ". "
                 "The count runs from the handler's first instruction to its report; in the minimal window "
                 "what is left is the difference between the halves of records inside the span (the entry's "
                 "tail, `ne2k_rs_irq`'s head) and the record measured (`ne2k_rs_irq`'s tail, the exit's head); "
                 "with the statistics on, their record after the count adds to it. Where the clock counts "
                 "instructions (Bochs, QEMU `-icount`) these are exact; under QEMU's wall-clock TSC one record "
                 "costs thousands of cycles and varies with the emulator's state from one to the next "
                 f"(the measured gaps' quartiles above), more than a tenth of the handler's count.\n")
    report = "\n".join(L)
    with open(os.path.join(run, "report.md"), "w") as fh:
        fh.write(report + "\n")
    if not samples and not irqs:
        print(report)
        return
    # ---- plots: small multiples, log scale, the study's figures as markers ----
    labels = {("icmp", 1): "ICMP\n28+1", ("icmp", 100): "ICMP\n28+100", ("icmp", 1000): "ICMP\n28+1000",
              ("udp", 1): "UDP\n28+1", ("udp", 100): "UDP\n28+100", ("udp", 1000): "UDP\n28+1000", ("arp", 0): "ARP\n28"}
    panels, vals, marks = [], {}, {}
    for d in DRIVERS:
        for direction, dname in (("in", "receive"), ("out", "transmit")):
            panel = f"{d}, {dname}"
            panels.append(panel)
            for proto, size in WORKLOADS:
                key = "arp" if proto == "arp" else str(size)
                for stage in STAGES:
                    v = pct(t8.get((d, proto, size, direction, stage), []), 50)
                    vals[(panel, labels[(proto, size)], stage)] = v
                    # the study's Table 8 is its NE2000's: no marks on e100's panels
                    if d != "e100":
                        marks[(panel, labels[(proto, size)], stage)] = PAPER_T8.get((key, direction, stage))
    svg_panels(os.path.join(run, "table8.svg"), "Table 8: cycles per stage and packet (marks: the study's NE2000)", panels,
               [labels[w] for w in WORKLOADS], STAGES, vals, marks, "cycles", pw=440)
    panels, vals, marks = [], {}, {}
    for cause, cname in (("rx", "new packet arrived"), ("tx", "transmit complete")):
        panels.append(cname)
        for size in (1, 100, 1000):
            for d in DRIVERS:
                vals[(cname, f"28+{size}", d)] = pct(t10.get((d, cause, size), []), 50)
                paper = {"ne2k-pci": PAPER_T10.get(("ne2k-pci", cause, size), PAPER_T10.get(("ne2k-pci", cause))),
                         "e100": PAPER_T10.get(("e100", cause))}
                marks[(cname, f"28+{size}", d)] = paper.get(d)
    svg_panels(os.path.join(run, "table10.svg"), "Table 10: interrupt handling cycles per cause", panels,
               [f"28+{s}" for s in (1, 100, 1000)], DRIVERS, vals, marks, "cycles",
               note="marks: the study's ne2k-pci and eepro100")
    print(report)


if __name__ == "__main__":
    main()
