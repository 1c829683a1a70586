#!/usr/bin/env bash
# The ne2k_rs stage tracepoints: present in tracefs and perf; N pings give N TX and N RX events
# of the right length; every stage positive; stages add up to the total; DMA grows with size;
# perf record reads the same events. The smallest ping is 19 bytes (a 61-byte frame), not 1: a
# 1-byte ping is padded to 60 like every other runt (TCP ACKs, ARP, IGMP), and a stray one in
# the window made the count flaky; no other frame here is 61 bytes long.
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
ne2k_up
pin_peer   # exact event counts: no ARP refresh may add 60-byte frames
for e in ne2k_rs_tx ne2k_rs_rx ne2k_rs_irq ne2k_rs_poll; do
    [ -d "$T/events/ne2k_rs/$e" ] || fail "event ne2k_rs:$e missing from tracefs"
done
perf list 'ne2k_rs:*' 2>/dev/null | grep -q 'ne2k_rs:ne2k_rs_tx' || fail "perf list does not show ne2k_rs:ne2k_rs_tx"
N=50
declare -A DMA_TX DMA_RX
for size in 19 100 1000; do
    len=$(( size + 42 )); [ $len -lt 60 ] && len=60
    echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
    echo 1 > $T/events/ne2k_rs/enable
    echo 1 > $T/tracing_on
    ping -q -c $N -i 0.01 -s $size "$PEER_IP" >/dev/null || fail "ping $size"
    # On a card with a wire (Bochs) the last request's transmit completes, and its event is
    # recorded, after the reply came back (the peer answers before the wire time is up).
    sleep 0.05
    echo 0 > $T/tracing_on; echo 0 > $T/events/ne2k_rs/enable
    cat $T/trace > "$OUT/trace-$size.txt"
    for dir in tx rx; do
        out=$(awk -v want=$len -v ev="ne2k_rs_$dir:" '
            $0 ~ ev {
                delete f; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
                if (f["len"] != want) next
                n++
                if (f["driver"] <= 0 || f["dma"] <= 0 || f["nic"] <= 0) bad++
                s = f["driver"] + f["dma"] + f["nic"] + (("queued" in f) ? f["queued"] : 0)
                if (s != f["total"]) sum++
                d[n] = f["dma"]
            }
            END { asort(d); printf "%d %d %d %d\n", n, bad + 0, sum + 0, (n ? d[int((n + 1) / 2)] : 0) }' "$OUT/trace-$size.txt")
        read -r n bad sum med <<<"$out"
        note "payload $size ($dir, len $len): $n events, median dma $med cycles"
        [ "$n" -eq $N ] || fail "$dir: expected $N events of len $len, got $n"
        [ "$bad" -eq 0 ] || fail "$dir: $bad events with a non-positive stage"
        [ "$sum" -eq 0 ] || fail "$dir: $sum events whose stages do not add up to the total"
        if [ $dir = tx ]; then DMA_TX[$size]=$med; else DMA_RX[$size]=$med; fi
    done
    grep -q 'ne2k_rs_irq:.*isr=0x' "$OUT/trace-$size.txt" || fail "no irq events"
    grep -q 'ne2k_rs_poll:.*rx=' "$OUT/trace-$size.txt" || fail "no poll events"
done
[ "${DMA_TX[19]}" -lt "${DMA_TX[1000]}" ] || fail "TX DMA does not grow with size (${DMA_TX[19]} vs ${DMA_TX[1000]})"
[ "${DMA_RX[19]}" -lt "${DMA_RX[1000]}" ] || fail "RX DMA does not grow with size (${DMA_RX[19]} vs ${DMA_RX[1000]})"
# perf reads the same events. Pipe mode straight into perf script: perf writes its mmap'ed ring
# pages with write(2), which 9p's zero-copy transport refuses (EFAULT), so no file in between.
got=0
for attempt in 1 2; do
    # -a: the events fire in the NAPI softirq, i.e. in whatever task the CPU was running.
    perf record -a -e 'ne2k_rs:ne2k_rs_tx' -e 'ne2k_rs:ne2k_rs_rx' -o - -- \
        ping -q -c 20 -i 0.01 "$PEER_IP" 2>"$OUT/perf-record.err" |
        perf script -i - >"$OUT/perf-script.txt" 2>"$OUT/perf-script.err"
    got=$(grep -c 'ne2k_rs:ne2k_rs_tx.*len=98' "$OUT/perf-script.txt" || true)
    [ "$got" -ge 20 ] && break
    note "perf attempt $attempt: $got events; record: $(tail -2 "$OUT/perf-record.err" | tr '\n' ' ') script: $(tail -2 "$OUT/perf-script.err" | tr '\n' ' ')"
done
note "perf script: $got ne2k_rs_tx events of len 98"
[ "$got" -ge 20 ] || fail "perf saw $got of 20 TX events"
ne2k_down
