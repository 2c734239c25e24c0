#!/bin/bash
# The runs of runs.jsonl: Fashion-MNIST, H = 100 (HIDDEN=300 for 300), 20 epochs, training-set and
# test accuracy after every epoch, each rule at the best setting of the quick
# grid (results/fashion-mnist-quick); lazy Adam, which that grid did not
# hold, at its default (the MNIST-tuned setting). Run as `SEED=1 ./run.sh`, then 2 to 5,
# with `dlr` the release build (DLR=path/to/dlr to choose another).
set -euo pipefail
D=${FASHION:-/usr/share/datasets/fashion-mnist}
B=${DLR:-dlr}
common="--hidden ${HIDDEN:-100} --seed $SEED --max-epochs 20 --target 2 --eval-every 60000 --eval-threads 1 --train-accuracy --json --data $D"
run() { nice -n 10 "$B" train $common "$@" 2>/dev/null | tail -1 >> runs.jsonl; }
( run --optimizer dlr --lr 2 --alpha 0.3; run --optimizer sgd --lr 0.2; run --optimizer adam --lr 0.001 --eps 0.0001 ) &
( run --optimizer dlr-post --lr 2.5 --alpha 0.3; run --optimizer nesterov --lr 0.05 --momentum 0.8; run --optimizer adam-lazy ) &
wait
