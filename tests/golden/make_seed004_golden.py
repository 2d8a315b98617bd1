#!/usr/bin/python3
"""Reference outputs of seed 004's network (its BasicBlock and MyModel, the Fast R-CNN face
detector) and of a detector-sized network built from its BasicBlock, in PyTorch 1.13, for
tests/test-seed004.c.

    /usr/bin/python3 tests/golden/make_seed004_golden.py tests/golden

The model is the seed's code with one change of convention (see src/nn/seed004-net.h): images
are [C][H][W] and a region is sliced [:, y:y+h, x:x+w] (the seed transposes images to [C][W][H]
and slices [:, x:x+w, y:y+h]).  Dropout is set to 0 so that training steps are deterministic
(the engine draws its own masks).  Input: two 88x128 images (the seed's IMAGE_SIZE), eight
candidate regions (faces and background, some smaller than the 5x5 pooling), their labels and
offsets.  Writes seed004-golden.safetensors:
  state.*            the initial state_dict (F32; counters I64)
  images, rois, labels, target_offsets
  eval.labels, eval.offsets         the heads in evaluation mode, before training
  train.labels, train.offsets, loss the first training forward and the seed's loss
  grad.*             every parameter's gradient from it
  step1.*            batchnorm running statistics after it
  adam5.*            every parameter after 5 steps of torch.optim.Adam (defaults) on the batch
  f64.*              the same gradients, losses and Adam steps computed in float64: the exact
                     answer the float32 results are both rounded from, so a test can tell the
                     rounding of a long float32 sum (batch statistics over 22528 values) from
                     a mistake
and seed004-detector-golden.safetensors (save_detector_golden): a detector-sized network on
two 320x240 images, whose 3x3 stride-1 convolutions the engine trains by Winograd tiles.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from make_golden import save_safetensors  # noqa: E402


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, channels_in, channels_out, stride):
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(channels_in, channels_out, kernel_size=3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(channels_out))
        self.conv2 = nn.Sequential(
            nn.Conv2d(channels_out, channels_out, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(channels_out))
        self.identity = nn.Sequential()
        if stride != 1 or channels_in != channels_out * self.expansion:
            self.identity = nn.Sequential(
                nn.Conv2d(channels_in, channels_out * self.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(channels_out * self.expansion))

    def forward(self, x):
        tmp = self.conv1(x)
        tmp = nn.functional.relu(tmp, inplace=True)
        tmp = self.conv2(tmp)
        tmp += self.identity(x)
        y = nn.functional.relu(tmp, inplace=True)
        return y


class MyModel(nn.Module):
    def __init__(self, dropout=0.1):
        super().__init__()
        self.previous_channels_out = 4
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, self.previous_channels_out, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(self.previous_channels_out))
        self.layer1 = self._make_layer(BasicBlock, channels_out=4, num_blocks=2, stride=1)
        self.layer2 = self._make_layer(BasicBlock, channels_out=4, num_blocks=2, stride=1)
        self.layer3 = self._make_layer(BasicBlock, channels_out=8, num_blocks=2, stride=1)
        self.layer4 = self._make_layer(BasicBlock, channels_out=8, num_blocks=2, stride=1)
        self.roi_pool = nn.AdaptiveMaxPool2d((5, 5))
        self.fc_labels_model = nn.Sequential(
            nn.Linear(8 * 5 * 5, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 2))
        self.fc_offsets_model = nn.Sequential(
            nn.Linear(8 * 5 * 5, 128), nn.ReLU(), nn.Dropout(dropout), nn.Linear(128, 4))

    def _make_layer(self, block_type, channels_out, num_blocks, stride):
        blocks = [block_type(self.previous_channels_out, channels_out, stride)]
        self.previous_channels_out = channels_out * block_type.expansion
        for _ in range(num_blocks - 1):
            blocks.append(block_type(self.previous_channels_out, self.previous_channels_out, 1))
            self.previous_channels_out *= block_type.expansion
        return nn.Sequential(*blocks)

    def _roi_pooling(self, feature_mapping, roi_boxes):
        result = []
        for box in roi_boxes:
            image_index, x, y, w, h = map(int, box.tolist())
            feature_sub_region = feature_mapping[image_index][:, y:y + h, x:x + w]
            result.append(self.roi_pool(feature_sub_region).reshape(-1))
        return torch.stack(result)

    def forward(self, x):
        images_tensor, candidate_boxes_tensor = x
        tmp = nn.functional.relu(self.conv1(images_tensor))
        tmp = self.layer1(tmp)
        tmp = self.layer2(tmp)
        tmp = self.layer3(tmp)
        tmp = self.layer4(tmp)
        tmp = self._roi_pooling(tmp, candidate_boxes_tensor)
        return self.fc_labels_model(tmp), self.fc_offsets_model(tmp)


class Detector(nn.Module):
    """A detector-sized network (src/nn/seed004-net.h: fer_seed004_detector_sized): BasicBlocks
    at stride 2 from 320x240 down to a 20x15 map, then 1x1 convolution heads."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8))
        self.layer1 = nn.Sequential(BasicBlock(8, 16, 2))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2))
        self.layer3 = nn.Sequential(BasicBlock(32, 32, 2))
        self.classes = nn.Conv2d(32, 4, 1)
        self.offsets = nn.Conv2d(32, 8, 1)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(nn.functional.relu(self.conv1(x)))))
        return self.classes(x), self.offsets(x)


def hashed_uniform(n, salt):
    """n values in [0, 1), each exact in float32: the top 24 bits of a multiplicative hash of
    its index, as tests/test-seed004.c makes them (so the 1.8 MB of images are not stored)."""
    i = np.arange(n, dtype=np.uint64)
    h = ((i + np.uint64(salt)) * np.uint64(2654435761)) % np.uint64(1 << 32)
    return ((h >> np.uint64(8)).astype(np.float64) / (1 << 24)).astype(np.float32)


def loss_function(predicted, actual):
    """The seed's: CE over positives + CE over negatives + MSE of positives' offsets."""
    celoss, mseloss = nn.CrossEntropyLoss(), nn.MSELoss()
    positive = actual[0].nonzero(as_tuple=True)[0]
    negative = (actual[0] == 0).nonzero(as_tuple=True)[0]
    return (celoss(predicted[0][positive], actual[0][positive])
            + celoss(predicted[0][negative], actual[0][negative])
            + mseloss(predicted[1][positive], actual[1][positive]))


def record_first_step(out, prefix, net, outputs, loss):
    """The first training step's outputs (name: tensor), loss, every parameter's gradient and
    the running statistics after it, under prefix ("" for the float32 run, "f64.")."""
    for name, value in outputs.items():
        out[prefix + name] = value.detach().float().numpy().copy()
    out[prefix + "loss"] = np.array([loss.item()])
    for name, p in net.named_parameters():
        out[prefix + "grad." + name] = p.grad.numpy().astype(np.float64 if prefix else np.float32)
    for name, b in net.named_buffers():
        if "running" in name:
            out[prefix + "step1." + name] = b.numpy().copy()


def main():
    torch.set_num_threads(2)
    torch.manual_seed(4)
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    model = MyModel(dropout=0.0)
    out = {}
    for name, tensor in model.state_dict().items():
        out["state." + name] = tensor.detach().numpy().copy()
    rng = np.random.default_rng(2028)
    images = rng.uniform(0, 1, (2, 3, 88, 128)).astype(np.float32)
    rois = np.array([(0, 10, 12, 40, 40), (0, 60, 20, 30, 36), (0, 0, 0, 128, 88), (0, 100, 70, 4, 3),
                     (1, 30, 30, 50, 44), (1, 5, 50, 20, 20), (1, 90, 10, 38, 60), (1, 64, 44, 1, 1)],
                    dtype=np.int64)
    labels = np.array([1, 0, 0, 0, 1, 0, 1, 0], dtype=np.int64)
    offsets = rng.normal(0, 0.2, (8, 4)).astype(np.float32) * (labels[:, None] == 1)
    out.update(images=images, rois=rois, labels=labels, target_offsets=offsets)
    x = (torch.from_numpy(images), torch.from_numpy(rois).float())
    y = (torch.from_numpy(labels), torch.from_numpy(offsets))

    model.eval()
    with torch.no_grad():
        eval_labels, eval_offsets = model(x)
    out["eval.labels"], out["eval.offsets"] = eval_labels.numpy(), eval_offsets.numpy()

    exact = MyModel(dropout=0.0).double()
    exact.load_state_dict({k: v.double() if v.is_floating_point() else v
                           for k, v in model.state_dict().items()})
    x64 = (x[0].double(), x[1])
    y64 = (y[0], y[1].double())
    for net, inputs, targets, prefix in ((model, x, y, ""), (exact, x64, y64, "f64.")):
        net.train()
        optimizer = torch.optim.Adam(net.parameters())
        for step in range(5):
            optimizer.zero_grad()
            predicted = net(inputs)
            loss = loss_function(predicted, targets)
            loss.backward()
            if step == 0:
                record_first_step(out, prefix, net, {"train.labels": predicted[0],
                                                     "train.offsets": predicted[1]}, loss)
            optimizer.step()
        for name, p in net.named_parameters():
            out[prefix + "adam5." + name] = p.detach().numpy().copy()
    save_safetensors(f"{out_dir}/seed004-golden.safetensors", out,
                     {"torch": torch.__version__, "script": "tests/golden/make_seed004_golden.py"})
    save_detector_golden(out_dir)


def save_detector_golden(out_dir):
    """seed004-detector-golden.safetensors: the detector-sized network on two 320x240 images
    (hashed_uniform (2 * 3 * 240 * 320, 1)), trained on L = sum (classes * wc) + sum (offsets *
    wo) with wc = (hashed_uniform (n, 2) - 0.5) / n over the class map's n values, wo likewise
    (salt 3).  Keys as in seed004-golden (state., train., loss, grad., step1., f64.), and only
    f64.adam5. for the five Adam steps (the float build does not compare them)."""
    torch.manual_seed(5)
    model = Detector()
    out = {}
    for name, tensor in model.state_dict().items():
        out["state." + name] = tensor.detach().numpy().copy()
    images = torch.from_numpy(hashed_uniform(2 * 3 * 240 * 320, 1).reshape(2, 3, 240, 320))
    weights = [torch.from_numpy((hashed_uniform(n, salt) - np.float32(0.5)) / np.float32(n))
               for n, salt in ((2 * 4 * 15 * 20, 2), (2 * 8 * 15 * 20, 3))]
    weights = [weights[0].reshape(2, 4, 15, 20), weights[1].reshape(2, 8, 15, 20)]

    exact = Detector().double()
    exact.load_state_dict({k: v.double() if v.is_floating_point() else v
                           for k, v in model.state_dict().items()})
    for net, x, w, prefix in ((model, images, weights, ""),
                              (exact, images.double(), [v.double() for v in weights], "f64.")):
        net.train()
        optimizer = torch.optim.Adam(net.parameters())
        for step in range(5):
            optimizer.zero_grad()
            classes, offsets = net(x)
            loss = (classes * w[0]).sum() + (offsets * w[1]).sum()
            loss.backward()
            if step == 0:
                record_first_step(out, prefix, net, {"train.classes": classes,
                                                     "train.offsets": offsets}, loss)
            optimizer.step()
        if prefix:
            for name, p in net.named_parameters():
                out[prefix + "adam5." + name] = p.detach().numpy().copy()
    save_safetensors(f"{out_dir}/seed004-detector-golden.safetensors", out,
                     {"torch": torch.__version__, "script": "tests/golden/make_seed004_golden.py"})


if __name__ == "__main__":
    main()
