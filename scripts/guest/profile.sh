#!/usr/bin/env bash
# Guest side of scripts/profile.sh: brings up the one driver in EXP_DRIVERS on the NE2000 card
# (events and statistics off, as a user runs it), saves /proc/kallsyms for the host to name the
# profiler's addresses, then runs EXP_COUNT UDP echoes of 28+100 bytes (sendpkts.py: one at a
# time, 2 ms apart; each is one transmit and one receive). EXP_COUNT=0: the bring-up only.
. "$REPO/tests/guest/lib.sh"
drv=${EXP_DRIVERS:?EXP_DRIVERS must name one driver}
case $drv in ne2k_rs|ne2k-pci) ;; *) fail "profile: unknown driver '$drv'";; esac
card_up "$drv"
pin_peer
cat /proc/kallsyms > "$OUT/kallsyms.txt"
if [ "${EXP_COUNT:-0}" -gt 0 ]; then
    python3 "$REPO/scripts/guest/sendpkts.py" udp "$PEER_IP" "$UDP_ECHO_PORT" 100 "$EXP_COUNT" ||
        fail "profile: the echoes failed"
fi
ip -s link show "$IFC" > "$OUT/link.txt"
