#!/usr/bin/python3
"""PyTorch's side of bench-engine.sh: the seed's simpleconv3 timed exactly as fer-bench-engine
times ours (same measures, same medians over timed blocks), printing the same lines.

Run with Debian's Python and python3-torch: /usr/bin/python3 bench_engine_torch.py [THREADS] [BLOCK_SECONDS]
"""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from make_golden import simpleconv3  # noqa: E402  (the seed's network, defined once)


def median_seconds(work, blocks, block_seconds):
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            work()
        if time.perf_counter() - start >= block_seconds / 4:
            break
        calls *= 2
    calls = max(1, calls * 4)
    times = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(calls):
            work()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    block_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = simpleconv3()
    images = torch.randn(64, 3, 48, 48)
    labels = torch.arange(64) % 4
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    model.eval()
    with torch.no_grad():
        one = images[:1].contiguous()
        ms = 1e3 * median_seconds(lambda: model(one), 7, block_seconds)
        print(f"forward_b1_ms {ms:.4f} ms")
        ms = 1e3 * median_seconds(lambda: model(images), 7, block_seconds)
        print(f"forward_b64_ms {ms:.4f} ms")

    model.train()

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    print(f"train_b64_ips {64 / median_seconds(step, 7, block_seconds):.1f} images/s")


if __name__ == "__main__":
    main()
