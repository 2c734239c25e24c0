"""Summarizes a generalization folder's runs.jsonl (dlr train --train-accuracy
--json lines) into summary.md beside it: per hidden size and rule, mean and
sd over seeds of the final training and test accuracy, the best test
accuracy and the final train-test gap, and the mean accuracies after every
epoch.

Usage: python3 tools/summarize_generalization.py FOLDER NAME
  FOLDER: holds runs.jsonl (e.g. results/mnist-generalization)
  NAME:   the data set's name for the heading (e.g. MNIST, Fashion-MNIST)
"""
import json, os, statistics as st, sys

from rules import SHOWN, ordered

if len(sys.argv) != 3:
    sys.exit(__doc__)
folder, name = sys.argv[1], sys.argv[2]
with open(os.path.join(folder, "runs.jsonl")) as f:
    runs = [json.loads(l) for l in f if l.strip()]


def ms(xs):
    xs = [100 * x for x in xs]
    sd = st.stdev(xs) if len(xs) > 1 else 0.0
    return f"{st.mean(xs):.2f} ± {sd:.2f}"


epochs_run = runs[0]["max_epochs"]
out = [f"# {name}, {epochs_run:g} epochs: training against test accuracy", ""]
out.append("Mean ± sd over seeds, in %; the gap is final training minus final test accuracy.")
for hidden in sorted({r["hidden"] for r in runs}):
    at = [r for r in runs if r["hidden"] == hidden]
    rules = ordered(r["optimizer"] for r in at)
    out += ["", f"## H = {hidden}", ""]
    out.append("| rule | setting | seeds | final train | final test | best test | gap |")
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    for rule in rules:
        rs = sorted((r for r in at if r["optimizer"] == rule), key=lambda r: r["seed"])
        setting = " ".join(f"{k}={rs[0][k]:g}" for k in SHOWN.get(rule, []))
        final_train = [r["history"][-1]["train_accuracy"] for r in rs]
        final_test = [r["history"][-1]["test_accuracy"] for r in rs]
        best = [max(h["test_accuracy"] for h in r["history"]) for r in rs]
        gap = [a - b for a, b in zip(final_train, final_test)]
        seeds = ",".join(str(r["seed"]) for r in rs)
        out.append(f"| {rule} | {setting} | {seeds} | {ms(final_train)} | {ms(final_test)} | {ms(best)} | {ms(gap)} |")
    out += ["", "Mean training / test accuracy (%) after each epoch:", ""]
    out.append("| epoch | " + " | ".join(rules) + " |")
    out.append("| --- |" + " --- |" * len(rules))
    for e in range(min(len(r["history"]) for r in at)):
        cells = []
        for rule in rules:
            rs = [r for r in at if r["optimizer"] == rule]
            tr = st.mean(100 * r["history"][e]["train_accuracy"] for r in rs)
            te = st.mean(100 * r["history"][e]["test_accuracy"] for r in rs)
            cells.append(f"{tr:.1f} / {te:.1f}")
        out.append(f"| {e + 1} | " + " | ".join(cells) + " |")
with open(os.path.join(folder, "summary.md"), "w") as f:
    f.write("\n".join(out) + "\n")
