#!/usr/bin/env bash
# The Bochs guest's root file system: an initramfs (newc cpio) built from this host's Debian
# packages, cached like the kernel under $NE2K_RS_CACHE/bochs/rootfs-<key>.cpio, key = hash of
# this script, the init, the e9 helper, the versions of the packages copied and the kernel build.
#   usage: bochs/rootfs.sh KDIR                prints the cpio's path (last line on stdout)
#          bochs/rootfs.sh --kimg VMLINUZ      a packaged kernel (e.g. Debian's): its modules are
#                                              the lib/modules/<release> beside the image
# Contents: busybox-static for the basics; bash, iproute2, iputils ping, iperf3, ethtool, kmod,
# gawk, grep, sed, coreutils' timeout, util-linux' taskset/dmesg, perf and a python3 with the
# stdlib modules the guest scripts import, each with the shared libraries ldd names; the kernel's
# modules (8390.ko + ne2k-pci.ko and the rest, modules.dep) under /lib/modules/<release>;
# scripts/bochs/init.sh as /init; scripts/bochs/e9out.c and outb.c built static in /usr/local/bin.
# The per-run part (the script, its environment, the module under test, the repo's guest
# scripts) is a second, small cpio that guest-run-bochs.sh writes for each boot.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
KDIR="" KIMG=""
if [ "${1:-}" = --kimg ]; then
    KIMG=${2:?usage: rootfs.sh --kimg VMLINUZ}
    MODSRC=$(dirname "$(readlink -f "$KIMG")")      # .../lib/modules/<release>/vmlinuz
    KREL=$(basename "$MODSRC")
    [ -f "$MODSRC/modules.order" ] || [ -d "$MODSRC/kernel" ] || die "no modules beside $KIMG (lib/modules/<release>/vmlinuz)"
    KVER_KEY="$KREL $(stat -c '%s %Y' "$KIMG")"
else
    KDIR=${1:?usage: rootfs.sh KDIR | --kimg VMLINUZ}
    [ -f "$KDIR/include/config/kernel.release" ] || die "$KDIR is not a built kernel tree"
    KREL=$(cat "$KDIR/include/config/kernel.release")
    KVER_KEY="$KREL $(stat -c %Y "$KDIR/.ne2k-rs-built" 2>/dev/null)"
fi

BINS=(/bin/bash /usr/bin/ip /usr/bin/ping /usr/bin/iperf3 /usr/sbin/ethtool /usr/bin/kmod
      /usr/bin/gawk /usr/bin/grep /usr/bin/sed /usr/bin/timeout /usr/bin/taskset /usr/bin/dmesg
      /usr/bin/mountpoint /usr/bin/date /usr/bin/sleep /usr/bin/stat
      /usr/bin/perf /usr/bin/python3.11)
PKGS=(busybox-static bash iproute2 iputils-ping iperf3 ethtool kmod gawk grep sed coreutils
      util-linux linux-perf python3.11-minimal libpython3.11-stdlib)
# What the guest scripts' python needs (tests/guest, scripts/guest: grep -h import), plus what
# those pull in; found by importing them here and listing sys.modules.
PYMODS="collections, statistics, sys, ctypes, os, json, re, socket, struct, time, random, math, select, errno, signal, subprocess, argparse, fcntl, array"
for b in "${BINS[@]}"; do [ -x "$b" ] || die "$b missing: run 'make deps'"; done
# (the Debian interpreter by path: the one the guest runs, whatever python3 is first on PATH)

KEY=$( { cat "$0" "$HERE/init.sh" "$HERE/e9out.c" "$HERE/outb.c"; dpkg-query -W "${PKGS[@]}";
         echo "$KVER_KEY";
         echo "$PYMODS"; } | sha256sum | cut -c1-12)
D="$NE2K_CACHE/bochs"
CPIO="$D/rootfs-$KREL-$KEY.cpio"
if [ -f "$CPIO" ]; then echo "$CPIO"; exit 0; fi
mkdir -p "$D"
exec 9>"$D/.lock"; flock 9
[ -f "$CPIO" ] && { echo "$CPIO"; exit 0; }

step "Bochs guest rootfs ($KREL)"
R=$(mktemp -d "$D/stage.XXXXXX")
trap 'rm -rf "$R"' EXIT
# merged /usr like the host (its ld.so and library symlinks point through /lib)
mkdir -p "$R"/{usr/bin,usr/sbin,usr/local/bin,usr/lib,usr/lib64,etc,proc,sys,dev,tmp,run,root,var/tmp,mnt}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$R/$d"; done
chmod 1777 "$R/tmp" "$R/var/tmp"

# copy FILE [...]: each file at its own path, symlinks kept, with the libraries ldd names.
copy() {
    local f
    for f in "$@"; do
        [ -e "$R$f" ] && continue
        mkdir -p "$R$(dirname "$f")"
        if [ -L "$f" ]; then
            cp -a "$f" "$R$f"
            local t; t=$(readlink -f "$f")
            copy "$t"
        else
            cp -a "$f" "$R$f"
        fi
        if [ -f "$f" ] && ldd "$f" >/dev/null 2>&1; then
            local lib
            for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
                copy "$lib"
            done
        fi
    done
}

# busybox for everything the host binaries below do not cover
cp /bin/busybox "$R/bin/busybox"
for a in $("$R/bin/busybox" --list-full); do
    [ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
# host binaries replace busybox' applets of the same name
for b in "${BINS[@]}"; do
    rm -f "$R$b"; copy "$b"
done
ln -sf python3.11 "$R/usr/bin/python3"
ln -sf gawk "$R/usr/bin/awk"
for t in bash ip ping grep sed timeout taskset dmesg mountpoint date sleep stat; do
    for d in bin sbin usr/bin usr/sbin; do
        [ -L "$R/$d/$t" ] && [ "$(readlink "$R/$d/$t")" = /bin/busybox ] && rm -f "$R/$d/$t"
    done
done
ln -sf /bin/bash "$R/bin/sh"
for m in insmod rmmod modprobe lsmod depmod modinfo; do
    rm -f "$R/sbin/$m" "$R/bin/$m" "$R/usr/sbin/$m" "$R/usr/bin/$m"
    ln -s /usr/bin/kmod "$R/sbin/$m"
done
# perf finds its helpers (and python) through these; libtraceevent plugins are optional
[ -d /usr/lib/perf-core ] && copy /usr/lib/perf-core 2>/dev/null || true
for p in /usr/lib/linux-tools-*/perf /usr/lib/linux-tools/*/perf /usr/bin/perf_*; do
    [ -e "$p" ] && copy "$p"
done

# python: the modules the guest scripts import, with their bytecode (no compiling in the guest)
/usr/bin/python3.11 - "$R" "$PYMODS" <<'PY'
import importlib, os, shutil, sys, sysconfig
root, mods = sys.argv[1], [m.strip() for m in sys.argv[2].split(",")]
import encodings, site, codecs, io, abc  # noqa: the interpreter's own start-up
for m in mods:
    importlib.import_module(m)
import encodings.aliases, encodings.utf_8, encodings.latin_1, encodings.ascii  # noqa
files = set()
stdlib = sysconfig.get_paths()["stdlib"]
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f and f.startswith(stdlib):
        files.add(f)
        c = getattr(m, "__cached__", None)
        if c and os.path.exists(c):
            files.add(c)
for d in ("encodings",):
    for dp, _, fs in os.walk(os.path.join(stdlib, d)):
        files.update(os.path.join(dp, f) for f in fs)
for f in ("sysconfig.py", "_sysconfigdata__x86_64-linux-gnu.py", "site.py", "os.py"):
    if os.path.exists(os.path.join(stdlib, f)):
        files.add(os.path.join(stdlib, f))
for f in sorted(files):
    dst = root + f
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(f, dst)
PY
# the extension modules' own libraries (libffi for ctypes, ...)
for so in $(find "$R/usr/lib/python3.11" -name '*.so'); do copy "${so#"$R"}"; done

# the kernel's modules (the C drivers for the baseline), installed as modprobe expects them
if [ -n "$KDIR" ]; then
    make -s -C "$KDIR" INSTALL_MOD_PATH="$R" INSTALL_MOD_STRIP=1 modules_install >/dev/null
    rm -f "$R/lib/modules/$KREL/build" "$R/lib/modules/$KREL/source"
else
    # a packaged kernel has thousands: the card's drivers (the C baseline) and what the
    # guest scripts modprobe, with modules.builtin so that modprobe knows the built-in ones
    mkdir -p "$R/lib/modules/$KREL"
    cp -a "$MODSRC"/modules.builtin* "$MODSRC"/modules.order "$R/lib/modules/$KREL/" 2>/dev/null || true
    (cd "$MODSRC" && find kernel \( -path '*/net/ethernet/8390/*' -o -name 'netconsole.ko*' \
        -o -name 'pktgen.ko*' \) -print0 | cpio --null -pdm --quiet "$R/lib/modules/$KREL")
fi
depmod -b "$R" "$KREL"

gcc -static -O2 -Wall -o "$R/usr/local/bin/e9out" "$HERE/e9out.c"
gcc -static -O2 -Wall -o "$R/usr/local/bin/outb" "$HERE/outb.c"
install -m 755 "$HERE/init.sh" "$R/init"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
cp /etc/protocols /etc/services "$R/etc/" 2>/dev/null || true
printf 'hosts: files\n' >"$R/etc/nsswitch.conf"
touch "$R/etc/ld.so.conf"; ldconfig -r "$R" 2>/dev/null || true

du -sh "$R"/* 2>/dev/null | sort -h | tail -4 | sed 's/^/    /' >&2
# every command the guest scripts use must resolve in the guest's PATH
for c in bash sh ip ping iperf3 ethtool insmod rmmod modprobe lsmod python3 perf timeout awk grep \
         sed date sleep stat tee tar gzip base64 mount mountpoint dmesg taskset seq sort head tail tr \
         cut wc cat ls readlink nproc uname sync poweroff e9out outb; do
    found=0
    for d in usr/local/sbin usr/local/bin usr/sbin usr/bin sbin bin; do
        [ -e "$R/$d/$c" ] || [ -L "$R/$d/$c" ] && { found=1; break; }
    done
    [ $found = 1 ] || die "rootfs: '$c' missing"
done
(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$CPIO.tmp"
mv "$CPIO.tmp" "$CPIO"
echo "    rootfs: $(du -h "$CPIO" | cut -f1) uncompressed, $(find "$R" -type f | wc -l) files" >&2
done_step
ls -t "$D"/rootfs-*.cpio | tail -n +4 | xargs -r rm -f   # keep the three newest
echo "$CPIO"
