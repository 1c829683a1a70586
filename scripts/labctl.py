#!/usr/bin/env python3
"""Lab control: what the guest asks of the host, over UDP through slirp (10.0.2.2:LABCTL_PORT).

    labctl.py --ctrl PORT [--inject QEMU_PORT DATA_PORT DST_MAC] [--monitor SOCK --trace-log FILE]

Every request is one datagram of text; every reply one datagram ("error: ..." on failure).

Port-access counting (with --monitor/--trace-log: the QEMU HMP monitor socket and QEMU's -D log):
    trace-start         turn QEMU's ne2000_read/ne2000_write trace events on
    trace-stop          turn them off; reply "accesses N reads R writes W data D" counted from
                        the log since trace-start: every guest I/O access to the ne2k_pci card,
                        each element of a string I/O (rep ins/outs) counted once, data = those
                        on the data port (0x10). The same counter for every driver.

Hot-unplug and hot-plug of the card (with --monitor and --nic: QEMU's device_del/device_add,
which the guest sees as ACPI PCI hotplug):
    hotplug [GAP_S]     reply "unplugging" at once (the reply crosses the card), then in the
                        background: device_del the card, wait until QEMU has dropped it (the
                        guest ejected it; at most 60 s), wait GAP_S seconds (default 1), and
                        device_add it again with the same options. labctl.log says what happened;
                        the guest checks the card's sysfs device go and come back.

A fresh iperf3 server (so a client killed mid-test by a timeout cannot leave the shared one
busy for the next test):
    iperf3              start `iperf3 -s -1` (one test, then it exits) on a free loopback port;
                        reply "port N"

Frame injection (with --inject): a peer on the ne2k_pci card's segment that sends arbitrary
Ethernet frames. guest-run.sh --injector puts the ne2k_pci NIC on a QEMU hub together with the user network
(slirp, the normal peer) and a `dgram` netdev whose far end is this process: every datagram sent
from 127.0.0.1:DATA_PORT to 127.0.0.1:QEMU_PORT arrives at the card as one Ethernet frame of
exactly that size (QEMU pads frames under 60 bytes; nothing caps large ones, so an "oversize"
frame really lands on the card's receive ring).

    KIND COUNT [GAP_US] [DST]   reply "sent N"

KIND: runt (14..59 bytes), max (1514), oversize (1515..9000), bcast (broadcast, 60..1514),
mcast (to DST, default 01:00:5e:7f:00:01), foreign (unicast to DST, default 02:00:00:00:00:99),
unicast (to DST_MAC, 60..1514), random (random sizes 14..9000 to a random one of ours,
broadcast, multicast, foreign). GAP_US: pause between frames in microseconds (0: a burst).
Frames carry EtherType 0x88b5 (IEEE local experimental): the stack drops them after the
driver has counted them. Sizes come from a PRNG seeded by the command, so runs repeat.
"""
import os
import subprocess
import random
import socket
import sys
import threading
import time

ETHERTYPE = b"\x88\xb5"
SRC = bytes.fromhex("020000000001")


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


class Monitor:
    """QEMU's human monitor on a unix socket."""

    def __init__(self, path):
        self.path = path

    def query(self, line, timeout=10):
        """One command; returns what the monitor printed before its next prompt."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.path)
        buf = b""
        try:
            while not buf.endswith(b"(qemu) "):  # the banner and the first prompt
                chunk = s.recv(4096)
                if not chunk:
                    return ""
                buf += chunk
            s.sendall(line.encode() + b"\n")
            buf = b""
            while not buf.endswith(b"(qemu) "):
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        finally:
            s.close()
        # the monitor echoes the command (with terminal escapes) on the first line, and ends
        # with its prompt: what is between is the reply
        text = buf.decode(errors="replace").replace("\r", "")
        text = text.split("\n", 1)[1] if "\n" in text else ""
        return text[:-len("(qemu) ")] if text.endswith("(qemu) ") else text

    def command(self, line):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.path)
        s.sendall(line.encode() + b"\n")
        time.sleep(0.2)
        s.close()


def hotplug_cycle(mon, nic, gap):
    """device_del the card (id from its -device options), wait for QEMU to drop it, device_add it."""
    dev_id = dict(kv.split("=", 1) for kv in nic.split(",")[1:] if "=" in kv).get("id")
    t0 = time.time()
    try:
        out = mon.query("device_del " + dev_id)
        if out.strip():
            print("hotplug: device_del %s: %s" % (dev_id, out.strip()), flush=True)
            return
        while time.time() - t0 < 60:
            if ('id "%s"' % dev_id) not in mon.query("info pci"):
                break
            time.sleep(0.2)
        else:
            print("hotplug: %s still present 60 s after device_del (the guest did not eject it)"
                  % dev_id, flush=True)
            return
        t1 = time.time()
        time.sleep(gap)
        out = mon.query("device_add " + nic)
        added = ('id "%s"' % dev_id) in mon.query("info pci")
        print("hotplug: %s removed %.1f s after device_del; device_add %s%s" % (
            dev_id, t1 - t0, "done" if added else "FAILED", (": " + out.strip()) if not added else ""),
            flush=True)
    except OSError as e:
        print("hotplug: monitor: %s" % e, flush=True)


def count_trace(path, offset):
    reads = writes = data = 0
    with open(path, "rb") as f:
        f.seek(offset)
        for line in f:
            if line.startswith(b"ne2000_read "):
                reads += 1
            elif line.startswith(b"ne2000_write "):
                writes += 1
            else:
                continue
            if b" addr=0x10 " in line:
                data += 1
    return reads, writes, data


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctrl", type=int, required=True)
    ap.add_argument("--inject", nargs=3, metavar=("QEMU_PORT", "DATA_PORT", "DST_MAC"))
    ap.add_argument("--monitor")
    ap.add_argument("--trace-log")
    ap.add_argument("--nic", help="the card's -device options, with an id= (for hotplug)")
    a = ap.parse_args()
    ctrl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ctrl.bind(("127.0.0.1", a.ctrl))
    data = qemu = dst_mac = None
    if a.inject:
        qemu_port, data_port, dst_mac = int(a.inject[0]), int(a.inject[1]), mac(a.inject[2])
        data = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        data.bind(("127.0.0.1", data_port))
        qemu = ("127.0.0.1", qemu_port)
    mon = Monitor(a.monitor) if a.monitor else None
    trace_off = None
    children = []
    dests = {"bcast": b"\xff" * 6, "mcast": mac("01:00:5e:7f:00:01"),
             "foreign": mac("02:00:00:00:00:99")}
    while True:
        cmd, peer = ctrl.recvfrom(2048)
        words = cmd.decode(errors="replace").split()
        if words and words[0] == "iperf3":
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()
            iperf = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            children.append(iperf)
            children[:] = [c for c in children if c.poll() is None]
            time.sleep(0.3)  # listening
            ctrl.sendto(b"port %d" % port, peer)
            continue
        if words and words[0] == "hotplug":
            try:
                gap = float(words[1]) if len(words) > 1 else 1.0
            except ValueError:
                ctrl.sendto(b"error: usage hotplug [GAP_S]", peer)
                continue
            if not mon or not a.nic or "id=" not in a.nic:
                ctrl.sendto(b"error: no QEMU monitor or card id (guest-run.sh passes --nic)", peer)
                continue
            ctrl.sendto(b"unplugging", peer)
            threading.Thread(target=hotplug_cycle, args=(mon, a.nic, gap), daemon=True).start()
            continue
        if words and words[0] in ("trace-start", "trace-stop"):
            if not mon or not a.trace_log:
                ctrl.sendto(b"error: no QEMU monitor", peer)
            elif words[0] == "trace-start":
                open(a.trace_log, "ab").close()
                trace_off = os.path.getsize(a.trace_log)
                mon.command("trace-event ne2000_read on")
                mon.command("trace-event ne2000_write on")
                ctrl.sendto(b"tracing", peer)
            elif trace_off is None:
                ctrl.sendto(b"error: trace-stop without trace-start", peer)
            else:
                mon.command("trace-event ne2000_read off")
                mon.command("trace-event ne2000_write off")
                time.sleep(0.3)
                r, w, d = count_trace(a.trace_log, trace_off)
                trace_off = None
                ctrl.sendto(b"accesses %d reads %d writes %d data %d" % (r + w, r, w, d), peer)
            continue
        if data is None:
            ctrl.sendto(b"error: no frame injector (guest-run.sh --injector)", peer)
            continue
        try:
            kind, count = words[0], int(words[1])
            gap = int(words[2]) / 1e6 if len(words) > 2 else 0.0
            dst = mac(words[3]) if len(words) > 3 else dests.get(kind, dst_mac)
        except (IndexError, ValueError):
            ctrl.sendto(b"error: usage KIND COUNT [GAP_US] [DST]", peer)
            continue
        rng = random.Random(cmd)
        sizes = {"runt": lambda: rng.randint(14, 59), "max": lambda: 1514,
                 "oversize": lambda: rng.randint(1515, 9000),
                 "random": lambda: rng.randint(14, 9000)}.get(kind, lambda: rng.randint(60, 1514))
        if kind not in ("runt", "max", "oversize", "bcast", "mcast", "foreign", "unicast", "random"):
            ctrl.sendto(b"error: unknown kind " + kind.encode(), peer)
            continue
        sent = 0
        for i in range(count):
            d = dst
            if kind == "random":
                d = rng.choice([dst_mac, dests["bcast"], dests["mcast"], dests["foreign"]])
            n = sizes()
            body = d + SRC + ETHERTYPE + i.to_bytes(4, "big")
            body += bytes(rng.getrandbits(8) for _ in range(min(n - len(body), 64)))
            frame = (body + bytes(max(0, n - len(body))))[:n]
            try:
                data.sendto(frame, qemu)
                sent += 1
            except OSError:
                pass
            if gap:
                time.sleep(gap)
        # The reply crosses the same card: after a burst its ring may still be full, so say it
        # three times (the guest takes the first that arrives; each request has its own socket).
        for _ in range(3):
            ctrl.sendto(b"sent %d" % sent, peer)
            time.sleep(0.3)


if __name__ == "__main__":
    main()
