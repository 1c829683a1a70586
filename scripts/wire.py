#!/usr/bin/env python3
"""A 10 Mbit/s Ethernet segment between two QEMU cards (guest-run.sh --pair).

    wire.py --a QEMU_PORT_A WIRE_PORT_A --b QEMU_PORT_B WIRE_PORT_B [--mbps 10] [--log FILE]

Each card's QEMU netdev is a `dgram` socket (127.0.0.1:QEMU_PORT_x) whose far end is this
process (127.0.0.1:WIRE_PORT_x): every frame one card sends arrives here as one datagram and is
passed to the other card no sooner than a real 10BASE-T wire would deliver it: one frame at a
time per direction, each taking (preamble 8 + frame + FCS 4 + inter-frame gap 12) bytes x 8 /
rate after the previous one ends (a frame is never shorter than 60 bytes on the wire).

Why: QEMU's ne2k_pci completes a transmit inside the command write and has no wire, so a burst
from one card (e.g. the 45 fragments of a 65000-byte ping) lands in the other card's 32 KiB
receive ring all at once and QEMU drops what does not fit, without the overrun a real DP8390
would report. A real sender's card holds the next frame until the wire is free, so its peer
sees them a frame time apart; this process restores that spacing. It queues what the sending
card has already "sent" (a real card would still hold it) up to --queue frames per direction,
and counts what it had to drop beyond that.

On SIGTERM/SIGINT it writes "a->b frames N bytes B dropped D" and the same for b->a to --log.
"""
import argparse
import heapq
import select
import signal
import socket
import sys
import time

PREAMBLE, FCS, IFG, MIN_FRAME = 8, 4, 12, 60


def wire_time(nbytes, bps):
    return (PREAMBLE + max(nbytes, MIN_FRAME) + FCS + IFG) * 8 / bps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", nargs=2, type=int, required=True, metavar=("QEMU_PORT", "WIRE_PORT"))
    ap.add_argument("--b", nargs=2, type=int, required=True, metavar=("QEMU_PORT", "WIRE_PORT"))
    ap.add_argument("--mbps", type=float, default=10.0)
    ap.add_argument("--queue", type=int, default=512)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    if not args.mbps > 0:
        ap.error("--mbps must be > 0")
    if args.queue < 1:
        ap.error("--queue must be >= 1")
    bps = args.mbps * 1e6

    ends = {}
    for name, (qport, wport) in (("a", args.a), ("b", args.b)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", wport))
        ends[name] = (s, ("127.0.0.1", qport))
    other = {"a": "b", "b": "a"}
    # per direction (keyed by the sender): when the wire is next free, frames queued, stats
    free_at = {"a": 0.0, "b": 0.0}
    queued = {"a": 0, "b": 0}
    stats = {d: {"frames": 0, "bytes": 0, "dropped": 0} for d in "ab"}
    pending = []  # heap of (delivery time, seq, sender, frame)
    seq = 0

    def report(*_):
        lines = [f"{d}->{other[d]} frames {st['frames']} bytes {st['bytes']} dropped {st['dropped']}"
                 for d, st in stats.items()]
        if args.log:
            with open(args.log, "w") as f:
                f.write("\n".join(lines) + "\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    signal.signal(signal.SIGINT, report)

    socks = {ends[n][0]: n for n in ends}
    while True:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, sender, frame = heapq.heappop(pending)
            queued[sender] -= 1
            s, _ = ends[sender]
            dst = ends[other[sender]]
            try:
                dst[0].sendto(frame, dst[1])
                stats[sender]["frames"] += 1
                stats[sender]["bytes"] += len(frame)
            except OSError:
                stats[sender]["dropped"] += 1
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else None
        ready, _, _ = select.select(list(socks), [], [], timeout)
        for s in ready:
            sender = socks[s]
            try:
                frame = s.recv(65536)
            except OSError:
                continue
            if queued[sender] >= args.queue:
                stats[sender]["dropped"] += 1
                continue
            start = max(time.monotonic(), free_at[sender])
            free_at[sender] = start + wire_time(len(frame), bps)
            heapq.heappush(pending, (free_at[sender], seq, sender, frame))
            seq += 1
            queued[sender] += 1


if __name__ == "__main__":
    main()
