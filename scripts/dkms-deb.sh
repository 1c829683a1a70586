#!/usr/bin/env bash
# ne2k-rs-dkms_<version>_all.deb (make dkms-deb; issue #29 item 3): the module's sources for
# DKMS in /usr/src/ne2k-rs-<version>/, with dkms/dkms.conf and dkms/ne2k-rs-dkms-build (the
# build step: it prepares a Rust-capable tree per kernel from Debian's linux-source-<M.m>,
# see that file). On a Debian 13 system with linux-headers-$(uname -r), installing it builds
# ne2k_rs.ko for every kernel with headers, and DKMS' kernel hooks build it for every new one.
#
#   dkms-deb.sh [OUTDIR]      default OUTDIR: dist/; last line: the .deb's path
#
# The sources are the module's files as git tracks them (Kbuild, *.rs, *.c, *.h at the top and
# in hw/, netdev/, tracing/), taken from the working tree; the version is Cargo.toml's plus
# the commit (date and hash), and ".dirty" when those files (or dkms/, this script) differ from HEAD.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
OUT=${1:-$REPO/dist}
cd "$REPO"

files=$(git ls-files -- Kbuild '*.rs' '*.c' '*.h' | grep -E '^([^/]+|(hw|netdev|tracing)/.+)$')
echo "$files" | grep -qx Kbuild && echo "$files" | grep -qx ne2k_rs.rs || die "no Kbuild/ne2k_rs.rs tracked in $REPO"
base=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
V="$base+git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=7 HEAD)"
# shellcheck disable=SC2086
git diff --quiet HEAD -- $files dkms/ scripts/dkms-deb.sh || V="$V.dirty"
DEBV="$V-1"
PKG=ne2k-rs-dkms
MOD="usr/src/ne2k-rs-$V"

W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
S="$W/root"
mkdir -p "$S/$MOD" "$S/DEBIAN" "$S/usr/share/doc/$PKG" "$S/etc/kernel/postrm.d"
echo "$files" | while read -r f; do install -D -m 0644 "$f" "$S/$MOD/$f"; done
sed "s/@VERSION@/$V/" dkms/dkms.conf >"$S/$MOD/dkms.conf"
install -m 0755 dkms/ne2k-rs-dkms-build "$S/$MOD/ne2k-rs-dkms-build"
install -m 0755 dkms/kernel-postrm "$S/etc/kernel/postrm.d/$PKG"
install -m 0644 dkms/README.Debian "$S/usr/share/doc/$PKG/README.Debian"
cat >"$S/usr/share/doc/$PKG/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ne2k-rs

Files: *
License: GPL-2.0
 On Debian systems the full text is in /usr/share/common-licenses/GPL-2.
EOF
for s in postinst prerm postrm; do
    sed "s/@VERSION@/$V/" "dkms/$s" >"$S/DEBIAN/$s"; chmod 0755 "$S/DEBIAN/$s"
done
echo "/etc/kernel/postrm.d/$PKG" >"$S/DEBIAN/conffiles"
(cd "$S" && find usr etc -type f -print0 | sort -z | xargs -0 md5sum) >"$S/DEBIAN/md5sums"
size=$(du -sk "$S" | cut -f1)
# rustc/rust-src: 1.85.1 is what built Debian 13's Rust-enabled kernels (CONFIG_RUSTC_VERSION_TEXT);
# the build step checks the exact version text against each kernel's config and says what to do.
# trixie-backports' rustc 1.93+ would be refused: hence the upper bound.
# linux-source-7.3 for the kernel this was tested on; the build step asks for the
# linux-source-<M.m> of any other (a kernel update to 7.4 needs linux-source-7.4).
cat >"$S/DEBIAN/control" <<EOF
Package: $PKG
Version: $DEBV
Architecture: all
Maintainer: ne2k-rs developers <ne2k-rs@localhost>
Section: kernel
Priority: optional
Installed-Size: $size
Depends: dkms (>= 3.0), rustc (>= 1.85.1), rustc (<< 1.85.2~), rust-src (>= 1.85.1), rust-src (<< 1.85.2~), bindgen, libclang-dev, clang, gcc-14, make, bc, flex, bison, libelf-dev, libssl-dev, openssl, dwarves, python3, xz-utils, kmod, linux-source-7.3 | linux-source (>= 7.3)
Description: ne2k_rs, a Rust NE2000 PCI network driver (DKMS)
 An out-of-tree Rust-for-Linux driver for NE2000-compatible PCI cards (RealTek RTL8029 and
 the other DP8390 clones of ne2k-pci; QEMU's ne2k_pci), built by DKMS for every installed
 kernel with Rust support (CONFIG_RUST=y, Debian 13's 7.3 kernels from trixie-backports).
 .
 Debian's kernel headers lack the kernel's Rust metadata, so the first build for a kernel
 release prepares a tree from Debian's kernel source (linux-source-<M.m>) with the rustc and
 bindgen the kernel was built with (several minutes, 650 MB in /var/cache/ne2k-rs-dkms/).
EOF
mkdir -p "$OUT"
deb="$OUT/${PKG}_${DEBV}_all.deb"
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) dpkg-deb --root-owner-group -Zxz --build "$S" "$deb" >/dev/null
echo "    $(dpkg-deb -c "$deb" | wc -l) entries, $(du -k "$deb" | cut -f1) KiB; version $DEBV" >&2
echo "$deb"
