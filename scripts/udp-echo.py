#!/usr/bin/env python3
"""UDP echo + sink for the lab's peer (the host loopback, reached by the guest as 10.0.2.2).

    udp-echo.py HOST ECHO_PORT [SINK_PORT]

Echoes every datagram sent to ECHO_PORT back to its sender; reads and discards datagrams sent to
SINK_PORT (a transmit-only workload), counting them. Runs until killed; bind it to loopback only.

Control datagrams to ECHO_PORT (the guest's burst tests, tests/guest/wire/):
  "NE2K-CTL COUNT"         -> replies "NE2K-CTL COUNT <n> <bytes>": datagrams/bytes the sink
                              read since the last COUNT (and resets both)
  "NE2K-CTL BURST <n> <len>" -> sends n datagrams of len bytes back to the sender, back to back,
                              then replies "NE2K-CTL SENT <n>".
"""
import select
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
echo.bind((host, port))
socks = [echo]
if len(sys.argv) > 3:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind((host, int(sys.argv[3])))
    socks.append(sink)
count = nbytes = 0
while True:
    ready, _, _ = select.select(socks, [], [])
    for s in ready:
        data, addr = s.recvfrom(65535)
        if s is not echo:
            count += 1
            nbytes += len(data)
        elif data.startswith(b"NE2K-CTL "):
            words = data.split()
            if words[1:2] == [b"COUNT"]:
                s.sendto(b"NE2K-CTL COUNT %d %d" % (count, nbytes), addr)
                count = nbytes = 0
            elif words[1:2] == [b"BURST"] and len(words) == 4:
                n, size = int(words[2]), int(words[3])
                payload = bytes(i & 0xff for i in range(size))
                sent = 0
                for _ in range(n):
                    while True:
                        try:
                            s.sendto(payload, addr)
                            sent += 1
                            break
                        except BlockingIOError:
                            select.select([], [s], [])
                s.sendto(b"NE2K-CTL SENT %d" % sent, addr)
        else:
            s.sendto(data, addr)
