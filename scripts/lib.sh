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

# Copies the driver's sources from SRC (the checkout, or a tree that `git archive` made) into a
# fresh DIR: the sources only (a tree of another commit may have top-level C shims and no
# netdev/), no object, command file or generated binding of an earlier build against another
# kernel.
#   copy_module_sources SRC DIR
copy_module_sources() {
    local src=$1 dir=$2
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$src" && for f in Kbuild ./*.rs ./*.c ./*.h hw tracing netdev; do
        if [ -e "$f" ]; then cp -r "$f" "$dir"/ || exit 1; fi
    done) || return 1
    (cd "$dir" && find . \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' -o -name '*.mod*' \
        -o -name '*bindings_generated.rs' \) -delete)
}

# Builds ne2k_rs.ko from a copy of the driver sources in SRC in DIR (copy_module_sources),
# against KDIR, with extra make arguments (e.g. NE2K_RS_NOTRACE=y); the module lands in
# DIR/ne2k_rs.ko, the build's output in LOG.
#   build_module_copy SRC DIR KDIR LOG [MAKE_ARGS...]
build_module_copy() {
    local src=$1 dir=$2 kdir=$3 log=$4
    shift 4
    copy_module_sources "$src" "$dir" || return 1
    make -s -C "$kdir" M="$dir" "$@" modules >"$log" 2>&1 || { tail -20 "$log"; return 1; }
}

# A private apt configuration for Debian trixie and trixie-backports in DIR (its own sources,
# lists and cache), for fetching trixie packages WITHOUT touching the system's apt sources:
# adding trixie there would upgrade glibc and dpkg and break the host. Sets APTDIR and APT_OPTS.
#   trixie_apt DIR
trixie_apt() {
    APTDIR=$1
    mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
    cat >"$APTDIR/sources.list" <<SRCL
deb [signed-by=/usr/share/keyrings/debian-archive-trixie-automatic.gpg] http://deb.debian.org/debian trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-trixie-automatic.gpg] http://deb.debian.org/debian trixie main
SRCL
    APT_OPTS=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache"
              -o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
}

# `apt-get update` of trixie_apt's lists, unless they are less than a day old.
refresh_lists() {
    if [ -z "$(find "$APTDIR/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        step "private apt: trixie/trixie-backports package lists"
        apt-get "${APT_OPTS[@]}" update -q >/dev/null || die "apt-get update (private trixie config) failed"
        done_step
    fi
}
