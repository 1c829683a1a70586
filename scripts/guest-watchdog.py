#!/usr/bin/env python3
"""Host-side watchdog of one guest boot (scripts/guest-run.sh --watchdog).

    guest-watchdog.py --live FILE --ledger FILE --hang FILE --pid PID --stall S
                      [--case-limit S] [--monitor SOCK] [--grace S]

A guest that freezes (a driver's deadlock with interrupts off, a lockup) can no longer run its
own timeouts, so only the host can end the case. The guest's case runners (scripts/guest/
cases.sh) print to a live channel the host reads while the guest runs (--live: QEMU's serial
console, Bochs' port-0xE9 stream):

    @@NE2K-CASE begin NAME            a case starts
    @@NE2K-CASE end NAME RESULT       it ended (PASS, FAIL, ...)
    @@NE2K-HB <guest seconds>         a heartbeat, every few guest seconds (guest-init.sh)

Every begin/end goes to the ledger (--ledger, "begin NAME" / "end NAME RESULT" lines), which the
next boot reads to skip what already ran. The guest hangs when the live channel is silent for
--stall seconds (host time), or a case runs longer than --case-limit: then the watchdog writes
--hang ("case NAME" or "case -" outside any case, and "why ..."), and with --monitor (QEMU's
HMP socket) sends an NMI, which the guest turns into a panic with every CPU's backtrace on its
console (guest-init.sh sets kernel.unknown_nmi_panic and panic_sys_info); with --bochs-ctl
(scripts/bochs/boot.sh's "<debugger fifo> <bochsrc>") it stops Bochs in its debugger and has it
print the CPU's registers and stack to the 0xE9 log. After --grace seconds of output settling it
kills --pid (the emulator). It exits when --pid is gone.
"""
import argparse
import os
import signal
import socket
import sys
import time


def nmi(path):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b"nmi\n")
        time.sleep(0.5)
        s.close()
        return True
    except OSError as e:
        print(f"guest-watchdog: no NMI through {path}: {e}", file=sys.stderr)
        return False


def bochs_state(ctl):
    """Stops Bochs in its debugger (SIGINT) and has it print the CPU's registers and the top of
    its stack, which go to its stdout, i.e. the 0xE9 log (--live)."""
    try:
        fifo, rc = open(ctl).read().split()
        pids = os.popen(f"pgrep -f -- 'bochs-bin -q -f {rc}'").read().split()
        if not pids:
            return False
        os.kill(int(pids[0]), signal.SIGINT)
        time.sleep(2)
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"r\nsreg\nprint-stack 48\n")
        os.close(fd)
        return True
    except (OSError, ValueError) as e:
        print(f"guest-watchdog: no CPU state from Bochs: {e}", file=sys.stderr)
        return False


def alive(pid):
    """The process runs (a zombie its parent has not reaped yet is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def kill_tree(pid):
    """The emulator and what it started (timeout -> vng -> qemu, or timeout -> bochs)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            kids = os.popen(f"pgrep -P {pid}").read().split()
            for k in kids:
                kill_tree(int(k))
            os.kill(pid, sig)
        except (ProcessLookupError, ValueError):
            return
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--live", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--hang", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--stall", type=float, required=True)
    ap.add_argument("--case-limit", type=float, default=0)
    ap.add_argument("--monitor")
    ap.add_argument("--grace", type=float, default=20)
    ap.add_argument("--bochs-ctl")
    a = ap.parse_args()

    pos, buf = 0, b""
    now = time.monotonic()
    last, case, case_t = now, None, now
    while alive(a.pid):
        time.sleep(1)
        now = time.monotonic()
        try:
            with open(a.live, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        if data:
            pos += len(data)
            last = now
            buf += data
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").strip("\r\n\0 ")
                i = line.find("@@NE2K-CASE ")
                if i < 0:
                    continue
                w = line[i:].split()
                if len(w) >= 3 and w[1] == "begin":
                    case, case_t = w[2], now
                    rec = f"begin {w[2]}"
                elif len(w) >= 4 and w[1] == "end":
                    case = None
                    rec = f"end {w[2]} {w[3]}"
                else:
                    continue
                with open(a.ledger, "a") as led:
                    led.write(rec + "\n")
        why = None
        if now - last > a.stall:
            why = f"no output from the guest for {a.stall:.0f} s"
        elif case and a.case_limit and now - case_t > a.case_limit:
            why = f"case {case} ran for more than {a.case_limit:.0f} s"
        if why is None:
            continue
        with open(a.hang, "w") as h:
            h.write(f"case {case or '-'}\nwhy {why}\n")
        print(f"guest-watchdog: hang in case {case or '-'}: {why}", file=sys.stderr, flush=True)
        if (a.monitor and nmi(a.monitor)) or (a.bochs_ctl and bochs_state(a.bochs_ctl)):
            # the panic's backtraces arrive on the console; wait until it has been quiet for 5 s
            end, quiet = time.monotonic() + a.grace, time.monotonic()
            size = os.path.getsize(a.live) if os.path.exists(a.live) else 0
            while time.monotonic() < end and time.monotonic() - quiet < 5 and alive(a.pid):
                time.sleep(1)
                s = os.path.getsize(a.live) if os.path.exists(a.live) else 0
                if s != size:
                    size, quiet = s, time.monotonic()
        kill_tree(a.pid)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
