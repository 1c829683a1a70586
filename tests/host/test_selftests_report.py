#!/usr/bin/env python3
"""Host test of scripts/selftests-report.py: the three output formats of the kernel's driver
selftests (KTAP from the Python tests and from tests/selftests/, the forwarding library's
"TEST: ... [ OK ]" lines, net/netdevice.sh's PASS/FAIL lines), each as a real run printed it,
turned into results/selftests.json verdicts; the xfail list; the docs table; and the exit
status that `make selftests` takes from it (ne2k_rs fails a case, or does not pass one the C
driver passes)."""
import json
import os
import subprocess
import sys
import tempfile

from checks import REPO, Checks

check = Checks("selftests_report")
REPORT = os.path.join(REPO, "scripts/selftests-report.py")

PING = """# Interface: enp0s28, driver: ne2k_rs
TAP version 13
1..4
ok 1 ping.test_default_v4
# Exception| CMD[remote]: ip link set dev st-peer0 mtu 9000
not ok 2 ping.test_xdp_generic_mb
ok 3 ping.test_xdp_offload # SKIP device does not support offloaded XDP
ok 4 ping.test_own_xfail # XFAIL the test says so
# Totals: pass:1 fail:1 xfail:1 xpass:0 skip:1 error:0
"""
# A case listed with a condition ("when <text>") is xfail only when its log holds that text.
NETPOLL_RAMP = """TAP version 13
1..1
# Exception| Exception: iperf3 traffic did not ramp up
not ok 1 netpoll_basic.test_netpoll
"""
NETPOLL_OTHER = """TAP version 13
1..1
# Exception| net.lib.py.ksft.KsftFailEx: bpftrace failed to run!?: {}
not ok 1 netpoll_basic.test_netpoll
"""
ETHTOOL = """Error: ipv4: Address already assigned.
TEST: setup_wait_dev (: Interface st-peer0 does not come up.)       [FAIL]
TEST: force of same speed autoneg off                               [ OK ]
"""
NETDEVICE = """PASS: eth0: set interface up
PASS: eth0: set MAC address
XFAIL: eth0: ethtool -r not supported
FAIL: eth0: Failed to turn on feature: rx-gro-hw
FAIL: eth0: Cannot set MAC address
"""
CRASHED = "Traceback (most recent call last):\n  ...\n"


def write(d, drv, test, text, rc):
    p = os.path.join(d, "selftests", drv)
    os.makedirs(p, exist_ok=True)
    name = test.replace("/", "+")
    with open(os.path.join(p, name + ".log"), "w") as f:
        f.write(text)
    with open(os.path.join(p, name + ".rc"), "w") as f:
        f.write(f"{rc}\n")


def run(d, *args):
    return subprocess.run([sys.executable, REPORT, *args, d], capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    run_dir = os.path.join(tmp, "run")
    for drv in ("ne2k_rs", "ne2k-pci"):
        write(run_dir, drv, "drivers/net/ping.py", PING, 1)
        write(run_dir, drv, "drivers/net/hw/ethtool.sh", ETHTOOL, 1)
        write(run_dir, drv, "net/netdevice.sh", NETDEVICE, 0)
    write(run_dir, "ne2k_rs", "drivers/net/queues.py", CRASHED, 1)
    write(run_dir, "ne2k-pci", "drivers/net/queues.py", CRASHED, 4)
    write(run_dir, "ne2k_rs", "drivers/net/netpoll_basic.py", NETPOLL_RAMP, 1)
    write(run_dir, "ne2k-pci", "drivers/net/netpoll_basic.py", NETPOLL_OTHER, 1)
    xfail = os.path.join(tmp, "xfail.txt")
    with open(xfail, "w") as f:
        f.write("# comment\nping.test_xdp_generic_mb :: needs MTU 9000\n"
                "netdevice.Failed to turn on feature: rx-gro-hw :: fixed off\n"
                "netpoll_basic.test_netpoll :: when iperf3 traffic did not ramp up :: 10BASE-T\n")
    docs = os.path.join(tmp, "doc.md")
    with open(docs, "w") as f:
        f.write("intro\n<!-- selftests:begin -->\nold table\n<!-- selftests:end -->\nafter\n")
    js = os.path.join(tmp, "s.json")

    r = run(run_dir, "--xfail", xfail, "--json", js, "--docs", docs)
    check("runs", r.returncode == 0, r.stderr[-500:])
    v = json.load(open(js))
    rs = v.get("ne2k_rs", {})
    check("ktap_pass", rs.get("ping.test_default_v4") == "pass", str(rs))
    check("ktap_skip", rs.get("ping.test_xdp_offload") == "skip")
    check("ktap_own_xfail", rs.get("ping.test_own_xfail") == "xfail")
    check("listed_fail_is_xfail", rs.get("ping.test_xdp_generic_mb") == "xfail")
    check("forwarding_fail_named_without_its_detail",
          rs.get("ethtool.setup_wait_dev") == "fail", str(rs))
    check("forwarding_ok", rs.get("ethtool.force of same speed autoneg off") == "pass")
    check("netdevice_names_drop_the_interface", rs.get("netdevice.set interface up") == "pass", str(rs))
    check("netdevice_xfail", rs.get("netdevice.ethtool -r not supported") == "xfail")
    check("listed_case_with_spaces_is_xfail",
          rs.get("netdevice.Failed to turn on feature: rx-gro-hw") == "xfail", str(rs))
    check("netdevice_fail", rs.get("netdevice.Cannot set MAC address") == "fail", str(rs))
    check("no_result_lines_nonzero_is_fail", rs.get("queues") == "fail", str(rs))
    check("conditional_xfail_when_the_log_holds_the_text",
          rs.get("netpoll_basic.test_netpoll") == "xfail", str(rs))
    check("conditional_xfail_stays_fail_for_another_failure",
          v.get("ne2k-pci", {}).get("netpoll_basic.test_netpoll") == "fail", str(v.get("ne2k-pci")))
    check("no_result_lines_rc4_is_skip", v.get("ne2k-pci", {}).get("queues") == "skip")
    doc = open(docs).read()
    check("docs_table_replaced", "old table" not in doc and "| `ping.test_default_v4` |" in doc
          and doc.startswith("intro\n") and doc.endswith("<!-- selftests:end -->\nafter\n"), doc[:300])

    # The verdict make selftests exits with.
    r = run(run_dir, "--xfail", xfail, "--require", "ne2k_rs", "--baseline", "ne2k-pci")
    check("require_fails_on_a_fail", r.returncode == 1 and "queues fails" in r.stderr, r.stderr[-300:])
    clean = os.path.join(tmp, "clean")
    write(clean, "ne2k_rs", "drivers/net/ping.py", "TAP version 13\nok 1 a.x\nok 2 a.y # SKIP no\n", 0)
    write(clean, "ne2k-pci", "drivers/net/ping.py", "TAP version 13\nok 1 a.x\nok 2 a.y\n", 0)
    r = run(clean, "--require", "ne2k_rs", "--baseline", "ne2k-pci")
    check("require_fails_where_the_baseline_passes",
          r.returncode == 1 and "a.y is skip where ne2k-pci passes" in r.stderr, r.stderr[-300:])
    write(clean, "ne2k_rs", "drivers/net/ping.py", "TAP version 13\nok 1 a.x\nok 2 a.y\n", 0)
    r = run(clean, "--require", "ne2k_rs", "--baseline", "ne2k-pci")
    check("require_passes_when_nothing_fails", r.returncode == 0, r.stderr[-300:])

    # A test that froze the guest (the host's watchdog ended it, scripts/guest/selftests.sh left a
    # .hang beside its partial log): "hang", whatever the log says, and it fails --require.
    write(clean, "ne2k_rs", "drivers/net/netcons_basic.sh", "TEST: half way [ OK ]\n", 0)
    open(os.path.join(clean, "selftests", "ne2k_rs", "drivers+net+netcons_basic.sh.hang"), "w").close()
    r = run(clean, "--require", "ne2k_rs", "--json", js)
    hv = json.load(open(js)).get("ne2k_rs", {})
    check("hang_is_its_own_verdict", hv.get("netcons_basic") == "hang"
          and "netcons_basic.half way" not in hv, str(hv))
    check("require_fails_on_a_hang", r.returncode == 1 and "hung the guest" in r.stderr, r.stderr[-300:])

check.exit()
