#!/usr/bin/env bash
# Guest side of scripts/profile.sh: brings up the one driver in EXP_DRIVERS on the NE2000 card
# (events and statistics off, as a user runs it), saves /proc/kallsyms for the host to name the
# profiler's addresses, then runs two windows of echoes of 28+100 bytes, each echo one transmit
# and one receive, between three marks (PROFILE_MARK, a program whose run makes the QEMU plugin
# write its counts): PROFILE_BASE echoes, then PROFILE_BASE + EXP_COUNT. The second window less
# the first is EXP_COUNT echoes, with the start and exit of the echo program, the bring-up and
# the boot cancelled out, all in this one boot. PROFILE_WORKLOAD=icmp (default): a flood ping
# of the user-net gateway (slirp answers inside the transmit); udp: UDP echoes to the host
# (sendpkts.py: one at a time, 2 ms apart).
. "$REPO/tests/guest/lib.sh"
drv=${EXP_DRIVERS:?EXP_DRIVERS must name one driver}
case $drv in ne2k_rs|ne2k-pci) ;; *) fail "profile: unknown driver '$drv'";; esac
mark=${PROFILE_MARK:?PROFILE_MARK must name the mark program}
[ -x "$mark" ] || fail "profile: no mark program at $mark"
base=${PROFILE_BASE:-200}
card_up "$drv"
pin_peer
cat /proc/kallsyms > "$OUT/kallsyms.txt"
echoes() {
    case ${PROFILE_WORKLOAD:-icmp} in
    udp) python3 "$REPO/scripts/guest/sendpkts.py" udp "$PEER_IP" "$UDP_ECHO_PORT" 100 "$1" ||
        fail "profile: the echoes failed";;
    # ICMP echo to QEMU's user-net gateway: slirp answers it itself, inside the transmit's
    # command write, so the reply comes at the same point of every echo (no host process).
    icmp) out=$(ping -q -f -c "$1" -s 100 -W 1 "$PEER_IP") ||
        fail "profile: the pings failed: $out"
        echo "$out" | tail -2;;
    *) fail "profile: unknown PROFILE_WORKLOAD '$PROFILE_WORKLOAD' (udp or icmp)";;
    esac
}
"$mark"
echoes "$base"
"$mark"
echoes $((base + EXP_COUNT))
"$mark"
ip -s link show "$IFC" > "$OUT/link.txt"
