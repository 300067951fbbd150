#!/usr/bin/env bash
# One image's round trip against the forward pass alone (docs/BENCHMARKS.md, "One image at a time").
# Self-contained: a broker of its own on free ports and the given artefact published on one topic
# prefix per forward form. For several rounds, the order swapped each round, for each form
# (fmnist.serving.forward=torchscript, =block): the packaged inference-service started alone (a second
# service idling beside it raised p50 by half), warmed at c=64 and c=1, then loadgen's Classify at
# concurrency 1 (p50 and p99 of the gRPC round trip) and in the same loadgen run the raw batch-1
# forward pass of the same artefact in the same form (InferenceModel.classify in the loadgen's JVM, one
# call after another for 3 s after 1 s untimed, each timed, on one PyTorch thread as each serving
# worker runs it: on PyTorch's default of a thread per core the lone pass's p99 here was 6 ms, on one
# 1.5-2 ms, both after one untimed call; warmed, on one, 0.6-1.0 ms), then the service stopped. Prints
# every point, where the server's time went (Triton statistics), the server's own p50 and p99 of queue
# wait, forward pass and gRPC call beside the client's (from its histograms: where the tail is), then
# per form the medians, and the medians of each round's p50 and p99 over the raw pass's p50 (targets:
# 1.5, 3) and of the raw pass's own p99 over its p50 (the pass's spread alone on this machine). It
# fails when a service does not run the form it was started with.
# CPU-heavy: run it alone (flock /tmp/fmnist-build.lock bench/serving-latency.sh ARTEFACT.zip).
# --warmup N: seconds of load at c=64 and then c=1 on each fresh service before it is measured, and of
# the measuring client's own warm-up (30 by default, between the 10 s after which both JVMs' JIT
# compilers still took a tenth of the machine in the measured seconds and the 40 s after which they
# took a fortieth). The server's figures cover the measuring client's warm-up too.
# --compare NAME=OPTS: each form also runs as FORM+NAME, the service started with the extra JVM options
# OPTS (e.g. w1=-Dfmnist.serving.batching.workers=1), alternating with the plain form each round; OPTS
# is split at spaces as JAVA_OPTS is (no option with a space in its value); one --compare per run (a
# second is refused).
# --pin: the service on the last CPU this script may use and the load generator (its raw pass
# included) on the others (taskset), as if each had a machine of its own; by default they share every
# CPU. On one CPU the service's JVM picks the serial collector and one batcher worker by itself.
# Usage: bench/serving-latency.sh [--rounds N] [--seconds N] [--warmup N] [--forms "torchscript block"] [--compare NAME=OPTS] [--pin] ARTEFACT.zip
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: $0 [--rounds N] [--seconds N] [--warmup N] [--forms LIST] [--compare NAME=OPTS] [--pin] ARTEFACT.zip"
rounds=5
seconds=8
warmup=30
forms="torchscript block"
compare_name=
compare_opts=
server_cpus=()
client_cpus=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pin)
      command -v taskset >/dev/null || { echo "--pin: taskset is missing (util-linux)" >&2; exit 1; }
      # the CPUs this process may run on (a cpuset may name other ids than 0..n-1)
      mapfile -t cpus < <(/usr/bin/python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)), sep="\n")')
      [ "${#cpus[@]}" -ge 2 ] || { echo "--pin: needs 2 CPUs, this process may use ${#cpus[@]}" >&2; exit 2; }
      server_cpus=(taskset -c "${cpus[-1]}")
      client_cpus=(taskset -c "$(IFS=,; echo "${cpus[*]:0:${#cpus[@]}-1}")")
      shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --forms) forms=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --compare)
      [ -z "$compare_name" ] || { echo "--compare: one per run, got a second: ${2:-}" >&2; exit 2; }
      [[ "${2:-}" =~ ^([a-z0-9-]+)=(.+)$ ]] || { echo "--compare: expected NAME=OPTS (NAME of a-z, 0-9, -), got ${2:-nothing}" >&2; exit 2; }
      compare_name=${BASH_REMATCH[1]}; compare_opts=${BASH_REMATCH[2]}; shift 2 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] && [ -f "$1" ] || { echo "$usage" >&2; exit 2; }
declare -A platforms=([torchscript]=pytorch_libtorch [block]=pytorch_djl)
for form in $forms; do
  [ -n "${platforms[$form]:-}" ] || { echo "--forms: expected torchscript and/or block, got $form" >&2; exit 2; }
done
# what runs each round: every form, and with --compare each form again as FORM+NAME
variants=
for form in $forms; do variants+="$form ${compare_name:+$form+$compare_name }"; done
variants=${variants% }
form_of() { echo "${1%%+*}"; }
artefact=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
# the model's serving name from the artefact's manifest: its architecture, -kK for CompareNet
model=$(unzip -p "$artefact" manifest.json | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
print(m["architecture"] + ("-k%d" % m["k"] if m.get("k") else ""))')
# shellcheck source=own-broker.sh
source "$root/bench/own-broker.sh"
for v in $variants; do grpc[$v]=$(port); http[$v]=$(port); done
for form in $forms; do
  FMNIST_TOPIC_PREFIX=bench-$form "$root/deploy/kafka/kafka.sh" topics >/dev/null
  kcat -P -b "$bootstrap" -t "bench-$form.models" -k "$model" -X message.max.bytes=20971520 "$artefact"
done
start() { # variant: one service, alone on the machine beside the broker and the load generator
  local form extra=
  form=$(form_of "$1")
  [ "$1" = "$form" ] || extra=" $compare_opts"
  KAFKA_BOOTSTRAP_SERVERS=$bootstrap FMNIST_TOPIC_PREFIX=bench-$form GRPC_PORT=${grpc[$1]} \
    HTTP_PORT=${http[$1]} JAVA_OPTS="-Dfmnist.serving.models=$model -Dfmnist.serving.forward=$form \
-Dfmnist.predictions.enabled=false -Dfmnist.live.enabled=false$extra" \
    "${server_cpus[@]}" "$root/bin/inference" > "$work/inference-$1.log" 2>&1 &
  pid[$1]=$!
  await_ready "$1" "http://127.0.0.1:${http[$1]}/v2/health/ready" "${pid[$1]}" "$work/inference-$1.log"
}
stop() { kill "${pid[$1]}" 2>/dev/null || true; wait "${pid[$1]}" 2>/dev/null || true; unset "pid[$1]"; }
stats() { curl -fs "http://127.0.0.1:${http[$1]}/v2/models/$model/stats"; }
echo "form round p50_ms p99_ms requests_per_s raw_p50_ms raw_p99_ms platform"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=$variants; else order=$(echo "$variants" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for v in $order; do
    form=$(form_of "$v")
    start "$v"
    platform=$(curl -fs "http://127.0.0.1:${http[$v]}/v2/models/$model" | grep -o '"platform":"[a-z_]*"' | cut -d'"' -f4)
    # a TorchScript export that fails or disagrees serves as the block: then this is not the form asked for
    [ "$platform" = "${platforms[$form]}" ] \
      || { echo "$v: the service runs $platform, not ${platforms[$form]} (see $work/inference-$v.log)" >&2; exit 1; }
    # every path warmed first (the JIT, libtorch's graph executor), not measured; the measuring
    # loadgen, a fresh JVM, warms its own client at c=1 too (with 2 s, the first rounds' p50 was 1.5x)
    "${client_cpus[@]}" "$root/bin/loadgen" --target "127.0.0.1:${grpc[$v]}" --rpc Classify --model-name "$model" --concurrency 64,1 \
      --seconds "$warmup" --warmup-seconds 0 --settle-seconds 0 >/dev/null 2>>"$work/loadgen.err"
    stats "$v" > "$work/stats-before-$v-$r.json"
    curl -fs "http://127.0.0.1:${http[$v]}/q/metrics" > "$work/metrics-before-$v-$r.txt"
    "${client_cpus[@]}" "$root/bin/loadgen" --target "127.0.0.1:${grpc[$v]}" --rpc Classify --model-name "$model" --concurrency 1 \
      --seconds "$seconds" --warmup-seconds "$warmup" --settle-seconds 1 --artefact "$artefact" --forward "$form" --raw-threads 1 \
      2>>"$work/loadgen.err" \
      | awk -v f="$v" -v r="$r" -v p="$platform" '$1 == "Classify" { printf "%s %s %s %s %s %s %s %s\n", f, r, $3, $4, $5, $10, $11, p }' \
      | tee -a "$work/points"
    stats "$v" > "$work/stats-after-$v-$r.json"
    curl -fs "http://127.0.0.1:${http[$v]}/q/metrics" > "$work/metrics-after-$v-$r.txt"
    stop "$v"
  done
done
echo "== where a request's time went on the server (Triton statistics over each measuring loadgen run, its c=1 warm-up included; mean ms per request)"
for v in $variants; do
  /usr/bin/python3 - "$v" "$work" "$rounds" <<'PY'
import json, sys
form, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
keys = ("success", "queue", "compute_input", "compute_infer", "compute_output")
sums, n = dict.fromkeys(keys, 0), 0
for r in range(1, rounds + 1):
    def stats(when):
        s = json.load(open(f"{work}/stats-{when}-{form}-{r}.json"))["model_stats"][0]["inference_stats"]
        return {k: (int(v.get("count", 0)), int(v.get("ns", 0))) for k, v in s.items()}
    b, a = stats("before"), stats("after")
    n += a["success"][0] - b["success"][0]
    for k in keys:
        sums[k] += a[k][1] - b[k][1]
print(f"{form}: {n} requests; " + " ".join(f"{k} {sums[k] / max(n, 1) / 1e6:.3f}" for k in keys))
PY
done
# the tail's place: the server's own p50 and p99 of the queue wait, the forward pass and the gRPC call
# (its histograms' buckets, interpolated within a bucket), beside the client's. The scrapes bracket the
# whole measuring loadgen run, its own c=1 warm-up (a fresh client JVM) included, so the server's
# figures cover more requests than the client's: the same load, not the same requests.
echo "== the server's own percentiles over each measuring run, its c=1 warm-up included (ms; from its histograms: within a bucket's width, below 0.1 ms within the first)"
echo "form round queue_p50 queue_p99 forward_p50 forward_p99 call_p50 call_p99 client_p50 client_p99"
/usr/bin/python3 - "$work" "$model" "$variants" "$rounds" <<'PY'
import re, sys
work, model, forms, rounds = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4])
# queue wait and forward pass of the model; the whole gRPC call (Quarkus's timer, transport to transport)
series = {"queue": ("fmnist_inference_queue_wait_seconds", {"model": model}),
          "forward": ("fmnist_inference_compute_seconds", {"model": model}),
          "call": ("grpc_server_processing_duration_seconds", {"method": "Classify", "statusCode": "OK"})}
line = re.compile(r'^(\w+)_bucket\{(.*)\} (\S+)$')
def buckets(path):
    out = {}
    for text in open(path):
        m = line.match(text.strip())
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        for key, (name, wanted) in series.items():
            if m.group(1) == name and all(labels.get(k) == v for k, v in wanted.items()):
                le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
                counts = out.setdefault(key, {})
                counts[le] = counts.get(le, 0) + float(m.group(3))  # summed over the other labels
    return out
def percentile(before, after, q):
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0) for b in bounds]  # cumulative, as Prometheus keeps them
    total = counts[-1] if counts else 0
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for bound, cumulative in zip(bounds, counts):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower * 1e3
            share = (rank - below) / max(cumulative - below, 1e-9)
            return (lower + share * (bound - lower)) * 1e3
        lower, below = bound, cumulative
    return float("nan")
client = {}
for text in open(f"{work}/points"):
    form, r, p50, p99 = text.split()[:4]
    client[(form, int(r))] = (p50, p99)
for r in range(1, rounds + 1):
    for form in forms:
        b, a = buckets(f"{work}/metrics-before-{form}-{r}.txt"), buckets(f"{work}/metrics-after-{form}-{r}.txt")
        figures = [percentile(b.get(k, {}), a.get(k, {}), q) for k in series for q in (0.5, 0.99)]
        print(form, r, " ".join(f"{x:.3f}" for x in figures), *client.get((form, r), ("?", "?")))
PY
/usr/bin/python3 - "$work/points" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    form, _, p50, p99, _, raw_p50, raw_p99, _ = line.split()
    rows[form].append((float(p50), float(p99), float(raw_p50), float(raw_p99)))
# each round's ratios against its own raw pass (its p50): the machine's speed moves between rounds.
# The raw pass's own p99 / p50 is the spread of the pass alone here, no serving around it.
print("| form | p50 ms | p99 ms | raw p50 ms | raw p99 ms | p50 / raw | p99 / raw | raw p99 / raw p50 | rounds |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for form, points in rows.items():
    p50, p99, raw, raw_p99 = (statistics.median(p[i] for p in points) for i in range(4))
    p50_ratio = statistics.median(p[0] / p[2] for p in points)
    p99_ratio = statistics.median(p[1] / p[2] for p in points)
    raw_spread = statistics.median(p[3] / p[2] for p in points)
    print(f"| {form} | {p50:.2f} | {p99:.2f} | {raw:.3f} | {raw_p99:.3f} | {p50_ratio:.2f} | {p99_ratio:.2f} "
          f"| {raw_spread:.2f} | {len(points)} |")
PY
