#!/usr/bin/env bash
# Photos through the served path: a model behind a real broker and the inference service, classified
# with the plain encoded-image Classify (no resize, the server's default conversion) as product-photo
# renders of the test images in every style (PhotoRenders: jpeg, rgb-png, cutout-png, gray-jpeg; 1000
# images each, rendered before anything is timed), beside the same test images as raw 28x28 requests:
# accuracy per style, p50/p99 and throughput at each concurrency. Issue 23's targets: at least 0.85 in
# every style with the seed-recipe BetterNet, and photos' throughput at concurrency 16 within 70% of
# raw requests'.
# Usage: bench/serving-photos.sh [--artefact FILE] [--seconds N]
#   --artefact: the model to serve (bin/trainer train --out FILE); default: the seed's BetterNet recipe,
#   trained here first (about 5 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=10
artefact=
while [ $# -gt 0 ]; do
  case "$1" in
    --artefact) artefact=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--artefact FILE] [--seconds N]" >&2; exit 2 ;;
  esac
done
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
if [ -z "$artefact" ]; then
  artefact=$work/better.zip
  echo "== training the seed's BetterNet recipe (10 epochs) into $artefact"
  "$root/bin/trainer" train --architecture better --train-accuracy none --out "$artefact" > "$work/train.log" 2>&1
fi
[ -f "$artefact" ] || { echo "no artefact at $artefact" >&2; exit 1; }
"$root/deploy/kafka/kafka.sh" start
"$root/deploy/kafka/kafka.sh" topics
bootstrap=127.0.0.1:$KAFKA_PORT
# the served name: the architecture, and compare's kernel (compare-k3)
model=$(unzip -p "$artefact" manifest.json | /usr/bin/python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["architecture"] + ("-k%d" % m["k"] if m.get("k") else ""))')
kcat -P -b "$bootstrap" -t bench.models -k "$model" -X message.max.bytes=20971520 "$artefact"
KAFKA_BOOTSTRAP_SERVERS=$bootstrap GRPC_PORT=$grpc HTTP_PORT=$http JAVA_OPTS="-Dfmnist.serving.models=$model" \
  "$root/bin/inference" > "$work/inference.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$http/v2/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "http://127.0.0.1:$http/v2/health/ready" >/dev/null || { tail -20 "$work/inference.log"; exit 1; }
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; serving $model from $artefact"
"$root/bin/loadgen" --target "127.0.0.1:$grpc" --http-target "127.0.0.1:$http" --seconds "$seconds" \
  --rpc Classify --model-name "$model" --concurrency 1,16 \
  --images raw,photos:jpeg,photos:rgb-png,photos:cutout-png,photos:gray-jpeg
