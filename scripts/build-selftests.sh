#!/usr/bin/env bash
# Build and install the kernel's network driver selftests from the lab kernel's source, cached
# under $NE2K_RS_CACHE/kselftest/<kver>-<key>/ (key = hash of this script, the clang and gcc
# versions). Idempotent: a finished install is reused.
#   usage: build-selftests.sh KDIR
# KDIR: a configured lab kernel build tree (its exported UAPI headers are what the helpers and
# BPF objects compile against). The last line printed on stdout is the install directory, laid
# out as `make -C tools/testing/selftests install` lays it out (run_kselftest.sh at the top,
# drivers/net/, drivers/net/hw/, net/lib/ with the BPF objects, xdp_helper, the ynl library and
# the netlink specs); net/netdevice.sh and net/lib.sh are copied beside them, and ../tools/
# holds the ethtool the tests need (sid's, from scripts/fetch-sources.sh: they call
# `ethtool --json -l`, which bookworm's 6.1 lacks); scripts/guest/selftests.sh puts it first in
# the tests' PATH.
#
# What is built: TARGETS="drivers/net drivers/net/hw net/lib": napi_id_helper, so_txtime,
# psp_responder, xdp_helper, csum, gro, xdp_{dummy,native,metadata}.bpf.o (clang --target=bpf,
# against the libbpf in the kernel's tools/lib/bpf). iou-zcrx is left out: bookworm's liburing
# is too old (the selftests' own Makefile says so and skips it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

[ $# = 1 ] || die "usage: build-selftests.sh KDIR"
KDIR=$(readlink -f "$1")
[ -f "$KDIR/.config" ] && [ -f "$KDIR/Makefile" ] || die "KDIR '$1' is not a configured kernel build tree (make kernel)"
KSRC=$(readlink -f "$KDIR/source" 2>/dev/null) || die "$KDIR/source does not point at the kernel source"
SELFTESTS=$KSRC/tools/testing/selftests
[ -d "$SELFTESTS/drivers/net" ] || die "no selftests in $KSRC"
command -v clang-19 >/dev/null || die "clang-19 not found: run 'make deps'"
command -v rsync >/dev/null || die "rsync not found: run 'make deps'"

unset MAKEFLAGS MFLAGS MAKELEVEL
KVER=$(make -s -C "$KSRC" kernelversion)
mkdir -p "$NE2K_CACHE/build"
exec 8>"$NE2K_CACHE/build/.lock-fetch"   # the lock build-kernel.sh takes around the fetch
flock 8
ETHTOOL=$("$HERE/fetch-sources.sh" | sed -n 's/^ETHTOOL=//p')
exec 8>&-
[ -x "$ETHTOOL" ] || die "fetch-sources.sh gave no ethtool"
KEY=$( { echo "$KVER"; cat "$0"; echo "$ETHTOOL"; clang-19 --version | head -1; gcc --version | head -1; } |
       sha256sum | cut -c1-12)
D="$NE2K_CACHE/kselftest/$KVER-$KEY"
mkdir -p "$NE2K_CACHE/kselftest"
exec 9>"$NE2K_CACHE/kselftest/.lock"
flock 9
if [ ! -f "$D/.ne2k-rs-built" ]; then
    rm -rf "$D"; mkdir -p "$D/bin"
    # The selftests' BPF rules call `clang`; Debian names it clang-19.
    ln -s "$(command -v clang-19)" "$D/bin/clang"
    step "kernel UAPI headers ($KVER) -> $D/hdr"
    make -s -C "$KSRC" O="$KDIR" headers_install INSTALL_HDR_PATH="$D/hdr" >"$D/build.log" 2>&1 ||
        { tail -20 "$D/build.log"; die "headers_install failed (log: $D/build.log)"; }
    done_step
    step "selftests drivers/net drivers/net/hw net/lib -> $D/inst"
    PATH="$D/bin:$PATH" make -C "$SELFTESTS" TARGETS="drivers/net drivers/net/hw net/lib" \
        O="$D/build" KHDR_INCLUDES="-isystem $D/hdr/include" \
        install INSTALL_PATH="$D/inst" -j"$(nproc)" >>"$D/build.log" 2>&1 ||
        { tail -30 "$D/build.log"; die "selftests build failed (log: $D/build.log)"; }
    # net/netdevice.sh is a stand-alone script (its own ksft_skip): run it from the install too,
    # without building the whole net/ target.
    mkdir -p "$D/inst/net"
    cp "$SELFTESTS/net/netdevice.sh" "$SELFTESTS/net/lib.sh" "$D/inst/net/"
    for f in net/lib/xdp_dummy.bpf.o net/lib/xdp_native.bpf.o net/lib/xdp_helper \
             drivers/net/napi_id_helper drivers/net/ping.py drivers/net/hw/ethtool.sh; do
        [ -e "$D/inst/$f" ] || die "selftests install lacks $f (log: $D/build.log)"
    done
    done_step
    mkdir -p "$D/tools"
    ln -sf "$ETHTOOL" "$D/tools/ethtool"
    touch "$D/.ne2k-rs-built"
    # keep the three newest installs (another kernel source, or this script, changed)
    ls -dt "$NE2K_CACHE"/kselftest/*/ | tail -n +4 | xargs -r rm -rf
fi
echo "$D/inst"
