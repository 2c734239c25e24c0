#!/usr/bin/env bash
# Paired comparison of builds: runs `BIN bench --optimizers sgd,dlr
# --layouts 6 --repeats 5 --no-epoch --seed R --hidden H --json` for each
# binary in turn, ROUNDS times over (round R = 1, 2, ... measures the
# layouts of seed R, the same for every binary), and prints per binary and
# H the medians of DLR's step, SGD's step and DLR/SGD, with each round's
# ratio. Alternating the binaries lets machine drift hit all alike;
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
        "$bin" bench --optimizers sgd,dlr --no-epoch --repeats 5 --layouts 6 \
            --seed $((r + 1)) --hidden "$hidden" --json 2>/dev/null | BIN="$bin" python3 -c '
import json, os, sys
t = {}
for line in sys.stdin:
    j = json.loads(line)
    t[(j["optimizer"], j["hidden"])] = j["us_per_step"]
for (opt, h), dlr in sorted(t.items()):
    if opt == "dlr":
        sgd = t[("sgd", h)]
        print(os.environ["BIN"], h, dlr, sgd, dlr / sgd)
' >>"$out"
    done
done
python3 - "$out" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    b, h, d, s, q = line.split()
    runs[(int(h), b)].append((float(d), float(s), float(q)))
for (h, b), v in sorted(runs.items()):
    med = [statistics.median(x[i] for x in v) for i in range(3)]
    each = " ".join(f"{x[2]:.2f}" for x in v)
    print(f"H={h:<5} {b}: dlr {med[0]:.3f} us, sgd {med[1]:.3f} us, dlr/sgd {med[2]:.3f} (rounds: {each})")
PY
