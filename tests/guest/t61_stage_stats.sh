#!/usr/bin/env bash
# The stage statistics (issue #16): off by default; the stage_stats parameter refuses what is
# not a period (0 off, N >= 1 one unit in N); on at run time with an event recording, they count
# every frame the events count, each row's median within 10 % of the events' median of the same
# run (the same probe calls feed both); alone at stage_stats=4 they time about one frame in 4
# (drawn at random);
# off again, they stop counting; a write to the debugfs file resets them; while the file is
# open, the module cannot be removed.
. "$(dirname "$0")/lib.sh"
T=/sys/kernel/tracing
P=/sys/module/ne2k_rs/parameters/stage_stats
ne2k_up
pin_peer
[ -r "$P" ] || fail "no $P"
[ "$(cat $P)" = 0 ] || fail "stage_stats is on by default: $(cat $P)"
if echo maybe >"$P" 2>"$OUT/param.err"; then fail "stage_stats accepted 'maybe'"; fi
grep -q "Invalid argument" "$OUT/param.err" || fail "stage_stats=maybe: $(cat "$OUT/param.err")"
if echo 2000000 >"$P" 2>"$OUT/param.err"; then fail "stage_stats accepted 2000000"; fi
grep -q "out of range" "$OUT/param.err" || fail "stage_stats=2000000: $(cat "$OUT/param.err")"
[ "$(cat $P)" = 0 ] || fail "a refused value changed stage_stats"
pci=$(basename "$(readlink -f /sys/class/net/$IFC/device)")
F=/sys/kernel/debug/ne2k_rs/$pci/stage_stats
[ -r "$F" ] || fail "no $F"
rows() { grep -vc '^#' "$F" || true; }
ping -q -c 5 -i 0.01 "$PEER_IP" >/dev/null || fail "ping"
[ "$(rows)" = 0 ] || fail "counted while off: $(cat "$F")"

N=50
echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
echo 1 > $T/events/ne2k_rs/enable
echo 1 >"$P"
[ "$(cat $P)" = 1 ] || fail "stage_stats did not turn on"
echo 0 >"$F"
echo 1 > $T/tracing_on
for size in 100 1000; do
    ping -q -c $N -i 0.01 -s $size "$PEER_IP" >/dev/null || fail "ping -s $size"
done
sleep 0.05
echo 0 > $T/tracing_on; echo 0 > $T/events/ne2k_rs/enable
cp "$F" "$OUT/stage_stats.txt"
echo 0 >"$P"
cat $T/trace > "$OUT/trace.txt"
note "$(grep -v '^#' "$OUT/stage_stats.txt" | tr '\n' ';')"
# Each tx/rx row against the events of its size class: count exact, median within 10 %.
python3 - "$OUT/stage_stats.txt" "$OUT/trace.txt" $N <<'PY' || fail "statistics and events disagree (above)"
import re, sys
stats, trace, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
CLASSES = [64, 128, 512, 1024, 1518]
cls = lambda l: next((c for c in CLASSES if l <= c), 1518)
rows = {}
for line in open(stats):
    if line.startswith("#"):
        continue
    what, stage, c, count, mean, p5, p50, p95 = line.split()
    rows[(what, stage, c)] = (int(count), int(p50))
ev = {}
for line in open(trace):
    m = re.search(r"ne2k_rs_(tx|rx): (.*)", line)
    if not m:
        continue
    f = dict(kv.split("=") for kv in m.group(2).split() if "=" in kv)
    for stage in ("nic", "dma", "driver"):
        ev.setdefault((m.group(1), stage, str(cls(int(f["len"])))), []).append(int(f[stage]))
bad = 0
for key in sorted(set(ev) | {k for k in rows if k[0] in ("tx", "rx")}):
    vals = sorted(ev.get(key, []))
    count, p50 = rows.get(key, (0, 0))
    k = (len(vals) - 1) / 2   # the median as report.py's pct and the statistics take it
    med = vals[int(k)] + (vals[min(int(k) + 1, len(vals) - 1)] - vals[int(k)]) * (k - int(k)) if vals else 0
    ok = count == len(vals) and abs(p50 - med) <= 0.10 * med
    print(f"  {' '.join(key)}: statistics n={count} p50={p50}, events n={len(vals)} median={med}{'' if ok else '  <-- differ'}")
    bad += not ok
for key in (("rx", "dma", "512"), ("tx", "dma", "1518")):
    if rows.get(key, (0,))[0] < n:
        print(f"  {' '.join(key)}: fewer than {n} frames"); bad += 1
if not any(k[0] == "irq" for k in rows) or not any(k[0] == "hardirq" for k in rows):
    print("  no irq/hardirq rows"); bad += 1
sys.exit(1 if bad else 0)
PY
# Sampling, events off: one transmit, and one interrupt with its poll, in 4.
echo 4 >"$P"; echo 0 >"$F"
M=100
ping -q -c $M -i 0.01 -s 100 "$PEER_IP" >/dev/null || fail "ping"
cp "$F" "$OUT/stage_stats-4.txt"
echo 0 >"$P"
grep -q '^# stage_stats=4 ' "$OUT/stage_stats-4.txt" || fail "the header does not give the period: $(head -1 "$OUT/stage_stats-4.txt")"
for row in "tx dma 512" "rx dma 512"; do
    n=$(awk -v r="$row" '$1 " " $2 " " $3 == r {print $4}' "$OUT/stage_stats-4.txt")
    note "stage_stats=4, $M pings: $row n=${n:-0}"
    # drawn at random: 25 expected, standard deviation 4.3
    [ "${n:-0}" -ge 9 ] && [ "${n:-0}" -le 41 ] || fail "$row: ${n:-0} of $M frames timed at stage_stats=4"
done
before=$(cat "$F")
ping -q -c 5 -i 0.01 "$PEER_IP" >/dev/null || fail "ping"
[ "$(cat "$F")" = "$before" ] || fail "counted after stage_stats=0"
echo 0 >"$F"
[ "$(rows)" = 0 ] || fail "a write did not reset the statistics: $(cat "$F")"
# An open file pins the module: rmmod refuses, instead of freeing the ops the close will call.
exec 3<"$F"
if rmmod ne2k_rs 2>"$OUT/rmmod.err"; then exec 3<&-; fail "rmmod succeeded with stage_stats open"; fi
exec 3<&-
note "rmmod with the file open: $(cat "$OUT/rmmod.err")"
rmmod ne2k_rs || fail "rmmod after the file was closed"
echo "ok"
