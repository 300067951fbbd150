#!/usr/bin/env bash
# Training speed of our engine against the PyTorch peer (../shared/peer/seed_harness.py), side by
# side on this machine: BetterNet, 1 epoch on the same subset, the same thread count, runs
# alternating so drift in machine load hits every contender alike. Prints medians and ratios,
# the matmul peak through our engine, the achieved GFLOP/s of an epoch, and RSS across 10 epochs.
# Usage: bench/train-vs-pytorch.sh [--reps N] [--limit N] [--threads N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peer="${FMNIST_PEER:-$root/../shared/peer/seed_harness.py}"
reps=3
limit=10000
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--reps N] [--limit N] [--threads N]" >&2; exit 2 ;;
  esac
done
[ -f "$peer" ] || { echo "peer harness not found at $peer (set FMNIST_PEER)" >&2; exit 1; }
"$root/bin/install-deps" --bench
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "Debian's python3-torch is missing" >&2; exit 1; }
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

ours()     { "$root/bin/trainer" train --architecture better --epochs 1 --train-limit "$limit" --threads "$threads" \
               --train-accuracy none --out "$log/better.zip"; }
ours_glibc() { FMNIST_NO_JEMALLOC=1 ours; }
peer_run() { /usr/bin/python3 "$peer" --model better --epochs 1 --limit "$limit" --threads "$threads" --loader "$1"; }
peer_tensor() { peer_run tensor; }
peer_seed()   { peer_run seed; }
peer_tensor_jemalloc() { LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 peer_run tensor; }

contenders=(ours ours_glibc peer_tensor peer_seed peer_tensor_jemalloc)
for rep in $(seq 1 "$reps"); do
  for c in "${contenders[@]}"; do
    echo "rep $rep: $c" >&2
    "$c" | grep '"epoch"' >> "$log/$c.jsonl"
  done
done
"$root/bin/trainer" matmul --threads "$threads" > "$log/matmul.json"
echo "memory: 10 epochs on 5000 images" >&2
"$root/bin/trainer" train --architecture better --epochs 10 --train-limit 5000 --threads "$threads" --train-accuracy none \
  --out "$log/rss.zip" | grep '"epoch"' > "$log/rss.jsonl"

profile_images=5000
echo "profile: oneDNN convolution primitives on $profile_images images" >&2
ONEDNN_VERBOSE=profile_exec "$root/bin/trainer" train --architecture better --epochs 1 --train-limit "$profile_images" \
  --threads "$threads" --train-accuracy none --out "$log/profile.zip" > "$log/profile.txt"

/usr/bin/python3 - "$log" "$limit" "$threads" "$reps" "$profile_images" "${contenders[@]}" <<'PY'
import json, math, statistics, sys
log, limit, threads, reps, profile_images, *names = sys.argv[1:]
def rows(name):
    with open(f"{log}/{name}.jsonl") as f:
        return [json.loads(line) for line in f if line.strip()]
secs = {n: [r["train_seconds"] for r in rows(n)] for n in names}
med = {n: statistics.median(v) for n, v in secs.items()}
# BetterNet training flops per image: 3 x forward (2 flops per multiply-accumulate)
macs = 28*28*40*9 + 12*12*80*40*9 + 2880*800 + 800*10
flops = 6 * macs * int(limit)
peak = json.load(open(f"{log}/matmul.json"))
print(f"BetterNet, 1 epoch on {limit} images, {threads} threads, {reps} alternating runs each")
print(f"{'contender':<24}{'median s':>10}{'runs (s)':>28}{'GFLOP/s':>10}{'vs peer tensor':>16}")
for n in names:
    runs = ", ".join(f"{s:.2f}" for s in secs[n])
    print(f"{n:<24}{med[n]:>10.2f}{runs:>28}{flops/med[n]/1e9:>10.1f}{med[n]/med['peer_tensor']:>15.2f}x")
print(f"ours / peer seed loader: {med['ours']/med['peer_seed']:.2f}x")
print(f"matmul 2048x2048 through DJL/PyTorch: {peak['gflops_median']} GFLOP/s median (best {peak['gflops_best']})")
print(f"ours as a share of that peak: {flops/med['ours']/1e9/peak['gflops_median']:.0%}")
rss = [r["rss_mb"] for r in rows("rss")]
print("RSS MB per epoch (10 epochs, 5000 images): " + ", ".join(f"{x:.0f}" for x in rss))
print(f"RSS after epoch 10 / after epoch 2: {rss[9]/rss[1]:.3f}")
# where a training epoch goes: oneDNN's own timing of each convolution primitive (ms, last field). The
# epoch's test pass runs the same forward primitives after the training steps, so of each problem's
# forward executions only the first (one per training batch) count.
train_batches = math.ceil(int(profile_images) / 1000)
conv = {}
forwards_seen = {}
epoch_s = None
for line in open(f"{log}/profile.txt"):
    if line.startswith("onednn_verbose") and ",exec," in line and "convolution" in line:
        f = line.strip().split(",")
        kind = next(x for x in f if x in ("forward_training", "forward_inference", "backward_data", "backward_weights"))
        if kind.startswith("forward"):
            problem = f[-2]
            forwards_seen[problem] = forwards_seen.get(problem, 0) + 1
            if forwards_seen[problem] > train_batches:
                continue
        conv[kind] = conv.get(kind, 0.0) + float(f[-1]) / 1000
    elif line.startswith("{") and '"epoch"' in line:
        epoch_s = json.loads(line)["train_seconds"]
print(f"profile, 1 epoch on {profile_images} images ({epoch_s:.2f} s of training steps):")
for kind, s in sorted(conv.items()):
    print(f"  convolution {kind:<18} {s:6.2f} s  {s/epoch_s:5.0%}")
rest = epoch_s - sum(conv.values())
print(f"  everything else (dense layers in MKL, pooling, relu, loss, Adam) {rest:6.2f} s  {rest/epoch_s:5.0%}")
PY
