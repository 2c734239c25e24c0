#!/usr/bin/env bash
# Time to 96 %: runs `dlr train` with the defaults for each build given,
# alternating them N times (default 7), and prints per run the wall time,
# peak RSS, the JSON's train and eval seconds, the stop sample and the saved
# model's SHA-256 prefix; then the medians per build, each build's wall over
# the first build's in the same round (median and every round), and which
# stop samples and models the runs ended with.
#
#   DLR_DATA=../shared/data/mnist tools/time_to_96.sh NAME=BIN[:EXTRA ARGS] ...
#   e.g. tools/time_to_96.sh base=/path/old/dlr main=target/release/dlr \
#        "seq=target/release/dlr:--eval-threads 1"
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 NAME=BIN[:EXTRA ARGS] ..." >&2; exit 2; }
: "${DLR_DATA:?set DLR_DATA to the MNIST directory (../shared/data/mnist here)}"
export DLR_DATA
n=${N:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq 1 "$n"); do
  for spec in "$@"; do
    name=${spec%%=*}
    rest=${spec#*=}
    bin=${rest%%:*}
    extra=""
    [ "$rest" != "$bin" ] && extra=${rest#*:}
    # shellcheck disable=SC2086
    out=$({ /usr/bin/time -f "WALL %e %M" "$bin" train --json --save "$work/$name.bin" $extra; } 2>&1)
    json=$(grep '^{' <<<"$out" | tail -1)
    field() { grep -o "\"$1\":[0-9.e-]*" <<<"$json" | cut -d: -f2; }
    read -r _ wall rss < <(grep -o 'WALL [0-9.]* [0-9]*' <<<"$out")
    echo "$name wall $wall rss_kb $rss train $(field train_seconds) eval $(field eval_seconds)" \
      "samples $(field samples) model $(sha256sum "$work/$name.bin" | cut -c1-16)"
  done
done | tee "$work/runs"
echo "medians:"
awk '{ w[$1] = w[$1] " " $3 } END { for (k in w) print k, w[k] }' "$work/runs" |
  while read -r name values; do
    median=$(tr ' ' '\n' <<<"$values" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "  $name: wall $median s"
  done
# The issue's figure is a ratio of walls run side by side: each round's wall
# over the first build's in the same round, so that drift hits both alike.
if [ $# -ge 2 ]; then
  first=${1%%=*}
  echo "paired, wall / $first's wall in the same round (median, then each round):"
  awk -v n=$# '(NR - 1) % n == 0 { ref = $3 } (NR - 1) % n != 0 { r[$1] = r[$1] " " sprintf("%.3f", $3 / ref) }
       END { for (k in r) print k, r[k] }' "$work/runs" |
    while read -r name ratios; do
      median=$(tr ' ' '\n' <<<"$ratios" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
      echo "  $name: $median ($ratios)"
    done
  echo "stop samples and models (all runs):"
  awk '{ print "  " $1, "samples", $11, "model", $13 }' "$work/runs" | sort | uniq -c
fi
