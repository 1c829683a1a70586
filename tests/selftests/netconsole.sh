#!/usr/bin/env bash
# ne2k-rs's own driver selftest (run by scripts/guest/selftests.sh beside the kernel's, in the
# same HW-mode environment: NETIF, LOCAL_V4, REMOTE_V4, REMOTE_TYPE=netns, REMOTE_ARGS): a
# netconsole target bound to NETIF sends kernel messages to a UDP listener on the remote end,
# first on an idle link, then under a flood of traffic both ways, in the basic and the extended
# format. Every message must arrive, once, in order. Netconsole transmits through netpoll:
# ndo_start_xmit with interrupts off and, when the TX ring is busy, the NAPI poll at budget 0.
# KTAP output; exit 0 when every case passes, 1 otherwise, 4 when netconsole is unavailable.
set -u
N=${NETCONSOLE_MSGS:-200}
PORT=6666
CFG=/sys/kernel/config/netconsole
NS=${REMOTE_ARGS:?REMOTE_ARGS (the remote netns) must be set}
: "${NETIF:?}" "${LOCAL_V4:?}" "${REMOTE_V4:?}"
[ "${REMOTE_TYPE:-}" = netns ] || { echo "1..0 # SKIP needs REMOTE_TYPE=netns"; exit 4; }

echo "TAP version 13"
modprobe netconsole 2>/dev/null
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config 2>/dev/null
if [ ! -d $CFG ]; then
    echo "1..0 # SKIP netconsole with dynamic (configfs) targets is not available"
    exit 4
fi
command -v socat >/dev/null || { echo "1..0 # SKIP socat(1) is not available"; exit 4; }
echo "1..4"

RIF=$(ip -n "$NS" -j addr show to "$REMOTE_V4" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["ifname"])')
RMAC=$(ip -n "$NS" -j link show dev "$RIF" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[0]["address"])')
[ -n "$RMAC" ] || { echo "1..0 # SKIP cannot read the remote interface's MAC"; exit 4; }
WORK=$(mktemp -d)
OLD_LEVEL=$(awk '{print $1}' /proc/sys/kernel/printk)
OLD_DEVKMSG=$(cat /proc/sys/kernel/printk_devkmsg 2>/dev/null)
FLOOD=()
cleanup() {
    [ ${#FLOOD[@]} -gt 0 ] && kill "${FLOOD[@]}" 2>/dev/null
    [ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null
    [ -d $CFG/ne2k-test ] && { echo 0 >$CFG/ne2k-test/enabled; rmdir $CFG/ne2k-test; }
    echo "$OLD_LEVEL" >/proc/sys/kernel/printk
    [ -n "$OLD_DEVKMSG" ] && echo "$OLD_DEVKMSG" >/proc/sys/kernel/printk_devkmsg
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
# Messages reach a console only above the console log level (the lab boots quiet); and writes
# to /dev/kmsg are rate-limited (10 per 5 s per open file) unless printk_devkmsg is "on".
echo 8 >/proc/sys/kernel/printk
echo on >/proc/sys/kernel/printk_devkmsg 2>/dev/null

n=0 failed=0
# case NAME EXTENDED TRAFFIC
run_case() {
    local name=$1 ext=$2 traffic=$3 out=$WORK/$1.txt tag got missing dups order
    n=$((n + 1))
    tag="ne2k-nc-$name-$$"
    : >"$out"
    ip netns exec "$NS" socat -u UDP-RECV:$PORT,bind="$REMOTE_V4" "OPEN:$out,append" 2>/dev/null &
    LISTENER=$!
    mkdir $CFG/ne2k-test
    echo "$NETIF" >$CFG/ne2k-test/dev_name
    echo "$LOCAL_V4" >$CFG/ne2k-test/local_ip
    echo "$REMOTE_V4" >$CFG/ne2k-test/remote_ip
    echo "$RMAC" >$CFG/ne2k-test/remote_mac
    echo $PORT >$CFG/ne2k-test/remote_port
    echo "$ext" >$CFG/ne2k-test/extended
    if ! echo 1 >$CFG/ne2k-test/enabled; then
        echo "not ok $n netconsole.$name # could not enable the target"
        failed=1; kill $LISTENER; LISTENER=; rmdir $CFG/ne2k-test; return
    fi
    sleep 0.5
    FLOOD=()
    if [ "$traffic" = 1 ]; then
        ping -q -f -s 1400 -w 60 "$REMOTE_V4" >/dev/null 2>&1 &
        FLOOD+=($!)
        ip netns exec "$NS" ping -q -f -s 1000 -w 60 "$LOCAL_V4" >/dev/null 2>&1 &
        FLOOD+=($!)
        sleep 1
    fi
    txp0=$(cat "/sys/class/net/$NETIF/statistics/tx_packets")
    # Paced (a message per millisecond): the remote end is QEMU's card under the C driver,
    # whose receive ring a burst of 200 back-to-back frames overruns in a TCG guest; what is
    # tested is that ne2k_rs sends every one.
    python3 - "$tag" "$N" <<'PY'
import sys, time
tag, n = sys.argv[1], int(sys.argv[2])
with open("/dev/kmsg", "w") as k:
    for i in range(1, n + 1):
        k.write(f"<4>{tag} {i}\n")
        k.flush()
        time.sleep(0.001)
PY
    for _ in $(seq 100); do
        [ "$(grep -c "$tag " "$out")" -ge "$N" ] && break
        sleep 0.2
    done
    [ ${#FLOOD[@]} -gt 0 ] && kill "${FLOOD[@]}" 2>/dev/null
    FLOOD=()
    echo 0 >$CFG/ne2k-test/enabled
    rmdir $CFG/ne2k-test
    sleep 0.3
    kill $LISTENER 2>/dev/null; wait $LISTENER 2>/dev/null; LISTENER=
    # the sequence numbers, in arrival order
    grep -o "$tag [0-9]*" "$out" | awk '{print $2}' >"$WORK/seq"
    got=$(sort -un "$WORK/seq" | wc -l)
    dups=$(( $(wc -l <"$WORK/seq") - got ))
    missing=$(( N - got ))
    order=ok
    sort -n -c "$WORK/seq" 2>/dev/null || order=reordered
    txp1=$(cat "/sys/class/net/$NETIF/statistics/tx_packets")
    echo "# $name: $got of $N messages arrived, $dups duplicated, $order; $NETIF sent $((txp1 - txp0)) frames meanwhile"
    [ "$got" = "$N" ] || ip -n "$NS" -s link show dev "$RIF" | sed 's/^/#   remote: /'
    if [ "$missing" = 0 ] && [ "$dups" = 0 ] && [ "$order" = ok ]; then
        echo "ok $n netconsole.$name"
    else
        echo "not ok $n netconsole.$name"
        failed=1
    fi
}

run_case basic_idle 0 0
run_case basic_traffic 0 1
run_case extended_idle 1 0
run_case extended_traffic 1 1
echo "# Totals: $( [ $failed = 0 ] && echo "pass:$n fail:0" || echo "fail: see above")"
exit $failed
