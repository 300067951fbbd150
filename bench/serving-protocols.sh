#!/usr/bin/env bash
# gRPC and KServe v2 REST side by side, and two models loaded and under load at once
# (docs/BENCHMARKS.md). Self-contained: a broker of its own on free ports, a BetterNet and an MLP
# trained locally (the forward pass costs the same whatever their accuracy) and published as the
# trainer would, then an inference-service serving both (fmnist.serving.models=better,mlp):
#  1. loadgen over Classify, ModelInfer, REST (binary tensors) and REST-JSON, traffic to better only,
#     with the raw forward pass of the same BetterNet as the baseline;
#  2. ModelInfer with requests alternating between better and mlp.
# Usage: bench/serving-protocols.sh [--seconds N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=8
case "${1:-}" in
  --seconds) seconds=$2 ;;
  "") ;;
  *) echo "usage: $0 [--seconds N]" >&2; exit 2 ;;
esac
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
work=$(mktemp -d)
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export FMNIST_RUN_DIR=$work KAFKA_PORT=$(port) KAFKA_CONTROLLER_PORT=$(port) FMNIST_TOPIC_PREFIX=bench
grpc=$(port)
http=$(port)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  "$root/deploy/kafka/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$root/deploy/kafka/kafka.sh" start
"$root/deploy/kafka/kafka.sh" topics
bootstrap=127.0.0.1:$KAFKA_PORT
for model in better mlp; do
  "$root/bin/trainer" train --architecture "$model" --epochs 1 --train-limit 2000 --out "$work/$model.zip" > "$work/train-$model.log" 2>&1
  kcat -P -b "$bootstrap" -t bench.models -k "$model" -X message.max.bytes=20971520 "$work/$model.zip"
done
KAFKA_BOOTSTRAP_SERVERS=$bootstrap GRPC_PORT=$grpc HTTP_PORT=$http JAVA_OPTS="-Dfmnist.serving.models=better,mlp" \
  "$root/bin/inference" > "$work/inference.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$http/v2/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "http://127.0.0.1:$http/v2/health/ready" >/dev/null || { tail -20 "$work/inference.log"; exit 1; }
rss() { curl -fs "http://127.0.0.1:$http/q/metrics" | awk '/^fmnist_process_resident_memory_bytes /{printf "%.0f MB", $2/1048576}'; }
echo "== serving better and mlp; RSS at rest $(rss)"
loadgen() { "$root/bin/loadgen" --target "127.0.0.1:$grpc" --http-target "127.0.0.1:$http" --seconds "$seconds" "$@"; }
echo "== 1. the four ways in, traffic to better (mlp loaded beside it)"
loadgen --rpc Classify,ModelInfer,REST,REST-JSON --model-name better --concurrency 1,64 --artefact "$work/better.zip"
echo "== 2. ModelInfer alternating between better and mlp (raw baseline: better alone)"
loadgen --rpc ModelInfer --model-name better,mlp --concurrency 1,64 --artefact "$work/better.zip"
echo "== RSS after the load $(rss)"
