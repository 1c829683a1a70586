#!/usr/bin/env bash
# A card with a wire (Bochs' RTL8029: a transmit completes after its 10 Mbit/s time, so both
# TX slots fill and completions race start_xmit): UDP bursts sent back to back, out and in,
# every frame accounted for at both ends.
#   out: N datagrams of each size to the peer's sink as fast as the socket takes them; the
#        peer's count, the interface's tx_packets and the driver's ethtool counters agree;
#   in:  the peer sends N_IN datagrams back to back; the guest's socket gets all of them and
#        rx_packets grew by as many (received, or counted as dropped: never lost silently).
#        N_IN is 64 (96 KB at 1472 bytes: three times the card's ring): the peer's burst
#        first lands in the receive buffer of slirp's UDP socket on the host, which holds about
#        90 full-size datagrams (rmem_default); a longer burst loses the rest on the host before
#        Bochs sees it (measured: 92 of 200 at 1472 bytes, 256 of 300 at 18, nothing counted in
#        the guest).
. "$(dirname "$0")/../lib.sh"
N=${WIRE_BURST:-300}
N_IN=${WIRE_BURST_IN:-64}
ne2k_up
pin_peer
ctl() { # ctl COMMAND... : one control datagram to the peer's echo port, prints the reply
    python3 - "$PEER_IP" "$UDP_ECHO_PORT" "$*" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for _ in range(3):
    s.sendto(("NE2K-CTL " + sys.argv[3]).encode(), (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass
PY
}
ctl COUNT >/dev/null
for len in 18 1472; do
    tx0=$(stat "$IFC" tx_packets); txe0=$(stat "$IFC" tx_errors)
    sent=$(python3 "$REPO/scripts/guest/sendpkts.py" blast "$PEER_IP" "$UDP_SINK_PORT" "$len" "$N" 120) ||
        fail "sending the burst"
    [ "$sent" = "sent $N, answered $N" ] || fail "the burst stopped short: $sent"
    sleep 1
    got=$(ctl COUNT | awk '{print $3}')
    dtx=$(( $(stat "$IFC" tx_packets) - tx0 ))
    note "out, $len-byte payloads: $N sent, the peer counted ${got:-?}, tx_packets +$dtx"
    [ "$got" = "$N" ] || fail "the peer counted ${got:-nothing} of $N datagrams ($len bytes)"
    [ "$dtx" -ge "$N" ] || fail "tx_packets grew by $dtx, fewer than the $N datagrams sent"
    [ "$(stat "$IFC" tx_errors)" = "$txe0" ] || fail "tx_errors grew during the burst"
done
for len in 18 1472; do
    rx0=$(stat "$IFC" rx_packets); rxd0=$(( $(stat "$IFC" rx_dropped) + $(stat "$IFC" rx_over_errors) + $(stat "$IFC" rx_missed_errors) ))
    res=$(python3 - "$PEER_IP" "$UDP_ECHO_PORT" "$N_IN" "$len" <<'PY'
import socket, sys
peer, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.settimeout(5)
s.sendto(b"NE2K-CTL BURST %d %d" % (n, size), (peer, port))
got = sent = 0
try:
    while True:
        d = s.recv(65535)
        if d.startswith(b"NE2K-CTL SENT"):
            sent = int(d.split()[2])
            s.settimeout(2)   # what is still on the wire or in the ring
        elif len(d) == size:
            got += 1
except socket.timeout:
    pass
print(sent, got)
PY
)
    read -r sent got <<<"$res"
    drx=$(( $(stat "$IFC" rx_packets) - rx0 ))
    drop=$(( $(stat "$IFC" rx_dropped) + $(stat "$IFC" rx_over_errors) + $(stat "$IFC" rx_missed_errors) - rxd0 ))
    note "in, $len-byte payloads: the peer sent ${sent:-?}, the socket got ${got:-?}, rx_packets +$drx, dropped/overrun/missed +$drop"
    [ "$sent" = "$N_IN" ] || fail "the peer did not send the burst ($res)"
    [ $(( drx + drop )) -ge "$N_IN" ] || fail "$N_IN frames sent to us, $drx received and $drop counted as dropped: frames lost silently"
    [ "$got" -ge $(( N_IN - drop )) ] || fail "the socket got $got of the $N_IN frames ($drx received, $drop dropped)"
done
ne2k_down
