#!/usr/bin/python3
"""Reference outputs of the seed's simpleconv3 in PyTorch, for the C engine's parity tests.

Run with Debian's Python and python3-torch (apt-get install python3-torch):

    /usr/bin/python3 tests/golden/make_golden.py tests/golden

Writes two files:
  simpleconv3-pytorch-f16.safetensors  a state_dict exported from PyTorch as safetensors (F16
      weights, I64 counters, no metadata): the model every golden below starts from.  The weights
      are rounded to F16 before any reference is computed, so F16 loading is tested exactly.
  simpleconv3-golden.safetensors  input batch, labels and what PyTorch computes from them:
      eval and train logits, the loss (with and without label smoothing), every parameter
      gradient, batchnorm running statistics after the train step, and parameters after 5 SGD
      steps in two configurations.
Tensors over SAMPLE_ABOVE elements (fc1.weight, fc2.weight) are stored as every SAMPLE_STRIDE-th
element, name suffixed "@97", plus the float64 sum of all elements ("name@sum"): the full tensors
would add 20 MB to the repository for little extra proof.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SAMPLE_ABOVE = 20000
SAMPLE_STRIDE = 97
BATCH = 8


class simpleconv3(nn.Module):
    """The seed's network, as in seeds/000 (training code)."""

    def __init__(self, num_classes=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 12, 3, 2)
        self.bn1 = nn.BatchNorm2d(12)
        self.conv2 = nn.Conv2d(12, 24, 3, 2)
        self.bn2 = nn.BatchNorm2d(24)
        self.conv3 = nn.Conv2d(24, 48, 3, 2)
        self.bn3 = nn.BatchNorm2d(48)
        self.fc1 = nn.Linear(48 * 5 * 5, 1200)
        self.fc2 = nn.Linear(1200, 128)
        self.fc3 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = x.view(-1, 48 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
          np.dtype(np.float64): "F64", np.dtype(np.int64): "I64", np.dtype(np.uint8): "U8"}


def save_safetensors(path, tensors, metadata=None):
    """The safetensors format, written by hand: Debian 12 does not package the library."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def put(out, name, tensor):
    """Stores a float tensor, sampled when large."""
    array = tensor.detach().cpu().numpy().astype(np.float32)
    if array.size > SAMPLE_ABOVE:
        flat = array.reshape(-1)
        out[name + "@97"] = flat[::SAMPLE_STRIDE].copy()
        out[name + "@sum"] = np.array([flat.astype(np.float64).sum()])
    else:
        out[name] = array


def fresh_model(state):
    model = simpleconv3()
    model.load_state_dict(state)
    return model


def sgd_run(state, x, labels, prefix, out, lr, momentum, weight_decay, nesterov, step_size, gamma):
    model = fresh_model(state)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                                weight_decay=weight_decay, nesterov=nesterov)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    for _ in range(5):
        optimizer.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        optimizer.step()
        scheduler.step()
    for name, value in model.state_dict().items():
        if not name.endswith("num_batches_tracked"):
            put(out, prefix + name, value)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "."
    torch.manual_seed(2024)
    torch.set_num_threads(2)

    model = simpleconv3()
    with torch.no_grad():
        # Non-trivial batchnorm state, so eval mode and the running-stat update are really tested.
        for bn in (model.bn1, model.bn2, model.bn3):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0, 0.1)
            bn.running_mean.normal_(0, 0.1)
            bn.running_var.uniform_(0.5, 2.0)
            bn.num_batches_tracked.fill_(7)
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.copy_(value.half().float())
    state = {k: v.clone() for k, v in model.state_dict().items()}
    save_safetensors(f"{outdir}/simpleconv3-pytorch-f16.safetensors",
                     {k: v.numpy().astype(np.float16 if v.is_floating_point() else np.int64)
                      for k, v in state.items()})

    x = torch.randn(BATCH, 3, 48, 48)
    labels = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0])
    out = {"input": x.numpy(), "labels": labels.numpy().astype(np.int64)}

    model.eval()
    with torch.no_grad():
        out["logits_eval"] = model(x).numpy()

    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out["logits_train"] = logits.detach().numpy()
    out["loss"] = np.array([loss.item()], dtype=np.float64)
    for name, p in model.named_parameters():
        put(out, "grad." + name, p.grad)
    for name, value in model.state_dict().items():
        if "running" in name:
            put(out, "after_train." + name, value)
    out["after_train.num_batches_tracked"] = np.array([model.bn1.num_batches_tracked.item()])

    smooth = fresh_model(state)
    smooth.train()
    loss = F.cross_entropy(smooth(x), labels, label_smoothing=0.1)
    loss.backward()
    out["smooth.loss"] = np.array([loss.item()], dtype=np.float64)
    for name, p in smooth.named_parameters():
        put(out, "smooth.grad." + name, p.grad)

    # The seed's optimiser (lr 0.1, momentum 0.9), with a StepLR that decays twice in 5 steps.
    sgd_run(state, x, labels, "sgd_momentum.", out, lr=0.1, momentum=0.9, weight_decay=0,
            nesterov=False, step_size=2, gamma=0.5)
    sgd_run(state, x, labels, "sgd_nesterov.", out, lr=0.05, momentum=0.9, weight_decay=5e-4,
            nesterov=True, step_size=100, gamma=0.1)

    save_safetensors(f"{outdir}/simpleconv3-golden.safetensors", out,
                     {"made_by": "tests/golden/make_golden.py", "torch": torch.__version__,
                      "sample_stride": str(SAMPLE_STRIDE), "sample_above": str(SAMPLE_ABOVE)})


if __name__ == "__main__":
    main()
