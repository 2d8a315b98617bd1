#!/usr/bin/python3
"""The seed's training in PyTorch (seeds/000, "训练代码"), for tests/bench/bench-train.sh and for
fer-eval's parity with PyTorch: torchvision ImageFolder with the seed's transforms, DataLoader
(batch 64, shuffle, 2 workers), simpleconv3, CrossEntropyLoss, SGD(lr 0.1, momentum 0.9),
StepLR(100, 0.1), 2 threads.  Prints one line per epoch ("epoch N seconds S train_acc A val_acc V")
and exports the final state_dict as safetensors (PyTorch names, F32), so fer-eval can be run on
the very model whose accuracy PyTorch reported.

    /usr/bin/python3 tests/bench/seed_train_torch.py DATA_DIR EPOCHS OUT.safetensors
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torchvision import datasets, transforms

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from make_golden import save_safetensors, simpleconv3  # noqa: E402


def main():
    data_dir, epochs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    torch.set_num_threads(2)
    torch.manual_seed(1)
    data_transforms = {
        "train": transforms.Compose([
            transforms.RandomResizedCrop(48),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
        "val": transforms.Compose([
            transforms.Resize(64),
            transforms.CenterCrop(48),
            transforms.ToTensor(),
            transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
    }
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), data_transforms[x])
                      for x in ["train", "val"]}
    loaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=64, shuffle=True,
                                              num_workers=2)
               for x in ["train", "val"]}
    model = simpleconv3()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.1)
    for epoch in range(epochs):
        start = time.perf_counter()
        accuracy = {}
        for phase in ["train", "val"]:
            model.train(phase == "train")
            correct, seen = 0, 0
            for inputs, labels in loaders[phase]:
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                correct += (outputs.argmax(1) == labels).sum().item()
                seen += len(labels)
            accuracy[phase] = correct / seen
            if phase == "train":
                train_seconds = time.perf_counter() - start
        scheduler.step()
        print(f"epoch {epoch + 1} seconds {train_seconds:.2f} total_seconds "
              f"{time.perf_counter() - start:.2f} train_acc {accuracy['train']:.4f} "
              f"val_acc {accuracy['val']:.4f}", flush=True)
    state = {k: v.numpy().astype(np.float32 if v.is_floating_point() else np.int64)
             for k, v in model.state_dict().items()}
    save_safetensors(out, state, {"training_data": data_dir, "trained_by": "seed_train_torch.py"})


if __name__ == "__main__":
    main()
