#!/usr/bin/env bash
# What the prediction log and shadow scoring cost serving (docs/BENCHMARKS.md). Self-contained: a
# broker of its own on free ports, two artefacts of one model trained locally (seeds 1 and 2: two
# versions), and the same packaged inference-service started twice side by side, each on topics of
# its own, serving the same champion artefact:
#   off: fmnist.predictions.enabled=false, fmnist.live.enabled=false, no challenger;
#   on:  every answer on the predictions topic, the live-accuracy processor counting them, and the
#        second artefact as a SHADOW challenger with share 1.0 (a control record written first, as
#        the policy or an operator writes it), so every request is scored twice.
# Then, for several rounds, loadgen's Classify at concurrency 64 (throughput) and 1 (p50) against one
# and then the other, the order swapped each round; medians per setting and the cost of "on", by
# throughput and by CPU per answered request (replica and broker, read around each c=64 phase).
# CPU-heavy: run it alone (flock /tmp/fmnist-build.lock bench/serving-feedback-loop.sh).
# --live off leaves the live-accuracy processor out of 'on' (the log and shadow scoring alone: the
# processor may run in other replicas or its own deployment).
# --share S: the challenger's shadow share on 'on' (0: no challenger, the log alone).
# --warmup N: seconds of c=64 load on each service before the first round, not measured (the JIT and
# PyTorch's allocator settle: without it the first rounds of both settings run slower than the last).
# --under-load U: 'on''s fmnist.serving.shadow-share-under-load (default: the service's, 0.01).
# Usage: bench/serving-feedback-loop.sh [--model mlp|better] [--rounds N] [--seconds N] [--warmup N] [--live on|off] [--share S] [--under-load U]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=mlp
rounds=5
seconds=8
warmup=30
live=on
share=1.0
under_load=
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --live) live=$2; shift 2 ;;
    --share) share=$2; shift 2 ;;
    --under-load) under_load=$2; shift 2 ;;
    *) echo "usage: $0 [--model mlp|better] [--rounds N] [--seconds N] [--warmup N] [--live on|off] [--share S] [--under-load U]" >&2; exit 2 ;;
  esac
done
command -v kcat >/dev/null || { echo "kcat is missing (bin/install-deps --runtime)" >&2; exit 1; }
# shellcheck source=own-broker.sh
source "$root/bench/own-broker.sh"
for setting in on off; do grpc[$setting]=$(port); http[$setting]=$(port); done
for setting in on off; do FMNIST_TOPIC_PREFIX=bench-$setting "$root/deploy/kafka/kafka.sh" topics >/dev/null; done

# two versions of the model: the champion (seed 1) and the challenger (seed 2)
version() { grep -o '"version":"[0-9a-f]\{12\}"' "$1" | tail -1 | cut -d'"' -f4; }
for seed in 1 2; do
  "$root/bin/trainer" train --architecture "$model" --epochs 1 --train-limit 2000 --seed "$seed" \
    --out "$work/$model-$seed.zip" > "$work/train-$seed.log" 2>&1
done
champion=$(version "$work/train-1.log")
challenger=$(version "$work/train-2.log")
[ -n "$champion" ] && [ -n "$challenger" ] && [ "$champion" != "$challenger" ] \
  || { echo "no two versions: '$champion' '$challenger'" >&2; tail -5 "$work"/train-*.log; exit 1; }
publish() { kcat -P -b "$bootstrap" -t "bench-$1.models" -k "$model" -X message.max.bytes=20971520 "$2"; }
# on: pinned to the champion with the challenger in shadow for every request, written before either is
# published, so the service never serves anything else
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
if [ "$share" = 0 ]; then
  echo "{\"model\":\"$model\",\"pinned\":\"$champion\",\"reason\":\"bench: the log alone\",\"at\":\"$now\"}" \
    | kcat -P -b "$bootstrap" -t bench-on.model-control -k "$model"
else
  echo "{\"model\":\"$model\",\"pinned\":\"$champion\",\"reason\":\"bench: shadow scoring\",\"at\":\"$now\",\
\"challenger\":\"$challenger\",\"mode\":\"shadow\",\"share\":$share,\"decision\":\"challenge\",\
\"reasons\":[\"bench: shadow scoring\"],\"by\":\"operator\"}" \
    | kcat -P -b "$bootstrap" -t bench-on.model-control -k "$model"
fi
publish on "$work/$model-1.zip"
publish on "$work/$model-2.zip"
publish off "$work/$model-1.zip"

declare -A opts=(
  [on]="-Dfmnist.serving.models=$model -Dfmnist.predictions.enabled=true -Dfmnist.live.enabled=$([ "$live" = on ] && echo true || echo false)${under_load:+ -Dfmnist.serving.shadow-share-under-load=$under_load}"
  [off]="-Dfmnist.serving.models=$model -Dfmnist.predictions.enabled=false -Dfmnist.live.enabled=false")
for setting in on off; do
  KAFKA_BOOTSTRAP_SERVERS=$bootstrap FMNIST_TOPIC_PREFIX=bench-$setting GRPC_PORT=${grpc[$setting]} \
    HTTP_PORT=${http[$setting]} JAVA_OPTS="${opts[$setting]}" "$root/bin/inference" > "$work/inference-$setting.log" 2>&1 &
  pid[$setting]=$!
done
metrics() { curl -fs "http://127.0.0.1:${http[$1]}/q/metrics"; }
for setting in on off; do
  await_ready "$setting" "http://127.0.0.1:${http[$setting]}/v2/health/ready" "${pid[$setting]}" "$work/inference-$setting.log"
done
# on must really shadow: requests until its challenger has scored one, before anything is measured
zeros=$(/usr/bin/python3 -c 'print(",".join(["0"]*784))')
infer() { curl -fs -o /dev/null -H 'Content-Type: application/json' "http://127.0.0.1:${http[$1]}/v2/models/$model/infer" \
  -d "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,784],\"data\":[$zeros]}]}"; }
scored() { metrics "$1" | awk '/^fmnist_shadow_scored_total/ { n += $2 } END { print n + 0 }'; }
logged() { metrics "$1" | awk '/^fmnist_predictions_logged_total/ { n += $2 } END { print n + 0 }'; }
# a share below 0.01 may shadow none of the first requests: then logging one is enough
ready_on() {
  if awk -v s="$share" 'BEGIN { exit !(s < 0.01) }'; then [ "$(logged on)" != 0 ]; else [ "$(scored on)" != 0 ]; fi
}
for _ in $(seq 1 60); do
  infer on || true
  ready_on && break
  sleep 1
done
ready_on || { echo "'on' never logged or shadowed a request"; tail -30 "$work/inference-on.log"; exit 1; }
echo "== $model: champion $champion served by both; challenger $challenger in shadow (share $share; 0: none) on 'on'"

# what each c=64 phase cost in CPU: the replica's and the broker's ticks and the replica's answers
# (its own counter, so loadgen's warm-up requests count on both sides) before and after. The
# machine's speed moves throughput by tens of percent between rounds; CPU per request moves far less,
# and with the machine saturated, throughput is the CPU there is over the CPU a request takes.
broker_pid=$(cat "$FMNIST_RUN_DIR/kafka.pid")
# utime and stime of a process's or thread's stat file: fields 14 and 15, counted after the ")" that
# ends the name
ticks() { sed 's/^.*) //' "$1" | awk '{ print $12 + $13 }'; }
# (the value is the last field: a class label may hold a space, "Ankle boot")
answered() { metrics "$1" | awk -v m="$model" 'index($0, "fmnist_inference_predictions_total{") == 1 && index($0, "model=\"" m "\"") { n += $NF } END { printf "%d", n }'; }
snapshot() { # replica ticks, broker ticks, answers: fails unless all three were read
  local line
  line="$(ticks "/proc/${pid[$1]}/stat") $(ticks "/proc/$broker_pid/stat") $(answered "$1")"
  [ "$(echo "$line" | wc -w)" = 3 ] || { echo "snapshot of $1: '$line'" >&2; return 1; }
  echo "$line"
}
loadgen() { # setting concurrency round
  "$root/bin/loadgen" --target "127.0.0.1:${grpc[$1]}" --rpc Classify --model-name "$model" --concurrency "$2" \
    --seconds "$seconds" --warmup-seconds 2 --settle-seconds 1 2>>"$work/loadgen.err" \
    | awk -v s="$1" -v r="$3" '$1 == "Classify" { print s, r, $2, $3, $4, $5 }' | tee -a "$work/points"
}
measure() { # setting round
  local before after
  before=$(snapshot "$1")
  loadgen "$1" 64 "$2"
  after=$(snapshot "$1")
  echo "$1 $2 $before $after" >> "$work/cpu"
  loadgen "$1" 1 "$2"
}
for setting in on off; do
  "$root/bin/loadgen" --target "127.0.0.1:${grpc[$setting]}" --rpc Classify --model-name "$model" --concurrency 64 \
    --seconds "$warmup" --warmup-seconds 0 --settle-seconds 1 >/dev/null 2>>"$work/loadgen.err"
done
echo "setting round concurrency p50_ms p99_ms requests_per_s"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
  for setting in $order; do measure "$setting" "$r"; done
done
series() { metrics "$1" | grep -E "^fmnist_(predictions_logged|predictions_dropped|shadow_scored)_total" || true; }
ticks_per_second=$(getconf CLK_TCK)
echo "== the 'on' replica's CPU time beside 'off''s (seconds, whole process: serving, log, processor)"
for setting in on off; do
  echo "$setting $(ticks "/proc/${pid[$setting]}/stat" 2>/dev/null | awk -v hz="$ticks_per_second" '{ printf "%.1f", $1 / hz }' || echo '?')"
done
# where each replica's CPU went, by thread. Linux keeps 15 characters of a thread's name (digits are
# folded here): a model's batcher workers ("better-worker-N", its challenger's "better-challeng"), gRPC's
# event loops, the prediction log's drainer, the Kafka clients' threads (all "kafka-producer-" alike),
# GC, the JIT. Threads that have ended are counted in the process's total only.
threads() {
  for task in /proc/"$1"/task/*; do
    name=$(tr -d '\n' 2>/dev/null < "$task/comm" | sed 's/[0-9]\+/N/g; s/ /_/g') || continue
    spent=$(ticks "$task/stat" 2>/dev/null) || continue
    [ -n "$name" ] && [ -n "$spent" ] && echo "$name $spent"
  done | awk -v hz="$ticks_per_second" '{ t[$1] += $2 } END { for (n in t) if (t[n] >= hz / 10) printf "  %-18s %7.1f s\n", n, t[n] / hz }' \
    | sort -k2 -rn
}
for setting in on off; do echo "== $setting's CPU by thread"; threads "${pid[$setting]}"; done
drainer_ticks=$(for task in /proc/"${pid[on]}"/task/*; do
  if [ "$(cat "$task/comm" 2>/dev/null)" = prediction-log ]; then ticks "$task/stat"; fi
done | awk '{ n += $1 } END { print n + 0 }')
echo "== the log's drainer: $(awk -v t="$drainer_ticks" -v hz="$ticks_per_second" -v n="$(logged on)" \
  'BEGIN { printf "%.1f us a record over %d records", n ? t / hz / n * 1e6 : 0, n }')"
echo "== what 'on' did (its counters)"; series on
echo "== what 'off' did (none expected)"; series off
[ "$(logged on)" != 0 ] && [ "$(logged off)" = 0 ] || { echo "'on' logged nothing, or 'off' logged"; exit 1; }
/usr/bin/python3 - "$work/points" "$ticks_per_second" "$work/cpu" <<'EOF'
import statistics, sys
points = {}
for line in open(sys.argv[1]):
    setting, _, clients, p50, p99, rps = line.split()
    points.setdefault((setting, int(clients)), []).append((float(p50), float(p99), float(rps)))
def med(setting, clients, i):
    return statistics.median(p[i] for p in points[(setting, clients)])
n = len(points[("on", 64)])
print(f"== medians over {n} rounds")
print(f"{'':<6}{'c=64 requests/s':>16}{'c=64 p50 ms':>13}{'c=64 p99 ms':>13}{'c=1 p50 ms':>12}{'c=1 p99 ms':>12}")
for s in ("off", "on"):
    print(f"{s:<6}{med(s,64,2):>16.0f}{med(s,64,0):>13.2f}{med(s,64,1):>13.2f}{med(s,1,0):>12.3f}{med(s,1,1):>12.3f}")
cost = 1 - med("on", 64, 2) / med("off", 64, 2)
print(f"throughput cost at c=64: {cost * 100:.1f}% (target: at most 10%)")
hz = int(sys.argv[2])
cpu = {}
for line in open(sys.argv[3]):
    setting, r, rt0, bt0, n0, rt1, bt1, n1 = line.split()
    n = int(n1) - int(n0)
    if n > 0:
        replica, broker = ((int(b) - int(a)) / hz / n * 1e6 for a, b in ((rt0, rt1), (bt0, bt1)))
        cpu.setdefault(setting, {})[int(r)] = (replica, broker)
print("== CPU per answered request at c=64, microseconds (replica + broker), by round")
print(f"{'round':>5}{'off replica':>13}{'off broker':>12}{'on replica':>12}{'on broker':>11}{'cost':>8}")
ratios = []
for r in sorted(set(cpu.get("on", {})) & set(cpu.get("off", {}))):
    (ofr, ofb), (onr, onb) = cpu["off"][r], cpu["on"][r]
    ratios.append((onr + onb) / (ofr + ofb) - 1)
    print(f"{r:>5}{ofr:>13.0f}{ofb:>12.0f}{onr:>12.0f}{onb:>11.0f}{ratios[-1] * 100:>7.1f}%")
if ratios:
    tot = {s: statistics.median(sum(v) for v in cpu[s].values()) for s in ("off", "on")}
    print(f"CPU cost at c=64: {(tot['on'] / tot['off'] - 1) * 100:.1f}% ({tot['on']:.0f} against {tot['off']:.0f} us a request, "
          f"medians; median of the rounds' own ratios {statistics.median(ratios) * 100:.1f}%)")
print(f"p50 at c=1: {med('on',1,0) - med('off',1,0):+.3f} ms "
      f"(off's own spread over the rounds: {min(p[0] for p in points[('off',1)]):.3f}"
      f"-{max(p[0] for p in points[('off',1)]):.3f} ms)")
EOF
