#!/usr/bin/env bash
# Paired comparison of builds: runs `BIN bench --optimizers $OPTIMIZERS
# --layouts 6 --repeats 5 --no-epoch --seed R --hidden H --json` for each
# binary in turn, ROUNDS times over (round R = 1, 2, ... measures the
# layouts of seed R, the same for every binary), and prints per binary and
# H the median step of each optimizer and, when both ran, of DLR/SGD with
# each round's ratio; from the second binary on, also each optimizer's
# median over rounds of its step ÷ the first binary's in the same round.
# OPTIMIZERS defaults to sgd,dlr (e.g. OPTIMIZERS=dlr,adam-lazy,adam).
# Alternating the binaries lets machine drift hit all alike;
# BENCHMARKS.md says why one process of each is not enough. Each run
# times the steps after `bench`'s default warm-up of one epoch (a few
# seconds for SGD and DLR); a binary without `--warmup-epochs` times the
# first steps of a training instead, and the script says so.
#
#   DLR_DATA=/path/to/mnist tools/ab_bench.sh ROUNDS H[,H...] BIN_A BIN_B [BIN...]
#
# e.g. `cp target/release/dlr /tmp/dlr-before`, change the code, rebuild,
# then `tools/ab_bench.sh 3 30,100,300 /tmp/dlr-before target/release/dlr`.
set -euo pipefail
OPTIMIZERS=${OPTIMIZERS:-sgd,dlr}

: "${DLR_DATA:?set DLR_DATA to the directory with the MNIST files}"
export DLR_DATA
if [[ $# -lt 4 ]]; then
    echo "usage: tools/ab_bench.sh ROUNDS H[,H...] BIN_A BIN_B [BIN...]" >&2
    exit 2
fi
rounds=$1 hidden=$2
shift 2
for bin in "$@"; do
    [[ -x $bin ]] || { echo "ab_bench.sh: $bin is not an executable" >&2; exit 2; }
    "$bin" bench --help 2>/dev/null | grep -q -- --warmup-epochs ||
        echo "ab_bench.sh: $bin has no --warmup-epochs: it times the first steps of a training" >&2
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
    for bin in "$@"; do
        "$bin" bench --optimizers "$OPTIMIZERS" --no-epoch --repeats 5 --layouts 6 \
            --seed $((r + 1)) --hidden "$hidden" --json 2>/dev/null | BIN="$bin" R=$r python3 -c '
import json, os, sys
for line in sys.stdin:
    j = json.loads(line)
    print(os.environ["R"], os.environ["BIN"], j["hidden"], j["optimizer"], j["us_per_step"])
' >>"$out"
    done
done
python3 - "$out" "$@" <<'PY'
import collections, statistics, sys
path, bins = sys.argv[1], sys.argv[2:]
us = {}
for line in open(path):
    r, b, h, opt, t = line.split()
    us[(int(r), b, int(h), opt)] = float(t)
rounds = sorted({k[0] for k in us})
sizes = sorted({k[2] for k in us})
opts = list(dict.fromkeys(k[3] for k in us))
med = statistics.median
for h in sizes:
    for b in bins:
        parts = [f"{o} {med(us[(r, b, h, o)] for r in rounds):.3f} us" for o in opts]
        if "dlr" in opts and "sgd" in opts:
            q = [us[(r, b, h, "dlr")] / us[(r, b, h, "sgd")] for r in rounds]
            each = " ".join(f"{x:.2f}" for x in q)
            parts.append(f"dlr/sgd {med(q):.3f} (rounds: {each})")
        if b != bins[0]:
            vs = [f"{o} {med(us[(r, b, h, o)] / us[(r, bins[0], h, o)] for r in rounds):.3f}" for o in opts]
            parts.append("vs first: " + ", ".join(vs))
        print(f"H={h:<5} {b}: " + ", ".join(parts))
PY
