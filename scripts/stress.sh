#!/usr/bin/env bash
# make stress: the reliability run of issue #5.
#   stress.sh --kdir KBUILD [--flavor NAME] [--timeout S]
# 1. host, release build: the hostile-device fuzz (the module's datapath against a software
#    DP8390 returning arbitrary ring headers, ISR bits and DMA counts), NE2K_FUZZ_CASES cases
#    (default 10^6), and the interleaving explorer (the datapath's entry points on one and two
#    simulated CPUs against the DP8390 with a wire), NE2K_EXPLORE_SCHEDULES schedules (10^6);
# 2. guest (one boot, frame injector on the card's segment): tests/guest/stress.sh with the full
#    counts (STRESS_* variables override them);
# 3. results/stress.json and results/stress-FLAVOR.json (+ a copy in the run's directory).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR="" FLAVOR=${FLAVOR:-default} TIMEOUT=${STRESS_TIMEOUT:-7200}
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --flavor) FLAVOR=$2; shift 2;;
        --timeout) TIMEOUT=$2; shift 2;;
        *) die "unknown argument $1";;
    esac
done
[ -n "$KDIR" ] || die "--kdir is required"
CASES=${NE2K_FUZZ_CASES:-1000000}
positive_int NE2K_FUZZ_CASES "$CASES"
SCHEDULES=${NE2K_EXPLORE_SCHEDULES:-1000000}
positive_int NE2K_EXPLORE_SCHEDULES "$SCHEDULES"
out="$REPO/results/stress-$FLAVOR-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
t0=$(date +%s)

step "hostile-device fuzz: $CASES cases, interleaving explorer: $SCHEDULES schedules (cargo test --release)"
(cd "$REPO" && NE2K_FUZZ_CASES=$CASES NE2K_EXPLORE_SCHEDULES=$SCHEDULES \
    cargo test --release -q --no-fail-fast -- --nocapture 2>&1) >"$out/fuzz.log"
fuzz_rc=$?
fuzz_cases=$(awk '/^fuzz-cases: / {n += $2} END {print n + 0}' "$out/fuzz.log")
explore_schedules=$(awk '/^explore-schedules: / {n += $2} END {print n + 0}' "$out/fuzz.log")
grep -E '^fuzz|^explore|^test result' "$out/fuzz.log"
[ $fuzz_rc = 0 ] || { tail -30 "$out/fuzz.log"; echo "fuzz FAILED (exit $fuzz_rc)"; }
done_step

step "guest stress ($FLAVOR kernel, timeout ${TIMEOUT}s)"
GUEST_VERBOSE=1 "$HERE/guest-run.sh" --kdir "$KDIR" --injector --timeout "$TIMEOUT" --out "$out/guest" \
    "$REPO/tests/guest/stress.sh"
guest_rc=$?
done_step

python3 - "$out" "$FLAVOR" "$fuzz_cases" "$fuzz_rc" "$guest_rc" "$(( $(date +%s) - t0 ))" "$KDIR" \
    "$explore_schedules" "$SCHEDULES" <<'PY'
import json, os, platform, subprocess, sys
out, flavor, fuzz_cases, fuzz_rc, guest_rc, secs, kdir, explore_schedules, schedules_wanted = sys.argv[1:]
counts = {}
path = os.path.join(out, "guest", "stress-counts.txt")
if os.path.exists(path):
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            try:
                counts[k] = int(v)
            except ValueError:
                counts[k] = v
phases = {}
path = os.path.join(out, "guest", "stress-phases.txt")
if os.path.exists(path):
    for line in open(path):
        r, name = line.split()
        phases[name] = r
krel = open(os.path.join(kdir, "include/config/kernel.release")).read().strip()
qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
res = {
    "flavor": flavor,
    "kernel": krel,
    "commit": subprocess.run(["git", "-C", os.path.dirname(os.path.dirname(out)), "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip() or None,
    "qemu": qemu,
    "machine": platform.node(),
    "churn_cycles": counts.get("churn_cycles", 0),
    "churn_cycles_under_traffic": counts.get("churn_cycles_under_traffic", 0),
    "link_flaps": counts.get("link_flaps", 0),
    "soak_seconds": counts.get("soak_seconds", 0),
    "faults_injected": counts.get("faults_injected", 0),
    "probe_fault_points": counts.get("probe_fault_points", 0),
    "fuzz_cases": int(fuzz_cases),
    "explore_schedules": int(explore_schedules),
    "odd_frames": counts.get("odd_frames", 0),
    "bad_params_refused": counts.get("bad_params_refused", 0),
    "splats": counts.get("splats", -1),
    "leaks": counts.get("leaks", -1),
    "kmemleak_checked": bool(counts.get("kmemleak", 0)),
    "stalls": counts.get("stalls", -1),
    "soak_tx_timeouts": counts.get("soak_tx_timeouts", 0),
    "slab_delta_kib": {k[len("slab_delta_kib_"):]: v for k, v in counts.items() if k.startswith("slab_delta_kib_")},
    "phases": phases,
    "fuzz_passed": fuzz_rc == "0",
    "guest_exit": int(guest_rc),
    "seconds": int(secs),
}
res["passed"] = (res["fuzz_passed"] and res["explore_schedules"] >= int(schedules_wanted) and res["guest_exit"] == 0 and bool(phases)
                 and all(v == "PASS" for v in phases.values())
                 and res["splats"] == 0 and res["leaks"] == 0 and res["stalls"] == 0)
text = json.dumps(res, indent=2) + "\n"
open(os.path.join(out, "stress.json"), "w").write(text)
repo_results = os.path.dirname(out)
for name in ("stress.json", f"stress-{flavor}.json"):  # the latest run, and the latest per flavor
    open(os.path.join(repo_results, name), "w").write(text)
print(text)
sys.exit(0 if res["passed"] else 1)
PY
rc=$?
echo "stress ($FLAVOR): $([ $rc = 0 ] && echo PASSED || echo FAILED); results in $out"
exit $rc
