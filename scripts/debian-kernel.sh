#!/usr/bin/env bash
# ne2k_rs.ko for Debian 13's stock kernel (issue #29): linux-image-$DEBIAN_KREL from
# trixie-backports (default 7.3.4+deb13-amd64), built with CONFIG_RUST=y by trixie's rustc 1.85.1.
# Debian's headers package has the kernel's Module.symvers (its Rust exports too) but no rust/
# metadata (.rmeta), so a Rust module cannot be built against it alone. This script rebuilds
# that metadata: in a trixie build root (mmdebstrap, with trixie's own rustc/bindgen/gcc-14) it
# runs `make modules_prepare` on Debian's kernel source with Debian's exact .config, and checks
# that every Rust symbol the kernel exports comes out with the same mangled name (crate hashes
# included) before anything is built against it.
#
#   debian-kernel.sh [prepare]      build root + prepared tree (cached); last line: the tree
#   debian-kernel.sh module [SRC]   ne2k_rs.ko from SRC (default: this checkout) against it;
#                                   checks modpost and vermagic; last line: the module's path
#   debian-kernel.sh smoke [KO]     boots Debian's unmodified vmlinuz in QEMU (TCG) from a small
#                                   busybox initramfs with Debian's own modules; runs
#                                   scripts/guest/debian-smoke.sh: ne2k-pci (+8390) as the
#                                   baseline, then ne2k_rs: ping 10.0.2.2 through each
#   debian-kernel.sh all            the three in turn
#   debian-kernel.sh paths          VMLINUZ=, KSRC=, KO= for a guest run (guest-run.sh --kimg;
#                                   scripts/check.sh runs the guest tests there)
#
# Everything is cached under $NE2K_RS_CACHE/debian/ (debs/, root/ = the build root with the
# kernel source in root/build/, x/ = the unpacked kernel packages, smoke/ = the guests' logs);
# a second run costs the module build and the boot. The prepared tree (root/build/kout-KREL)
# and the module build run inside the build root (chroot): its Makefile names /build paths and
# its toolchain is trixie's, which does not run on bookworm's glibc.
# Nothing goes into the system's apt sources (a private apt configuration, as
# fetch-sources.sh) or the host's /lib/modules.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

KREL=${DEBIAN_KREL:-7.3.4+deb13-amd64}      # the kernel release (uname -r)
KABI=${KREL%-amd64}                          # 7.3.4+deb13: the kbuild/common packages
KMM=$(echo "$KREL" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')   # 7.3: linux-source-7.3
DD="$NE2K_CACHE/debian"
R="$DD/root"
KOUT="/build/kout-$KREL"                     # the prepared tree, as the build root sees it
KSRC_IN="/build/linux-source-$KMM"
trixie_apt "$DD/apt"
mkdir -p "$DD/debs"


# Runs a command in the build root, with /proc, /dev and a fresh /tmp, in its own mount and
# PID namespaces (nothing stays mounted, no process outlives it).
in_root() {
    unshare --mount --pid --fork bash -c '
        r=$0; mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/tmp" &&
        exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' "$R" "$@"
}
KMAKE=(make -C "$KSRC_IN" O="$KOUT" ARCH=x86_64 CROSS_COMPILE=x86_64-linux-gnu- CC=x86_64-linux-gnu-gcc-14
       HOSTCC=gcc-14 KERNELRELEASE="$KREL" RUSTC=rustc BINDGEN=bindgen)

# ---- the kernel's packages: image (vmlinuz + modules), headers, kbuild, source ----
PKGS=("linux-binary-$KREL" "linux-modules-$KREL" "linux-headers-$KREL" "linux-headers-$KABI-common"
      "linux-kbuild-$KABI" "linux-source-$KMM")
fetch_debs() {
    local missing=() p
    for p in "${PKGS[@]}"; do ls "$DD/debs/${p}_"*.deb >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} = 0 ] && return 0
    refresh_lists
    step "download ${missing[*]}"
    (cd "$DD/debs" && apt-get "${APT_OPTS[@]}" download -q "${missing[@]}" >/dev/null) ||
        die "could not download ${missing[*]} from trixie-backports (is $KREL still there? apt-cache madison linux-headers-$KREL)"
    done_step
}

# ---- unpacked image/headers packages (the host's view: vmlinuz, the modules, Module.symvers) ----
X="$DD/x/$KREL"
unpack_image() {
    [ -f "$X/.done" ] && return 0
    step "unpack the kernel packages into $X"
    rm -rf "$X"; mkdir -p "$X"
    local p
    for p in "linux-binary-$KREL" "linux-modules-$KREL" "linux-headers-$KREL"; do
        dpkg -x "$(ls "$DD/debs/${p}_"*.deb | head -1)" "$X"
    done
    [ -f "$X/usr/lib/modules/$KREL/vmlinuz" ] || die "no vmlinuz in linux-binary-$KREL"
    touch "$X/.done"
    done_step
}

# ---- the build root: trixie with its own toolchain (the one Debian built the kernel with) ----
make_root() {
    [ -f "$R/.ne2k-root-done" ] && return 0
    command -v mmdebstrap >/dev/null || {
        step "apt-get install mmdebstrap (bookworm)"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends mmdebstrap >/dev/null ||
            die "could not install mmdebstrap"
        done_step
    }
    # (openssl: Kconfig asks the binary whether it knows ML-DSA, CONFIG_OPENSSL_SUPPORTS_ML_DSA)
    step "build root: mmdebstrap trixie (+ trixie-backports for the headers) into $R"
    rm -rf "$R.tmp" "$R"
    mmdebstrap --mode=root --variant=minbase --keyring=/usr/share/keyrings/debian-archive-trixie-automatic.gpg \
        --include=rustc,rust-src,bindgen,libclang-dev,clang,llvm,lld,gcc-14,make,bc,flex,bison,libelf-dev,libssl-dev,python3,kmod,cpio,dwarves,xz-utils,file,binutils,openssl,"linux-headers-$KREL" \
        trixie "$R.tmp" "deb http://deb.debian.org/debian trixie main" "deb http://deb.debian.org/debian trixie-backports main" \
        >"$DD/mmdebstrap.log" 2>&1 || { tail -20 "$DD/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $DD/mmdebstrap.log)"; }
    mv "$R.tmp" "$R"
    touch "$R/.ne2k-root-done"
    done_step
}

# ---- Debian's kernel source with Debian's config, modules_prepare (builds rust/) ----
H_IN="/usr/src/linux-headers-$KREL"
prepare_tree() {
    local stamp="$R$KOUT/.ne2k-prepared"
    [ -f "$stamp" ] && return 0
    local want_rustc got_rustc
    want_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"/\1/p' "$R$H_IN/.config")
    got_rustc=$(in_root rustc --version)
    [ "$want_rustc" = "$got_rustc" ] ||
        die "the build root's rustc is '$got_rustc', Debian built $KREL with '$want_rustc': the crate hashes would differ"
    if [ ! -f "$R$KSRC_IN/Makefile" ]; then
        step "unpack linux-source-$KMM into $R/build"
        rm -rf "$R$KSRC_IN"; mkdir -p "$R/build"
        local tmp="$DD/x/.src"; rm -rf "$tmp"
        dpkg -x "$(ls "$DD/debs/linux-source-${KMM}_"*.deb | head -1)" "$tmp"
        tar -C "$R/build" -xf "$tmp/usr/src/linux-source-$KMM.tar.xz"
        rm -rf "$tmp"
        done_step
    fi
    step "configure $KOUT with Debian's .config; make modules_prepare (rust/ too; log $R$KOUT/prepare.log)"
    rm -rf "$R$KOUT"; mkdir -p "$R$KOUT"
    cp "$R$H_IN/.config" "$R$KOUT/.config"
    in_root "${KMAKE[@]}" -s olddefconfig
    cmp -s <(grep -v '^#' "$R$H_IN/.config" | sort) <(grep -v '^#' "$R$KOUT/.config" | sort) ||
        die "olddefconfig changed Debian's config (another toolchain?): diff $R$H_IN/.config $R$KOUT/.config"
    in_root "${KMAKE[@]}" -s rustavailable >/dev/null || die "make rustavailable failed in the build root"
    in_root "${KMAKE[@]}" -j"${JOBS:-$(nproc)}" modules_prepare >"$R$KOUT/prepare.log" 2>&1 ||
        { tail -30 "$R$KOUT/prepare.log" >&2; die "modules_prepare failed"; }
    # Debian's own: the exports of the real vmlinux (modpost resolves against it) and the
    # vmlinux its headers package ships for BTF (modules get .BTF against the real kernel's).
    cp "$R$H_IN/Module.symvers" "$R$KOUT/Module.symvers"
    ln -sfn "$H_IN/vmlinux" "$R$KOUT/vmlinux"
    done_step
    check_symbols
    touch "$stamp"
}

# Every Rust symbol Debian's Module.symvers exports must be one that our rust/ exports, by its
# mangled name (crate hash included): a module built here then links against the real kernel.
check_symbols() {
    local deb ours
    deb=$(mktemp); ours=$(mktemp)
    awk '$2 ~ /^_R/ {print $2}' "$R$H_IN/Module.symvers" | sort -u >"$deb"
    cat "$R$KOUT"/rust/exports_*_generated.h | grep -oE '\b_R[0-9A-Za-z_]+' | sort -u >"$ours"
    local nd no nc
    nd=$(wc -l <"$deb"); no=$(comm -23 "$deb" "$ours" | wc -l); nc=$(comm -12 "$deb" "$ours" | wc -l)
    echo "    Rust exports: Debian's Module.symvers $nd, of them in this tree's rust/exports_*: $nc, missing: $no" >&2
    echo "    crate hashes: $(grep -oE 'Cs[0-9A-Za-z]+_[0-9]+(core|kernel|bindings|pin_init|uapi|macros)' "$deb" "$ours" |
        sed 's/^[^:]*://' | sort -u | tr '\n' ' ')" >&2
    if [ "$no" != 0 ] || [ "$nd" = 0 ]; then
        comm -23 "$deb" "$ours" | head -5 >&2
        rm -f "$deb" "$ours"
        die "this tree's Rust symbols do not match Debian's kernel (another rustc, or another source?)"
    fi
    rm -f "$deb" "$ours"
}

prepare() {
    fetch_debs
    unpack_image
    make_root
    prepare_tree
    echo "$R$KOUT"
}

# ---- the module ----
module() {
    local src=${1:-$REPO}
    prepare >/dev/null
    local m="/build/m-$KREL"
    step "ne2k_rs.ko from $src against $KOUT (build root; log $DD/module.log)"
    copy_module_sources "$src" "$R$m" || die "could not copy the sources"
    in_root make -C "$KOUT" M="$m" KERNELRELEASE="$KREL" CC=x86_64-linux-gnu-gcc-14 HOSTCC=gcc-14 modules \
        >"$DD/module.log" 2>&1 || { tail -40 "$DD/module.log" >&2; die "module build failed (log: $DD/module.log)"; }
    done_step
    local ko="$R$m/ne2k_rs.ko"
    [ -f "$ko" ] || die "no $ko"
    # modpost: no symbol it could not resolve against Debian's Module.symvers
    if grep -E 'undefined!|WARNING: modpost' "$DD/module.log" >&2; then die "modpost warnings (above)"; fi
    local und notin
    und=$(nm -u "$ko" | awk '{print $2}' | sort -u)
    notin=$(comm -23 <(echo "$und") <(awk '{print $2}' "$R$H_IN/Module.symvers" | sort -u))
    [ -z "$notin" ] || die "undefined in ne2k_rs.ko and not exported by Debian's kernel: $notin"
    echo "    modpost: $(echo "$und" | wc -l) undefined symbols ($(echo "$und" | grep -c '^_R') Rust), all exported by Debian's $KREL" >&2
    local vm dvm
    vm=$(modinfo -F vermagic "$ko")
    dvm=$(modinfo -F vermagic "$(find "$X/usr/lib/modules/$KREL/kernel/drivers/net/ethernet/8390" -name 'ne2k-pci.ko*' | head -1)")
    [ "$vm" = "$dvm" ] || die "vermagic '$vm' differs from Debian's ne2k-pci.ko '$dvm'"
    echo "    vermagic: '$vm' (as Debian's ne2k-pci.ko)" >&2
    mkdir -p "$DD/out"
    cp "$ko" "$DD/out/ne2k_rs-$KREL.ko"
    echo "$DD/out/ne2k_rs-$KREL.ko"
}

# ---- the guest: Debian's vmlinuz, a busybox initramfs with Debian's modules and ours ----
smoke() {
    local ko=${1:-$DD/out/ne2k_rs-$KREL.ko}
    [ -f "$ko" ] || die "$ko not built: run '$0 module'"
    prepare >/dev/null
    local bb; bb=$(command -v busybox || true)
    [ -n "$bb" ] && file -L "$bb" | grep -q 'statically linked' ||
        die "a static busybox is needed (apt-get install busybox-static; make deps installs it)"
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (make deps)"
    local out="$DD/smoke/$(date +%Y%m%d-%H%M%S)"
    local ir="$out/initramfs"
    mkdir -p "$ir"/{bin,sbin,proc,sys,dev,tmp,mod}
    step "initramfs: busybox + Debian's 8390.ko, ne2k-pci.ko + ne2k_rs.ko ($out)"
    cp "$bb" "$ir/bin/busybox"
    local d="$X/usr/lib/modules/$KREL/kernel/drivers/net/ethernet/8390"
    xz -dc "$d/8390.ko.xz" >"$ir/mod/8390.ko"
    xz -dc "$d/ne2k-pci.ko.xz" >"$ir/mod/ne2k-pci.ko"
    cp "$ko" "$ir/mod/ne2k_rs.ko"
    cp "$HERE/guest/debian-smoke.sh" "$ir/init"; chmod +x "$ir/init"
    (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"
    done_step
    step "boot Debian's vmlinuz-$KREL in QEMU (TCG), run the smoke test (console: $out/console.log)"
    local rc=0
    timeout "${SMOKE_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -machine pc -cpu max -smp 2 -m 1G \
        -nodefaults -display none -no-reboot \
        -kernel "$X/usr/lib/modules/$KREL/vmlinuz" -initrd "$out/initramfs.cpio.gz" \
        -append "console=ttyS0 panic=-1 loglevel=6 sysctl.net.ipv6.conf.all.disable_ipv6=1" \
        -serial "file:$out/console.log" -serial "file:$out/kallsyms.txt" \
        -device ne2k_pci,netdev=n0,mac=52:54:00:12:34:56 -netdev user,id=n0 || rc=$?
    done_step
    [ $rc = 0 ] || echo "    qemu exited $rc" >&2
    tr -d '\r' <"$out/console.log" >"$out/console.txt"
    grep -E '^SMOKE' "$out/console.txt" >&2 || true
    # The kernel's Rust symbols as the running kernel names them (kallsyms) against this tree's
    check_kallsyms "$out"
    local fails; fails=$(grep -c '^SMOKE FAIL' "$out/console.txt" || true)
    grep -q '^SMOKE DONE' "$out/console.txt" || die "the guest did not finish the smoke test (see $out/console.txt)"
    [ "$fails" = 0 ] || die "$fails smoke check(s) failed (see $out/console.txt)"
    echo "smoke: all passed; $out" >&2
}

check_kallsyms() {
    local out=$1
    tr -d '\r' <"$out/kallsyms.txt" | awk '{print $3}' | grep '^_R' | sort -u >"$out/kallsyms-rust.txt" || true
    local n; n=$(wc -l <"$out/kallsyms-rust.txt")
    [ "$n" -gt 0 ] || { echo "    kallsyms: no Rust symbols came back" >&2; return 0; }
    local o have=0 tot=0
    for o in core kernel bindings uapi; do
        nm --defined-only "$R$KOUT/rust/$o.o" | awk '$3 ~ /^_R/ {print $3}' | sort -u >"$out/ours-$o.txt"
        local a b
        a=$(wc -l <"$out/ours-$o.txt"); b=$(comm -12 "$out/ours-$o.txt" "$out/kallsyms-rust.txt" | wc -l)
        echo "    kallsyms: rust/$o.o defines $a _R symbols, $b of them in the running kernel's kallsyms" >&2
        tot=$((tot + a)); have=$((have + b))
    done
    echo "    kallsyms: $n _R symbols in the running kernel; this tree's core/kernel/bindings/uapi: $have of $tot found" >&2
}

# What a guest run needs, as KEY=value lines: VMLINUZ (Debian's unmodified image, with its modules
# beside it in usr/lib/modules/KREL for virtme-ng), KSRC (Debian's kernel source: tools/, the ynl
# specs), KO (the module `module` built last).
paths() {
    echo "VMLINUZ=$X/usr/lib/modules/$KREL/vmlinuz"
    echo "KSRC=$R$KSRC_IN"
    echo "KO=$DD/out/ne2k_rs-$KREL.ko"
}

case "${1:-prepare}" in
    prepare) prepare;;
    paths) paths;;
    module) shift; module "$@";;
    smoke) shift; smoke "$@";;
    all) prepare; module; smoke;;
    *) die "usage: $0 [prepare | module [SRC] | smoke [KO] | paths | all]";;
esac
