#!/usr/bin/env bash
# Boots the lab kernel in Bochs (called by scripts/guest-run.sh with EMU=bochs, which starts the
# peer's servers and writes $OUT/.env and $OUT/.args first) and runs SCRIPT there.
#   bochs/boot.sh --kdir KBUILD | --kimg VMLINUZ --out OUT --timeout S --cpus 1|2 SCRIPT
# The machine: an i440FX PC with one RTL8029 (Bochs' `ne2k`, type=pci) on Bochs' slirp net
# (the peer, 10.0.2.2, is the host's loopback, as under QEMU), CPUS core2 CPUs at
# ips=567000000 with `clock: sync=none`: the guest's TSC runs at 567.000 MHz of instructions,
# so every cycle count is deterministic. It boots an isolinux CD with the bzImage, the cached
# rootfs (scripts/bochs/rootfs.sh) and a per-run cpio (the script, the module, the repo's guest
# scripts, OUT). The guest streams its output and finally OUT (tar|gzip|base64) through Bochs'
# port-0xE9 console to Bochs' stdout; this script prints the first, unpacks the second into OUT
# and keeps the serial console (the kernel's messages) in OUT/console.log, Bochs' own log in
# OUT/bochs.log.
# Exit status: 0 when OUT came back (the script's status is OUT/.status), 124 on the hard
# timeout, 125 when the guest never sent OUT back.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
KDIR="" KIMG="" OUT="" TIMEOUT=900 CPUS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kdir) KDIR=$2; shift 2;;
        --kimg) KIMG=$2; shift 2;;
        --out) OUT=$2; shift 2;;
        --timeout) TIMEOUT=$2; shift 2;;
        --cpus) CPUS=$2; shift 2;;
        -*) die "unknown option $1";;
        *) break;;
    esac
done
[ $# = 1 ] || die "usage: bochs/boot.sh --kdir KBUILD --out OUT --timeout S --cpus N SCRIPT"
SCRIPT=$1
case "$CPUS" in 1|2) ;; *) die "CPUS must be 1 or 2 for Bochs (got '$CPUS')";; esac
[ -f "$OUT/.env" ] || die "$OUT/.env missing (guest-run.sh writes it)"
command -v bochs-bin >/dev/null || die "bochs-bin not found: run 'make deps'"
for f in /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
         /usr/share/bochs/BIOS-bochs-latest /usr/share/bochs/VGABIOS-lgpl-latest; do
    [ -f "$f" ] || die "$f missing: run 'make deps'"
done
command -v genisoimage >/dev/null || die "genisoimage not found: run 'make deps'"

if [ -n "$KIMG" ]; then
    ROOTFS=$("$HERE/rootfs.sh" --kimg "$KIMG" | tail -1); BZIMAGE=$KIMG
else
    ROOTFS=$("$HERE/rootfs.sh" "$KDIR" | tail -1); BZIMAGE=$KDIR/arch/x86/boot/bzImage
fi
W=$(mktemp -d /tmp/ne2k-bochs.XXXXXX)
BOCHS_PID=""
cleanup() {
    [ -n "$BOCHS_PID" ] && kill "$BOCHS_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

# ---- the per-run cpio: OUT (with .env/.args), the script, the module, the repo's guest side ----
. "$OUT/.env"
R="$W/run"
mkdir -p "$R/run/ne2k" "$R$OUT" "$R$REPO/scripts" "$R$REPO/tests"
cp -a "$OUT/.env" "$OUT/.args" "$R$OUT/"
# the watchdog's ledger of the cases earlier boots of this run ended (scripts/guest/cases.sh)
[ -f "$OUT/.cases-ledger" ] && cp -a "$OUT/.cases-ledger" "$R$OUT/"
echo "$OUT" >"$R/run/ne2k/out"
echo "$SCRIPT" >"$R/run/ne2k/script"
cp -a "$REPO/scripts/guest" "$REPO/scripts/guest-init.sh" "$R$REPO/scripts/"
cp -a "$REPO/tests/guest" "$R$REPO/tests/"
mkdir -p "$R$(dirname "$SCRIPT")" "$R$(dirname "$NE2K_RS_KO")"
cp -a "$SCRIPT" "$R$SCRIPT"
cp -a "$NE2K_RS_KO" "$R$NE2K_RS_KO"
[ -n "${NE2K_RS_NOTRACE_KO:-}" ] && [ -f "$NE2K_RS_NOTRACE_KO" ] &&
    { mkdir -p "$R$(dirname "$NE2K_RS_NOTRACE_KO")"; cp -a "$NE2K_RS_NOTRACE_KO" "$R$NE2K_RS_NOTRACE_KO"; }
(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) >"$W/run.cpio"

# ---- the CD ----
mkdir -p "$W/iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$W/iso/isolinux/"
cp "$BZIMAGE" "$W/iso/bzimage"
ln "$ROOTFS" "$W/iso/rootfs.cpi" 2>/dev/null || cp "$ROOTFS" "$W/iso/rootfs.cpi"
cp "$W/run.cpio" "$W/iso/run.cpi"
LOGLEVEL=4; [ "${GUEST_VERBOSE:-0}" = 1 ] && LOGLEVEL=7
cat >"$W/iso/isolinux/isolinux.cfg" <<EOF
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /bzimage
  APPEND initrd=/rootfs.cpi,/run.cpi console=ttyS0,115200 rdinit=/init loglevel=$LOGLEVEL modprobe.blacklist=ne2k_pci panic=-1 clearcpuid=aperfmperf sysctl.net.ipv6.conf.all.disable_ipv6=1 sysctl.net.ipv6.conf.default.disable_ipv6=1 ${BOCHS_APPEND:-}
EOF
genisoimage -quiet -o "$W/lab.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
    -boot-load-size 4 -boot-info-table -J -R "$W/iso"

# ---- the machine ----
MAC=${NE2K_MAC:-52:54:00:12:34:56}
cat >"$W/bochsrc" <<EOF
config_interface: textconfig
display_library: rfb, options="timeout=0"
memory: guest=1024, host=1024
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model=core2_penryn_t9600, count=$CPUS, ips=567000000, reset_on_triple_fault=0
clock: sync=none, time0=1
pci: enabled=1, chipset=i440fx, slot1=ne2k
ne2k: type=pci, mac=$MAC, ethmod=slirp
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$W/lab.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$OUT/console.log
port_e9_hack: enabled=1
log: $OUT/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore${BOCHS_LOG_NE2K:+, ne2k0=report}
logprefix: %t%e%d
EOF
cp "$W/bochsrc" "$OUT/bochsrc"

# Bochs' debugger waits before the first instruction: `c` starts it; the guest's output arrives
# on Bochs' stdout through port 0xE9, one line at a time, between its own messages.
echo "==> bochs: $CPUS CPU(s) at 567 MHz (ips), script $(basename "$SCRIPT"), timeout ${TIMEOUT}s" >&2
mkfifo "$W/e9" "$W/in"
exec 7<>"$W/in"   # Bochs' stdin: held open (no EOF at its prompt) until it is gone
echo c >&7
# stdbuf: Bochs writes the 0xE9 bytes with stdio; line-buffered, each line arrives when the guest ends it.
( cd "$W" && exec timeout --kill-after=10 "$TIMEOUT" stdbuf -oL bochs-bin -q -f "$W/bochsrc" \
      <"$W/in" >"$W/e9" 2>"$OUT/bochs.stderr" ) &
BOCHS_PID=$!
# For the host's watchdog (guest-watchdog.py --bochs-ctl): Bochs' debugger input and its
# configuration (which names the process): a frozen guest's CPU state comes from the debugger.
echo "$W/in $W/bochsrc" >"$OUT/.bochs-ctl"
python3 - "$W/e9" "$OUT" <<'PY'
import base64, io, os, re, sys, tarfile
fifo, out = sys.argv[1:]
# Bochs' own lines on its stdout: the debugger's prompt, banner and per-CPU state lines
BOCHS = re.compile(r"<bochs:|Next at t=|\(\d+\) |\(bochs|Bochs is exiting|Bochs has|=+$|\s*Bochs x86|"
                   r"\s*Built from|\s*Timestamp:|Compiled on")
state, b64 = "log", []
with open(fifo, "rb") as f, open(os.path.join(out, "e9.log"), "wb") as log:
    for raw in f:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        # Bochs' debugger prompt and messages share stdout with the guest's 0xE9 bytes
        if state == "log":
            if "@@NE2K-OUT-BEGIN@@" in line:
                state = "out"
                continue
            log.write(raw)
            log.flush()   # the host's watchdog (guest-watchdog.py) follows this file
            if line.startswith("@@NE2K-HB") or line.startswith("@@NE2K-CASE"):
                pass
            elif line.startswith("@@NE2K-"):
                print(line, file=sys.stderr, flush=True)
            elif not BOCHS.match(line):
                print(line, flush=True)
        elif state == "out":
            if line.startswith("@@NE2K-OUT-END@@"):
                # (kept for a post-mortem until it has unpacked)
                open(os.path.join(out, ".e9-out.b64"), "w").write("\n".join(b64))
                data = base64.b64decode("".join(b64))
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
                    try:
                        t.extractall(out, filter="data")
                    except TypeError:  # a python without extraction filters
                        t.extractall(out)
                open(os.path.join(out, ".bochs-out-ok"), "w").close()
                os.unlink(os.path.join(out, ".e9-out.b64"))
                print("@@NE2K-OUT@@ %d bytes" % len(data), file=sys.stderr, flush=True)
                break
            # (a guest line that came in between, e.g. a heartbeat, is not part of it: b64decode
            # would take its letters)
            if not line.startswith("@@"):
                b64.append(line.strip())
PY
# the guest powers off after sending OUT; Bochs may stop at its debugger prompt instead of exiting
kill "$BOCHS_PID" 2>/dev/null; pkill -P "$BOCHS_PID" 2>/dev/null
set +e; wait "$BOCHS_PID"; rc=$?; set -e
BOCHS_PID=""
exec 7>&-
if [ -f "$OUT/.bochs-out-ok" ]; then exit 0; fi
[ $rc = 124 ] || [ $rc = 137 ] && { echo "bochs: hard timeout after ${TIMEOUT}s" >&2; exit 124; }
echo "bochs: the guest did not send OUT back (bochs exit $rc); see $OUT/console.log, $OUT/bochs.log" >&2
exit 125
