#!/usr/bin/env bash
# Guest side of `make bench` (scripts/bench.sh): in this one boot, BENCH_ROUNDS rounds; each
# round runs every workload with ne2k_rs, then with the C ne2k-pci driver on the same card, then
# with ne2k_rs again (label ne2k_rs_aa: the A/A control; rmmod/insmod between arms), plus the
# hard-IRQ figure of e100 on the i82559er card.
# Raw results: $OUT/bench-raw.txt, one "round driver workload value" line per measurement.
#   BENCH_ROUNDS (5)  BENCH_T (10: TCP seconds)  BENCH_TU (5: UDP seconds)
#   BENCH_PKTGEN (30000 frames)  BENCH_PING (200)  BENCH_PIN (same: see place in bench-lib.sh)
#   BENCH_TP_BLOCKS (8)  BENCH_TP_COUNT (4000 frames a run: see tp_cost in bench-lib.sh)
#   BENCH_XDP_OBJ (scripts/bpf/xdp_drop_udp.bpf.c compiled by scripts/bench.sh: drop_flood)
set -u
. "$REPO/tests/guest/lib.sh"
ROUNDS=${BENCH_ROUNDS:-5} T=${BENCH_T:-10} TU=${BENCH_TU:-5}
PKTGEN=${BENCH_PKTGEN:-30000} PINGS=${BENCH_PING:-200}
RAW="$OUT/bench-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
KO_NOTRACE=${NE2K_RS_NOTRACE_KO:-}
PLACE=${BENCH_PIN:-same}
. "$REPO/scripts/guest/bench-lib.sh"

run_driver() { # driver round [label: ne2k_rs_aa for the A/A arm, which skips the ne2k_rs-only parts]
    local d=$1 r=$2 l=${3:-$1} v
    echo "-- round $r: $l"
    load "$d" || { echo "error: cannot bring up $d"; return 1; }
    rec "$r" "$l" tcp_tx "$(tcp tx "$T")"
    rec "$r" "$l" tcp_rx "$(tcp rx "$T")"
    for size in 64 1472; do
        v=$(udp tx $size "$TU"); rec "$r" "$l" "udp${size}_tx_pps" "${v% *}"; rec "$r" "$l" "udp${size}_tx_loss_pct" "${v#* }"
    done
    rec "$r" "$l" ping1_rtt "$(rtt 1)"
    rec "$r" "$l" ping1472_rtt "$(rtt 1472)"
    rec "$r" "$l" pktgen60_pps "$(pktgen 60)"
    rec "$r" "$l" pktgen1514_pps "$(pktgen 1514)"
    events_run "$d" "$r" "$l"
    port_accesses "$d" "$r" "$l"
    if [ "$l" = ne2k_rs ]; then
        # the same TCP runs with every ne2k_rs event recording (tracepoint overhead)
        echo 1 >$TR/events/ne2k_rs/enable; echo x86-tsc >$TR/trace_clock; echo 1 >$TR/tracing_on
        rec "$r" ne2k_rs tcp_tx_traced "$(tcp tx "$T")"
        rec "$r" ne2k_rs tcp_rx_traced "$(tcp rx "$T")"
        echo 0 >$TR/events/ne2k_rs/enable; echo 0 >$TR/tracing_on; echo >$TR/trace; echo local >$TR/trace_clock
        if [ -n "$KO_NOTRACE" ]; then
            # ... and with the tracepoints compiled out (the cost of a disabled tracepoint)
            load ne2k_rs "$KO_NOTRACE" || return 1
            rec "$r" ne2k_rs tcp_tx_notrace "$(tcp tx "$T")"
            rec "$r" ne2k_rs tcp_rx_notrace "$(tcp rx "$T")"
        fi
        # ... and in drift-cancelling short A/B blocks of pktgen (bench-lib.sh: tp_cost_*)
        load ne2k_rs || return 1
        tp_cost_enabled "$r" || echo "  (no tracepoint_overhead_pct this round)"
        if [ -n "$KO_NOTRACE" ]; then
            tp_cost_disabled "$r" "$KO_NOTRACE" || echo "  (no tracepoint_disabled_cost_pct this round)"
        fi
    fi
    # Last, the receive floods (UDP at unlimited rate towards the guest), each on a freshly
    # loaded driver: ne2k-pci's receive path does not come back from the first one on QEMU
    # (recorded as rx_alive_after_flood = 0), which would spoil every later workload.
    for size in 64 1472; do
        load "$d" || return 1
        v=$(udp rx $size "$TU"); rec "$r" "$l" "udp${size}_rx_pps" "${v% *}"; rec "$r" "$l" "udp${size}_rx_loss_pct" "${v#* }"
        sleep 2
        if ping -c 3 -W 2 -i 0.3 "$PEER_IP" >/dev/null 2>&1; then v=1; else v=0; fi
        rec "$r" "$l" "rx_alive_after_udp${size}_flood" "$v"
    done
    # The 64-byte flood again, dropped before the sockets: by an iptables raw rule, then by XDP
    # (ne2k_rs: native; the C driver has none, so generic), each on a freshly loaded driver
    load "$d" || return 1
    rec "$r" "$l" nf_drop64_pps "$(drop_flood nf 64 "$TU")"
    load "$d" || return 1
    rec "$r" "$l" xdp_drop64_pps "$(drop_flood "$([ "$d" = ne2k_rs ] && echo xdp || echo xdpgeneric)" 64 "$TU")"
    unload_all
}

echo "bench: $ROUNDS rounds, placement $PLACE, TCP ${T}s, UDP ${TU}s, pktgen $PKTGEN frames, $PINGS pings; kernel $(uname -r)"
echo "kernel $(uname -r)" >"$OUT/bench-env.txt"
echo "$PLACE" >"$OUT/bench-place.txt"
for r in $(seq "$ROUNDS"); do
    run_driver ne2k_rs "$r" || exit 1
    run_driver ne2k-pci "$r" || exit 1
X
    run_driver ne2k_rs "$r" ne2k_rs_aa || exit 1
    # e100 on QEMU's i82559er, same peer: the hard-IRQ reference of the targets, and how fast
    # the rest of the path (stack, QEMU, slirp, the peer) goes when the card is not the limit
    echo "-- round $r: e100 (reference)"
    if load e100; then
        rec "$r" e100 tcp_tx "$(tcp tx "$T")"
        rec "$r" e100 tcp_rx "$(tcp rx "$T")"
        v=$(udp tx 64 "$TU"); rec "$r" e100 udp64_tx_pps "${v% *}"
        v=$(udp rx 64 "$TU"); rec "$r" e100 udp64_rx_pps "${v% *}"
        events_run e100 "$r"
        unload_all
    fi
done
echo "bench: done"
