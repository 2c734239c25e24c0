#!/bin/bash
# The runs of runs.jsonl: MNIST, H = 100 (HIDDEN=300 for 300), 20 epochs, training-set and test
# accuracy after every epoch, each rule at its default (the MNIST-tuned)
# setting. Run as `SEED=1 ./run.sh`, then 2 to 5, with `dlr` the release
# build (DLR=path/to/dlr to choose another) and DLR_DATA set.
set -euo pipefail
B=${DLR:-dlr}
common="--hidden ${HIDDEN:-100} --seed $SEED --max-epochs 20 --target 2 --eval-every 60000 --eval-threads 1 --train-accuracy --json"
run() { nice -n 10 "$B" train $common "$@" 2>/dev/null | tail -1 >> runs.jsonl; }
( run --optimizer dlr; run --optimizer sgd; run --optimizer adam ) &
( run --optimizer dlr-post; run --optimizer nesterov; run --optimizer adam-lazy ) &
wait
