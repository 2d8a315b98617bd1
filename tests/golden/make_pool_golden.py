#!/usr/bin/python3
"""Reference outputs of nn.MaxPool2d and of seed 004's ROI pooling (nn.AdaptiveMaxPool2d((5, 5))
over a slice of the feature map per region), forward and backward, for tests/test-pool.c.

    /usr/bin/python3 tests/golden/make_pool_golden.py tests/golden

Writes pool-golden.safetensors: a [2, 3, 13, 11] feature map (NCHW), for each max-pool
configuration its output and the input gradient of a random output gradient, and for the
regions (image, x, y, width, height; some smaller than 5x5, one past the map's edge, which the
slice clips) the pooled [R, 3, 5, 5] features and the input gradient.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_golden import save_safetensors  # noqa: E402

POOLS = {"k3s2p1": (3, 2, 1), "k2s2p0": (2, 2, 0), "k3s1p1": (3, 1, 1)}
ROIS = [(0, 0, 0, 11, 13), (1, 2, 3, 4, 3), (0, 5, 6, 6, 7), (1, 8, 10, 10, 10), (0, 3, 2, 1, 1)]


def main():
    torch.set_num_threads(2)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    rng = np.random.default_rng(2027)
    x0 = rng.normal(0, 1, (2, 3, 13, 11)).astype(np.float32)
    out = {"input": x0}
    for name, (k, s, p) in POOLS.items():
        x = torch.from_numpy(x0.copy()).requires_grad_()
        y = torch.nn.MaxPool2d(k, s, p)(x)
        g = torch.from_numpy(rng.normal(0, 1, tuple(y.shape)).astype(np.float32))
        y.backward(g)
        out[f"maxpool.{name}.output"] = y.detach().numpy()
        out[f"maxpool.{name}.dout"] = g.numpy()
        out[f"maxpool.{name}.din"] = x.grad.numpy()
    x = torch.from_numpy(x0.copy()).requires_grad_()
    pool = torch.nn.AdaptiveMaxPool2d((5, 5))
    pooled = torch.stack([pool(x[i][:, y:y + h, xx:xx + w]) for i, xx, y, w, h in ROIS])
    g = torch.from_numpy(rng.normal(0, 1, tuple(pooled.shape)).astype(np.float32))
    pooled.backward(g)
    out["roi.boxes"] = np.array(ROIS, dtype=np.int64)
    out["roi.output"] = pooled.detach().numpy()
    out["roi.dout"] = g.numpy()
    out["roi.din"] = x.grad.numpy()
    save_safetensors(f"{out_dir}/pool-golden.safetensors", out,
                     {"torch": torch.__version__, "script": "tests/golden/make_pool_golden.py"})


if __name__ == "__main__":
    main()
