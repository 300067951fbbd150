#!/usr/bin/python3
"""Why a served image's forward pass costs more than the raw batch-1 loop's: the weights' cache state.

Times the batch-1 forward pass (eval, no gradients, 1 thread, channels-last) of BetterNet (9.4 MB of
weights) and speed-bn (2.4 MB) in plain PyTorch: one pass after another, as loadgen's raw baseline
runs, and with 64 MB written between passes, so that each pass reads its weights from memory as a
server's does after the gRPC stack, protobuf and other work have used the caches. Medians of three
rounds of 300 passes (docs/BENCHMARKS.md, "One image at a time").
Run: LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/bin/python3 bench/batch1-cache.py
"""
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.environ.get("FMNIST_PEER_DIR", os.path.join(HERE, "..", "..", "shared", "peer")))
import seed_harness  # noqa: E402 (the peer harness's BetterNet)
import speedrun_torch  # noqa: E402

FLUSH = torch.empty(64 * 1024 * 1024 // 4)
PASSES, ROUNDS = 300, 3


def median_ms(net, flushed):
    x = torch.rand(1, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    times = []
    with torch.no_grad():
        for _ in range(PASSES):
            if flushed:
                FLUSH.add_(1.0)
            start = time.perf_counter()
            net(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    torch.set_num_threads(1)
    for name, net in (("better", seed_harness.BetterNet(pool_first=True)), ("speed-bn", speedrun_torch.SpeedBn())):
        net = net.eval().to(memory_format=torch.channels_last)
        megabytes = sum(p.numel() for p in net.parameters()) * 4 / 1e6
        median_ms(net, False)
        rounds = [(median_ms(net, False), median_ms(net, True)) for _ in range(ROUNDS)]
        print(f"{name} ({megabytes:.1f} MB of weights): one pass after another "
              f"{statistics.median(h for h, _ in rounds):.3f} ms, caches flushed {statistics.median(c for _, c in rounds):.3f} ms")


if __name__ == "__main__":
    main()
