#!/usr/bin/python3
"""PyTorch's side of bench-seed004.sh: seed 004's MyModel (88x128, 8 regions per image) and a
detector-sized network (320x240, strided BasicBlocks, 1x1 convolution heads), timed as
fer-bench-seed004 times ours: forward in evaluation mode and a training step (forward, loss,
backward, Adam) at batch 1 and 16, median of 7 blocks, milliseconds per call.

    /usr/bin/python3 tests/bench/bench_seed004_torch.py [THREADS] [BLOCK_SECONDS]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
sys.path.insert(0, os.path.dirname(__file__))
from bench_engine_torch import median_seconds  # noqa: E402  (the same timing as the engine bench)
from make_seed004_golden import Detector, MyModel, loss_function  # noqa: E402


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    block = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    for name in ("mymodel", "detector"):
        for batch in (1, 16):
            if name == "mymodel":
                model = MyModel(dropout=0.1)
                images = torch.rand(batch, 3, 88, 128)
                boxes = []
                for r in range(8 * batch):
                    w, h = int(torch.randint(8, 58, ())), int(torch.randint(8, 48, ()))
                    boxes.append((r // 8, int(torch.randint(0, 128 - w, ())), int(torch.randint(0, 88 - h, ())), w, h))
                x = (images, torch.tensor(boxes, dtype=torch.float))
                labels = torch.tensor([int(r % 8 < 2) for r in range(8 * batch)])
                y = (labels, torch.zeros(8 * batch, 4))
                loss_of = lambda predicted: loss_function(predicted, y)  # noqa: E731
            else:
                model = Detector()
                x = torch.rand(batch, 3, 240, 320)
                loss_of = lambda predicted: predicted[0].mean() + predicted[1].mean()  # noqa: E731
            optimizer = torch.optim.Adam(model.parameters())

            def forward():
                with torch.no_grad():
                    model(x)

            def train():
                optimizer.zero_grad()
                loss_of(model(x)).backward()
                optimizer.step()

            model.eval()
            print(f"{name}_forward_b{batch}_ms {1e3 * median_seconds(forward, 7, block):.3f}", flush=True)
            model.train()
            print(f"{name}_train_b{batch}_ms {1e3 * median_seconds(train, 7, block):.3f}", flush=True)


if __name__ == "__main__":
    main()
