#!/usr/bin/env bash
# Serving under hostile input and serving's memory policy (docs/BENCHMARKS.md), against the stack
# bin/up started (a served BetterNet on 127.0.0.1:9000, the broker on 127.0.0.1:9092):
#  1. good Classify calls at concurrency 1 and 64, each point measured plain and then while another
#     client sends a 30000x30000 PNG decompression bomb every 100 ms, alternating in one loadgen run;
#  2. the memory policy: for each allocator setting, a second inference-service (ports 9100/8181,
#     following the same models) at rest, then a burst of 1024-image ClassifyBatch calls, then its
#     RSS every 10 s for a minute, and its single-image throughput at concurrency 64;
#  3. throughput with the old policy (pages kept) and serving's policy, fresh services alternating,
#     3 rounds, fully warmed loadgen points: c=1 p99 and c=64 requests/s.
# Usage: bench/serving-hostile.sh [--seconds N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=8
case "${1:-}" in
  --seconds) seconds=$2 ;;
  "") ;;
  *) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
esac
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
curl -fs http://127.0.0.1:8081/q/health/ready >/dev/null || { echo "no served model on :8081; run bin/up first" >&2; exit 1; }
work=$(mktemp -d)
second=
cleanup() {
  if [ -n "$second" ]; then kill "$second" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# the newest artefact: the last offset is its transaction's commit marker (a trainer publishes each
# run's end in one), so one message from two before the end
kcat -C -b 127.0.0.1:9092 -t fmnist.models -o -2 -c 1 -e -q -D '' -f '%s' > "$work/served.zip"

echo "== 1. good calls with and without a bomb every 100 ms (bin/loadgen --bomb-every-ms 100)"
"$root/bin/loadgen" --rpc Classify --concurrency 1,64 --seconds "$seconds" --bomb-every-ms 100 \
  --artefact "$work/served.zip"

rss_mb() { curl -fs http://127.0.0.1:8181/q/metrics | awk '/^fmnist_process_resident_memory_bytes /{printf "%.0f", $2/1048576}'; }

echo "== 2. memory policy: RSS in MB at rest, after a burst of 1024-image batches, then every 10 s"
while IFS='|' read -r name settings java_opts; do
  [ -z "$name" ] && continue
  # shellcheck disable=SC2086 # settings is a list of VAR=value words
  env $settings JAVA_OPTS="$java_opts" GRPC_PORT=9100 HTTP_PORT=8181 \
    "$root/bin/inference" > "$work/$name.log" 2>&1 &
  second=$!
  for _ in $(seq 1 120); do curl -fs http://127.0.0.1:8181/q/health/ready >/dev/null 2>&1 && break; sleep 1; done
  load() { "$root/bin/loadgen" --target 127.0.0.1:9100 --warmup-seconds 0 --settle-seconds 0 "$@" > "$work/load.txt"; }
  load --rpc Classify --concurrency 16 --seconds 10           # steady traffic of single images
  sleep 10
  rest=$(rss_mb)
  load --rpc Classify --images-per-request 1024 --concurrency 8 --seconds 15
  peak=$(rss_mb)
  after=""
  for _ in 1 2 3 4 5 6; do sleep 10; after="$after $(rss_mb)"; done
  load --rpc Classify --concurrency 64 --seconds "$seconds"
  throughput=$(awk '$1=="Classify"{print $5}' "$work/load.txt")
  printf '%-28s rest %5s  after burst %5s  +10..60 s:%s  c=64 %s req/s\n' "$name" "$rest" "$peak" "$after" "$throughput"
  kill "$second"; wait "$second" 2>/dev/null || true; second=
done <<'CONFIGS'
pages-kept|FMNIST_SERVING_JVM_OPTS= MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1|
glibc+heap-shrink|FMNIST_NO_JEMALLOC=1|
serving-policy|FMNIST_UNUSED=1|
CONFIGS

echo "== 3. throughput, pages kept against serving's policy, alternating (c=1 p99 ms, c=64 req/s)"
for round in 1 2 3; do
  for policy in pages-kept serving-policy; do
    settings="FMNIST_UNUSED=1"
    [ "$policy" = pages-kept ] && settings="FMNIST_SERVING_JVM_OPTS= MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"
    # shellcheck disable=SC2086
    env $settings GRPC_PORT=9100 HTTP_PORT=8181 "$root/bin/inference" > "$work/$policy-$round.log" 2>&1 &
    second=$!
    for _ in $(seq 1 120); do curl -fs http://127.0.0.1:8181/q/health/ready >/dev/null 2>&1 && break; sleep 1; done
    "$root/bin/loadgen" --target 127.0.0.1:9100 --rpc Classify --concurrency 1,64 --seconds "$seconds" \
      > "$work/load.txt"
    awk -v p="$policy" -v r="$round" '$1=="Classify" && $2==1 {p99=$4} $1=="Classify" && $2==64 {rps=$5}
      END {printf "round %s %-15s c=1 p99 %s ms  c=64 %s req/s\n", r, p, p99, rps}' "$work/load.txt"
    kill "$second"; wait "$second" 2>/dev/null || true; second=
  done
done
