#!/usr/bin/python3
"""The speedrun recipe written in plain PyTorch: the twin bench/speedrun.sh times against our engine.

The same network (speed-bn: conv 16@3x3 pad 1, pool, BN, ReLU; conv 64@3x3, pool, BN, ReLU; dense 256,
BN, ReLU; dense 10), initialisation (PyTorch's defaults, which ours copies), optimiser (AdamW, decoupled
decay), one-cycle rate (linear from a 25th of the peak over the first 30% of the steps, then a cosine
down to a 10,000th), label smoothing, half of each batch's images mirrored, no train-accuracy pass, and
a test pass after every epoch that classifies each image by the mean of its and its mirror's
probabilities (test-time flips), as the engine does. PyTorch at its best on this CPU, as the peer
harness's --best: the data in memory as one float tensor, channels-last, evaluation in eval mode
without gradients at 1,000 images a batch; bench/speedrun.sh runs it with the engine's allocator
(jemalloc) and thread count.

Prints one JSON object per epoch and a final one, with the wall seconds since the process started.
Run with Debian's torch: /usr/bin/python3 bench/speedrun_torch.py --seed 0 --threads 2
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

STARTED = time.perf_counter()

import torch  # noqa: E402 (the wall time includes importing torch, as the engine's includes the JVM's start)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA_DIRS = ["/usr/share/datasets/fashion-mnist", os.path.expanduser("~/.fmnist/data")]
EVALUATION_BATCH = 1000
ONE_CYCLE_WARM_UP, ONE_CYCLE_START, ONE_CYCLE_END = 0.3, 1 / 25, 1 / 10_000


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load(data_dir, prefix):
    def one(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(data_dir, name)):
                return read_idx(os.path.join(data_dir, name))
        raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir}")
    images = one(f"{prefix}-images-idx3-ubyte").float().div_(255).unsqueeze(1)
    return images.contiguous(memory_format=torch.channels_last), one(f"{prefix}-labels-idx1-ubyte").long()


class SpeedBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 64, 3), nn.MaxPool2d(2), nn.BatchNorm2d(64), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(64 * 6 * 6, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def one_cycle(steps):
    warm_up = max(1, int(steps * ONE_CYCLE_WARM_UP))

    def factor(step):  # of the peak rate, at optimiser step `step` (0-based), as the engine's trackers
        if step < warm_up:
            return ONE_CYCLE_START + (1 - ONE_CYCLE_START) * step / warm_up
        t = min(1.0, (step - warm_up) / max(1, steps - warm_up))
        return ONE_CYCLE_END + (1 - ONE_CYCLE_END) * (1 + math.cos(math.pi * t)) / 2
    return factor


def accuracy(net, x, y, test_time_flip):
    """With test_time_flip, each image is classified by the mean of its and its mirror's probabilities,
    both in one forward pass of EVALUATION_BATCH images (half of them mirrors), as the engine does."""
    net.eval()
    correct = 0
    step = EVALUATION_BATCH // 2 if test_time_flip else EVALUATION_BATCH
    with torch.no_grad():
        for s in range(0, len(y), step):
            images = x[s:s + step]
            if test_time_flip:
                both = torch.cat([images, images.flip(3)]).contiguous(memory_format=torch.channels_last)
                probabilities = F.softmax(net(both), dim=1)
                scores = probabilities[:len(images)] + probabilities[len(images):]
            else:
                scores = net(images)
            correct += scores.argmax(1).eq(y[s:s + step]).sum().item()
    net.train()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: leave as is)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=250)
    ap.add_argument("--learning-rate", type=float, default=0.008)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--test-time-flip", action=argparse.BooleanOptionalAction, default=True,
                    help="classify each test image by the mean of its and its mirror's probabilities")
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    data_dir = a.data_dir or next((d for d in DATA_DIRS if os.path.isdir(d)), None)
    if data_dir is None:
        raise SystemExit("no Fashion-MNIST folder found; pass --data-dir")
    train_x, train_y = load(data_dir, "train")
    test_x, test_y = load(data_dir, "t10k")
    net = SpeedBn().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(net.parameters(), lr=a.learning_rate, weight_decay=a.weight_decay)
    batches = (len(train_y) + a.batch_size - 1) // a.batch_size
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, one_cycle(a.epochs * batches))
    base = {"twin": "pytorch", "torch": torch.__version__, "model": "speed-bn", "seed": a.seed,
            "threads": torch.get_num_threads()}
    train_total = 0.0
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(train_y))
        loss_sum = 0.0
        for s in range(0, len(train_y), a.batch_size):
            idx = order[s:s + a.batch_size]
            x, y = train_x[idx], train_y[idx]
            flip = torch.rand(len(idx)) < 0.5
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(net(x), y, label_smoothing=a.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            loss_sum += loss.item()
        seconds = time.perf_counter() - t0
        train_total += seconds
        e0 = time.perf_counter()
        test_acc = accuracy(net, test_x, test_y, a.test_time_flip)
        print(json.dumps(dict(base, epoch=epoch, train_seconds=round(seconds, 3), loss=round(loss_sum / batches, 4),
                              test_acc=test_acc, eval_seconds=round(time.perf_counter() - e0, 3))), flush=True)
    print(json.dumps(dict(base, final=True, epochs=a.epochs, train_seconds_total=round(train_total, 3),
                          test_acc=test_acc, wall_seconds=round(time.perf_counter() - STARTED, 3))), flush=True)


if __name__ == "__main__":
    main()
