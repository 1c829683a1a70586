#!/usr/bin/env python3
"""Host test of scripts/labctl.py's `hotplug` request (make stress's device_del/device_add of the
card), against a stand-in for QEMU's human monitor: a unix socket that prints a banner and a
prompt, answers `info pci` from its list of devices, removes the card some time after
`device_del` (as QEMU does once the guest has ejected it) and records every command. The reply
comes before the card goes; device_add comes only once the card is gone, with the card's own
options; a monitor that never drops the card gets no device_add; bad requests get errors."""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from checks import REPO, Checks

check = Checks("labctl")
LABCTL = os.path.join(REPO, "scripts/labctl.py")
NIC = "ne2k_pci,netdev=n0,mac=52:54:00:12:34:56,id=nic0"


class FakeMonitor:
    """QEMU's HMP on a unix socket: `info pci`, `device_del ID`, `device_add OPTS`."""

    def __init__(self, path, eject_after=0.5):
        self.path, self.eject_after = path, eject_after
        self.devices = {"nic0"}
        self.refuse = None  # device_del's error, if QEMU refuses it
        self.log = []  # (time, command, devices present when it came)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.sendall(b"QEMU 10.0.2 monitor - type 'help' for more information\r\n(qemu) ")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = c.recv(1024)
                if not chunk:
                    break
                buf += chunk
            line = buf.decode().strip()
            # QEMU's HMP echoes the line as a terminal would, escapes and all
            c.sendall("".join(line[:i] + "\x1b[K" + "\x1b[D" * i for i in range(1, len(line) + 1)).encode() + b"\r\n")
            self.log.append((time.monotonic(), line, set(self.devices)))
            out = ""
            if line == "info pci":
                out = "".join(f'  Bus  0, device   3, function 0:\r\n    Ethernet controller: PCI device 10ec:8029\r\n'
                              f'      id "{d}"\r\n' for d in sorted(self.devices))
            elif line.startswith("device_del ") and self.refuse:
                out = self.refuse
            elif line.startswith("device_del "):
                dev = line.split()[1]
                if self.eject_after is not None:
                    threading.Timer(self.eject_after, self.devices.discard, args=(dev,)).start()
            elif line.startswith("device_add "):
                opts = line.split(None, 1)[1]
                dev = dict(kv.split("=", 1) for kv in opts.split(",") if "=" in kv).get("id")
                if dev in self.devices:
                    out = f"Duplicate device ID '{dev}'\r\n"
                else:
                    self.devices.add(dev)
            c.sendall(out.encode() + b"(qemu) ")
            c.close()


def start(tmp, mon, nic=NIC):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    args = [sys.executable, LABCTL, "--ctrl", str(port), "--monitor", mon.path]
    if nic:
        args += ["--nic", nic]
    log = open(os.path.join(tmp, f"labctl-{port}.log"), "w+")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    return p, port, log


def request(port, text, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(text.encode(), ("127.0.0.1", port))
    try:
        return s.recv(512).decode()
    except socket.timeout:
        return None


def wait_for(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


with tempfile.TemporaryDirectory() as tmp:
    # the guest ejects the card 0.5 s after device_del
    mon = FakeMonitor(os.path.join(tmp, "mon.sock"), eject_after=0.5)
    p, port, log = start(tmp, mon)
    try:
        t0 = time.monotonic()
        reply = request(port, "hotplug 0.3")
        check("reply_before_the_card_goes", reply == "unplugging" and "nic0" in mon.devices, repr(reply))
        added = wait_for(lambda: any(c.startswith("device_add") for _, c, _ in mon.log), 10)
        cmds = [c for _, c, _ in mon.log if not c.startswith("info")]
        check("device_del_then_device_add", cmds == ["device_del nic0", "device_add " + NIC], repr(cmds))
        adds = [(t, devs) for t, c, devs in mon.log if c.startswith("device_add")]
        check("device_add_only_once_the_card_is_gone", added and adds and "nic0" not in adds[0][1]
              and adds[0][0] - t0 >= 0.5 + 0.3, repr(adds))
        check("card_back", wait_for(lambda: "nic0" in mon.devices, 5), repr(mon.devices))
        log.flush()
        wait_for(lambda: "device_add done" in open(log.name).read(), 5)
        check("log_says_done", "device_add done" in open(log.name).read(), open(log.name).read()[-300:])
        check("bad_gap_is_an_error", (request(port, "hotplug soon") or "").startswith("error:"))
    finally:
        p.kill()
        p.wait()

    # a card the guest never ejects: no device_add (it would be a duplicate)
    mon2 = FakeMonitor(os.path.join(tmp, "mon2.sock"), eject_after=None)
    p, port, log = start(tmp, mon2)
    try:
        request(port, "hotplug 0")
        time.sleep(3)
        cmds = [c for _, c, _ in mon2.log if not c.startswith("info")]
        check("no_device_add_while_the_card_is_there", cmds == ["device_del nic0"], repr(cmds))
    finally:
        p.kill()
        p.wait()

    # a bus without hotplug: QEMU refuses device_del; labctl logs QEMU's error and stops there
    mon4 = FakeMonitor(os.path.join(tmp, "mon4.sock"))
    mon4.refuse = "Error: Bus 'pcie.0' does not support hotplugging\r\n"
    p, port, log = start(tmp, mon4)
    try:
        request(port, "hotplug 0")
        wait_for(lambda: "does not support" in open(log.name).read(), 5)
        cmds = [c for _, c, _ in mon4.log]
        check("refused_device_del_is_logged", "does not support hotplugging" in open(log.name).read()
              and cmds == ["device_del nic0"], repr((cmds, open(log.name).read()[-200:])))
    finally:
        p.kill()
        p.wait()

    # no --nic: the request is refused, nothing sent to the monitor
    mon3 = FakeMonitor(os.path.join(tmp, "mon3.sock"))
    p, port, log = start(tmp, mon3, nic=None)
    try:
        reply = request(port, "hotplug 1") or ""
        check("no_card_id_is_an_error", reply.startswith("error:") and mon3.log == [], repr(reply))
    finally:
        p.kill()
        p.wait()

check.exit()
