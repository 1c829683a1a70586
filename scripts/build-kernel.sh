#!/usr/bin/env bash
# Build the lab's guest kernel (bzImage + modules, Rust enabled) out of tree, cached under
# $NE2K_RS_CACHE/build/<kver>-<flavor>-<key>/, key = hash(kernel version, config fragment(s),
# rustc version, bindgen version). Idempotent: a finished build is reused at no cost; the last
# NE2K_KEEP_BUILDS (3) builds of each flavor stay cached, so going back to a config costs nothing.
#   usage: build-kernel.sh [--print-kdir] [FLAVOR]     FLAVOR: default | debug | irqsoff | selftests
# The last line printed on stdout is the build directory (KDIR for `make -C $KDIR M=...`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

FLAVOR=${1:-${FLAVOR:-default}}
case "$FLAVOR" in default|debug|irqsoff|selftests) ;; *) die "unknown FLAVOR '$FLAVOR' (use default, debug, irqsoff or selftests)";; esac

# One fetch at a time per cache, one build at a time per flavor (a second `make` waits instead
# of building into the same tree; a default-flavor make is not held up by a debug build).
# Called from a make recipe it inherits that make's flags: under `make -n` the kernel's own makes
# would print their commands instead of running them (and the version query below would read
# a command line as the version). The kernel build is ours to run in full or not at all.
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir -p "$NE2K_CACHE/build"
exec 8>"$NE2K_CACHE/build/.lock-fetch"
flock 8
eval "$("$HERE/fetch-sources.sh" | grep -E '^(KSRC|RUST_LIB_SRC)=')"
exec 8>&-
exec 9>"$NE2K_CACHE/build/.lock-$FLAVOR"
flock 9
export RUST_LIB_SRC
KVER=$(make -s -C "$KSRC" kernelversion)

FRAGS=("$HERE/guest.config")
[ "$FLAVOR" = debug ] && FRAGS+=("$HERE/guest-debug.config")
[ "$FLAVOR" = irqsoff ] && FRAGS+=("$HERE/guest-irqsoff.config")
[ "$FLAVOR" = selftests ] && FRAGS+=("$HERE/guest-selftests.config")
for f in "${FRAGS[@]}"; do [ -f "$f" ] || die "missing config fragment $f"; done

command -v bindgen >/dev/null || die "bindgen not found: run scripts/host-deps.sh (cargo install bindgen-cli 0.72.1)"
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
[ -e "$LIBCLANG_PATH/libclang.so" ] || [ -n "$(ls "$LIBCLANG_PATH"/libclang*.so* 2>/dev/null)" ] ||
    die "libclang not found in $LIBCLANG_PATH (install libclang-19-dev or set LIBCLANG_PATH)"
export LIBCLANG_PATH

KEY=$( { echo "$KVER"; cat "${FRAGS[@]}"; rustc --version; bindgen --version; gcc --version | head -1; } |
       sha256sum | cut -c1-12)
B="$NE2K_CACHE/build/$KVER-$FLAVOR-$KEY"
STAMP="$B/.ne2k-rs-built"

KMAKE=(make -C "$KSRC" O="$B" ARCH=x86_64 RUSTC=rustc BINDGEN=bindgen HOSTRUSTC=rustc)

if [ ! -f "$STAMP" ]; then
    echo "kernel $KVER ($FLAVOR), rustc $(rustc --version | awk '{print $2}'), build dir $B" >&2
    mkdir -p "$B"
    step "configure: tinyconfig + ${FRAGS[*]##*/}"
    "${KMAKE[@]}" -s tinyconfig >/dev/null
    (cd "$B" && KCONFIG_CONFIG="$B/.config" "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$B" \
        "$B/.config" "${FRAGS[@]}" >/dev/null)
    "${KMAKE[@]}" -s olddefconfig >/dev/null
    bad=0
    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue;; esac
        sym=${line%%=*}; val=${line#*=}
        if [ "$val" = n ]; then
            grep -q "^$sym=" "$B/.config" && { echo "  config: $sym should be off" >&2; bad=1; }
        else
            grep -qx "$line" "$B/.config" || { echo "  config: wanted $line, got: $(grep "^$sym=\|# $sym " "$B/.config" || echo unset)" >&2; bad=1; }
        fi
    done < <(cat "${FRAGS[@]}" | awk -F= '/^CONFIG_/ { if (!($1 in v)) k[n++] = $1; v[$1] = $0 }
                                          END { for (i = 0; i < n; i++) print v[k[i]] }')
    # (a symbol a later fragment sets again is checked with its last value)
    done_step
    if ! grep -q '^CONFIG_RUST=y' "$B/.config"; then
        "${KMAKE[@]}" rustavailable >&2 || true
        die "CONFIG_RUST did not stick: the Rust toolchain is not usable for this kernel (see rustavailable above)"
    fi
    [ $bad = 0 ] || die "config fragment did not apply cleanly (see above)"
    step "make rustavailable"
    "${KMAKE[@]}" -s rustavailable >&2 || die "make rustavailable failed: fix the Rust toolchain (see above)"
    done_step
    JOBS=${JOBS:-$(( $(nproc) + 1 ))}
    step "make -j$JOBS bzImage modules (log: $B/build.log)"
    # The build takes 10-13 minutes on 2 cores: a line every 30 s says how far it is (objects
    # compiled so far, against the count of the last build of this flavor when there is one).
    total=$(ls -t "$NE2K_CACHE"/build/*-"$FLAVOR"-*/build.log 2>/dev/null | grep -v "^$B/" | head -1 |
            xargs -r grep -cE '^  (CC|RUSTC|AS|LD|AR)' 2>/dev/null || true)
    "${KMAKE[@]}" -j"$JOBS" bzImage modules >"$B/build.log" 2>&1 &
    kpid=$!
    t0=$SECONDS
    while kill -0 "$kpid" 2>/dev/null; do
        for _ in $(seq 30); do kill -0 "$kpid" 2>/dev/null || break; sleep 1; done
        kill -0 "$kpid" 2>/dev/null || break
        n=$(grep -cE '^  (CC|RUSTC|AS|LD|AR)' "$B/build.log" || true)
        echo "    kernel build: $n${total:+ of about $total} objects after $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s" >&2
    done
    if ! wait "$kpid"; then
        tail -40 "$B/build.log" >&2
        die "kernel build failed (full log: $B/build.log)"
    fi
    done_step
    step "modules_install into $B/mods"
    rm -rf "$B/mods"
    "${KMAKE[@]}" -s INSTALL_MOD_PATH="$B/mods" modules_install >/dev/null
    done_step
    touch "$STAMP"
else
    echo "kernel $KVER ($FLAVOR): cached build $B" >&2
fi
ln -sfn "$B" "$NE2K_CACHE/kbuild-$FLAVOR"
touch "$STAMP"  # last used: the cache keeps the most recently used builds
# Builds of this flavor with another key (another config, kernel or toolchain) stay cached, so
# that switching back between configs or branches costs nothing; beyond NE2K_KEEP_BUILDS (3)
# per flavor (about 530 MB each) the least recently used go.
KEEP=${NE2K_KEEP_BUILDS:-3}
case "$KEEP" in ''|*[!0-9]*|0) die "NE2K_KEEP_BUILDS must be a positive integer, not '$KEEP'";; esac
for old in "$NE2K_CACHE"/build/*-"$FLAVOR"-*; do  # unfinished builds of another key
    [ "$old" = "$B" ] || [ ! -d "$old" ] || [ -f "$old/.ne2k-rs-built" ] ||
        { echo "removing unfinished build $old" >&2; rm -rf "$old"; }
done
ls -dt "$NE2K_CACHE"/build/*-"$FLAVOR"-*/.ne2k-rs-built 2>/dev/null | tail -n +$((KEEP + 1)) |
while read -r stamp; do
    old=${stamp%/.ne2k-rs-built}
    [ "$old" = "$B" ] || { echo "removing least recently used build $old" >&2; rm -rf "$old"; }
done
echo "$B"
