#!/usr/bin/env bash
# Install everything the lab needs on a Debian 12 (bookworm) host.
# Idempotent: a second run only checks. Run as root (CI and the lab machines are root).
#
# Debian packages come from bookworm and bookworm-backports (QEMU 10.0: bookworm's 7.2 was not
# verified with ne2k_pci + virtme-ng). NEVER add trixie/sid/trixie-backports to the system sources:
# apt would then pull glibc/dpkg from there and break the machine. The two foreign packages we need
# from trixie-backports (linux-source-7.x, rust-src) are fetched by scripts/fetch-sources.sh with a
# private apt configuration instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "host-deps.sh must run as root (it installs Debian packages)"

BPO=/etc/apt/sources.list.d/ne2k-rs-bookworm-backports.sources
PKGS=(build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync xz-utils zstd
      python3 python3-pip python3-venv pipx
      clang-19 libclang-19-dev lld-19 llvm-19
      iperf3 iputils-ping iproute2 ethtool busybox-static procps
      linux-perf gawk udev
      # make bench: the XDP_DROP figure's iptables counterpart (Debian's iptables, nf_tables)
      iptables
      bochs bochsbios vgabios bochs-term isolinux syslinux-common genisoimage
      # the kernel's driver selftests (make selftests; make check's subset): their tools, and
      # pahole for the selftests kernel's BTF
      socat jq netsniff-ng bpftool bpftrace dwarves)
BPO_PKGS=(qemu-system-x86)

need_install=0
for p in "${PKGS[@]}" "${BPO_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_install=1
done
qemu_ok() { command -v qemu-system-x86_64 >/dev/null &&
    qemu-system-x86_64 --version | head -1 | grep -Eq 'version (9|[1-9][0-9])\.'; }

if [ $need_install = 1 ] || ! qemu_ok; then
    step "apt: bookworm + bookworm-backports packages"
    if [ ! -f "$BPO" ]; then
        cat >"$BPO" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${PKGS[@]}" >/dev/null
    apt-get install -y -q --no-install-recommends -t bookworm-backports "${BPO_PKGS[@]}" >/dev/null
    done_step
fi
qemu_ok || die "qemu-system-x86_64 >= 9 is required (got: $(qemu-system-x86_64 --version 2>/dev/null | head -1))"

# bindgen-cli: the version the kernel's Rust support was verified with here.
BINDGEN_VER=0.72.1
if ! bindgen --version 2>/dev/null | grep -q " $BINDGEN_VER"; then
    step "cargo install bindgen-cli $BINDGEN_VER"
    cargo install --locked -q bindgen-cli --version "$BINDGEN_VER"
    done_step
fi

# virtme-ng: the kernel developers' guest runner (boots a build tree with the host's userspace).
VNG_VER=1.42
if ! vng --version 2>/dev/null | grep -q "$VNG_VER"; then
    step "pip: virtme-ng $VNG_VER"
    pipx install --force "virtme-ng==$VNG_VER" >/dev/null 2>&1 ||
        pip install -q --break-system-packages "virtme-ng==$VNG_VER" 2>/dev/null ||
        pip install -q "virtme-ng==$VNG_VER"
    done_step
fi
command -v vng >/dev/null || die "vng (virtme-ng) not on PATH after install; add ~/.local/bin to PATH"
