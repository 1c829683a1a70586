#!/usr/bin/env bash
# The transmit watchdog on a card with a wire. While UDP datagrams keep both TX slots busy,
# the card's interrupt mask is cleared behind the driver's back (IMR = 0, written from user
# space with outb, again and again for a second, so that it sticks past the driver's own IMR
# writes): completions no longer interrupt, the queue stays stopped, and after 5 s the stack's
# watchdog calls ndo_tx_timeout, which must reset and restart the chip, count it (ethtool -S
# tx_timeouts) and log it; traffic then flows again and the kernel log stays clean. The same
# for the C ne2k-pci (ei_tx_timeout) as the baseline. (Writing CMD = STOP does not do it:
# both drivers write STA with every transmit command.)
. "$(dirname "$0")/../lib.sh"
command -v outb >/dev/null || fail "outb (scripts/bochs/outb.c) missing from the guest"
for drv in ne2k_rs ne2k-pci; do
    card_up $drv
    base=$(awk -v d="$drv" '$0 ~ d {split($1, r, "-"); print r[1]; exit}' /proc/ioports)
    [ -n "$base" ] || fail "$drv: no I/O range in /proc/ioports"
    pat="$IFC.*(transmit timed out|TX timeout|timed out)"
    warn0=$(dmesg_count "$pat")
    to0=0; [ $drv = ne2k_rs ] && to0=$(ethtool -S "$IFC" | awk '/tx_timeouts:/ {print $2}')
    # the blast: 1472-byte datagrams to the peer's sink for 12 s, as fast as the queue takes them
    python3 "$REPO/scripts/guest/sendpkts.py" blast "$PEER_IP" "$UDP_SINK_PORT" 1472 0 12 >/dev/null &
    blast=$!
    sleep 0.5
    for _ in $(seq 100); do outb $(( 0x$base + 0x0f )) 0 || fail "outb"; sleep 0.01; done
    t=0
    until [ "$(dmesg_count "$pat")" -gt "$warn0" ] || [ $t -ge 30 ]; do sleep 1; t=$((t + 1)); done
    wait $blast
    [ $t -lt 30 ] || fail "$drv: no transmit timeout logged within 30 s of masking the card"
    note "$drv: $(dmesg | grep -E "$pat" | tail -1)"
    if [ $drv = ne2k_rs ]; then
        to=$(ethtool -S "$IFC" | awk '/tx_timeouts:/ {print $2}')
        [ "$to" -gt "$to0" ] || fail "tx_timeouts did not grow ($to0 -> $to)"
        note "tx_timeouts $to0 -> $to"
    fi
    sleep 1
    ping_ok 20 100 -i 0.05
    [ -z "$(dmesg_problems)" ] || { dmesg_problems | head -5; fail "$drv: kernel log reports a problem"; }
    ip link set "$IFC" down
done
unload_all
