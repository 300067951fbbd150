#!/usr/bin/env bash
# Native memory of one trainer JVM across models trained back to back: starts a trainer-service through
# bin/trainer (the launcher's native settings) on the broker at $KAFKA_BOOTSTRAP_SERVERS, under a topic
# prefix of its own, submits --models BetterNet experiments one after another (each `fmnist submit
# --watch`, so the next starts when the last has ended) and reads the trainer's resident set size from
# /proc after each. Prints one line per model and the ratios of the last RSS to the RSS after model 1
# and model 2.
#   bench/trainer-rss.sh [--models 5] [--epochs 1] [--limit 5000]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
models=5
epochs=1
limit=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    *) echo "usage: $0 [--models N] [--epochs N] [--limit N]" >&2; exit 2 ;;
  esac
done
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}
prefix="bench-rss-$(date +%s%N | cut -c1-13)"
work=$(mktemp -d)
trainer=""
trap '[ -n "$trainer" ] && kill "$trainer" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

FMNIST_TOPIC_PREFIX="$prefix" java -cp "fmnist-contract/target/fmnist-contract.jar:deploy/kafka/target/lib/*" \
  dev.fmnist.contract.kafka.TopicSetup "$bootstrap" --prefix "$prefix" 2>/dev/null
FMNIST_TOPIC_PREFIX="$prefix" HTTP_PORT=0 FMNIST_TRAINER_WORKER=bench-rss FMNIST_TRAINER_THREADS=2 \
  KAFKA_BOOTSTRAP_SERVERS="$bootstrap" bin/trainer > "$work/trainer.log" 2>&1 &
trainer=$! # bin/trainer execs the JVM: this is its pid
until grep -q "experiment state:" "$work/trainer.log" && grep -q "Listening on: http" "$work/trainer.log"; do
  kill -0 "$trainer" 2>/dev/null || { echo "the trainer stopped:" >&2; tail -20 "$work/trainer.log" >&2; exit 1; }
  sleep 0.2
done
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$trainer/status"; }
port=$(grep -o 'Listening on: http://[^ ]*' "$work/trainer.log" | head -1 | sed 's/.*://')
# direct buffers: native memory the JVM frees only when their owners are collected
metric_mb() { curl -s "http://127.0.0.1:$port/q/metrics" | awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { printf "%.0f", s / 1048576 }'; }
direct_mb() { metric_mb 'jvm_buffer_memory_used_bytes{id="direct"'; }
heap_mb() { metric_mb 'jvm_memory_committed_bytes{area="heap"'; } # the Java heap's share of RSS, at most
echo "trainer ready: RSS $(rss_mb) MB, Java heap committed $(heap_mb) MB, direct buffers $(direct_mb) MB"
rss=()
for i in $(seq 1 "$models"); do
  bin/fmnist submit --bootstrap-servers "$bootstrap" --topic-prefix "$prefix" --id "rss-$i" -a better \
    --epochs "$epochs" --train-limit "$limit" --seed "${FMNIST_BENCH_SEED:-$i}" --train-accuracy none --watch --progress never \
    > "$work/submit-$i.out"
  grep -q "SUCCEEDED" "$work/submit-$i.out" || { echo "model $i did not succeed:" >&2; cat "$work/submit-$i.out" >&2; exit 1; }
  rss+=("$(rss_mb)")
  echo "model $i ($epochs epoch(s), $limit images): trainer RSS ${rss[-1]} MB, Java heap committed $(heap_mb) MB, direct buffers $(direct_mb) MB"
done
/usr/bin/python3 - "${rss[@]}" <<'PY'
import sys
rss = [int(x) for x in sys.argv[1:]]
print(f"RSS after the last model / after model 1: {rss[-1] / rss[0]:.3f}")
if len(rss) > 1:
    print(f"RSS after the last model / after model 2: {rss[-1] / rss[1]:.3f}")
PY
