#!/usr/bin/env bash
# Guest side of make bench's Bochs part (scripts/bench.sh): figures on Bochs' RTL8029, whose
# clock is instructions at 567 MHz (deterministic but for what the host's slirp timing feeds in).
# Each of BENCH_ROUNDS rounds (3) runs three arms in this order: ne2k_rs, the C ne2k-pci, and
# ne2k_rs again (recorded as ne2k_rs_aa: the A/A control, interleaved as the A/B pair is).
#   BENCH_BOCHS_MODE=main  (default) per arm:
#     bochs_ping1_rtt, bochs_ping1472_rtt - rtt.py icmp: ICMP echo to 10.0.2.2, which Bochs'
#       slirp answers itself, BENCH_PING (200) one at a time; median, microseconds
#     bochs_driver_cycles_per_pkt (+ bochs_hardirq_cycles_per_rx_irq, bochs_irqs_per_1000_pkts):
#       events_run of bench-lib.sh over iperf3 TCP of BENCH_BOCHS_TCP_BYTES (1M) each way
#   BENCH_BOCHS_MODE=ports  (Bochs started with BOCHS_LOG_NE2K=1: the card logs every access)
#     a window per arm around BENCH_PORT_PINGS (100) pings of 56 and of 1400 bytes, as the
#     QEMU bench counts them: OUT/port-windows.txt "round label tsc0 tsc1 packets"; the host
#     (scripts/bochs/port-count.py) counts the card's logged accesses between the two TSC
#     stamps (Bochs' log stamps are its ticks, the guest's TSC) into
#     bochs_port_accesses_per_pkt. ne2k_rs' own counter (ethtool -S) is recorded beside it.
# Raw results: OUT/bench-raw.txt, "round label workload value".
set -u
. "$REPO/tests/guest/lib.sh"
ROUNDS=${BENCH_ROUNDS:-3} PINGS=${BENCH_PING:-200} PORT_PINGS=${BENCH_PORT_PINGS:-100}
TCP_BYTES=${BENCH_BOCHS_TCP_BYTES:-1M} MODE=${BENCH_BOCHS_MODE:-main}
PLACE=same  # one CPU: the application and the IRQ on CPU 0 (bench-lib.sh: place)
RAW="$OUT/bench-raw.txt"
: >"$RAW"
TR=/sys/kernel/tracing
. "$REPO/scripts/guest/bench-lib.sh"
case "$MODE" in main|ports) ;; *) echo "error: BENCH_BOCHS_MODE must be main or ports, not '$MODE'"; exit 2;; esac

# iperf3 by byte count: the host's iperf3 server ends a timed test that overruns its duration
# in wall time, and Bochs' guest seconds are several wall seconds.
tcp_bytes() { # tx|rx [ignored] -> Mbit/s at the receiver (guest clock on the guest's side)
    local r=""; [ "$1" = rx ] && r=-R
    timeout -k 5 600 ${PIN:-} iperf3 -c "$PEER_IP" -p "$IPERF3_PORT" -n "$TCP_BYTES" $r -J 2>/dev/null | python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print("nan")'
}

tsc_now() { # -> the TSC at a trace_marker write (trace clock x86-tsc)
    echo x86-tsc >$TR/trace_clock; echo 1 >$TR/tracing_on
    echo "bench-bochs-mark $1" >$TR/trace_marker
    # the timestamp is the field before the event name ("... 4152553177: tracing_mark_write: ...")
    awk -v m="bench-bochs-mark $1" 'index($0, m) {
        for (i = 1; i < NF; i++) if ($(i + 1) == "tracing_mark_write:") { t = $i; sub(":", "", t); print t }
    }' $TR/trace | tail -1
}

port_window() { # round label
    local tx0 rx0 t0 t1 pk
    echo >$TR/trace
    tx0=$(stat "$IFC" tx_packets); rx0=$(stat "$IFC" rx_packets)
    t0=$(tsc_now "$1-$2-start")
    ping -q -c "$PORT_PINGS" -i 0.01 -s 56 "$PEER_IP" >/dev/null 2>&1
    ping -q -c "$PORT_PINGS" -i 0.01 -s 1400 "$PEER_IP" >/dev/null 2>&1
    t1=$(tsc_now "$1-$2-end")
    pk=$(( $(stat "$IFC" tx_packets) - tx0 + $(stat "$IFC" rx_packets) - rx0 ))
    echo 0 >$TR/tracing_on; echo local >$TR/trace_clock
    echo "$1 $2 $t0 $t1 $pk" >>"$OUT/port-windows.txt"
    printf '  %-10s window %s..%s, %s packets\n' "$2" "$t0" "$t1" "$pk"
}

arm() { # driver label round
    local d=$1 l=$2 r=$3
    echo "-- round $r: $l"
    load "$d" || { echo "error: cannot bring up $d"; return 1; }
    if [ "$MODE" = ports ]; then
        port_window "$r" "$l"
    else
        rec "$r" "$l" bochs_ping1_rtt "$(timeout -k 5 300 python3 "$REPO/scripts/guest/rtt.py" "$PEER_IP" 1 "$PINGS" icmp || echo nan)"
        rec "$r" "$l" bochs_ping1472_rtt "$(timeout -k 5 300 python3 "$REPO/scripts/guest/rtt.py" "$PEER_IP" 1472 "$PINGS" icmp || echo nan)"
        EV_TRAFFIC=tcp_bytes EV_PREFIX=bochs_ events_run "$d" "$r" "$l"
    fi
    unload_all
}

echo "bench-bochs: mode $MODE, $ROUNDS rounds, $PINGS pings, TCP $TCP_BYTES each way; kernel $(uname -r), $(nproc) CPU(s)"
echo "kernel $(uname -r)" >"$OUT/bench-env.txt"
: >"$OUT/port-windows.txt"
for r in $(seq "$ROUNDS"); do
    arm ne2k_rs ne2k_rs "$r" || exit 1
    arm ne2k-pci ne2k-pci "$r" || exit 1
    arm ne2k_rs ne2k_rs_aa "$r" || exit 1
done
echo "bench-bochs: done"
