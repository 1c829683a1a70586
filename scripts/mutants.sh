#!/usr/bin/env bash
# The races of issue #12, and later bugs that have a directed test, put back one at a time: each
# file in tests/host/mutants/ edits a scratch copy of the tree to restore one piece of the old
# logic (69c1c75's, a plain `+` on TSC differences, ...). For each, the directed host test named in its first line and the interleaving
# explorer must FAIL; the run fails if any mutant survives.
#   mutants.sh [SCHEDULES]     explorer schedules per mutant (default 10000)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
N=${1:-10000}
positive_int SCHEDULES "$N"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
survived=0
for m in "$REPO"/tests/host/mutants/*.py; do
    name=$(basename "$m" .py)
    test=$(sed -n '1s/^# test: //p' "$m")
    d="$work/$name"
    mkdir -p "$d"
    (cd "$REPO" && tar cf - --exclude=.git --exclude=target --exclude=results .) | (cd "$d" && tar xf -)
    (cd "$d" && python3 "$m") || { echo "FAIL $name: the mutation no longer applies"; survived=1; continue; }
    verdict=""
    # "explore": the explorer is the test (no directed test for this one).
    if [ "$test" != explore ] &&
        (cd "$d" && CARGO_TARGET_DIR="$work/target" cargo test -q --test datapath "$test" >"$d.directed" 2>&1); then
        verdict="directed test $test passed"
    fi
    # "# explore: no": a bug the explorer does not look for (it runs no stage clock).
    if ! grep -q '^# explore: no' "$m" &&
        (cd "$d" && CARGO_TARGET_DIR="$work/target" NE2K_EXPLORE_SCHEDULES=$N \
            cargo test -q --release --test explore >"$d.explore" 2>&1); then
        verdict="${verdict:+$verdict; }explorer passed $N schedules"
    fi
    if [ -n "$verdict" ]; then
        echo "FAIL $name survived: $verdict"; survived=1
    else
        first=$(grep -m1 -E '^ +"(cpu|chip protocol|panic)' "$d.explore" 2>/dev/null | sed 's/^ *//')
        by="by $test and by the explorer"; [ "$test" = explore ] && by="by the explorer"
        grep -q '^# explore: no' "$m" && by="by $test"
        echo "PASS $name: killed $by (${first:-see log})"
    fi
done
exit $survived
