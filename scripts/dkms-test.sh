#!/usr/bin/env bash
# The test of ne2k-rs-dkms (issue #29 item 3): on a Debian 13 system (a trixie root, chroot),
# the package from `make dkms-deb` builds ne2k_rs for Debian's kernel when that kernel's headers
# arrive, through DKMS' kernel hook, and the module loads into Debian's unmodified kernel.
#
#   dkms-test.sh [--cold] [--no-smoke] [--keep] [DEB]
#
#   1. a scratch trixie root (a copy of a cached minbase trixie + trixie-backports root)
#   2. apt-get install ./ne2k-rs-dkms_*.deb: its dependencies (rustc 1.85.1, bindgen, gcc-14,
#      linux-source-7.3, ...); no kernel headers yet, so nothing is built
#   3. apt-get install linux-headers-$KREL (trixie-backports): the headers' postinst runs
#      /etc/kernel/header_postinst.d/dkms, which builds and installs ne2k_rs for $KREL (the
#      package's build step prepares its kernel tree first: /var/cache/ne2k-rs-dkms/$KREL)
#   4. checks: `dkms status` says installed for $KREL; the module is in
#      /lib/modules/$KREL/updates/dkms/; its vermagic is Debian's ne2k-pci.ko's
#   5. dkms remove + dkms install -k $KREL: a rebuild with the prepared tree
#   6. scripts/debian-kernel.sh smoke on the installed module: Debian's vmlinuz in QEMU,
#      ping through ne2k_rs
# Prints "PASS|FAIL dkms::<name>" per check and the wall seconds of each step; last line
# "N passed, N failed". Cached in $NE2K_RS_CACHE/debian/dkms-root/: base/ (the trixie root),
# archives/ (apt's downloads), trees/ (the package's /var/cache/ne2k-rs-dkms, so a second run
# skips the tree's preparation); --cold starts without any of them. The scratch root (run/, about
# 3 GB) is removed at the end unless --keep.
# The shared build root of debian-kernel.sh is not touched, nor the host's apt sources.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
KREL=${DEBIAN_KREL:-7.3.4+deb13-amd64}
COLD=0 SMOKE=1 KEEP=0 DEB=
while [ $# -gt 0 ]; do
    case "$1" in
        --cold) COLD=1;;
        --no-smoke) SMOKE=0;;
        --keep) KEEP=1;;
        -*) die "usage: $0 [--cold] [--no-smoke] [--keep] [DEB]";;
        *) DEB=$1;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || die "needs root (chroot)"
T="$NE2K_CACHE/debian/dkms-root"
OUT="$T/logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
PASS=0 FAIL=0
result() {
    if [ "$1" = PASS ]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
    printf '%s %s\n' "$1" "$2"
}
TIMES=()
t_start() { _t=$(date +%s.%N); }
t_end() { local s; s=$(echo "$(date +%s.%N) - $_t" | bc); s=$(printf '%.1f' "$s"); TIMES+=("$1: ${s}s"); echo "    $1: ${s}s" >&2; }

if [ "$COLD" = 1 ]; then rm -rf "$T/base" "$T/archives" "$T/trees"; fi
mkdir -p "$T/archives/partial" "$T/trees"

# ---- the package ----
t_start
[ -n "$DEB" ] || DEB=$("$HERE/dkms-deb.sh" "$OUT")
[ -f "$DEB" ] || die "no $DEB"
cp "$DEB" "$OUT/" 2>/dev/null || true
t_end "make dkms-deb"

# ---- the cached base: minbase trixie, trixie-backports in its sources, apt lists kept ----
t_start
BASE_CACHED=yes
if [ ! -f "$T/base/.done" ]; then
    BASE_CACHED=no
    step "base root: mmdebstrap trixie (+ trixie-backports) into $T/base"
    rm -rf "$T/base" "$T/base.tmp"
    mmdebstrap --mode=root --variant=minbase --skip=cleanup/apt/lists \
        --keyring=/usr/share/keyrings/debian-archive-trixie-automatic.gpg \
        trixie "$T/base.tmp" "deb http://deb.debian.org/debian trixie main" \
        "deb http://deb.debian.org/debian trixie-backports main" >"$OUT/mmdebstrap.log" 2>&1 ||
        { tail -20 "$OUT/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    mv "$T/base.tmp" "$T/base"; touch "$T/base/.done"
    done_step
fi
# apt's downloads: the kernel packages debian-kernel.sh already has (read only), then apt's own
for d in "$NE2K_CACHE"/debian/debs/linux-{headers,kbuild,source}*.deb; do
    [ -f "$d" ] && [ ! -f "$T/archives/$(basename "$d")" ] && cp -l "$d" "$T/archives/" 2>/dev/null || true
done
t_end "base root (cached: $BASE_CACHED)"

# ---- a scratch copy of it ----
t_start
S="$T/run"
rm -rf "$S"; cp -a "$T/base" "$S"
mkdir -p "$S/var/cache/ne2k-rs-dkms" "$S/mnt/deb"
# a throwaway root: dpkg need not fsync each of the 2.4 GB it unpacks
echo force-unsafe-io >"$S/etc/dpkg/dpkg.cfg.d/ne2k-test-unsafe-io"
cp "$DEB" "$S/mnt/deb/"
t_end "scratch root (copy of base)"

# Runs a command in the scratch root: /proc, /dev, a fresh /tmp, apt's download cache and the
# prepared trees bound in from the cache; private mount and PID namespaces.
in_s() {
    unshare --mount --pid --fork bash -c '
        r=$0; t=$1; shift
        mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/tmp" &&
        mount --bind "$t/archives" "$r/var/cache/apt/archives" && mount --bind "$t/trees" "$r/var/cache/ne2k-rs-dkms" &&
        exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"' "$S" "$T" "$@"
}
APT=(apt-get -y -q -o APT::Sandbox::User=root -o APT::Keep-Downloaded-Packages=true -o Dpkg::Use-Pty=0)

# ---- the package, before any kernel headers ----
t_start
step "apt-get install ./$(basename "$DEB") (log $OUT/install-deb.log)"
if in_s "${APT[@]}" install "/mnt/deb/$(basename "$DEB")" >"$OUT/install-deb.log" 2>&1; then
    result PASS "dkms::apt-install-deb"
else
    tail -20 "$OUT/install-deb.log"; result FAIL "dkms::apt-install-deb"
fi
t_end "apt-get install ./ne2k-rs-dkms (dependencies, no headers yet)"
grep -E 'headers|Building|Loading|ne2k' "$OUT/install-deb.log" | grep -v '^Get:\|^Unpacking\|^Selecting\|^Preparing' | sed 's/^/    | /' || true
in_s dpkg-query -W -f='    rustc ${Version}\n' rustc; in_s dpkg-query -W -f='    linux-source-7.3 ${Version}\n' linux-source-7.3 || true

# ---- the headers: the kernel hook builds the module ----
t_start
step "apt-get install linux-headers-$KREL (its postinst runs DKMS' header hook; log $OUT/install-headers.log)"
if in_s "${APT[@]}" install "linux-headers-$KREL" >"$OUT/install-headers.log" 2>&1; then
    result PASS "dkms::apt-install-headers"
else
    tail -30 "$OUT/install-headers.log"; result FAIL "dkms::apt-install-headers"
fi
t_end "apt-get install linux-headers-$KREL (hook: prepare tree + build + install)"
grep -E 'ne2k-rs-dkms|dkms|Building|Installing|Signing|error' "$OUT/install-headers.log" | grep -v '^Get:' | sed 's/^/    | /' | head -40 || true
# DKMS' log of the build (the build step's own lines: the tree's preparation and its timings)
makelog() { cp "$S"/var/lib/dkms/ne2k-rs/*/"$KREL"/x86_64/log/make.log "$OUT/$1" 2>/dev/null || true; }
makelog make-hook.log
grep '^ne2k-rs-dkms:' "$OUT/make-hook.log" 2>/dev/null | sed 's/^/    | /' || true

# ---- checks ----
status=$(in_s dkms status -m ne2k-rs -k "$KREL" 2>&1 || true)
echo "    dkms status: $status"
if echo "$status" | grep -qF ", $KREL, x86_64: installed"; then
    result PASS "dkms::status-installed"
else
    result FAIL "dkms::status-installed"
    tail -30 "$OUT/make-hook.log" 2>/dev/null || true
fi
ko=$(ls "$S/lib/modules/$KREL/updates/dkms/"ne2k_rs.ko* 2>/dev/null | head -1 || true)
if [ -n "$ko" ]; then
    result PASS "dkms::module-in-updates-dkms"
    echo "    $ko" | sed "s|$S||"
    case "$ko" in
        *.xz) xz -dc "$ko" >"$OUT/ne2k_rs.ko";;
        *.zst) zstd -qdc "$ko" >"$OUT/ne2k_rs.ko";;
        *.gz) gzip -dc "$ko" >"$OUT/ne2k_rs.ko";;
        *) cp "$ko" "$OUT/ne2k_rs.ko";;
    esac
    vm=$(modinfo -F vermagic "$OUT/ne2k_rs.ko")
    dpci=$(dpkg-deb --fsys-tarfile "$(ls "$NE2K_CACHE"/debian/debs/linux-modules-"$KREL"_*.deb | head -1)" |
        tar -xO --wildcards '*/8390/ne2k-pci.ko*' | xz -dc >"$OUT/ne2k-pci.ko" && modinfo -F vermagic "$OUT/ne2k-pci.ko")
    echo "    vermagic: ne2k_rs '$vm', Debian's ne2k-pci '$dpci'"
    if [ -n "$vm" ] && [ "$vm" = "$dpci" ]; then result PASS "dkms::vermagic-as-debian"; else result FAIL "dkms::vermagic-as-debian"; fi
    sig=$(modinfo -F signer "$OUT/ne2k_rs.ko" || true)
    echo "    signature: ${sig:-none}"
else
    result FAIL "dkms::module-in-updates-dkms"
fi

# ---- a rebuild for the same kernel: the prepared tree is reused ----
V=$(dpkg-deb -f "$DEB" Version); V=${V%-*}
t_start
step "dkms remove + dkms install -k $KREL (the prepared tree cached)"
if in_s dkms remove "ne2k-rs/$V" -k "$KREL" >"$OUT/rebuild.log" 2>&1 &&
   in_s dkms install "ne2k-rs/$V" -k "$KREL" >>"$OUT/rebuild.log" 2>&1 &&
   in_s dkms status -m ne2k-rs -k "$KREL" | grep -q ": installed"; then
    result PASS "dkms::rebuild-cached-tree"
else
    tail -20 "$OUT/rebuild.log"; result FAIL "dkms::rebuild-cached-tree"
fi
t_end "dkms remove + install -k $KREL (cached tree)"
makelog make-rebuild.log
grep '^ne2k-rs-dkms:' "$OUT/make-rebuild.log" 2>/dev/null | sed 's/^/    | /' || true

# ---- what the build step refuses, with the message it gives ----
# (a kernel source of the kernel's version is missing; no rustc of the kernel's exact version)
SRC_TB=$(echo "$KREL" | sed -E 's|^([0-9]+\.[0-9]+).*|/usr/src/linux-source-\1.tar.xz|')
B="/usr/src/ne2k-rs-$V/ne2k-rs-dkms-build"
msg=$(in_s bash -c "mv $SRC_TB $SRC_TB.away; NE2K_RS_DKMS_CACHE=/tmp/c bash $B --prepare $KREL; rc=\$?; mv $SRC_TB.away $SRC_TB; exit \$rc" 2>&1) &&
    result FAIL "dkms::refuses-without-source" || {
    echo "$msg" | sed 's/^/    | /'
    echo "$msg" | grep -q "apt install linux-source-" && result PASS "dkms::refuses-without-source" || result FAIL "dkms::refuses-without-source"; }
msg=$(in_s bash -c "mkdir -p /tmp/fake && printf '#!/bin/sh\necho \"rustc 1.98.1 (f9b1cf2a0 2026-10-29) (built from a source tarball)\"\n' >/tmp/fake/rustc && chmod +x /tmp/fake/rustc &&
    PATH=/tmp/fake:\$PATH NE2K_RS_DKMS_CACHE=/tmp/c bash $B --prepare $KREL" 2>&1) &&
    result FAIL "dkms::refuses-other-rustc" || {
    echo "$msg" | sed 's/^/    | /'
    echo "$msg" | grep -q "must be built by exactly that rustc" && result PASS "dkms::refuses-other-rustc" || result FAIL "dkms::refuses-other-rustc"; }

# ---- Debian's kernel with the DKMS-built module ----
if [ "$SMOKE" = 1 ] && [ -f "$OUT/ne2k_rs.ko" ]; then
    t_start
    if "$HERE/debian-kernel.sh" smoke "$OUT/ne2k_rs.ko" 2>&1 | tee "$OUT/smoke.log" | grep -E '^SMOKE (PASS|FAIL)|^smoke:|error'; then :; fi
    if grep -q '^smoke: all passed' "$OUT/smoke.log"; then result PASS "dkms::smoke-debian-vmlinuz"; else result FAIL "dkms::smoke-debian-vmlinuz"; fi
    t_end "smoke: Debian's vmlinuz + the DKMS-built ne2k_rs.ko (QEMU TCG)"
fi

printf '%s\n' "${TIMES[@]}" >"$OUT/timings.txt"
if [ "$KEEP" = 0 ]; then rm -rf "$S"; else echo "scratch root kept: $S"; fi
echo "logs: $OUT"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
