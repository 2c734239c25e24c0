"""Where a Fig. 1 run's time to the target goes, per rule at one hidden size:
for each rule's best setting (the lowest median epochs over seeds, a miss
counting as infinite, ties to the lower mean: as `dlr report` and Fig. 1
pick it), the mean over
seeds of the epochs, the training seconds, the evaluation seconds (the
test-set passes every `eval_every` samples, overlapped with training by
`dlr train`) and the training microseconds per sample.

Usage: python3 tools/time_breakdown.py SWEEP.jsonl HIDDEN
  SWEEP.jsonl: a sweep's runs (e.g. results/fig1.jsonl)
  HIDDEN:      the hidden size (e.g. 100)
Prints a Markdown table; a rule whose best setting missed on some seed says
so, and its means are over the seeds that reached the target.
"""
import json, statistics as st, sys

from rules import SHOWN, ordered

if len(sys.argv) != 3:
    sys.exit(__doc__)
path, hidden = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    runs = [json.loads(l) for l in f if l.strip()]
runs = [r for r in runs if r["hidden"] == hidden]
if not runs:
    sys.exit(f"{path}: no run at hidden size {hidden}")

PARAMS = ["lr", "alpha", "momentum", "beta1", "beta2", "eps"]


def setting(r):
    return tuple((k, r[k]) for k in PARAMS)


def rank(rs):
    hit = [r["epochs"] for r in rs if r["reached"]]
    median = st.median(r["epochs"] if r["reached"] else float("inf") for r in rs)
    return (median, st.mean(hit) if hit else float("inf"))




def mean(xs):
    return st.mean(xs) if xs else float("nan")


rules = ordered(r["optimizer"] for r in runs)
print("| rule | setting | reached | epochs | train s | eval s | train µs / sample |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for rule in rules:
    by_setting = {}
    for r in runs:
        if r["optimizer"] == rule:
            by_setting.setdefault(setting(r), []).append(r)
    best = min(by_setting.values(), key=rank)
    hit = [r for r in best if r["reached"]]
    shown = " ".join(f"{k}={best[0][k]:g}" for k in SHOWN.get(rule, PARAMS))
    print(
        f"| {rule} | {shown} | {len(hit)}/{len(best)} "
        f"| {mean([r['epochs'] for r in hit]):.3f} "
        f"| {mean([r['train_seconds'] for r in hit]):.2f} "
        f"| {mean([r['eval_seconds'] for r in hit]):.2f} "
        f"| {mean([1e6 * r['train_seconds'] / r['samples'] for r in hit]):.1f} |"
    )
