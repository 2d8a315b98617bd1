#!/usr/bin/python3
"""Reference outputs of the seed's torchvision transforms (PIL 9, torchvision 0.14), for the C
transforms' parity test.

    /usr/bin/python3 tests/golden/make_transforms_golden.py tests

Writes tests/data/pattern.{png,jpg} plus grayscale and RGBA variants: test images drawn here
(gradients, shapes, noise; ours, no licence question), and
tests/golden/transforms-golden.safetensors:
  decoded.<name>        the image as PIL decodes it, .convert("RGB"), uint8 HWC
  center.<name>         Resize(64) -> CenterCrop(48) -> ToTensor -> Normalize(0.5, 0.5), float CHW
  crop.<i>              the PNG cropped to rect i (crop_rects) and resized to 48x48, BILINEAR, uint8
  crop_rects            the rects [left, top, width, height]
  shorter.<w>x<h>       torchvision's Resize(64) output size [w, h] for a w x h image
"""
import sys

import numpy as np
from PIL import Image
import torchvision.transforms as T
import torchvision.transforms.functional as TF

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from make_golden import save_safetensors  # noqa: E402



def pattern(width=131, height=97, seed=7):
    """Gradients, a disc, stripes and noise: content that exercises every resampling path."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / (width - 1)
    g = 255 * y / (height - 1)
    b = 127.5 + 127.5 * np.sin(x / 3.0) * np.cos(y / 5.0)
    disc = (x - 70) ** 2 + (y - 40) ** 2 < 20 ** 2
    r[disc], g[disc], b[disc] = 250, 30, 60
    stripes = (x.astype(int) // 4) % 2 == 0
    b[stripes & (y > 70)] = 10
    image = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (height, width, 3))
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def main():
    tests = sys.argv[1] if len(sys.argv) > 1 else "tests"
    rgb = pattern()
    Image.fromarray(rgb).save(f"{tests}/data/pattern.png")
    Image.fromarray(rgb).save(f"{tests}/data/pattern.jpg", quality=90)
    Image.fromarray(rgb).convert("L").save(f"{tests}/data/pattern-gray.png")
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(f"{tests}/data/pattern-rgba.png")

    center = T.Compose([T.Resize(64), T.CenterCrop(48), T.ToTensor(),
                        T.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])
    out = {}
    for name in ["pattern.png", "pattern.jpg", "pattern-gray.png", "pattern-rgba.png"]:
        image = Image.open(f"{tests}/data/{name}").convert("RGB")
        out[f"decoded.{name}"] = np.asarray(image)
        out[f"center.{name}"] = center(image).numpy()

    source = Image.open(f"{tests}/data/pattern.png").convert("RGB")
    rects = [[0, 0, 131, 97], [5, 7, 60, 50], [30, 11, 97, 86], [10, 10, 20, 30], [0, 40, 131, 9],
             [100, 0, 31, 97]]
    for i, (left, top, w, h) in enumerate(rects):
        cropped = TF.resized_crop(source, top, left, h, w, [48, 48],
                                  T.InterpolationMode.BILINEAR)
        out[f"crop.{i}"] = np.asarray(cropped)
    out["crop_rects"] = np.array(rects, dtype=np.int64)
    for w, h in [(128, 128), (131, 97), (97, 131), (300, 64), (65, 200), (1280, 720)]:
        resized = T.Resize(64)(Image.new("RGB", (w, h)))
        out[f"shorter.{w}x{h}"] = np.array(resized.size, dtype=np.int64)

    save_safetensors(f"{tests}/golden/transforms-golden.safetensors", out,
                     {"made_by": "tests/golden/make_transforms_golden.py"})


if __name__ == "__main__":
    main()
