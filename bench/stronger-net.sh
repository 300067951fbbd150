#!/usr/bin/env bash
# BetterNet-BN (better-bn) against the seed's BetterNet on this machine, in one alternating run:
# better-bn seed 0, BetterNet with the seed's recipe (10 epochs, an evaluation pass over the training
# set after each epoch, as the seed computes train accuracy), better-bn seeds 1 and 2. Each run is a
# fresh `bin/trainer train` JVM; its wall time runs from launch to exit (JVM start, data load,
# training, every evaluation pass, the artefact written).
# Writes docs/results/better-bn-s<seed>.jsonl, better-seed-recipe.jsonl, better-bn-times.tsv,
# better-bn-curves.png, and prints the Markdown table of docs/RESULTS.md.
# Usage: bench/stronger-net.sh [--threads N]      (about 35 minutes on 2 cores; nothing else running)
#        bench/stronger-net.sh --report-only      the plot and the table again, from the files above
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/docs/results"
threads=2
train=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --report-only) train=no; shift ;;
    *) echo "usage: $0 [--threads N] [--report-only]" >&2; exit 2 ;;
  esac
done
# The recipe, written down once: docs/using/experiments.md, docs/using/cli.md and docs/RESULTS.md quote it.
BETTER_BN_RECIPE=(--architecture better-bn --epochs 11 --batch-size 250 --learning-rate 0.003 --lr-schedule onecycle
  --weight-decay 0.05 --label-smoothing 0.1 --dropout 0.3 --flip --train-accuracy none)
SEED_RECIPE=(--architecture better)  # the defaults are the seed's recipe
mkdir -p "$out"
times="$out/better-bn-times.tsv"
run() { # name, seed, then train options
  local name=$1 seed=$2; shift 2
  echo "== $name (seed $seed)" >&2
  local start=$EPOCHREALTIME
  "$root/bin/trainer" train "$@" --threads "$threads" --seed "$seed" --out "$out/$name.zip" > "$out/$name.jsonl"
  printf '%s\t%s\t%s\t%s\n' "$name" "$seed" "$start" "$EPOCHREALTIME" >> "$times"
  tail -n 1 "$out/$name.jsonl" >&2
}
if [ "$train" = yes ]; then
  printf 'run\tseed\tstart\tend\n' > "$times"
  run better-bn-s0 0 "${BETTER_BN_RECIPE[@]}"
  run better-seed-recipe 0 "${SEED_RECIPE[@]}"
  run better-bn-s1 1 "${BETTER_BN_RECIPE[@]}"
  run better-bn-s2 2 "${BETTER_BN_RECIPE[@]}"
  rm -f "$out"/better-bn-s?.zip "$out"/better-seed-recipe.zip
fi
"$root/bin/trainer" plot-epochs --title "Test accuracy per epoch: BetterNet (seed recipe) and better-bn (3 seeds)" \
  --out "$out/better-bn-curves.png" "$out/better-seed-recipe.jsonl" "$out"/better-bn-s[0-2].jsonl >&2
/usr/bin/python3 - "$out" <<'PY'
import csv, json, pathlib, statistics, sys
out = pathlib.Path(sys.argv[1])
wall = {r["run"]: float(r["end"]) - float(r["start"]) for r in csv.DictReader(open(out / "better-bn-times.tsv"), delimiter="\t")}
def final(name):
    rows = [json.loads(l) for l in (out / f"{name}.jsonl").read_text().splitlines() if l.strip()]
    epochs = [r for r in rows if not r.get("final")]
    return rows[-1], max(r["test_acc"] for r in epochs), rows[-1]["epochs"]
print("| run | seed | epochs | artefact test acc | best epoch test acc | training s | wall s |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
names = ["better-seed-recipe", "better-bn-s0", "better-bn-s1", "better-bn-s2"]
for name in names:
    last, best, epochs = final(name)
    print(f"| {name} | {name[-1] if name.startswith('better-bn') else 0} | {epochs} | {last['test_acc']:.4f} "
          f"| {best:.4f} | {last['train_seconds_total']:.0f} | {wall[name]:.0f} |")
bn = [final(n)[0]["test_acc"] for n in names[1:]]
bn_wall = [wall[n] for n in names[1:]]
print(f"\nbetter-bn: median test accuracy {statistics.median(bn):.4f} (min {min(bn):.4f}, max {max(bn):.4f}); "
      f"median wall time {statistics.median(bn_wall):.0f} s against BetterNet's seed recipe "
      f"{wall['better-seed-recipe']:.0f} s ({statistics.median(bn_wall) / wall['better-seed-recipe']:.2f}x)")
PY
