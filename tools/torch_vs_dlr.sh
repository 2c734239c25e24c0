#!/usr/bin/env bash
# Per-step cost (batch-1 online step: forward + backward + update) of `dlr`
# and of PyTorch, measured back to back in one invocation, at H=100.
#
#   DLR_DATA=/path/to/mnist tools/torch_vs_dlr.sh
#
# Runs `dlr bench --hidden 100 --json --no-epoch`, then
# `tools/torch_step.py --hidden 100 --json`, both after a warm-up of one
# epoch (their default; WARMUP_EPOCHS=E sets both), prints both raw JSON
# outputs, then a summary: dlr's DLR, Adam and lazy Adam steps, PyTorch's
# Adam and lazy Adam (SparseAdam) steps, and the ratios. TORCH_FLAGS adds
# options to torch_step.py (e.g. --flush-denormal).
# Builds nothing: the binary is $DLR_BIN (default target/release/dlr, so run it
# from the crate root after `cargo build --release`); the Python with torch is
# $PYTHON (default /tmp/torchenv/bin/python). The summary checks
# PyTorch-Adam / dlr-DLR against $RATIO_MIN (default 50) and says whether it
# holds; the exit status does not depend on it.
set -euo pipefail

: "${DLR_DATA:?set DLR_DATA to the directory with the MNIST files}"
export DLR_DATA
DLR_BIN=${DLR_BIN:-target/release/dlr}
PYTHON=${PYTHON:-/tmp/torchenv/bin/python}
RATIO_MIN=${RATIO_MIN:-50}
WARMUP_EPOCHS=${WARMUP_EPOCHS:-1}
TORCH_FLAGS=${TORCH_FLAGS:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -x $DLR_BIN ]] || { echo "torch_vs_dlr.sh: $DLR_BIN not found (cargo build --release, or set DLR_BIN)" >&2; exit 2; }
[[ -x $PYTHON ]] || { echo "torch_vs_dlr.sh: $PYTHON not found (set PYTHON to a python with torch)" >&2; exit 2; }

out_dlr=$(mktemp) out_torch=$(mktemp)
trap 'rm -f "$out_dlr" "$out_torch"' EXIT

echo "== $DLR_BIN bench --hidden 100 --json --no-epoch --warmup-epochs $WARMUP_EPOCHS"
"$DLR_BIN" bench --hidden 100 --json --no-epoch --warmup-epochs "$WARMUP_EPOCHS" | tee "$out_dlr"
echo "== $PYTHON tools/torch_step.py --hidden 100 --json --warmup-epochs $WARMUP_EPOCHS $TORCH_FLAGS"
# shellcheck disable=SC2086 # TORCH_FLAGS: several options
"$PYTHON" "$here/torch_step.py" --hidden 100 --json --warmup-epochs "$WARMUP_EPOCHS" $TORCH_FLAGS | tee "$out_torch"

# Summary, parsed with the system python3 (no torch needed).
python3 - "$out_dlr" "$out_torch" "$RATIO_MIN" <<'EOF'
import json, sys

def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]

def pick(rs, optimizer, hidden=100):
    for r in rs:
        if r["optimizer"] == optimizer and r["hidden"] == hidden:
            return r["us_per_step"]
    sys.exit(f"torch_vs_dlr.sh: no {optimizer} row at hidden={hidden}")

dlr_rows, torch_rows = rows(sys.argv[1]), rows(sys.argv[2])
ratio_min = float(sys.argv[3])
ours_dlr, ours_adam = pick(dlr_rows, "dlr"), pick(dlr_rows, "adam")
ours_lazy, torch_lazy = pick(dlr_rows, "adam-lazy"), pick(torch_rows, "adam-lazy")
torch_adam = pick(torch_rows, "adam")
flush = "flushed" if torch_rows[0].get("flush_denormal") else "not flushed"
ratio = torch_adam / ours_dlr
print("== summary (H=100, batch 1, us per step, median rounds)")
print(f"dlr  dlr  (ours)            {ours_dlr:9.2f} us")
print(f"dlr  adam (ours)            {ours_adam:9.2f} us")
print(f"dlr  adam-lazy (ours)       {ours_lazy:9.2f} us")
print(f"torch adam ({torch_rows[0]['torch_version']}, 1 thread, denormals {flush}) {torch_adam:9.2f} us")
print(f"torch adam-lazy (SparseAdam + Adam)  {torch_lazy:9.2f} us")
print(f"ratio torch-adam / dlr-dlr  {ratio:9.1f}x  "
      f"({'>=' if ratio >= ratio_min else 'BELOW'} {ratio_min:g}: "
      f"{'met' if ratio >= ratio_min else 'NOT met'})")
print(f"ratio torch-adam / dlr-adam {torch_adam / ours_adam:9.1f}x  (same optimizer)")
print(f"ratio torch-lazy / dlr-lazy {torch_lazy / ours_lazy:9.1f}x  (same optimizer)")
print(f"ratio dlr-lazy / dlr-dlr    {ours_lazy / ours_dlr:9.2f}x")
EOF
