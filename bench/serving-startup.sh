#!/usr/bin/env bash
# A serving replica's start-up against the history of fmnist.models (docs/BENCHMARKS.md): process start
# to ready, and RSS once settled, after a restart with 1 and with N (default 100) artefacts of the served
# model on the topic, alternating, 3 restarts each; medians. The replica indexes the topic by its record
# headers and fetches only what it serves, so the two should be close (target: within 1.2x).
# Self-contained: a broker of its own on free ports, one artefact trained locally (bin/trainer train)
# and published as the trainer publishes it (its headers too), N times on one topic prefix and once on
# another. Every copy after the first is the same artefact (the same version): what start-up costs
# depends on how many records, and how many bytes, lie on the topic, which is what is varied here.
# Needs the packaged services (./mvnw -pl trainer-service,inference-service -am package -DskipTests).
# With FMNIST_BENCH_LOCK=FILE it runs under `flock FILE`, so it never measures beside someone's build.
# Usage: bench/serving-startup.sh [--model better|mlp] [--artefacts N] [--restarts R]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${FMNIST_BENCH_LOCK:-}" ] && [ -z "${FMNIST_BENCH_LOCKED:-}" ]; then
  # -o: the lock is flock's own, not inherited by the broker and replicas started below
  FMNIST_BENCH_LOCKED=1 exec flock -o "$FMNIST_BENCH_LOCK" "$0" "$@"
fi
model=better
artefacts=100
restarts=3
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --artefacts) artefacts=$2; shift 2 ;;
    --restarts) restarts=$2; shift 2 ;;
    *) echo "usage: $0 [--model better|mlp] [--artefacts N] [--restarts R]" >&2; exit 2 ;;
  esac
done
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
work=$(mktemp -d)
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export FMNIST_RUN_DIR=$work KAFKA_PORT=$(port) KAFKA_CONTROLLER_PORT=$(port)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  "$root/deploy/kafka/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$root/deploy/kafka/kafka.sh" start >/dev/null
bootstrap=127.0.0.1:$KAFKA_PORT
for prefix in one many; do FMNIST_TOPIC_PREFIX=$prefix "$root/deploy/kafka/kafka.sh" topics >/dev/null; done

"$root/bin/trainer" train --architecture "$model" --epochs 1 --train-limit 2000 --out "$work/artefact.zip" \
  > "$work/train.log" 2>&1 || { tail -20 "$work/train.log" >&2; exit 1; }
# the headers ArtefactPublisher writes (fmnist-contract's Headers.forArtefact), from the manifest, for a
# model trained as above, without test-time flips (one with them has a derived version and one more header)
mapfile -t headers < <(unzip -p "$work/artefact.zip" manifest.json | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
for name, value in (("fmnist-parameters-sha256", m["parametersSha256"]), ("fmnist-version", m["parametersSha256"][:12]),
                    ("fmnist-experiment-id", m.get("experimentId") or ""), ("fmnist-test-accuracy", repr(float(m["testAccuracy"]))),
                    ("fmnist-created-at", m.get("createdAt") or ""), ("content-type", "application/zip")):
    print("-H"); print(f"{name}={value}")')
key=$(unzip -p "$work/artefact.zip" manifest.json | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
k = m.get("k")
print(m["architecture"] + ("(k=%d)" % k if k else ""))')
publish() { kcat -P -b "$bootstrap" -t "$1.models" -k "$key" "${headers[@]}" -X message.max.bytes=20971520 "$work/artefact.zip"; }
publish one
for _ in $(seq 1 "$artefacts"); do publish many; done
size=$(du -k "$work/artefact.zip" | cut -f1)
echo "== $model artefact of ${size} KB: 1 on one.models, $artefacts on many.models ($((size * artefacts / 1024)) MB)"

# one restart: process start to /v2/health/ready, then RSS 10 s later (the serving memory policy gives
# pages back within seconds), and the model loads the replica counted
restart() {
  local prefix=$1 http grpc start ready_ms loads rss
  http=$(port); grpc=$(port)
  start=$(date +%s%N)
  FMNIST_TOPIC_PREFIX=$prefix KAFKA_BOOTSTRAP_SERVERS=$bootstrap GRPC_PORT=$grpc HTTP_PORT=$http \
    JAVA_OPTS="-Dfmnist.serving.models=$model" "$root/bin/inference" > "$work/inference-$prefix.log" 2>&1 &
  server=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$http/v2/health/ready" 2>/dev/null; do
    kill -0 "$server" 2>/dev/null || { tail -20 "$work/inference-$prefix.log" >&2; exit 1; }
    [ $((($(date +%s%N) - start) / 1000000000)) -lt 120 ] || { echo "not ready within 120 s" >&2; exit 1; }
    sleep 0.05
  done
  ready_ms=$((($(date +%s%N) - start) / 1000000))
  sleep 10
  rss=$(awk '/^VmRSS/{printf "%d", $2/1024}' "/proc/$server/status")
  loads=$(curl -fs "http://127.0.0.1:$http/q/metrics" \
    | awk '/^fmnist_inference_model_loads_total\{/ && /result="loaded"/{n+=$2} END{printf "%d", n}')
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  echo "$prefix $ready_ms $rss $loads" >> "$work/runs"
  printf '%-5s artefacts on the topic: ready in %5d ms, RSS %4d MB, %d model load(s); %s\n' \
    "$([ "$prefix" = one ] && echo 1 || echo "$artefacts")" "$ready_ms" "$rss" "$loads" \
    "$(grep -o 'models topic indexed up to offset [0-9]* in [0-9]* ms' "$work/inference-$prefix.log" || true)"
}
for _ in $(seq 1 "$restarts"); do restart one; restart many; done
/usr/bin/python3 - "$work/runs" "$artefacts" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
med = {p: (statistics.median(int(r[1]) for r in runs if r[0] == p), statistics.median(int(r[2]) for r in runs if r[0] == p))
       for p in ("one", "many")}
print(f"== medians: 1 artefact: ready {med['one'][0]:.0f} ms, RSS {med['one'][1]:.0f} MB; "
      f"{sys.argv[2]} artefacts: ready {med['many'][0]:.0f} ms, RSS {med['many'][1]:.0f} MB; "
      f"ratio ready {med['many'][0] / med['one'][0]:.2f}x, RSS {med['many'][1] / med['one'][1]:.2f}x (target within 1.2x)")
PY
