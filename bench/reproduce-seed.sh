#!/usr/bin/env bash
# Re-runs the seed notebook's table with our engine: full data, the seed's recipe (Adam, lr 0.001,
# batch 1000, shuffle, 10 epochs, train accuracy by an evaluation pass after each epoch), seed 0.
# Writes docs/results/<model>.jsonl (one JSON object per epoch plus a final one) and the k-sweep plot.
# Usage: bench/reproduce-seed.sh [--epochs N] [--threads N]   (about 35 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/docs/results"
epochs=10
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--epochs N] [--threads N]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
run() { # name, then train options
  local name=$1; shift
  echo "== $name" >&2
  "$root/bin/trainer" train "$@" --epochs "$epochs" --threads "$threads" --seed 0 \
    --out "$out/$name.zip" > "$out/$name.jsonl"
  tail -n 1 "$out/$name.jsonl" >&2
}
run mlp --architecture mlp
run baseline --architecture baseline
for k in 3 4 5 6 7 8; do
  run "compare-k$k" --architecture compare -k "$k"
done
run better --architecture better
"$root/bin/trainer" plot-sweep --parameter k --title "CompareNet: test accuracy against kernel size k" \
  --out "$out/compare-k-sweep.png" "$out"/compare-k[3-8].jsonl
rm -f "$out"/*.zip
"$root/bench/results-table.py" "$out"
