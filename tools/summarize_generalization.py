"""Summarizes a generalization folder's runs.jsonl (dlr train --train-accuracy
--json lines) into summary.md beside it: per rule, mean and sd over seeds of
the final training and test accuracy, the best test accuracy and the final
train-test gap, and the mean accuracies after every epoch.

Usage: python3 tools/summarize_generalization.py FOLDER NAME
  FOLDER: holds runs.jsonl (e.g. results/mnist-generalization)
  NAME:   the data set's name for the heading (e.g. MNIST, Fashion-MNIST)
"""
import json, os, statistics as st, sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
folder, name = sys.argv[1], sys.argv[2]
with open(os.path.join(folder, "runs.jsonl")) as f:
    runs = [json.loads(l) for l in f]
rules = []
for r in runs:
    if r["optimizer"] not in rules:
        rules.append(r["optimizer"])

def ms(xs):
    xs = [100 * x for x in xs]
    sd = st.stdev(xs) if len(xs) > 1 else 0.0
    return f"{st.mean(xs):.2f} ± {sd:.2f}"

# Every run of a folder trains the same network for the same epochs.
hidden, epochs_run = runs[0]["hidden"], runs[0]["max_epochs"]
out = [f"# {name}, H = {hidden}, {epochs_run:g} epochs: training against test accuracy", ""]
out.append("Mean ± sd over seeds, in %; the gap is final training minus final test accuracy.")
out.append("")
out.append("| rule | setting | seeds | final train | final test | best test | gap |")
out.append("| --- | --- | --- | --- | --- | --- | --- |")
for rule in rules:
    rs = [r for r in runs if r["optimizer"] == rule]
    setting = " ".join(f"{k}={rs[0][k]}" for k in ["lr", "alpha", "momentum", "eps"] if rs[0][k] is not None)
    final_train = [r["history"][-1]["train_accuracy"] for r in rs]
    final_test = [r["history"][-1]["test_accuracy"] for r in rs]
    best = [max(h["test_accuracy"] for h in r["history"]) for r in rs]
    gap = [a - b for a, b in zip(final_train, final_test)]
    seeds = ",".join(str(r["seed"]) for r in rs)
    out.append(f"| {rule} | {setting} | {seeds} | {ms(final_train)} | {ms(final_test)} | {ms(best)} | {ms(gap)} |")
out.append("")
out.append("Mean training / test accuracy (%) after each epoch:")
out.append("")
epochs = len(runs[0]["history"])
out.append("| rule | " + " | ".join(str(e + 1) for e in range(epochs)) + " |")
out.append("| --- |" + " --- |" * epochs)
for rule in rules:
    rs = [r for r in runs if r["optimizer"] == rule]
    cells = []
    for e in range(epochs):
        tr = st.mean(100 * r["history"][e]["train_accuracy"] for r in rs)
        te = st.mean(100 * r["history"][e]["test_accuracy"] for r in rs)
        cells.append(f"{tr:.1f} / {te:.1f}")
    out.append(f"| {rule} | " + " | ".join(cells) + " |")
with open(os.path.join(folder, "summary.md"), "w") as f:
    f.write("\n".join(out) + "\n")
