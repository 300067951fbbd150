#!/usr/bin/python3
"""How speed-bn's layout was chosen: the training step of each candidate layout in plain PyTorch.

Each candidate is better-bn's shape (conv, max-pool, batch norm in one order or the other, ReLU, twice;
dense 256 with batch norm; dense 10) at the filters it names, channels-last, AdamW, label smoothing, batch 250 of random images; the candidates take turns
for three rounds of 20 steps after 5 to warm up, and the median round is printed in ms per step.
--profile prints torch.profiler's table of the first candidate's step instead: where its time goes.
Run with Debian's torch and the engine's allocator (docs/BENCHMARKS.md, "Time to 93%: where the step goes"):
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 bench/speedrun_layouts.py
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, WARM_UP, STEPS, ROUNDS = 250, 5, 20, 3


def layout(first, second, norm_after_pool, first_norm=True):
    def stage(inputs, filters, padding, norm):
        conv, pool, relu = nn.Conv2d(inputs, filters, 3, padding=padding), nn.MaxPool2d(2), nn.ReLU()
        bn = [nn.BatchNorm2d(filters)] if norm else []
        return [conv, pool, *bn, relu] if norm_after_pool else [conv, *bn, pool, relu]
    return nn.Sequential(*stage(1, first, 1, first_norm), *stage(first, second, 0, True), nn.Flatten(),
                         nn.Linear(second * 6 * 6, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10)
                         ).to(memory_format=torch.channels_last)


CANDIDATES = {
    "32/64, batch norm before the pool (better-bn's order)": lambda: layout(32, 64, False),
    "32/64, batch norm after the pool": lambda: layout(32, 64, True),
    "32/64, after the pool, none on the first conv": lambda: layout(32, 64, True, first_norm=False),
    "32/48, after the pool": lambda: layout(32, 48, True),
    "24/64, after the pool": lambda: layout(24, 64, True),
    "16/64, after the pool (speed-bn)": lambda: layout(16, 64, True),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = torch.rand(BATCH, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (BATCH,))
    nets = {name: make() for name, make in CANDIDATES.items()}
    optimisers = {name: torch.optim.AdamW(net.parameters(), lr=0.001, weight_decay=0.05) for name, net in nets.items()}

    def steps(name, n):
        start = time.perf_counter()
        for _ in range(n):
            loss = F.cross_entropy(nets[name](x), y, label_smoothing=0.1)
            optimisers[name].zero_grad()
            loss.backward()
            optimisers[name].step()
        return (time.perf_counter() - start) / n * 1000

    for name in nets:
        steps(name, WARM_UP)
    if a.profile:
        first = next(iter(nets))
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
            steps(first, STEPS)
        print(first)
        print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=16))
        return
    rounds = {name: [] for name in nets}
    for _ in range(ROUNDS):
        for name in nets:
            rounds[name].append(steps(name, STEPS))
    for name, times in rounds.items():
        print(f"{statistics.median(times):7.1f} ms/step  {name}")


if __name__ == "__main__":
    main()
