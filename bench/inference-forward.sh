#!/usr/bin/env bash
# The forward pass the inference service runs (InferenceModel.classify), timed per batch size on real
# test images, for each artefact under each oneDNN ISA cap, in rounds that alternate them; prints the
# median images/s per (model, ISA, batch). Each measurement is a fresh `bin/trainer forward` JVM.
# Usage: bench/inference-forward.sh [--rounds N] [--threads N] [--isa "AVX ALL"] ARTEFACT.zip...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
threads=2
isas="AVX ALL"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --isa) isas=$2; shift 2 ;;
    -*) echo "usage: $0 [--rounds N] [--threads N] [--isa \"AVX ALL\"] ARTEFACT.zip..." >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rounds N] [--threads N] [--isa \"AVX ALL\"] ARTEFACT.zip..." >&2; exit 2; }
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for round in $(seq 1 "$rounds"); do
  for artefact in "$@"; do
    for isa in $isas; do
      echo "== round $round: $artefact, ONEDNN_MAX_CPU_ISA=$isa" >&2
      ONEDNN_MAX_CPU_ISA=$isa "$root/bin/trainer" forward --artefact "$artefact" --threads "$threads" 2>/dev/null >> "$lines"
    done
  done
done
/usr/bin/python3 - "$lines" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[(r["model"], r["onednn_max_cpu_isa"], r["batch"])].append(r["images_per_second"])
print("| model | ONEDNN_MAX_CPU_ISA | batch | images/s (median) | ms per batch | runs |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
for (model, isa, batch), values in sorted(runs.items()):
    median = statistics.median(values)
    print(f"| {model} | {isa} | {batch} | {median:,.0f} | {1000 * batch / median:.2f} | {len(values)} |")
PY
