#!/usr/bin/env bash
# make selftests: the kernel's network driver selftests (tools/testing/selftests/drivers/net/,
# HW mode) and ne2k-rs's own (tests/selftests/), for ne2k_rs and for the C ne2k-pci on the same
# card, in one QEMU boot of the given kernel:
#   - two ne2k_pci cards joined by a 10 Mbit/s wire (scripts/wire.py): the card under test, and
#     its peer (always the C ne2k-pci) in the network namespace "st-remote" as the remote end;
#   - the selftests built from the kernel's source (scripts/build-selftests.sh);
#   - ne2k_rs.ko built against that kernel into the run directory, or --ko's (a module already
#     built against KBUILD, e.g. make check's).
#
#   selftests.sh --kdir KBUILD [--ko MODULE] [--out DIR] [--drivers "ne2k_rs ne2k-pci"]
#                [--list "TESTS"] [--json FILE --md FILE --docs FILE]
#
# --list: the tests (paths under the selftests install, or ne2k-rs/<file> for tests/selftests/),
# default: scripts/guest/selftests.sh's list. Verdicts (scripts/selftests-report.py, with
# tests/selftests/xfail.txt naming the failures that belong to the hardware or the emulator):
# --json ({driver: {case: pass|fail|skip|xfail}}), --md (a table), --docs (the table between
# the markers in that file). Exit status: the report's (1 if ne2k_rs fails a case, or does not
# pass one the C driver passes), or the guest's if the run itself failed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

KDIR="" KO="" OUT="" DRIVERS="ne2k_rs ne2k-pci" LIST="" JSON="" MD="" DOCS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --ko) KO=$2; shift 2;;
        --out) OUT=$2; shift 2;;
        --drivers) DRIVERS=$2; shift 2;;
        --list) LIST=$2; shift 2;;
        --json) JSON=$2; shift 2;;
        --md) MD=$2; shift 2;;
        --docs) DOCS=$2; shift 2;;
        *) die "unknown argument $1 (see the header of $0)";;
    esac
done
need_kdir "$KDIR"
for d in $DRIVERS; do
    case "$d" in ne2k_rs|ne2k-pci) ;; *) die "--drivers: unknown driver '$d' (ne2k_rs, ne2k-pci)";; esac
done
[ -n "$DRIVERS" ] || die "--drivers is empty"
OUT=${OUT:-"$REPO/results/selftests-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)

if [ -n "$KO" ]; then
    [ -f "$KO" ] || die "--ko: $KO not found"
    KO=$(readlink -f "$KO")
else
    step "ne2k_rs.ko against $(basename "$KDIR")"
    build_module_copy "$REPO" "$OUT/module" "$KDIR" "$OUT/module.log" ||
        die "module build failed (log: $OUT/module.log)"
    done_step
    KO="$OUT/module/ne2k_rs.ko"
fi
KST=$("$HERE/build-selftests.sh" "$KDIR" | tail -1)

step "guest: selftests for $DRIVERS (log: $OUT/guest.log)"
rc=0
NE2K_RS_KO="$KO" SELFTESTS_DIR="$KST" SELFTESTS_LIST="$LIST" \
    "$HERE/guest-run.sh" --kdir "$KDIR" --pair --watchdog "${SELFTESTS_WATCHDOG:-300}" --timeout "${SELFTESTS_TIMEOUT:-3600}" \
    --out "$OUT/guest" "$HERE/guest/selftests.sh" $DRIVERS >"$OUT/guest.log" 2>&1 || rc=$?
done_step
grep -E '^(===|---|    (not )?ok |    # Totals)' "$OUT/guest.log" >&2 || true
if [ $rc != 0 ]; then
    tail -30 "$OUT/guest.log" >&2
    die "the selftests run failed (exit $rc); see $OUT/guest.log"
fi

args=(--xfail "$REPO/tests/selftests/xfail.txt" --md "$OUT/selftests.md" --json "$OUT/selftests.json")
[ -n "$JSON" ] && args+=(--json "$JSON")
[ -n "$MD" ] && args+=(--md "$MD")
[ -n "$DOCS" ] && args+=(--docs "$DOCS")
case " $DRIVERS " in *" ne2k_rs "*) args+=(--require ne2k_rs);; esac
case " $DRIVERS " in *" ne2k-pci "*) args+=(--baseline ne2k-pci);; esac
python3 "$HERE/selftests-report.py" "${args[@]}" "$OUT/guest"
