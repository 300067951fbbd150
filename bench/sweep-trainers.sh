#!/usr/bin/env bash
# A 6-value sweep of small runs with 1 and with 3 trainers (one PyTorch thread each), alternating,
# each configuration --reps times, on the broker at $KAFKA_BOOTSTRAP_SERVERS; each run under a prefix
# of its own. The figure is the sweep's wall time from `fmnist submit` to its end (`fmnist watch`),
# trainers already ready; prints one line per run and the medians.
#   bench/sweep-trainers.sh [--reps 2]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reps=2
[ "${1:-}" = "--reps" ] && reps=$2
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}
work=$(mktemp -d)
pids=()
stop_trainers() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop_trainers; rm -rf "$work"' EXIT

run() { # $1: trainers
  local n=$1 prefix start end
  prefix="bench-sweep-$n-$(date +%s%N | cut -c1-13)"
  FMNIST_TOPIC_PREFIX="$prefix" java -cp "fmnist-contract/target/fmnist-contract.jar:deploy/kafka/target/lib/*" \
    dev.fmnist.contract.kafka.TopicSetup "$bootstrap" --prefix "$prefix" 2>/dev/null
  for i in $(seq 1 "$n"); do
    FMNIST_TOPIC_PREFIX="$prefix" HTTP_PORT=0 FMNIST_TRAINER_WORKER="bench-$i" FMNIST_TRAINER_THREADS=1 \
      KAFKA_BOOTSTRAP_SERVERS="$bootstrap" java -Xmx1g -jar trainer-service/target/quarkus-app/quarkus-run.jar \
      > "$work/$prefix-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do # ready: the state read
    until grep -q "experiment state:" "$work/$prefix-$i.log"; do sleep 0.2; done
  done
  # and the group settled: n members sharing all the request partitions
  until java -cp "deploy/kafka/target/lib/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
      --bootstrap-server "$bootstrap" --describe --members --group "$prefix-trainers" 2>/dev/null \
      | awk -v n="$n" 'NR > 1 && $NF > 0 { members++; parts += $NF } END { exit !(members == n && parts == 12) }'; do
    sleep 1
  done
  start=$(date +%s%N)
  bin/fmnist submit --bootstrap-servers "$bootstrap" --topic-prefix "$prefix" --id sweep -a compare \
    --sweep k=3,4,5,6,7,8 --epochs 1 --train-limit 5000 --batch-size 100 --watch --progress never > "$work/$prefix.out"
  end=$(date +%s%N)
  local workers
  workers=$(grep -ho "RUNNING   on [^ ]* ([^)]*)" "$work/$prefix.out" | sed 's/.*(\(.*\))/\1/' | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
  stop_trainers
  echo "$n $(( (end - start) / 1000000 ))"
  echo "trainers=$n sweep_ms=$(( (end - start) / 1000000 )) children per trainer: $workers" >&2
}

for rep in $(seq 1 "$reps"); do
  run 1
  run 3
done > "$work/results"
/usr/bin/python3 - "$work/results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    n, ms = line.split()
    runs.setdefault(int(n), []).append(int(ms) / 1000)
one, three = statistics.median(runs[1]), statistics.median(runs[3])
print(f"1 trainer:  median {one:.1f} s  {runs[1]}")
print(f"3 trainers: median {three:.1f} s  {runs[3]}")
print(f"speed-up: {one / three:.2f}x")
PY
