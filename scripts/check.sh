#!/usr/bin/env bash
# The project's test command (make check): host tests, module metadata tests, guest tests.
# Prints one line per test and ends with "N passed, N failed".
#   check.sh --kdir KBUILD      everything
#   check.sh --host-only        cargo test only
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KDIR="" HOST_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --host-only) HOST_ONLY=1; shift;;
        *) die "unknown argument $1";;
    esac
done
PASS=0 FAIL=0
result() { # PASS|FAIL name
    if [ "$1" = PASS ]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
    printf '%s %s\n' "$1" "$2"
}

# The results of one guest boot of tests/guest/run-all.sh into OUT (its output in OUT.log, the
# runner's exit status RC): the failures' excerpts, a result per test named PREFIX::test, and a
# failure of the boot itself if the runner failed or no test reported.
#   guest_results PREFIX OUT RC
guest_results() {
    local prefix=$1 out=$2 rc=$3 r name
    grep -E '^    \| ' "$out.log" || true
    if [ -f "$out/guest-results.txt" ]; then
        while read -r r name; do
            case "$r" in
                PASS|FAIL) result "$r" "$prefix::$name";;
                # the guest froze in it (the host's watchdog): $out/hang-<name>.txt has the evidence
                *) result FAIL "$prefix::$name ($r, see $out/hang-${name//\//_}.txt)";;
            esac
        done <"$out/guest-results.txt"
    fi
    if [ "$rc" -ne 0 ] || [ ! -s "$out/guest-results.txt" ]; then
        result FAIL "$prefix::boot-and-run (exit $rc, see $out.log)"
        tail -40 "$out.log"
    fi
}

# ---- host: cargo test (chip logic against the software DP8390) ----
step "host tests (cargo test)"
log=$(mktemp)
(cd "$REPO" && cargo test --no-fail-fast -- --show-output 2>&1) | tee "$log" | grep -E '^test .* \.\.\. ' >/dev/null
# What the property runs covered (the explorer's schedules, the hostile fuzz's cases).
grep -E '^(explore-schedules|fuzz-cases): ' "$log" | sed 's/^/    /' >&2
while read -r _ name _ res; do
    case "$res" in ok) result PASS "host::$name";; FAILED) result FAIL "host::$name";; esac
done < <(grep -E '^test .* \.\.\. (ok|FAILED)$' "$log")
if ! grep -q '^test result: ok' "$log" || grep -q '^test result: FAILED' "$log" || grep -q '^error' "$log"; then
    grep -q '^test .* \.\.\. ' "$log" || result FAIL "host::cargo-test-build"
    tail -30 "$log"
fi
rm -f "$log"
done_step

# A host Python test (tests/host/, checks.py): a result per "PASS|FAIL <name>" line it prints,
# and a failure named NONE if it printed none.
#   python_checks SCRIPT NONE
python_checks() {
    local n=0 res name
    while read -r res name _; do
        case "$res" in PASS|FAIL) result "$res" "host::$name"; n=$((n + 1));; esac
    done < <(python3 "$REPO/tests/host/$1" 2>&1)
    [ $n -gt 0 ] || result FAIL "host::$2"
}

# ---- host: the report generator on a recorded trace fixture ----
step "host tests (report.py on tests/fixtures/stage-run)"
python_checks test_report.py report::no-output
done_step

# ---- host: the bench report on a recorded bench fixture ----
step "host tests (bench-report.py on tests/fixtures/bench-run)"
python_checks test_bench_report.py bench_report::no-output
done_step

# ---- host: the selftests report on the formats the kernel's driver selftests print ----
step "host tests (selftests-report.py)"
python_checks test_selftests_report.py selftests_report::no-output
done_step

# ---- host: the profile report (make profile) on synthetic plugin counts ----
step "host tests (profile-report.py)"
python_checks test_profile_report.py profile_report::no-output
done_step

# ---- host: the register-access split of a Bochs card log (make bench's port windows) ----
step "host tests (bochs/port-ops.py)"
python_checks test_port_ops.py port_ops::no-output
done_step

# ---- host: the host's watchdog over a guest (a stand-in emulator that freezes) ----
step "host tests (guest-watchdog.py)"
python_checks test_watchdog.py watchdog::no-output
done_step

# ---- host: labctl's hotplug request (device_del/device_add through a stand-in QEMU monitor) ----
step "host tests (labctl.py hotplug)"
python_checks test_labctl.py labctl::no-output
done_step

# ---- host: the module's layering (unsafe only in netdev/ and hw/port.rs, no import cycle) ----
step "host tests (layering of the module's sources)"
python_checks test_layering.py layering::no-output
done_step

# ---- host: rustdoc of the host crate (the chip logic and datapath the module compiles) ----
step "host rustdoc (cargo doc, warnings denied)"
if out=$(cd "$REPO" && RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -q 2>&1); then
    result PASS "host::rustdoc"
else
    result FAIL "host::rustdoc"; echo "$out" | tail -20
fi
done_step

# ---- host: every mutant of `make mutants` still applies to the tree (no build here) ----
step "host tests (tests/host/mutants/*.py apply)"
mt=$(mktemp -d)
for m in "$REPO"/tests/host/mutants/*.py; do
    name=$(basename "$m" .py)
    # each mutant edits datapath.rs or dp8390.rs: restore both first
    (cd "$REPO" && cp datapath.rs dp8390.rs "$mt/") &&
        (cd "$mt" && python3 "$m" >/dev/null 2>&1) && result PASS "host::mutant-applies::$name" ||
        result FAIL "host::mutant-applies::$name"
done
rm -rf "$mt"
done_step

if [ $HOST_ONLY = 0 ]; then
    # ---- module metadata ----
    KO="$REPO/ne2k_rs.ko"
    aliases=$(modinfo -F alias "$KO" 2>/dev/null | sort)
    want="pci:v000010ECd00008029sv*sd*bc*sc*i*
pci:v00001050d00000940sv*sd*bc*sc*i*
pci:v000011F6d00001401sv*sd*bc*sc*i*
pci:v00008E2Ed00003000sv*sd*bc*sc*i*
pci:v00004A14d00005000sv*sd*bc*sc*i*
pci:v00001106d00000926sv*sd*bc*sc*i*
pci:v000010BDd00000E34sv*sd*bc*sc*i*
pci:v00001050d00005A5Asv*sd*bc*sc*i*
pci:v000012C3d00000058sv*sd*bc*sc*i*
pci:v000012C3d00005598sv*sd*bc*sc*i*
pci:v00008C4Ad00001980sv*sd*bc*sc*i*"
    if [ "$aliases" = "$(echo "$want" | sort)" ]; then result PASS "module::modinfo-pci-aliases"
    else result FAIL "module::modinfo-pci-aliases"; echo "$aliases"; fi
    [ "$(modinfo -F license "$KO")" = GPL ] && result PASS "module::license" || result FAIL "module::license"
    # The ops tables are built in Rust (netdev/ops.rs): the module exports no Rust callback for C
    # to call, and its C shims hold no table.
    exported=$(nm "$KO" | awk '$2 == "T" && $3 ~ /^(ne2k_rs|rnet)_(ndo|ethtool)_/ {print $3}')
    tables=$(grep -nE 'struct (net_device|ethtool)_ops [a-z0-9_]+ *=' "$REPO"/netdev/*.c "$REPO"/tracing/*.c || true)
    if [ -z "$exported$tables" ]; then result PASS "module::ops-tables-in-rust"
    else result FAIL "module::ops-tables-in-rust"; echo "$exported$tables"; fi

    # ---- the kernel's Rust style and lints on the module's sources ----
    step "rustfmt (the kernel's .rustfmt.toml) and clippy (CLIPPY=1 module build)"
    srcs=()   # the driver's sources; not the bindings Kbuild generates (*_generated.rs)
    for f in "$REPO"/*.rs "$REPO"/hw/*.rs "$REPO"/tracing/*.rs "$REPO"/netdev/*.rs; do
        [[ $f == *_generated.rs ]] || srcs+=("$f")
    done
    if out=$(rustfmt --edition 2021 --config-path "$KDIR/source/.rustfmt.toml" --check "${srcs[@]}" 2>&1); then
        result PASS "module::rustfmt"
    else
        result FAIL "module::rustfmt"; echo "$out" | head -30
    fi
    # The command line changes, so Kbuild rebuilds the module's Rust with clippy-driver.
    out=$(make -s -C "$KDIR" M="$REPO" CLIPPY=1 modules 2>&1)
    if [ $? = 0 ] && ! grep -qE '^(warning|error)' <<<"$out"; then
        result PASS "module::clippy"
    else
        result FAIL "module::clippy"; grep -E '^(warning|error)' -A6 <<<"$out" | head -40
    fi
    done_step

    # ---- the guest tests' own test modules: irqnetpoll (t63: netpoll from a hard-IRQ timer),
    # freeze (the watchdog's own test: every CPU spins with interrupts off) ----
    for mod in irqnetpoll freeze; do
        step "test module (tests/guest/modules/$mod)"
        if out=$(make -s -C "$KDIR" M="$REPO/tests/guest/modules/$mod" modules 2>&1); then
            result PASS "module::$mod-builds"
        else
            result FAIL "module::$mod-builds"; echo "$out" | tail -20
        fi
        done_step
    done

    # ---- ne2k_rs built with Rust's debug assertions (overflow, the alignment of every raw-pointer
    # dereference) on this kernel, which has them off: t64 loads it ----
    step "ne2k_rs.ko with debug assertions (NE2K_RS_DEBUG_ASSERTIONS=y, for t64)"
    if build_module_copy "$REPO" "$REPO/.variants/debug-assertions" "$KDIR" "$REPO/.variants/debug-assertions.log" \
        NE2K_RS_DEBUG_ASSERTIONS=y; then
        result PASS "module::debug-assertions-builds"
    else
        result FAIL "module::debug-assertions-builds"
    fi
    done_step

    # ---- the host's watchdog: a guest that freezes costs its case, not the run ----
    step "host watchdog (a case that freezes the guest, then a normal one)"
    wout="$REPO/results/check-watchdog-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$wout"
    GUEST_TESTS="hang/t00_freeze.sh t10_probe_mac.sh" "$HERE/guest-run.sh" --kdir "$KDIR" \
        --watchdog 60 --timeout 900 --out "$wout" "$REPO/tests/guest/run-all.sh" >"$wout.log" 2>&1
    wrc=$?
    hang="$wout/hang-hang_t00_freeze.txt"
    if [ $wrc = 0 ] && grep -qx "HANG hang/t00_freeze" "$wout/guest-results.txt" 2>/dev/null; then
        result PASS "watchdog::freeze-is-hang"
    else
        result FAIL "watchdog::freeze-is-hang (exit $wrc, see $wout.log)"; tail -20 "$wout.log"
    fi
    # the NMI's panic: every CPU's backtrace, the spinning ones in freeze_spin
    if grep -q "freeze_spin" "$hang" 2>/dev/null && grep -qE "Kernel panic|NMI backtrace" "$hang"; then
        result PASS "watchdog::backtraces-in-evidence"
    else
        result FAIL "watchdog::backtraces-in-evidence (see $hang)"
    fi
    if grep -qx "PASS t10_probe_mac" "$wout/guest-results.txt" 2>/dev/null; then
        result PASS "watchdog::next-case-in-fresh-guest"
    else
        result FAIL "watchdog::next-case-in-fresh-guest (see $wout.log)"
    fi
    done_step

    # ---- the card hot-unplugged and plugged back by QEMU (device_del/device_add) under
    # traffic: its own boot, the card in a hot-pluggable PCIe root port ----
    step "guest test in a hot-pluggable slot (device_del/device_add under traffic)"
    hout="$REPO/results/check-hotplug-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$hout"
    GUEST_TESTS="hotplug/t00_device_del.sh" "$HERE/guest-run.sh" --kdir "$KDIR" --injector --hotplug \
        --watchdog "${CHECK_WATCHDOG:-300}" --timeout 900 --out "$hout" "$REPO/tests/guest/run-all.sh" \
        >"$hout.log" 2>&1
    guest_results guest "$hout" $?
    done_step

    # ---- guest tests: one boot runs them all ----
    step "guest tests"
    out="$REPO/results/check-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$out"
    "$HERE/guest-run.sh" --kdir "$KDIR" --injector --watchdog "${CHECK_WATCHDOG:-300}" \
        --timeout "${CHECK_TIMEOUT:-1500}" --out "$out" \
        "$REPO/tests/guest/run-all.sh" >"$out.log" 2>&1
    guest_results guest "$out" $?
    done_step

    # ---- the kernel's own driver selftests, a short subset: two cards on a 10 Mbit/s wire, the
    # peer (C ne2k-pci) in a netns (scripts/selftests.sh; `make selftests` runs them all) ----
    step "kernel driver selftests (subset: ping.py stats.py netpoll_basic.py)"
    sout="$REPO/results/check-selftests-$(date +%Y%m%d-%H%M%S)"
    "$HERE/selftests.sh" --kdir "$KDIR" --ko "$KO" --out "$sout" --drivers ne2k_rs \
        --list "${CHECK_SELFTESTS:-drivers/net/ping.py drivers/net/stats.py drivers/net/netpoll_basic.py}" \
        >"$sout.log" 2>&1
    src=$?
    if [ -s "$sout/selftests.json" ]; then
        # every case: a pass, a skip for the test's own reason or a listed xfail is a PASS here
        while read -r r name; do result "$r" "selftests::$name"; done < <(python3 -c '
import json, sys
for case, v in sorted(json.load(open(sys.argv[1]))["ne2k_rs"].items()):
    print("FAIL" if v in ("fail", "hang") else "PASS", case + ("" if v == "pass" else f" ({v})"))' "$sout/selftests.json")
    fi
    if [ ! -s "$sout/selftests.json" ] || { [ $src != 0 ] && ! grep -qE '"(fail|hang)"' "$sout/selftests.json"; }; then
        result FAIL "selftests::run (exit $src, see $sout.log)"
        tail -30 "$sout.log"
    fi
    done_step

    # ---- Debian 13's stock kernel (7.3.4+deb13-amd64, unmodified): ne2k_rs.ko built for it in a
    # trixie build root (scripts/debian-kernel.sh: Debian's rustc, source and config; its Rust
    # symbols checked against Debian's Module.symvers), then the guest tests that apply
    # (tests/guest/debian-skip) on Debian's vmlinuz and modules. CHECK_DEBIAN=0 skips it. ----
    if [ "${CHECK_DEBIAN:-1}" = 1 ]; then
        step "Debian's stock kernel: ne2k_rs.ko for 7.3.4+deb13-amd64 (trixie build root)"
        dout="$REPO/results/check-debian-$(date +%Y%m%d-%H%M%S)"
        mkdir -p "$dout"
        dko=""
        if "$HERE/debian-kernel.sh" module >"$dout.build.log" 2>&1; then
            dko=$(tail -1 "$dout.build.log")
            result PASS "debian::module-builds"
            grep -E '^    (Rust exports|modpost|vermagic)' "$dout.build.log" >&2 || true
        else
            result FAIL "debian::module-builds (see $dout.build.log)"; tail -20 "$dout.build.log"
        fi
        done_step
        if [ -n "$dko" ]; then
            step "guest tests on Debian's stock kernel (its vmlinuz and modules, ne2k_rs.ko built for it)"
            dpaths=$("$HERE/debian-kernel.sh" paths)
            dimg=$(awk -F= '$1 == "VMLINUZ" {print $2}' <<<"$dpaths")
            dsrc=$(awk -F= '$1 == "KSRC" {print $2}' <<<"$dpaths")
            skip=" $(awk '!/^#/ && NF {print $1}' "$REPO/tests/guest/debian-skip" | tr '\n' ' ')"
            GUEST_TESTS=$(cd "$REPO/tests/guest" && for t in t*.sh; do
                              [[ "$skip" == *" $t "* ]] || echo "$t"; done) \
                NE2K_RS_KO="$dko" "$HERE/guest-run.sh" --kimg "$dimg" --ksrc "$dsrc" \
                --watchdog "${CHECK_WATCHDOG:-300}" --timeout "${CHECK_DEBIAN_TIMEOUT:-1500}" \
                --out "$dout" "$REPO/tests/guest/run-all.sh" >"$dout.log" 2>&1
            guest_results debian "$dout" $?
            done_step
        fi
    fi

    # ---- guest tests on a card with a wire: one Bochs boot (scripts/bochs/boot.sh) ----
    # The tests that apply to Bochs' RTL8029 (no frame injector, no e100 there:
    # tests/guest/bochs-skip), and those written for a card whose transmit takes its wire time
    # (tests/guest/wire/). CHECK_BOCHS=0 skips them.
    if [ "${CHECK_BOCHS:-1}" = 1 ]; then
        step "guest tests in Bochs (RTL8029 with a 10 Mbit/s wire, 567 MHz instruction clock)"
        bout="$REPO/results/check-bochs-$(date +%Y%m%d-%H%M%S)"
        mkdir -p "$bout"
        skip=" $(awk '!/^#/ && NF {print $1}' "$REPO/tests/guest/bochs-skip" | tr '\n' ' ')"
        # (t99, the kernel-log check, last)
        GUEST_TESTS=$(cd "$REPO/tests/guest" && for t in $(ls t*.sh | grep -v '^t99') wire/t*.sh t99*.sh; do
                          [[ "$skip" == *" $t "* ]] || echo "$t"; done) \
            "$HERE/guest-run.sh" --kdir "$KDIR" --emu bochs --cpus 1 --watchdog "${CHECK_WATCHDOG:-300}" \
            --timeout "${CHECK_BOCHS_TIMEOUT:-1800}" \
            --out "$bout" "$REPO/tests/guest/run-all.sh" >"$bout.log" 2>&1
        guest_results bochs "$bout" $?
        done_step
    fi
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
