#!/usr/bin/env bash
# Time to 0.93 test accuracy (docs/RESULTS.md, "Time to 93%"): the speedrun recipe (speed-bn) for each
# seed three ways, alternating, on this machine (another recipe and target with --recipe and --target):
#   kafka:  queued with `fmnist submit --recipe speedrun` to a trainer-service on a broker of this
#           script's own; wall time from the request's record on the experiments topic (its producer
#           timestamp) to the SUCCEEDED event, and (kafka-cli) from just before the submit command
#           starts, its JVM's start included;
#   engine: `bin/trainer train --recipe speedrun`, one fresh JVM from launch to exit (JVM start, data
#           load, training, every test pass, the artefact written);
#   twin:   the same recipe in plain PyTorch (bench/speedrun_torch.py, Debian's torch, channels-last,
#           jemalloc as ours, the same threads), from launch to exit.
# The contenders' order rotates with the seed, so drift in the machine's load spreads over all three.
# Writes each run's lines to docs/results/RECIPE/ (or --out DIR) and prints medians, ratios and a
# table. CPU-heavy: run it alone (flock /tmp/fmnist-build.lock bench/speedrun.sh).
# --select RATE:EPOCHS[:noflip],...: instead, train the recipe at each peak rate and epoch count
# (:noflip: without test-time flips) on a 10,000-image validation split (seed 0, the engine alone; the
# test set is not looked at) and print each one's validation accuracy per epoch and its training
# seconds: how the recipe was chosen.
# --report-only: print the summary of the lines already in the output folder.
# --recipe NAME --target ACC --contenders LIST: another named recipe (speedrun-deep against 0.94, the
# stretch target), its accuracy target (0.93 for speedrun, 0.94 for the others unless given), and which
# contenders run (kafka, engine, twin; by default all three for speedrun, whose twin is the only one
# written, and kafka,engine for the others).
# Usage: bench/speedrun.sh [--recipe NAME] [--target ACC] [--contenders LIST] [--seeds N] [--threads N]
#                          [--out DIR] [--select RATE:EPOCHS[:noflip],...] [--report-only]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=5
threads=2
recipe=speedrun
target=
contenders=
out=
select=
report_only=
usage="usage: $0 [--recipe NAME] [--target ACC] [--contenders LIST] [--seeds N] [--threads N] [--out DIR] [--select RATE:EPOCHS[:noflip],...] [--report-only]"
while [ $# -gt 0 ]; do
  case "$1" in
    --recipe) recipe=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --contenders) contenders=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --select) select=$2; shift 2 ;;
    --report-only) report_only=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
out=${out:-$root/docs/results/$recipe}
if [ "$recipe" = speedrun ]; then target=${target:-0.93} contenders=${contenders:-kafka,engine,twin}
else target=${target:-0.94} contenders=${contenders:-kafka,engine}; fi
[[ "$target" =~ ^0?\.[0-9]+$ ]] || { echo "--target: an accuracy between 0 and 1, got $target" >&2; exit 2; }

report() {
  /usr/bin/python3 - "$out" "$target" <<'PY'
import json, statistics, sys
out = sys.argv[1]
TARGET = float(sys.argv[2])
runs = {}
with open(f"{out}/runs.tsv") as f:
    for line in f:
        contender, seed, wall, acc = line.split()
        runs.setdefault(contender, {})[int(seed)] = (float(wall), float(acc))
names = [n for n in ("kafka", "kafka-cli", "engine", "twin") if n in runs]
print(f"| contender | seeds | wall s, median | wall s, each | test acc, median | test acc, each | runs at {TARGET} |")
print("| --- | ---: | ---: | --- | ---: | --- | ---: |")
for n in names:
    seeds = sorted(runs[n])
    walls = [runs[n][s][0] for s in seeds]
    accs = [runs[n][s][1] for s in seeds]
    print(f"| {n} | {len(seeds)} | {statistics.median(walls):.1f} | {', '.join(f'{w:.1f}' for w in walls)} | "
          f"{statistics.median(accs):.4f} | {', '.join(f'{a:.4f}' for a in accs)} | "
          f"{sum(a >= TARGET for a in accs)}/{len(accs)} |")
if "twin" in runs:
    for n in ("kafka", "kafka-cli", "engine"):
        if n in runs:
            common = sorted(set(runs[n]) & set(runs["twin"]))
            ratios = [runs["twin"][s][0] / runs[n][s][0] for s in common]
            if ratios:
                print(f"twin / {n}, per seed: {', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}x")
PY
}

if [ -n "$report_only" ]; then
  report
  exit 0
fi
IFS=, read -r -a contenders <<< "$contenders"
[ ${#contenders[@]} -gt 0 ] || { echo "--contenders: name at least one of kafka, engine, twin" >&2; exit 2; }
declare -A seen=()
for c in "${contenders[@]}"; do
  [ -z "${seen[$c]:-}" ] || { echo "--contenders: $c twice" >&2; exit 2; }
  seen[$c]=1
  case "$c" in
    kafka|engine) ;;
    twin) [ "$recipe" = speedrun ] || { echo "--contenders: the twin is written for the speedrun recipe only" >&2; exit 2; } ;;
    *) echo "--contenders: kafka, engine or twin, got $c" >&2; exit 2 ;;
  esac
done
jar="$root/trainer-service/target/quarkus-app/quarkus-run.jar"
[ -f "$jar" ] || { echo "build first: ./mvnw -B -DskipTests install" >&2; exit 1; }

if [ -n "$select" ]; then
  IFS=, read -r -a candidates <<< "$select"
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  for candidate in "${candidates[@]}"; do # all checked before the first one trains
    [[ $candidate =~ ^[0-9.]+:[0-9]+(:noflip)?$ ]] \
      || { echo "--select: expected RATE:EPOCHS or RATE:EPOCHS:noflip, got '$candidate'" >&2; exit 2; }
  done
  for candidate in "${candidates[@]}"; do
    IFS=: read -r rate epochs variant <<< "$candidate"
    flips=() label=""
    if [ "$variant" = noflip ]; then
      flips=(--no-test-time-flip) label=", no test-time flips"
    fi
    "$root/bin/trainer" train --recipe "$recipe" --learning-rate "$rate" --epochs "$epochs" "${flips[@]}" \
      --validation-split 10000 --threads "$threads" --out "$scratch/select.zip" | grep '"epoch"' \
      | /usr/bin/python3 -c 'import json, sys
rows = [json.loads(line) for line in sys.stdin]
accs = " ".join("%.4f" % row["val_acc"] for row in rows)
print("rate %s, %d epochs%s: val_acc %s (%.0f s training)" % (sys.argv[1], len(rows), sys.argv[2], accs, sum(row["train_seconds"] for row in rows)))' "$rate" "$label"
  done
  exit 0
fi

if [ -n "${seen[twin]:-}" ]; then
  "$root/bin/install-deps" --runtime --bench
  /usr/bin/python3 -c "import torch" 2>/dev/null || { echo "Debian's python3-torch is missing" >&2; exit 1; }
else
  "$root/bin/install-deps" --runtime
fi
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
mkdir -p "$out"
: > "$out/runs.tsv"
rm -f "$out"/*.jsonl "$out"/kafka-*.json

# shellcheck source=own-broker.sh
source "$root/bench/own-broker.sh"
"$root/deploy/kafka/kafka.sh" topics >/dev/null
trainer_http=$(port)
KAFKA_BOOTSTRAP_SERVERS=$bootstrap HTTP_PORT=$trainer_http FMNIST_TRAINER_THREADS=$threads "$root/bin/trainer" > "$work/trainer-service.log" 2>&1 &
pid[trainer]=$!
await_ready trainer-service "http://127.0.0.1:$trainer_http/q/health/ready" "${pid[trainer]}" "$work/trainer-service.log"
stamp=$(date +%s)
fmnist() { KAFKA_BOOTSTRAP_SERVERS=$bootstrap "$root/bin/fmnist" "$@"; }

kafka() {
  local seed=$1 id="$recipe-s$1-$stamp" started
  started=$(date +%s.%N)
  fmnist submit --id "$id" --recipe "$recipe" --seed "$seed" --watch > "$work/kafka-$seed.log" 2>&1 \
    || { echo "kafka run of seed $seed did not succeed:" >&2; tail -20 "$work/kafka-$seed.log" >&2; return 1; }
  fmnist show "$id" -o json > "$out/kafka-s$seed.json"
  # the request record's producer timestamp, in milliseconds
  submitted=$(kcat -C -b "$bootstrap" -t fmnist.experiments -e -q -f '%k %T\n' | awk -v id="$id" '$1 == id {at = $2} END {print at}')
  [ -n "$submitted" ] || { echo "no record of $id on fmnist.experiments" >&2; return 1; }
  /usr/bin/python3 - "$out/kafka-s$seed.json" "$started" "$seed" "$submitted" <<'PY' >> "$out/runs.tsv"
import datetime, json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "SUCCEEDED", r["status"]
ended = datetime.datetime.fromisoformat(r["endedAt"].replace("Z", "+00:00")).timestamp()
seed, acc = sys.argv[3], r["artefactTestAccuracy"]
print(f"kafka\t{seed}\t{ended - int(sys.argv[4]) / 1000:.2f}\t{acc}")
print(f"kafka-cli\t{seed}\t{ended - float(sys.argv[2]):.2f}\t{acc}")
PY
}

engine() {
  local seed=$1 started ended
  started=$(date +%s.%N)
  "$root/bin/trainer" train --recipe "$recipe" --seed "$seed" --threads "$threads" --out "$work/engine-$seed.zip" \
    > "$out/engine-s$seed.jsonl"
  ended=$(date +%s.%N)
  printf 'engine\t%s\t%s\t%s\n' "$seed" "$(awk "BEGIN {printf \"%.2f\", $ended - $started}")" \
    "$(grep '"final"' "$out/engine-s$seed.jsonl" | grep -o '"test_acc":[0-9.]*' | cut -d: -f2)" >> "$out/runs.tsv"
}

twin() {
  local seed=$1 started ended
  started=$(date +%s.%N)
  LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \
    /usr/bin/python3 "$root/bench/speedrun_torch.py" --seed "$seed" --threads "$threads" > "$out/twin-s$seed.jsonl"
  ended=$(date +%s.%N)
  printf 'twin\t%s\t%s\t%s\n' "$seed" "$(awk "BEGIN {printf \"%.2f\", $ended - $started}")" \
    "$(grep '"final"' "$out/twin-s$seed.jsonl" | grep -o '"test_acc": [0-9.]*' | cut -d' ' -f2)" >> "$out/runs.tsv"
}

n=${#contenders[@]}
for seed in $(seq 0 $((seeds - 1))); do
  for i in $(seq 0 $((n - 1))); do
    c=${contenders[$(((seed + i) % n))]}
    echo "seed $seed: $c" >&2
    "$c" "$seed"
  done
done
{
  echo "# bench/speedrun.sh --recipe $recipe --target $target --contenders $(IFS=,; echo "${contenders[*]}") --seeds $seeds --threads $threads, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  report
} | tee "$out/summary.md"
