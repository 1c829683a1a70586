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
