#!/usr/bin/env bash
# Per-step cost (batch-1 online step: forward + backward + update) of `dlr`
# and of PyTorch, measured back to back in one invocation, at H=100.
#
#   DLR_DATA=/path/to/mnist tools/torch_vs_dlr.sh
#
# Runs `dlr bench --hidden 100 --json --no-epoch`, then
# `tools/torch_step.py --hidden 100 --json`, prints both raw JSON outputs,
# then a summary: dlr's DLR and Adam steps, PyTorch's Adam step and the ratios.
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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -x $DLR_BIN ]] || { echo "torch_vs_dlr.sh: $DLR_BIN not found (cargo build --release, or set DLR_BIN)" >&2; exit 2; }
[[ -x $PYTHON ]] || { echo "torch_vs_dlr.sh: $PYTHON not found (set PYTHON to a python with torch)" >&2; exit 2; }

out_dlr=$(mktemp) out_torch=$(mktemp)
trap 'rm -f "$out_dlr" "$out_torch"' EXIT

echo "== $DLR_BIN bench --hidden 100 --json --no-epoch"
"$DLR_BIN" bench --hidden 100 --json --no-epoch | tee "$out_dlr"
echo "== $PYTHON tools/torch_step.py --hidden 100 --json"
"$PYTHON" "$here/torch_step.py" --hidden 100 --json | tee "$out_torch"

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
torch_adam = pick(torch_rows, "adam")
ratio = torch_adam / ours_dlr
print("== summary (H=100, batch 1, us per step, median rounds)")
print(f"dlr  dlr  (ours)            {ours_dlr:9.2f} us")
print(f"dlr  adam (ours)            {ours_adam:9.2f} us")
print(f"torch adam ({torch_rows[0]['torch_version']}, 1 thread) {torch_adam:9.2f} us")
print(f"ratio torch-adam / dlr-dlr  {ratio:9.1f}x  "
      f"({'>=' if ratio >= ratio_min else 'BELOW'} {ratio_min:g}: "
      f"{'met' if ratio >= ratio_min else 'NOT met'})")
print(f"ratio torch-adam / dlr-adam {torch_adam / ours_adam:9.1f}x  (same optimizer)")
EOF
