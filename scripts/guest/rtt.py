#!/usr/bin/env python3
"""rtt.py PEER SIZE COUNT icmp|udp:PORT: the median round trip, in microseconds of the guest's
clock, of COUNT ping-pongs with PEER carrying SIZE bytes of payload (one at a time, 5 ms apart);
prints "nan" when fewer than half came back.

- icmp: an ICMP echo request on a raw socket (root). iputils ping cannot time payloads under
  16 bytes (its timestamp is the payload). Slirp (QEMU's and Bochs') answers an echo to
  10.0.2.2 itself, inside the emulator's transmit path, so the figure holds no host process.
- udp:PORT: a datagram to the peer's echo server (scripts/udp-echo.py). The reply comes from a
  host process through the emulator's slirp socket polling: under Bochs that poll quantises the
  round trip to about a millisecond of emulated time, so use icmp there."""
import socket
import statistics
import struct
import sys
import time


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def round_trips(n, exchange):
    """Times `exchange(i)` (send request i, wait for its reply; False on a timeout) n times, 5 ms
    apart; returns the round trips that were answered, in microseconds."""
    rtts = []
    for i in range(n):
        t = time.perf_counter()
        if exchange(i):
            rtts.append((time.perf_counter() - t) * 1e6)
        time.sleep(0.005)
    return rtts


def icmp_exchange(peer, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1.0)
    ident = 0x4E32

    def exchange(i):
        seq, payload = i & 0xFFFF, bytes([i & 0xFF]) * size
        head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        s.sendto(struct.pack("!BBHHH", 8, 0, checksum(head + payload), ident, seq) + payload, (peer, 0))
        try:
            while True:
                d = s.recv(2048)
                ihl = (d[0] & 15) * 4
                if d[ihl] == 0 and struct.unpack("!HH", d[ihl + 4:ihl + 8]) == (ident, seq):
                    return True
        except socket.timeout:
            return False
    return exchange


def udp_exchange(peer, port, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((peer, port))

    def exchange(i):
        msg = bytes([i & 0xFF]) * size
        s.send(msg)
        try:
            while s.recv(2048) != msg:
                pass
            return True
        except socket.timeout:
            return False
    return exchange


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    peer, size, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if mode == "icmp":
        exchange = icmp_exchange(peer, size)
    elif mode.startswith("udp:"):
        exchange = udp_exchange(peer, int(mode[4:]), size)
    else:
        sys.exit(f"rtt.py: mode must be icmp or udp:PORT, not {mode!r}")
    rtts = round_trips(n, exchange)
    print("%.1f" % statistics.median(rtts) if len(rtts) > n // 2 else "nan")


if __name__ == "__main__":
    main()
