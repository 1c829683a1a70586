#!/usr/bin/env bash
# A test case that freezes the guest on purpose (never in the normal lists): every CPU spins with
# interrupts off (tests/guest/modules/freeze). scripts/check.sh runs it first, before a normal
# test, to show the host's watchdog at work: this case must come out HANG, with the guest's
# backtraces naming freeze_spin, and the next case must run, and pass, in a fresh guest.
. "$(dirname "$0")/../lib.sh"
MOD="$(cd "$(dirname "$0")/.." && pwd)/modules/freeze/freeze.ko"
[ -f "$MOD" ] || fail "$MOD is not built (scripts/check.sh builds it against the guest kernel)"
note "loading freeze.ko: the guest stops here"
sync
insmod "$MOD"
fail "insmod freeze.ko returned: the guest did not freeze"
