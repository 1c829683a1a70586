#!/usr/bin/env python3
"""UDP echo + sink for the lab's peer (the host loopback, reached by the guest as 10.0.2.2).

    udp-echo.py HOST ECHO_PORT [SINK_PORT]

Echoes every datagram sent to ECHO_PORT back to its sender; reads and discards datagrams sent to
SINK_PORT (a transmit-only workload). Runs until killed; bind it to loopback only."""
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
while True:
    ready, _, _ = select.select(socks, [], [])
    for s in ready:
        data, addr = s.recvfrom(65535)
        if s is echo:
            s.sendto(data, addr)
