# Shared helpers for the lab scripts (sourced, not run).
NE2K_CACHE=${NE2K_RS_CACHE:-$HOME/.cache/ne2k-rs}
export PATH="$HOME/.cargo/bin:$HOME/.local/bin:$PATH"

die() { echo "error: $*" >&2; exit 1; }
_step_t0=0
step() { _step_t0=$(date +%s); echo "==> $* ..." >&2; }
done_step() { echo "    done in $(( $(date +%s) - _step_t0 ))s" >&2; }

# Dies unless $2 is a whole number >= 1; $1 names it in the message.
positive_int() {
    [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] || die "$1 must be a positive integer (got '$2')"
}

# Dies unless $1 is a built kernel tree (the --kdir of the lab scripts).
need_kdir() {
    [ -n "$1" ] && [ -f "$1/arch/x86/boot/bzImage" ] || die "--kdir must name a built kernel tree (make kernel)"
}

# Builds ne2k_rs.ko from a copy of the driver sources in SRC (the checkout, or a tree that
# `git archive` made) in DIR, against KDIR, with extra make arguments (e.g. NE2K_RS_NOTRACE=y);
# the module lands in DIR/ne2k_rs.ko, the build's output in LOG.
#   build_module_copy SRC DIR KDIR LOG [MAKE_ARGS...]
build_module_copy() {
    local src=$1 dir=$2 kdir=$3 log=$4
    shift 4
    rm -rf "$dir"; mkdir -p "$dir"
    # The sources only (a tree of another commit may have top-level C shims and no netdev/):
    # no object, command file or generated binding of an earlier build against another kernel.
    (cd "$src" && for f in Kbuild ./*.rs ./*.c ./*.h hw tracing netdev; do
        if [ -e "$f" ]; then cp -r "$f" "$dir"/ || exit 1; fi
    done) || return 1
    (cd "$dir" && find . \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' -o -name '*.mod*' \
        -o -name '*bindings_generated.rs' \) -delete)
    make -s -C "$kdir" M="$dir" "$@" modules >"$log" 2>&1 || { tail -20 "$log"; return 1; }
}
