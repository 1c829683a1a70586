#!/usr/bin/env bash
# ne2k-rs's own driver selftest (scripts/guest/selftests.sh, HW-mode environment: NETIF,
# LOCAL_V4, REMOTE_V4, REMOTE_TYPE=netns, REMOTE_ARGS): a system suspend and resume of the
# devices under traffic.
#   suspend.devices_under_traffic  a ping flood runs from the remote end; /sys/power/pm_test
#                                  = devices, then `echo mem` (or freeze) > /sys/power/state
#                                  suspends every device and resumes it; the link must carry
#                                  traffic afterwards, and the kernel log gain no warning
# KTAP output; exit 0 on pass, 1 on fail, 4 when the kernel has no PM test support.
set -u
NS=${REMOTE_ARGS:?REMOTE_ARGS (the remote netns) must be set}
: "${NETIF:?}" "${LOCAL_V4:?}" "${REMOTE_V4:?}"
echo "TAP version 13"
if [ ! -w /sys/power/pm_test ] || [ ! -w /sys/power/state ]; then
    echo "1..0 # SKIP no /sys/power/pm_test (CONFIG_PM_DEBUG, CONFIG_PM_SLEEP)"
    exit 4
fi
state=""
for s in mem freeze; do
    grep -qw $s /sys/power/state && { state=$s; break; }
done
[ -n "$state" ] || { echo "1..0 # SKIP /sys/power/state offers neither mem nor freeze"; exit 4; }
grep -qw devices /sys/power/pm_test || { echo "1..0 # SKIP pm_test has no 'devices' level"; exit 4; }
echo "1..1"
cleanup() {
    [ -n "${FLOOD:-}" ] && kill "$FLOOD" 2>/dev/null
    echo none >/sys/power/pm_test 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT
mark="ne2k-suspend-test-$$"
echo "$mark" >/dev/kmsg
ip netns exec "$NS" ping -q -f -s 1000 -w 40 "$LOCAL_V4" >"/tmp/$mark.flood" 2>&1 &
FLOOD=$!
sleep 2
echo devices >/sys/power/pm_test
t0=$(date +%s)
echo "$state" >/sys/power/state
rc=$?
echo none >/sys/power/pm_test
echo "# echo $state > /sys/power/state (pm_test=devices): exit $rc after $(( $(date +%s) - t0 )) s"
why=""
[ $rc = 0 ] || why="the suspend itself failed (exit $rc)"
# traffic both ways after the resume (give the link a few seconds)
ok=0
for _ in $(seq 10); do
    if ping -c 2 -i 0.3 -W 1 "$REMOTE_V4" >/dev/null 2>&1 &&
       ip netns exec "$NS" ping -c 2 -i 0.3 -W 1 "$LOCAL_V4" >/dev/null 2>&1; then
        ok=1; break
    fi
    sleep 1
done
[ $ok = 1 ] || why="${why:+$why; }no traffic through $NETIF after the resume"
kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null; FLOOD=""
echo "# flood: $(tail -2 "/tmp/$mark.flood" | head -1)"
rm -f "/tmp/$mark.flood"
bad=$(dmesg | sed -n "/$mark/,\$p" | grep -E 'WARNING:|BUG:|Oops|Call Trace:|ne2k.*(timed out|error)' | head -5)
[ -z "$bad" ] || { why="${why:+$why; }kernel log: $(echo "$bad" | head -1)"; echo "$bad" | sed 's/^/#   /'; }
dmesg | sed -n "/$mark/,\$p" | grep -iE "$NETIF|ne2k|PM: " | head -12 | sed 's/^/#   dmesg: /'
if [ -z "$why" ]; then echo "ok 1 suspend.devices_under_traffic"; else
    echo "# $why"; echo "not ok 1 suspend.devices_under_traffic"; exit 1; fi
