# The guest side of the host's watchdog (scripts/guest-watchdog.py), sourced by the runners that
# run a list of cases in one boot (tests/guest/run-all.sh, tests/guest/stress.sh,
# scripts/guest/selftests.sh):
#
#   case_done NAME     true if an earlier boot of this run already ended NAME (it passed, failed
#                      or hung the guest): the host's ledger $OUT/.cases-ledger says so; prints
#                      its result (PASS, FAIL, HANG)
#   case_begin NAME    tells the host NAME starts (a freeze from here on is NAME's)
#   case_end NAME RES  tells the host NAME ended with RES (one word)
#
# The messages go to the live channel guest-init.sh opened on fd 9 (QEMU's serial console,
# Bochs' port-0xE9 stream), which the host reads while the guest runs; without it (a runner
# started by hand) they go nowhere. NAME: one word, no spaces.
# A runner started inside another's case (t70 runs tests/guest/stress.sh) is part of that case:
# its own cases are not the host's.
CASES_NESTED=0
[ -n "${NE2K_IN_CASE:-}" ] && CASES_NESTED=1
case_done() {
    [ $CASES_NESTED = 0 ] && [ -f "$OUT/.cases-ledger" ] || return 1
    local r
    r=$(awk -v n="$1" '$1 == "end" && $2 == n {r = $3} END {if (r != "") print r}' "$OUT/.cases-ledger")
    [ -n "$r" ] || return 1
    echo "$r"
}
case_live() { { [ -e /proc/self/fd/9 ] && echo "@@NE2K-CASE $*" >&9; } 2>/dev/null; return 0; }
case_begin() { [ $CASES_NESTED = 1 ] && return 0; export NE2K_IN_CASE=$1; case_live begin "$1"; }
case_end() { [ $CASES_NESTED = 1 ] && return 0; unset NE2K_IN_CASE; case_live end "$1" "$2"; }
