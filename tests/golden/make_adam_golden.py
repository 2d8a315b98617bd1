#!/usr/bin/python3
"""Reference steps of torch.optim.Adam (PyTorch 1.13), for the engine's Adam (src/nn/adam.c).

Run with Debian's Python and python3-torch:

    /usr/bin/python3 tests/golden/make_adam_golden.py tests/golden

Writes adam-golden.safetensors: a parameter vector and five gradients (random, with zeros, tiny
and large values mixed in), and for each configuration the parameters, exp_avg and exp_avg_sq
after every one of the five steps.  The gradients are fixed inputs, not computed from the
parameters, so the file tests the optimiser alone; whole networks trained with it are compared
once seed 004's network is in the engine.
"""
import sys

import numpy as np
import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
from make_golden import save_safetensors  # noqa: E402

N = 1000
STEPS = 5
CONFIGS = {
    "default": dict(lr=1e-3),
    "options": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True),
}


def main():
    torch.set_num_threads(2)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    rng = np.random.default_rng(2026)
    params0 = rng.normal(0, 1, N).astype(np.float32)
    grads = rng.normal(0, 1, (STEPS, N)).astype(np.float32)
    grads[:, ::17] = 0                                   # parameters a step leaves alone
    grads[:, 1::23] *= np.float32(1e-6)                  # tiny gradients (eps matters)
    grads[:, 2::29] *= np.float32(1e3)                   # large ones
    grads[2, 3::31] = -grads[1, 3::31]                   # a sign flip (amsgrad's max matters)
    out = {"params0": params0, "grads": grads}
    for name, options in CONFIGS.items():
        p = torch.nn.Parameter(torch.from_numpy(params0.copy()))
        optimizer = torch.optim.Adam([p], **options)
        for step in range(STEPS):
            p.grad = torch.from_numpy(grads[step].copy())
            optimizer.step()
            state = optimizer.state[p]
            out[f"{name}.params.{step}"] = p.detach().numpy().copy()
            out[f"{name}.exp_avg.{step}"] = state["exp_avg"].numpy().copy()
            out[f"{name}.exp_avg_sq.{step}"] = state["exp_avg_sq"].numpy().copy()
    save_safetensors(f"{out_dir}/adam-golden.safetensors", out,
                     {"torch": torch.__version__, "script": "tests/golden/make_adam_golden.py"})


if __name__ == "__main__":
    main()
