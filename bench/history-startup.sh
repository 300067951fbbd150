#!/usr/bin/env bash
# Start-up and `fmnist list` against a long history: writes N synthetic ended experiments (default
# 100,000) to the experiment-state topic of the broker at $KAFKA_BOOTSTRAP_SERVERS (kcat), then times
# a trainer's start-up to ready (its "experiment state: N records read in X ms, M experiments known"
# line, which ExperimentStates logs once the history is read) and `fmnist list`.
# Uses its own topic prefix, so a live stack on the same broker is untouched.
#   bench/history-startup.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100000}
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}
prefix="bench-history-$(date +%s)"
work=$(mktemp -d)
trainer=""
trap 'kill "$trainer" 2>/dev/null || true; rm -rf "$work"' EXIT
FMNIST_TOPIC_PREFIX="$prefix" java -cp "fmnist-contract/target/fmnist-contract.jar:deploy/kafka/target/lib/*" \
  dev.fmnist.contract.kafka.TopicSetup "$bootstrap" --prefix "$prefix"
# one ended experiment per id, as a trainer writes it (worker, attempt, final metrics, artefact): under
# its id and under its end key
/usr/bin/python3 - "$n" > "$work/history" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    s = {"experimentId": f"hist-{i:07d}", "status": "SUCCEEDED", "architecture": "better", "epochs": 10,
         "epochsDone": 10, "worker": "bench-1", "attempt": 1, "device": "cpu()",
         "queuedAt": "2026-11-01T00:00:00Z", "startedAt": "2026-11-01T00:00:01Z", "endedAt": "2026-11-01T00:11:42Z",
         "metrics": {"loss": 0.21, "trainAccuracy": 0.92, "testAccuracy": 0.9058, "epochSeconds": 62.1,
                     "imagesPerSecond": 966.0},
         "bestTestAccuracy": 0.9069, "artefactVersion": "7daa286411a7"}
    line = json.dumps(s, separators=(",", ":"))
    print(s["experimentId"] + "\t" + line)
    print(s["experimentId"] + "#end\t" + line)  # an end is also under its end key
PY
echo "history: $n ended experiments ($((2 * n)) records), $(du -h "$work/history" | cut -f1) written to $prefix.experiment-state" >&2
kcat -b "$bootstrap" -P -l -t "$prefix.experiment-state" -K$'\t' -z lz4 "$work/history"

start=$(date +%s%N)
FMNIST_TOPIC_PREFIX="$prefix" HTTP_PORT=0 FMNIST_TRAINER_WORKER=bench-startup KAFKA_BOOTSTRAP_SERVERS="$bootstrap" \
  java -Xmx1g -jar trainer-service/target/quarkus-app/quarkus-run.jar > "$work/trainer.log" 2>&1 &
trainer=$!
ready_line='experiment state: [0-9]* records read in [0-9]* ms, [0-9]* experiments known'
until grep -q "$ready_line" "$work/trainer.log"; do
  kill -0 "$trainer" || { cat "$work/trainer.log" >&2; exit 1; }
  sleep 0.2
done
ready_ms=$((($(date +%s%N) - start) / 1000000))
echo "trainer: $(grep -o "$ready_line" "$work/trainer.log"); process start to ready ${ready_ms} ms"
kill "$trainer"

start=$(date +%s%N)
bin/fmnist list --limit 5 --bootstrap-servers "$bootstrap" --topic-prefix "$prefix" > "$work/list"
list_ms=$((($(date +%s%N) - start) / 1000000))
echo "fmnist list --limit 5: ${list_ms} ms (of which JVM start); last row: $(tail -n 1 "$work/list")"
