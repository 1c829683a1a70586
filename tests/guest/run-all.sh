#!/usr/bin/env bash
# Runs every tests/guest/t*.sh (or those named in $GUEST_TESTS, relative to tests/guest, e.g.
# wire/t80_bursts.sh) in this guest; one result line
# per test in $OUT/guest-results.txt ("PASS name" / "FAIL name"), output in $OUT/<name>.log.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
: > "$OUT/guest-results.txt"
tests=${GUEST_TESTS:-$(cd "$HERE" && ls t*.sh)}
for t in $tests; do
    name=${t%.sh}
    mkdir -p "$OUT/$(dirname "$name")"   # tests in a subdirectory (wire/: Bochs only)
    start=$(date +%s)
    if timeout 600 bash "$HERE/$t" >"$OUT/$name.log" 2>&1; then r=PASS; else r=FAIL; fi
    echo "$r $name" >> "$OUT/guest-results.txt"
    printf '%s %-28s %3ss\n' "$r" "$name" "$(( $(date +%s) - start ))"
    [ $r = FAIL ] && sed 's/^/    | /' "$OUT/$name.log" | tail -15
    # each test starts from no NIC driver loaded: a test that fails half-way (fail exits at once)
    # must not leave its module behind for the next one
    unload_all
done
exit 0
