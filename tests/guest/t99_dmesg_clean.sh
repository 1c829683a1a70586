#!/usr/bin/env bash
# After everything above: no WARN/BUG/Oops/refcount/leak reports in the kernel log.
. "$(dirname "$0")/lib.sh"
unload_all
bad=$(dmesg_problems)
[ -z "$bad" ] || { echo "$bad" | head -20; fail "kernel reported problems"; }
note "dmesg clean ($(dmesg | wc -l) lines)"
