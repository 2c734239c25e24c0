#!/usr/bin/env bash
# Grid scan of one optimizer's hyper-parameters at a given hidden size.
# Prints one line per configuration: median epochs to the target over the
# seeds (runs that miss the target count as infinite), then the flags.
#   tools/scan.sh "--optimizer dlr --hidden 100" "--lr 0.5 --alpha 0.5" "--lr 1 --alpha 0.5" ...
# Seeds: $SEEDS (default "1 2 3"); budget: $MAX_EPOCHS (default 3); parallel jobs: $JOBS (default 2).
set -euo pipefail
bin=${DLR_BIN:-target/release/dlr}
base=$1; shift
seeds=${SEEDS:-1 2 3}
max=${MAX_EPOCHS:-3}
jobs=${JOBS:-2}
for cfg in "$@"; do
  for s in $seeds; do echo "$cfg|$s"; done
done | xargs -P "$jobs" -I{} bash -c '
  cfg=${1%|*}; s=${1##*|}
  out=$('"$bin"' train --json '"$base"' $cfg --seed $s --max-epochs '"$max"' 2>/dev/null | tail -1)
  echo "$cfg|$out"' _ {} |
python3 -c '
import sys, json, statistics, collections
runs = collections.defaultdict(list)
for line in sys.stdin:
    cfg, _, js = line.rstrip("\n").partition("|")
    try: r = json.loads(js)
    except Exception: runs[cfg].append(float("inf")); continue
    runs[cfg].append(r["epochs"] if r["reached"] else float("inf"))
for cfg, e in sorted(runs.items(), key=lambda kv: statistics.median(kv[1])):
    print(f"{statistics.median(e):7.3f}  [{min(e):.3f}..{max(e):.3f}]  {cfg}")
'
