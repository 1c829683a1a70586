#!/usr/bin/env python3
"""ne2k-rs's own diagnostic selftest: ping.py's 65000-byte pings (45 fragments each way), many
times, without XDP, with generic and with native XDP (the kernel's xdp_dummy), in each
direction; prints how many were answered, the round trips and the counters that moved, and
fails if any ping went unanswered within 2 s (ping.py allows 0.5 s; a 65000-byte round trip
on the 10 Mbit/s wire takes about 110 ms).

Not in the default lists: it takes about 3 minutes. Run it with
    scripts/selftests.sh --kdir KBUILD --drivers ne2k_rs --list ne2k-rs/bigping.py
SELFTESTS_BIGPING_N (default 40) sets the pings per case (the runner passes SELFTESTS_* into the guest). docs/selftests.md says what it showed.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.environ["SELFTESTS_DIR"], "drivers/net"))
from lib.py import NetDrvEpEnv, cmd, ethtool, ip  # noqa: E402

N = int(os.environ.get("SELFTESTS_BIGPING_N", "40"))

def stats(cfg, remote=False):
    """The interface's stats64 (the remote end's with remote=True)."""
    if remote:
        return ip(f"-s -s link show dev {cfg.remote_ifname}", json=True, host=cfg.remote)[0]["stats64"]
    return ip(f"-s -s link show dev {cfg.ifname}", json=True)[0]["stats64"]


def nic_stats(cfg):
    """ethtool -S of the card under test, as {name: value}."""
    text = ethtool(f"-S {cfg.ifname}").stdout
    return {k: int(v) for k, v in re.findall(r"^\s*(\w+):\s*(\d+)$", text, re.M)}


def run(cfg, label):
    lost = 0
    for d in ("l2r", "r2l"):
        ok, rtts = 0, []
        s0l, s0r = stats(cfg), stats(cfg, True)
        a = nic_stats(cfg)
        for _ in range(N):
            if d == "l2r":
                c = cmd(f"ping -s 65000 -c 1 -W2 {cfg.remote_addr_v['4']}", fail=False)
            else:
                c = cmd(f"ping -s 65000 -c 1 -W2 {cfg.addr_v['4']}", host=cfg.remote, fail=False)
            m = re.search(r"time=([0-9.]+) ms", c.stdout)
            if c.ret == 0 and m:
                ok += 1; rtts.append(float(m.group(1)))
            time.sleep(0.2)
        s1l, s1r = stats(cfg), stats(cfg, True)
        b = nic_stats(cfg)
        rtts.sort()
        lost += N - ok
        over = sum(1 for r in rtts if r > 500)
        print(f"# {label} {d}: {ok}/{N} answered within 2 s; >500 ms: {over}; rtt ms min/med/max "
              f"{rtts[0] if rtts else 0}/{rtts[len(rtts)//2] if rtts else 0}/{rtts[-1] if rtts else 0}", flush=True)
        print(f"#   local rx {s1l['rx']['packets']-s0l['rx']['packets']} tx {s1l['tx']['packets']-s0l['tx']['packets']}; "
              f"remote rx {s1r['rx']['packets']-s0r['rx']['packets']} tx {s1r['tx']['packets']-s0r['tx']['packets']}", flush=True)
        print("#   " + " ".join(f"{k}+{b[k]-a[k]}" for k in b if b[k] != a.get(k, 0) and k != "port_accesses"), flush=True)
        print(f"#   rtts {rtts}", flush=True)
    return lost

def main():
    with NetDrvEpEnv(__file__) as cfg:
        prog = cfg.net_lib_dir / "xdp_dummy.bpf.o"
        lost = run(cfg, "noxdp")
        cmd(f"ip link set dev {cfg.ifname} xdpgeneric obj {prog} sec xdp")
        time.sleep(2); lost += run(cfg, "generic")
        cmd(f"ip link set dev {cfg.ifname} xdpgeneric off")
        cmd(f"ip link set dev {cfg.ifname} xdp obj {prog} sec xdp")
        time.sleep(2); lost += run(cfg, "native")
        cmd(f"ip link set dev {cfg.ifname} xdp off")
    print(("ok" if lost == 0 else "not ok") + f" 1 bigping  # {lost} unanswered", flush=True)

main()
