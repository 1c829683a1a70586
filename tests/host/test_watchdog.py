#!/usr/bin/env python3
"""Host test of scripts/guest-watchdog.py, the host's watchdog over a guest boot, with a stand-in
for the emulator (a process that writes what a guest would to its live channel, then goes
silent, as a frozen guest does) and for QEMU's monitor (a unix socket that records what it is
sent): the ledger gets every case's begin and end, a heartbeat keeps a quiet case alive, silence
makes the current case a hang, the monitor gets an NMI and the emulator is killed; a guest that
ends on its own leaves no hang. `make check` boots a real guest that freezes (watchdog::*)."""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from checks import REPO, Checks

check = Checks("watchdog")
WD = os.path.join(REPO, "scripts/guest-watchdog.py")

# A guest: case a passes, case b starts and its heartbeat goes on for 4 s (longer than the
# stall limit: a heartbeat is progress), then nothing, forever (a freeze).
FROZEN = r'''
import sys, time
live = open(sys.argv[1], "a", buffering=1)
live.write("boot noise\n@@NE2K-CASE begin a\n@@NE2K-CASE end a PASS\n@@NE2K-CASE begin wire/b\n")
for i in range(8):
    time.sleep(0.5)
    live.write(f"@@NE2K-HB {i}\n")
time.sleep(3600)
'''
# A guest that runs one case and powers off.
CLEAN = r'''
import sys, time
live = open(sys.argv[1], "a", buffering=1)
live.write("@@NE2K-CASE begin a\n")
time.sleep(1)
live.write("@@NE2K-CASE end a FAIL\n")
'''


def monitor(path, got):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    s.settimeout(30)
    try:
        c, _ = s.accept()
        got.append(c.recv(100).decode())
        c.close()
    except OSError:
        pass
    s.close()


def run(tmp, guest, **kw):
    live, ledger, hang = (os.path.join(tmp, n) for n in ("live.log", "ledger", "hang"))
    emu = subprocess.Popen([sys.executable, "-c", guest, live])
    args = [sys.executable, WD, "--live", live, "--ledger", ledger, "--hang", hang,
            "--pid", str(emu.pid), "--stall", "2", "--grace", "2"]
    for k, v in kw.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    t0 = time.monotonic()
    wd = subprocess.run(args, capture_output=True, text=True, timeout=60)
    emu.wait(timeout=10)
    took = time.monotonic() - t0
    read = lambda p: open(p).read() if os.path.exists(p) else ""
    return wd, read(ledger), read(hang), took, emu.returncode


results = {}


def frozen(tmp):
    mon, got = os.path.join(tmp, "mon.sock"), []
    th = threading.Thread(target=monitor, args=(mon, got))
    th.start()
    results["frozen"] = run(tmp, FROZEN, monitor=mon)
    th.join(timeout=40)
    results["nmi"] = got


def clean(tmp):
    results["clean"] = run(tmp, CLEAN)


def limited(tmp):
    # a case that keeps the heartbeat going but never ends: --case-limit
    results["limited"] = run(tmp, FROZEN.replace("range(8)", "range(100)"), case_limit=3)


# the three at once (each waits on its own clock)
with tempfile.TemporaryDirectory() as tmp:
    ths = []
    for f in (frozen, clean, limited):
        d = os.path.join(tmp, f.__name__)
        os.mkdir(d)
        ths.append(threading.Thread(target=f, args=(d,)))
        ths[-1].start()
    for t in ths:
        t.join(timeout=90)

wd, ledger, hang, took, emu_rc = results["frozen"]
got = results["nmi"]
check("ledger_has_each_case", ledger.splitlines() == ["begin a", "end a PASS", "begin wire/b"], repr(ledger))
check("silence_is_a_hang_of_the_current_case", hang.startswith("case wire/b\n") and "no output" in hang, repr(hang))
# the heartbeat ran 4 s past the case's start: only the silence after it counts
check("heartbeat_is_progress", took >= 5.5, f"hang declared after {took:.1f} s")
check("nmi_sent_to_the_monitor", got == ["nmi\n"], repr(got))
check("emulator_killed", emu_rc is not None and emu_rc < 0, f"rc {emu_rc}")
check("watchdog_exits_0", wd.returncode == 0, wd.stderr[-300:])

wd, ledger, hang, took, emu_rc = results["clean"]
check("clean_boot_no_hang", hang == "" and emu_rc == 0, repr(hang))
check("clean_boot_ledger", ledger.splitlines() == ["begin a", "end a FAIL"], repr(ledger))

wd, ledger, hang, took, emu_rc = results["limited"]
check("case_limit_is_a_hang", hang.startswith("case wire/b\n") and "more than 3 s" in hang, repr(hang))

check.exit()
