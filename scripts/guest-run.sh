#!/usr/bin/env bash
# Boot the lab kernel under QEMU (TCG) with virtme-ng, or in Bochs, and run a script as root in
# the guest.
#
#   guest-run.sh --kdir KBUILD [--emu qemu|bochs] [--cpus N] [--timeout S] [--watchdog S]
#                [--no-e100] [--injector] [--pair] [--hotplug] [--out DIR] SCRIPT [ARGS...]
#   guest-run.sh --kdir KBUILD --interactive                     (QEMU only)
#   guest-run.sh --kimg VMLINUZ [--ksrc SRC] ... SCRIPT
#
# --kimg boots a kernel image that is not a build tree, e.g. Debian's stock vmlinuz from an
# unpacked linux-image package (scripts/debian-kernel.sh): virtme-ng takes its modules from the
# lib/modules/<release> beside it (usr/lib/modules/<release>/vmlinuz in a package) and links
# them into the guest's /lib/modules. KSRC is then --ksrc (default: none). NE2K_RS_KO must name
# a module built for that kernel.
#
# --emu (default $EMU, else qemu): qemu boots the build tree with virtme-ng on the host's
# userspace; bochs (scripts/bochs/boot.sh) boots it in Bochs 2.7 with an RTL8029 that has a
# 10 Mbit/s wire, on a 567 MHz clock of instructions, from a cached initramfs of the host's
# tools. The script contract below is the same for both; under Bochs there is no e100 card
# (E100_MAC is empty), no --injector and no port-access counting (LABCTL_PORT is empty), and
# EMU=bochs is in the environment. --cpus (default $CPUS, else 2 for QEMU, 1 for Bochs): 1 or 2.
#
# The guest sees the host's userspace (read-only) and gets:
#   - an ne2k_pci NIC (MAC $NE2K_MAC) and, unless --no-e100, an i82559er NIC (MAC $E100_MAC),
#     each on its own QEMU user network (slirp): the peer is 10.0.2.2, the host's loopback;
#   - in the script's environment: NE2K_RS_KO (path of the built module; set it to run another
#     build), GUEST_IP
#     (address/prefix for the interface under test), PEER_IP, IPERF3_PORT (an iperf3 server
#     listens on the peer at that port), UDP_ECHO_PORT / UDP_SINK_PORT (UDP echo and discard
#     servers on the peer),
#     NE2K_MAC, E100_MAC, KSRC (the kernel source: tools/, the ynl specs), OUT (a directory whose files come
#     back to the host; the runner prints where), REPO (the checkout);
#   - the C drivers load with `modprobe ne2k-pci` / `modprobe e100`;
#   - with --injector, the ne2k_pci card sits on a QEMU hub with slirp and a frame injector
#     (scripts/frame-injector.py) that sends arbitrary frames when the guest asks it on
#     10.0.2.2:INJECT_PORT (INJECT_PORT in the environment; empty without --injector);
#   - with --hotplug (QEMU only), the ne2k_pci card sits in a PCIe root port (q35's root bus has
#     no hotplug), so that the guest's labctl `hotplug` request can device_del and device_add it
#     (ACPI PCI hotplug); NE2K_HOTPLUG=1 in the environment;
#   - with --pair (QEMU only; for the kernel's driver selftests), instead of the slirp cards: two
#     ne2k_pci cards joined by scripts/wire.py, a 10 Mbit/s segment with nothing else on it
#     (PAIR_WIRE_MBPS, default 10: QEMU's card has no wire, so without it a burst from one card
#     overflows the other's ring), the card under test at PCI address PAIR_LOCAL_PCI (MAC
#     $NE2K_MAC) and its peer at PAIR_REMOTE_PCI (MAC PAIR_REMOTE_MAC); no e100, no slirp to
#     these cards; the wire's frame counts come back in $OUT/wire.txt;
#   - LABCTL_PORT: scripts/labctl.py on 10.0.2.2, which also counts the card's port accesses
#     as QEMU sees them ("trace-start" / "trace-stop").
# --watchdog S (default $GUEST_WATCHDOG, else 0: off): the host's watchdog (guest-watchdog.py,
# docs/lab.md): a guest silent for S seconds (no heartbeat, no case line on its live channel)
# is hung; its case is recorded as HANG with the console's tail (and, under QEMU, every CPU's
# backtrace from an NMI) in $OUT/hang-<case>.txt and $OUT/guest-hangs.txt, and a fresh guest
# goes on with the cases after it (scripts/guest/cases.sh), up to GUEST_MAX_BOOTS (6) boots
# within --timeout. GUEST_CASE_LIMIT (seconds, 0 = none): a case running longer is hung too.
# Exit status: the script's (of the last boot); 124 if the hard timeout hit; 125 if the guest
# never ran the script.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

KDIR="" KIMG="" KSRC_ARG="" TIMEOUT=900 E100=1 OUT="" INTERACTIVE=0 INJECTOR=0 PAIR=0 HOTPLUG=0 EMU=${EMU:-qemu} CPUS=${CPUS:-}
WATCHDOG=${GUEST_WATCHDOG:-0}
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --kimg) KIMG=$2; shift 2;;
        --ksrc) KSRC_ARG=$2; shift 2;;
        --watchdog) WATCHDOG=$2; shift 2;;
        --emu) EMU=$2; shift 2;;
        --cpus) CPUS=$2; shift 2;;
        --timeout) TIMEOUT=$2; shift 2;;
        --no-e100) E100=0; shift;;
        --injector) INJECTOR=1; shift;;
        --pair) PAIR=1; E100=0; shift;;
        --hotplug) HOTPLUG=1; shift;;
        --out) OUT=$2; shift 2;;
        --interactive) INTERACTIVE=1; shift;;
        --) shift; break;;
        -*) die "unknown option $1";;
        *) break;;
    esac
done
if [ -n "$KIMG" ]; then
    [ -z "$KDIR" ] || die "--kdir and --kimg do not go together"
    [ -f "$KIMG" ] || die "--kimg: no kernel image $KIMG"
    KIMG=$(readlink -f "$KIMG")
else
    need_kdir "$KDIR"
fi
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -ge 30 ] || die "TIMEOUT must be a whole number of seconds >= 30 (got '$TIMEOUT')"
[[ "$WATCHDOG" =~ ^[0-9]+$ ]] && { [ "$WATCHDOG" = 0 ] || [ "$WATCHDOG" -ge 30 ]; } ||
    die "--watchdog must be 0 (off) or a whole number of seconds >= 30 (got '$WATCHDOG')"
CASE_LIMIT=${GUEST_CASE_LIMIT:-0}
[[ "$CASE_LIMIT" =~ ^[0-9]+$ ]] || die "GUEST_CASE_LIMIT must be a whole number of seconds, 0 for none (got '$CASE_LIMIT')"
MAX_BOOTS=${GUEST_MAX_BOOTS:-6}
positive_int GUEST_MAX_BOOTS "$MAX_BOOTS"
if [ $INTERACTIVE = 0 ]; then
    [ $# -ge 1 ] || die "usage: guest-run.sh --kdir KBUILD [--timeout S] SCRIPT [ARGS...]"
    SCRIPT=$(readlink -f "$1"); shift
    [ -f "$SCRIPT" ] || die "script not found: $SCRIPT"
fi
case "$EMU" in
    qemu) CPUS=${CPUS:-2}
          command -v vng >/dev/null || die "vng (virtme-ng) not found: run 'make deps'";;
    bochs) CPUS=${CPUS:-1}; E100=0
           [ $INJECTOR = 0 ] || die "--injector needs QEMU's hub (EMU=qemu)"
           [ $PAIR = 0 ] || die "--pair needs QEMU's hub (EMU=qemu)"
           [ $HOTPLUG = 0 ] || die "--hotplug needs QEMU's monitor (EMU=qemu)"
           [ $INTERACTIVE = 0 ] || die "--interactive is QEMU only";;
    *) die "EMU must be qemu or bochs (got '$EMU')";;
esac
case "$CPUS" in 1|2) ;; *) die "CPUS must be 1 or 2 (got '$CPUS')";; esac
# NE2K_RS_KO: a module built elsewhere (e.g. against another kernel flavor); default the tree's.
KO=${NE2K_RS_KO:-"$REPO/ne2k_rs.ko"}
[ -f "$KO" ] || die "$KO not built: run 'make'"
KO=$(readlink -f "$KO")

NE2K_MAC=${NE2K_MAC:-52:54:00:12:34:56}
E100_MAC=${E100_MAC:-52:54:00:65:43:21}
[ $E100 = 1 ] || E100_MAC=""
[ $PAIR = 1 ] && [ $INJECTOR = 1 ] && die "--pair and --injector exclude each other"
PAIR_LOCAL_PCI="" PAIR_REMOTE_PCI="" PAIR_REMOTE_MAC=""
if [ $PAIR = 1 ]; then
    PAIR_LOCAL_PCI=0000:00:1c.0 PAIR_REMOTE_PCI=0000:00:1d.0 PAIR_REMOTE_MAC=52:54:00:12:34:57
    [[ "${PAIR_WIRE_MBPS:-10}" =~ ^[0-9]+(\.[0-9]+)?$ ]] && [ "${PAIR_WIRE_MBPS:-10}" != 0 ] ||
        die "PAIR_WIRE_MBPS must be a positive number of Mbit/s (got '${PAIR_WIRE_MBPS:-}')"
fi

if [ -z "$OUT" ]; then
    OUT="$REPO/results/guest-runs/$(date +%Y%m%d-%H%M%S)-$$"
fi
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)

# iperf3 server on the host's loopback: the guest reaches it as 10.0.2.2 through slirp.
# Free loopback ports of the given kind (tcp|udp), chosen by the kernel: free_port KIND [N]
# prints N distinct ones (all held open until printed).
free_port() {
    python3 -c 'import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
socks = [socket.socket(socket.AF_INET, kind) for _ in range(int(sys.argv[2]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1" "${2:-1}"
}
IPERF3_PORT=$(free_port tcp)
iperf3 -s -B 127.0.0.1 -p "$IPERF3_PORT" >"$OUT/iperf3-server.log" 2>&1 &
IPERF_PID=$!
# A UDP echo server on the host's loopback (the experiments' UDP workload): 10.0.2.2:UDP_ECHO_PORT.
read -r UDP_ECHO_PORT UDP_SINK_PORT LABCTL_PORT INJ_QEMU_PORT INJ_DATA_PORT < <(free_port udp 5)
python3 "$HERE/udp-echo.py" 127.0.0.1 "$UDP_ECHO_PORT" "$UDP_SINK_PORT" >"$OUT/udp-echo.log" 2>&1 &
PIDS=("$IPERF_PID" $!)
# Lab control (scripts/labctl.py) on 10.0.2.2:LABCTL_PORT: QEMU port-access counting through
# QEMU's monitor, and with --injector the frame injector.
MON_SOCK=$(mktemp -u /tmp/ne2k-mon.XXXXXX)
LABCTL=(python3 "$HERE/labctl.py" --ctrl "$LABCTL_PORT" --monitor "$MON_SOCK" --trace-log "$OUT/qemu-trace.log")
# The card under test (one card on the user network); with --hotplug in a root port, and its
# options (id included) go to labctl, which device_dels and device_adds it on the guest's request
NIC_DEV="ne2k_pci,netdev=n0,mac=$NE2K_MAC"
if [ $HOTPLUG = 1 ]; then
    [ $PAIR = 0 ] || die "--hotplug and --pair do not go together"
    NIC_DEV="$NIC_DEV,id=nic0,bus=hp0"
    LABCTL+=(--nic "$NIC_DEV")
fi
INJECT_PORT=""
if [ $INJECTOR = 1 ]; then
    LABCTL+=(--inject "$INJ_QEMU_PORT" "$INJ_DATA_PORT" "$NE2K_MAC")
    INJECT_PORT=$LABCTL_PORT
fi
if [ "$EMU" = qemu ]; then
    "${LABCTL[@]}" >"$OUT/labctl.log" 2>&1 &
    PIDS+=($!)
else
    LABCTL_PORT=""
fi
cleanup() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    rm -f "$MON_SOCK" "$OUT/qemu-trace.log"
}
trap cleanup EXIT

# The runner's exit once the emulator is gone: RC is the emulator's (124/137: the hard
# timeout), WHAT names it; the script's status from $OUT/.status, 125 if it never ran.
#   finish RC WHAT
finish() {
    if [ -s "$OUT/guest-hangs.txt" ]; then
        echo "guest-run: the guest hung $(wc -l <"$OUT/guest-hangs.txt") time(s), in: $(awk '{print $2}' "$OUT/guest-hangs.txt" | tr '\n' ' ')(see $OUT/hang-*.txt)" >&2
    fi
    if [ "$1" = 124 ] || [ "$1" = 137 ]; then
        echo "guest-run: hard timeout after ${TIMEOUT}s" >&2
        exit 124
    fi
    if [ ! -f "$OUT/.status" ]; then
        echo "guest-run: the guest did not run the script ($2 exit $1); see $OUT/console.log" >&2
        exit 125
    fi
    local status
    status=$(cat "$OUT/.status")
    echo "==> guest script exited $status after $(( $(date +%s) - t0 ))s ($2); results in $OUT" >&2
    exit "$status"
}

# The guest's own timeout for the script (guest-init.sh) runs on the guest's clock: under
# Bochs that clock is instructions at 567 MHz, slower than the wall clock, so the host's
# timeout is the bound and the guest's is set past it.
GUEST_TIMEOUT=$TIMEOUT
[ "$EMU" = bochs ] && GUEST_TIMEOUT=$(( TIMEOUT * 4 ))
cat >"$OUT/.env" <<ENV
export NE2K_RS_KO='$KO'
export GUEST_IP='10.0.2.15/24'
export PEER_IP='10.0.2.2'
export IPERF3_PORT='$IPERF3_PORT'
export UDP_ECHO_PORT='$UDP_ECHO_PORT'
export UDP_SINK_PORT='$UDP_SINK_PORT'
export LABCTL_PORT='$LABCTL_PORT'
export INJECT_PORT='$INJECT_PORT'
export NE2K_MAC='$NE2K_MAC'
export E100_MAC='$E100_MAC'
export PAIR_LOCAL_PCI='$PAIR_LOCAL_PCI'
export PAIR_REMOTE_PCI='$PAIR_REMOTE_PCI'
export PAIR_REMOTE_MAC='$PAIR_REMOTE_MAC'
export OUT='$OUT'
export REPO='$REPO'
export KSRC='$(if [ -n "$KIMG" ]; then echo "$KSRC_ARG"; else readlink -f "$KDIR/source" 2>/dev/null || echo "$KDIR"; fi)'
export GUEST_TIMEOUT='$GUEST_TIMEOUT'
export EMU='$EMU'
export GUEST_HEARTBEAT='$([ "$WATCHDOG" = 0 ] && echo 0 || echo 5)'
export CPUS='$CPUS'
export NE2K_HOTPLUG='$HOTPLUG'
export EXP_COUNT='${EXP_COUNT:-1100}'
$(for v in $(compgen -v | grep -E '^(BENCH_|STRESS_|IRQSOFF_|SELFTESTS_|PROFILE_|EXP_DRIVERS$|EXP_XCHECK_ONLY$|EXP_CLOCK$|GUEST_TESTS$|NE2K_RS_NOTRACE_KO$|NE2K_RS_NOSTATS_KO$)'); do printf "export %s=%q\n" "$v" "${!v}"; done)
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:\$PATH"
ENV

printf '%q ' "$@" >"$OUT/.args"

if [ $PAIR = 1 ]; then
    # the two cards, each on a dgram socket to scripts/wire.py (the peer is the other card)
    read -r PQA PWA PQB PWB < <(free_port udp 4)
    python3 "$HERE/wire.py" --a "$PQA" "$PWA" --b "$PQB" "$PWB" --mbps "${PAIR_WIRE_MBPS:-10}" \
        --log "$OUT/wire.txt" >"$OUT/wire.log" 2>&1 &
    PIDS+=($!)
    dgram() { echo "dgram,id=$1,local.type=inet,local.host=127.0.0.1,local.port=$2,remote.type=inet,remote.host=127.0.0.1,remote.port=$3"; }
    QOPTS="-device ne2k_pci,netdev=p0,mac=$NE2K_MAC,addr=0x1c -netdev $(dgram p0 "$PQA" "$PWA")"
    QOPTS="$QOPTS -device ne2k_pci,netdev=p1,mac=$PAIR_REMOTE_MAC,addr=0x1d -netdev $(dgram p1 "$PQB" "$PWB")"
elif [ $INJECTOR = 1 ]; then
    # hub 0: the card, slirp and the injector's dgram socket
    QOPTS="-device $NIC_DEV -netdev hubport,id=n0,hubid=0"
    QOPTS="$QOPTS -netdev user,id=u0 -netdev hubport,id=h0u,hubid=0,netdev=u0"
    QOPTS="$QOPTS -netdev dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=$INJ_QEMU_PORT"
    QOPTS="$QOPTS,remote.type=inet,remote.host=127.0.0.1,remote.port=$INJ_DATA_PORT"
    QOPTS="$QOPTS -netdev hubport,id=h0d,hubid=0,netdev=d0"
else
    QOPTS="-device $NIC_DEV -netdev user,id=n0"
fi
[ $HOTPLUG = 1 ] && QOPTS="-device pcie-root-port,id=hp0,chassis=1 $QOPTS"
QOPTS="$QOPTS -monitor unix:$MON_SOCK,server,nowait -D $OUT/qemu-trace.log"
[ $E100 = 1 ] && QOPTS="$QOPTS -device i82559er,netdev=n1,mac=$E100_MAC -netdev user,id=n1"
# GUEST_QEMU_OPTS: more QEMU options, e.g. "-icount shift=0,sleep=off" (guest time = instructions
# executed: timing inside the guest no longer depends on how busy the host is)
QOPTS="$QOPTS ${GUEST_QEMU_OPTS:-}"
# root=/dev/root: 7.x mounts the 9p root on nullfs and needs the tag named explicitly.
# modprobe.blacklist: the guest's udev must not autoload the C drivers onto the cards (tests and
# experiments choose the driver); an explicit `modprobe ne2k-pci` still works.
VNG=(vng --run "${KIMG:-$KDIR}" --disable-kvm --disable-microvm --cpus "$CPUS" --memory 1G --user root --append=root=/dev/root
     --append=modprobe.blacklist=ne2k_pci,e100
     # IPv6 off on every interface (no RS/MLD/DAD frames in the measurements); selftests.sh
     # turns it on for the cards it tests
     --append=sysctl.net.ipv6.conf.all.disable_ipv6=1 --append=sysctl.net.ipv6.conf.default.disable_ipv6=1
     "--rwdir=$OUT" "--qemu-opts=$QOPTS")
# GUEST_VERBOSE=1: the kernel log on the console too (oopses and panics end up in console.log).
# With the watchdog the serial console comes to console.log as well, but at loglevel 1: only
# what a panic prints (it raises the level itself), i.e. the backtraces of a frozen guest.
if [ "${GUEST_VERBOSE:-0}" = 1 ]; then VNG+=(--verbose)
elif [ "$WATCHDOG" != 0 ]; then VNG+=(--verbose --append=loglevel=1); fi

if [ $INTERACTIVE = 1 ]; then
    echo "guest shell: run 'source $OUT/.env' for NE2K_RS_KO, GUEST_IP, PEER_IP, IPERF3_PORT, OUT" >&2
    "${VNG[@]}"
    exit $?
fi

# One boot of the guest, for at most $1 seconds; its exit status, as finish() takes it.
#   boot_once SECONDS
boot_once() {
    local secs=$1 pid wd="" rc live
    if [ "$EMU" = bochs ]; then
        live="$OUT/e9.log"
        "$HERE/bochs/boot.sh" $([ -n "$KIMG" ] && echo --kimg "$KIMG" || echo --kdir "$KDIR") --out "$OUT" --timeout "$secs" --cpus "$CPUS" "$SCRIPT" &
    else
        live="$OUT/console.log"
        # through a pipe: QEMU reopens /proc/self/fd/1 and 2 for the script's ports and the
        # serial console, which on a regular file would truncate it and write over each other
        timeout --kill-after=10 "$secs" "${VNG[@]}" --exec "bash $HERE/guest-init.sh $OUT $SCRIPT" \
            </dev/null > >(cat >"$OUT/console.log") 2>&1 &
    fi
    pid=$!
    if [ "$WATCHDOG" != 0 ]; then
        local mon=(--monitor "$MON_SOCK"); [ "$EMU" = bochs ] && mon=(--bochs-ctl "$OUT/.bochs-ctl")
        rm -f "$OUT/.bochs-ctl"
        python3 "$HERE/guest-watchdog.py" --live "$live" --ledger "$OUT/.cases-ledger" --hang "$OUT/.hang" \
            --pid "$pid" --stall "$WATCHDOG" --case-limit "$CASE_LIMIT" "${mon[@]}" &
        wd=$!
    fi
    wait "$pid"; rc=$?
    [ -n "$wd" ] && { kill "$wd" 2>/dev/null; wait "$wd" 2>/dev/null; }
    return $rc
}

# A hang the watchdog reported ($OUT/.hang): the case gets "end CASE HANG" in the ledger (the
# next boot skips it), a line in $OUT/guest-hangs.txt ("HANG case why") and its evidence in
# $OUT/hang-<case>.txt: the last 200 lines of the console (with the backtraces the NMI gave).
# The boot's console goes to console-boot<N>.log. Returns 1 when no fresh boot can help (the
# hang was outside any case, or in a case that already hung once).
#   record_hang BOOT
record_hang() {
    local n=$1 case why file
    case=$(sed -n 's/^case //p' "$OUT/.hang"); why=$(sed -n 's/^why //p' "$OUT/.hang")
    rm -f "$OUT/.hang"
    file="$OUT/hang-${case//\//_}.txt"
    {
        echo "guest hang in case $case (boot $n): $why"
        echo "---- the last 200 lines of the guest's console ----"
        tail -200 "$OUT/console.log" 2>/dev/null
        if [ "$EMU" = bochs ]; then
            echo "---- the last 80 lines of its port-0xE9 stream (with Bochs' debugger: registers, stack) ----"
            tail -80 "$OUT/e9.log" 2>/dev/null
            echo "---- kernel addresses in it ----"
            tail -80 "$OUT/e9.log" 2>/dev/null | python3 "$HERE/bochs/ksyms.py" "${KDIR:+$KDIR/System.map}" 2>&1
        fi
    } >"$file"
    for f in console.log e9.log; do [ -f "$OUT/$f" ] && mv "$OUT/$f" "$OUT/${f%.log}-boot$n.log"; done
    echo "HANG $case $why" >>"$OUT/guest-hangs.txt"
    echo "guest-run: the guest hung in case $case ($why); evidence in $file" >&2
    [ "$case" != - ] || return 1
    grep -qx "end $case HANG" "$OUT/.cases-ledger" 2>/dev/null && return 1
    echo "end $case HANG" >>"$OUT/.cases-ledger"
    return 0
}

echo "==> guest: $(basename "$SCRIPT") (timeout ${TIMEOUT}s$([ "$WATCHDOG" = 0 ] || echo ", watchdog ${WATCHDOG}s"), results in $OUT)" >&2
t0=$(date +%s)
rm -f "$OUT/.cases-ledger" "$OUT/guest-hangs.txt" "$OUT/.hang"
set +e
boot=1
while :; do
    rm -f "$OUT/.status" "$OUT/.bochs-out-ok"
    left=$(( t0 + TIMEOUT - $(date +%s) ))
    [ $left -ge 30 ] || { rc=124; break; }
    boot_once "$left"; rc=$?
    [ -f "$OUT/.hang" ] || break
    record_hang $boot || break
    [ $boot -lt "$MAX_BOOTS" ] || { echo "guest-run: $MAX_BOOTS boots, giving up" >&2; break; }
    boot=$((boot + 1))
    echo "==> guest: boot $boot, going on after the hung case" >&2
done
set -e
if [ "$EMU" = bochs ]; then
    finish $rc bochs
fi
# virtme-ng relays the script's output only when the guest's udev made its I/O ports; the
# guest also keeps a copy, so show whichever has it.
if [ -f "$OUT/guest.log" ]; then cat "$OUT/guest.log"; elif [ -f "$OUT/console.log" ]; then cat "$OUT/console.log"; fi
finish $rc vng
