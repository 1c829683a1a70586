#!/usr/bin/env bash
# Runs every tests/guest/t*.sh (or those named in $GUEST_TESTS, relative to tests/guest, e.g.
# wire/t80_bursts.sh) in this guest; one result line
# per test in $OUT/guest-results.txt ("PASS name" / "FAIL name" / "HANG name"), output in
# $OUT/<name>.log. Each test is a case of the host's watchdog (scripts/guest/cases.sh): a test
# that froze an earlier boot of this run is HANG here, and one that ended there keeps its result.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$REPO/scripts/guest/cases.sh"
: > "$OUT/guest-results.txt"
tests=${GUEST_TESTS:-$(cd "$HERE" && ls t*.sh)}
for t in $tests; do
    name=${t%.sh}
    if r=$(case_done "$name"); then
        echo "$r $name" >> "$OUT/guest-results.txt"
        printf '%s %-28s (ended in an earlier boot of this run)\n' "$r" "$name"
        continue
    fi
    mkdir -p "$OUT/$(dirname "$name")"   # tests in a subdirectory (wire/: Bochs only)
    start=$(date +%s)
    case_begin "$name"
    if timeout 600 bash "$HERE/$t" >"$OUT/$name.log" 2>&1; then r=PASS; else r=FAIL; fi
    # each test starts from no NIC driver loaded: a test that fails half-way (fail exits at once)
    # must not leave its module behind for the next one (inside the case: an rmmod that hangs
    # is this test's)
    unload_all
    case_end "$name" $r
    echo "$r $name" >> "$OUT/guest-results.txt"
    printf '%s %-28s %3ss\n' "$r" "$name" "$(( $(date +%s) - start ))"
    [ $r = FAIL ] && sed 's/^/    | /' "$OUT/$name.log" | tail -15
done
exit 0
