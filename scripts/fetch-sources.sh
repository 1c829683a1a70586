#!/usr/bin/env bash
# Fetch the Linux 7.x source tarball and the Rust standard library source matching the installed
# rustc, as Debian packages from trixie-backports, WITHOUT touching the system's apt sources
# (a private apt configuration; adding trixie to sources.list would upgrade glibc/dpkg and break
# the host). Results (cached under $NE2K_RS_CACHE/src):
#   src/linux-<ver>/            the kernel tree (pristine)
#   src/rust-src-<rustcver>/    holds library/ for RUST_LIB_SRC
#   src/ethtool-<ver>/          sid's ethtool (7.x): the kernel's driver selftests call
#                               `ethtool --json -l`, which bookworm's 6.1 and trixie's 6.14 lack;
#                               the binary needs only glibc 2.34 and libmnl0, so it runs here
# Prints three lines: KSRC=..., RUST_LIB_SRC=... and ETHTOOL=... (the binary's path)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC="$NE2K_CACHE/src"
trixie_apt "$NE2K_CACHE/apt-trixie"
mkdir -p "$SRC" "$APTDIR/debs"

RUSTC_VER=$(rustc --version | awk '{print $2}')
[ -n "$RUSTC_VER" ] || die "rustc not found"


# all versions of package $1, newest first
versions() { apt-cache "${APT_OPTS[@]}" madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -Vr -u; }

download() { # name version -> path of .deb
    local name=$1 ver=$2
    local f; f=$(ls "$APTDIR/debs/${name}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then
        (cd "$APTDIR/debs" && apt-get "${APT_OPTS[@]}" download -q "$name=$ver" >/dev/null) ||
            die "could not download $name=$ver"
        f=$(ls "$APTDIR/debs/${name}_"*.deb | head -1)
    fi
    echo "$f"
}

# ---- Rust library source: rust-src of exactly rustc's version ----
RLS="$SRC/rust-src-$RUSTC_VER"
if [ ! -f "$RLS/library/core/src/num/mod.rs" ]; then
    refresh_lists
    ver=$(versions rust-src | grep -E "^([0-9]+:)?${RUSTC_VER//./\\.}([+~-]|$)" | head -1 || true)
    [ -n "$ver" ] || die "no Debian rust-src matching rustc $RUSTC_VER (available: $(versions rust-src | tr '\n' ' '))"
    step "rust-src $ver"
    deb=$(download rust-src "$ver")
    rm -rf "$RLS.tmp"; mkdir -p "$RLS.tmp"; dpkg -x "$deb" "$RLS.tmp/x"
    # The package holds the whole rustc tree (usr/src/rustc-VER/); vendored copies of library/
    # elsewhere in it are stubs, so take the top-level one.
    lib=$(ls -d "$RLS.tmp"/x/usr/src/rustc-*/library/core 2>/dev/null | head -1)
    [ -n "$lib" ] && [ -f "$lib/src/num/mod.rs" ] || die "rust-src package has no usr/src/rustc-*/library/core"
    mv "$(dirname "$lib")" "$RLS.tmp/library"; rm -rf "$RLS.tmp/x"
    rm -rf "$RLS"; mv "$RLS.tmp" "$RLS"
    done_step
fi

# ---- Linux source: the newest linux-source-7.x (or $NE2K_RS_KVER if set, e.g. 7.3) ----
want=${NE2K_RS_KVER:-}
have=$(ls -d "$SRC"/linux-7.* 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$want" ] && [ -d "$SRC/linux-$want" ]; then have="$SRC/linux-$want"; fi
if [ -z "$have" ] || { [ -n "$want" ] && [ "$have" != "$SRC/linux-$want" ]; }; then
    refresh_lists
    pkgs=$(apt-cache "${APT_OPTS[@]}" pkgnames linux-source-7 2>/dev/null | grep -E '^linux-source-7\.[0-9]+$' | sort -V || true)
    [ -n "$want" ] && pkgs=$(echo "$pkgs" | grep -x "linux-source-$want" || true)
    name=$(echo "$pkgs" | tail -1)
    [ -n "$name" ] || die "no linux-source-7.x package found in trixie-backports${want:+ (wanted $want)}"
    ver=$(versions "$name" | head -1)
    step "$name $ver"
    deb=$(download "$name" "$ver")
    tmp="$SRC/.x-$name"; rm -rf "$tmp"; dpkg -x "$deb" "$tmp"
    tarball=$(find "$tmp" -name 'linux-source-*.tar.*' | head -1)
    [ -n "$tarball" ] || die "$name has no source tarball"
    kv=${name#linux-source-}
    rm -rf "$SRC/linux-$kv" "$SRC/linux-source-$kv"
    tar -C "$SRC" -xf "$tarball"
    mv "$SRC/linux-source-$kv" "$SRC/linux-$kv"
    rm -rf "$tmp"
    have="$SRC/linux-$kv"
    done_step
fi

# ---- ethtool: the newest in sid, through a second private apt configuration that holds sid
#      alone (so sid never decides the kernel or rust-src versions above) ----
ETD=$(ls -d "$SRC"/ethtool-*/usr/sbin/ethtool 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$ETD" ]; then
    SIDDIR="$NE2K_CACHE/apt-sid"
    mkdir -p "$SIDDIR/lists/partial" "$SIDDIR/cache/archives/partial" "$SIDDIR/debs"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-trixie-automatic.gpg] http://deb.debian.org/debian sid main" \
        >"$SIDDIR/sources.list"
    SID_OPTS=(-o "Dir::Etc::SourceList=$SIDDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$SIDDIR/lists" -o "Dir::Cache=$SIDDIR/cache"
              -o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    step "ethtool (sid)"
    apt-get "${SID_OPTS[@]}" update -q >/dev/null || die "apt-get update (private sid config) failed"
    ver=$(apt-cache "${SID_OPTS[@]}" madison ethtool 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -Vr | head -1)
    [ -n "$ver" ] || die "no ethtool in sid"
    rm -f "$SIDDIR/debs"/ethtool_*.deb
    (cd "$SIDDIR/debs" && apt-get "${SID_OPTS[@]}" download -q "ethtool=$ver" >/dev/null) || die "could not download ethtool=$ver"
    d="$SRC/ethtool-${ver#*:}"
    rm -rf "$d"; dpkg -x "$SIDDIR/debs"/ethtool_*.deb "$d"
    ETD="$d/usr/sbin/ethtool"
    "$ETD" --version >/dev/null || die "sid's ethtool does not run on this host ($ETD)"
    done_step
fi
echo "KSRC=$have"
echo "RUST_LIB_SRC=$RLS/library"
echo "ETHTOOL=$ETD"
