#!/usr/bin/env python3
"""Guest-side packet generator for the stage experiment.

  sendpkts.py udp  PEER PORT PAYLOAD COUNT   UDP request/response to the peer's echo server
  sendpkts.py udptx PEER PORT PAYLOAD COUNT  UDP to the peer's discard port, 2 ms apart (TX only)
  sendpkts.py arp  IFACE PEER COUNT          ARP requests for PEER (the peer answers each)
  sendpkts.py blast PEER PORT PAYLOAD COUNT SECONDS
                                             UDP back to back, as fast as the queue takes
                                             them, until COUNT are sent (0: no limit) or
                                             SECONDS have passed (tests/guest/wire/)

Except for blast: one packet in flight at a time, 2 ms apart (like the experiment's `ping -i 0.002`), so each
transmit and receive is a separate event: on a card with a wire (Bochs) a request's reply can
come back before its frame has left the wire, and the next send must not queue behind it.
Prints "sent N, answered M"."""
import errno
import os
import select
import socket
import struct
import sys
import time

GAP = 0.002


def pace(t_send):
    """Sleeps until GAP after t_send (the last send's time.monotonic())."""
    left = t_send + GAP - time.monotonic()
    if left > 0:
        time.sleep(left)


def udp(peer, port, payload, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    data = os.urandom(payload)
    ok = 0
    for _ in range(count):
        t = time.monotonic()
        s.sendto(data, (peer, port))
        try:
            s.recvfrom(65535)
            ok += 1
        except socket.timeout:
            pass
        pace(t)
    return ok

def arp(iface, peer, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((iface, 0x0806))
    s.settimeout(1.0)
    mac = bytes.fromhex(open(f"/sys/class/net/{iface}/address").read().strip().replace(":", ""))
    ip = socket.inet_aton(os.environ.get("GUEST_IP", "10.0.2.15/24").split("/")[0])
    tip = socket.inet_aton(peer)
    frame = (b"\xff" * 6 + mac + b"\x08\x06"
             + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + b"\x00" * 6 + tip)
    ok = 0
    for _ in range(count):
        t = time.monotonic()
        s.send(frame)
        deadline = time.time() + 1.0
        while time.time() < deadline:
            try:
                r = s.recv(2048)
            except socket.timeout:
                break
            if len(r) >= 42 and r[12:14] == b"\x08\x06" and struct.unpack("!H", r[20:22])[0] == 2 \
                    and r[28:32] == tip:
                ok += 1
                break
        pace(t)
    return ok

def blast(peer, port, payload, count, seconds):
    """Sends until count datagrams are out (0: no limit) or seconds have passed; waits for
    room when the qdisc is full (the queue is stopped while both TX slots are on the wire).
    Returns how many were sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    data = bytes(payload)
    end = time.monotonic() + seconds
    sent = 0
    while (count == 0 or sent < count) and time.monotonic() < end:
        try:
            s.sendto(data, (peer, port))
            sent += 1
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            select.select([], [s], [], 0.01)
    return sent


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "udp":
        n = int(sys.argv[5])
        got = udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), n)
    elif kind == "udptx":
        n = int(sys.argv[5])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        data = os.urandom(int(sys.argv[4]))
        for _ in range(n):
            t = time.monotonic()
            s.sendto(data, (sys.argv[2], int(sys.argv[3])))
            pace(t)
        got = n
    elif kind == "arp":
        n = int(sys.argv[4])
        got = arp(sys.argv[2], sys.argv[3], n)
    elif kind == "blast":
        n = got = blast(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
    else:
        sys.exit(f"unknown kind {kind}")
    print(f"sent {n}, answered {got}")
    sys.exit(0 if got > 0 else 1)
