#!/usr/bin/python3
"""PyTorch's side of bench-classify.sh: the seed's simpleconv3 with the weights of a gst-fer
model file, batch-1 forward on each mouth crop of a folder (the crops ferclassify classified),
after the seed's inference transform (Resize 64, CenterCrop 48, ToTensor, Normalize 0.5).
Prints (name=value) the median over the crops of the forward alone and of transform + forward, in
microseconds, and the mean probabilities (a check that the weights loaded).

Run with Debian's Python (python3-torch, python3-torchvision, python3-pil):
  /usr/bin/python3 bench_classify_torch.py MODEL.safetensors CROPS_DIR [THREADS]
"""
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from make_golden import simpleconv3  # noqa: E402  (the seed's network, defined once)

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def load_safetensors(path):
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] not in DTYPES:
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=DTYPES[entry["dtype"]])
        tensors[name] = torch.from_numpy(array.astype(np.float32).reshape(entry["shape"]))
    return tensors, header.get("__metadata__", {})


def main():
    model_path, crops_dir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    state, metadata = load_safetensors(model_path)
    model = simpleconv3(int(metadata.get("num_classes", 4)))
    model.load_state_dict(state)
    model.eval()
    transform = transforms.Compose([transforms.Resize(64), transforms.CenterCrop(48),
                                    transforms.ToTensor(),
                                    transforms.Normalize([0.5] * 3, [0.5] * 3)])
    crops = [Image.open(os.path.join(crops_dir, name)).convert("RGB")
             for name in sorted(os.listdir(crops_dir)) if name.endswith(".png")]
    forward, whole, probabilities = [], [], []
    with torch.no_grad():
        for _ in range(2):   # the first pass warms up
            forward.clear()
            whole.clear()
            probabilities.clear()
            for crop in crops:
                start = time.perf_counter()
                x = transform(crop).unsqueeze(0)
                middle = time.perf_counter()
                p = torch.softmax(model(x), dim=1)
                end = time.perf_counter()
                forward.append(end - middle)
                whole.append(end - start)
                probabilities.append(p[0].numpy())
    print(f"torch_forward_us={1e6 * statistics.median(forward):.1f}")
    print(f"torch_transform_forward_us={1e6 * statistics.median(whole):.1f}")
    print("torch_mean_probabilities=" + " ".join(f"{v:.4f}" for v in np.mean(probabilities, 0)))


if __name__ == "__main__":
    main()
