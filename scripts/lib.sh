# Shared helpers for the lab scripts (sourced, not run).
NE2K_CACHE=${NE2K_RS_CACHE:-$HOME/.cache/ne2k-rs}
export PATH="$HOME/.cargo/bin:$HOME/.local/bin:$PATH"

die() { echo "error: $*" >&2; exit 1; }
_step_t0=0
step() { _step_t0=$(date +%s); echo "==> $* ..." >&2; }
done_step() { echo "    done in $(( $(date +%s) - _step_t0 ))s" >&2; }
