#!/usr/bin/env python3
"""Prints the Markdown table of docs/RESULTS.md from the JSON lines bench/reproduce-seed.sh wrote."""
import json
import pathlib
import sys

SEED = {  # the seed notebook's final test accuracy and first/last epoch train accuracy
    "mlp": (0.8621, 0.80425, 0.87875), "baseline": (0.853, 0.731, 0.86435),
    "compare-k3": (0.8613, 0.7432666, 0.8717166), "compare-k4": (0.8543, 0.7423, 0.86465),
    "compare-k5": (0.8585, 0.7316333, 0.8687166), "compare-k6": (0.8541, 0.7304166, 0.8625333),
    "compare-k7": (0.8542, 0.7294, 0.86215), "compare-k8": (0.8597, None, 0.8699833),
    "better": (0.9069, 0.8050166, 0.92505),
}
results = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/results")
print("| model | parameters | seed test acc | our test acc | difference | seed / our train acc, epoch 0 "
      "| seed / our train acc, epoch 9 | our training time, 10 epochs |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, (seed_test, seed_first, seed_last) in SEED.items():
    path = results / f"{name}.jsonl"
    if not path.exists():
        continue
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    epochs = [r for r in rows if "epoch" in r and not r.get("final")]
    final = rows[-1]
    if not final.get("final"):
        continue  # still training
    first = f"{seed_first:.4f}" if seed_first else "n/a"
    print(f"| {name} | {final['parameters']:,} | {seed_test:.4f} | {final['test_acc']:.4f} "
          f"| {100 * (final['test_acc'] - seed_test):+.2f} pt | {first} / {epochs[0]['train_acc']:.4f} "
          f"| {seed_last:.4f} / {epochs[-1]['train_acc']:.4f} | {final['train_seconds_total']:.0f} s |")
