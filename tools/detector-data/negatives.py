"""negatives.py: training photos that teach the detector what is NOT a human face.

The first detector was trained on 9 scenes and no animals, and it reported animal faces, an
emblem on a space suit and a bush as faces.  Two kinds of negatives fix what it lacked:

- Clutter: cut-out photos of animals (most of them) and of plants, food, household things,
  vehicles and buildings, from Debian's tuxpaint-stamps-default, pasted at many sizes (up to
  filling the frame, so a head alone fills a patch) onto training frames beside their people
  and onto face-free scenes (Debian's plasma-workspace-wallpapers and mate-backgrounds).  An
  animal is not a human face by definition; every other stamp and every scene is checked by the
  teacher and left out if it sees a face in it.
- Mined false reports: a detector (the one being replaced) is run over the training photos
  (fer-eval --detector --predictions); every box it reports with no face under it becomes a crop
  with context around it, a photo without faces, so training sees its own mistakes more often
  than a uniform draw of background would show them.

Nothing here is used to measure: media/stills' animals stay a test set."""

import glob
import json
import os
import subprocess

import cv2
import numpy as np

from teacher import iou

STAMPS = '/usr/share/tuxpaint/stamps'
# Stamp kinds without people: animals are the ones a human-face detector mistakes most.
OBJECT_KINDS = ('plants', 'food', 'household', 'vehicles', 'town', 'hobbies', 'sports')
SCENES = ('/usr/share/wallpapers', '/usr/share/backgrounds')
PACKAGES = ('tuxpaint-stamps-default plasma-workspace-wallpapers mate-backgrounds gnome-backgrounds '
            'ukui-wallpapers')
UNSURE = 0.3


def _with_alpha(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None or img.ndim != 3:
        return None
    if img.shape[2] == 3:
        return None     # no cut-out: a rectangle of background is not what we want
    if max(img.shape[:2]) < 40:
        return None
    return img


def _teacher_sees_face(teacher, bgr):
    return any(f[4] >= UNSURE for f in teacher.detect(bgr))


def _on_grey(bgra):
    a = bgra[:, :, 3:4].astype(np.float32) / 255
    return (bgra[:, :, :3] * a + 128 * (1 - a)).astype(np.uint8)


def load_stamps(teacher):
    """(animals, objects): lists of BGRA cut-outs."""
    animals = [s for s in (_with_alpha(p) for p in sorted(glob.glob(
        os.path.join(STAMPS, 'animals/**/*.png'), recursive=True))) if s is not None]
    objects = []
    for kind in OBJECT_KINDS:
        for path in sorted(glob.glob(os.path.join(STAMPS, kind, '**/*.png'), recursive=True)):
            s = _with_alpha(path)
            if s is not None and not _teacher_sees_face(teacher, _on_grey(s)):
                objects.append(s)
    return animals, objects


def load_scenes(teacher, limit=1024):
    """Every wallpaper (Plasma's come in many sizes in an images folder: the largest of
    each), shrunk to a long side of 640 px, without any face the teacher sees."""
    best = {}
    for root in SCENES:
        for path in glob.glob(os.path.join(root, '**/*.*'), recursive=True):
            if not path.lower().endswith(('.jpg', '.jpeg', '.png', '.webp')) or 'screenshot' in path:
                continue
            key = path
            folder = os.path.dirname(path)
            if os.path.basename(folder) in ('images', 'images_dark'):
                key = os.path.dirname(os.path.dirname(folder))
            size = os.path.getsize(path)
            if size > best.get(key, (0, ''))[0]:
                best[key] = (size, path)
    scenes = []
    for _size, path in sorted(best.values(), key=lambda v: v[1])[:limit]:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            continue
        s = 640 / max(img.shape[:2])
        img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)),
                         interpolation=cv2.INTER_AREA)
        if not _teacher_sees_face(teacher, img):
            scenes.append(img)
    return scenes


def _paste_stamp(bg, stamp, rng, avoid):
    """Pastes stamp (BGRA) somewhere on bg, scaled so its long side is 15 % to 150 % of bg's
    short side, maybe mirrored and turned a little, never over a face of avoid; True if it went."""
    h, w = bg.shape[:2]
    long_side = rng.uniform(0.15, 1.5) * min(h, w)
    s = long_side / max(stamp.shape[:2])
    img = cv2.resize(stamp, (max(2, round(stamp.shape[1] * s)), max(2, round(stamp.shape[0] * s))),
                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    angle = rng.uniform(-20, 20)
    sh, sw = img.shape[:2]
    m = cv2.getRotationMatrix2D((sw / 2, sh / 2), angle, 1.0)
    img = cv2.warpAffine(np.ascontiguousarray(img), m, (sw, sh), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    for _try in range(10):
        # up to half of the stamp may hang out of the frame (a head at the edge of a close-up)
        x = int(rng.integers(-sw // 2, w - sw // 2 + 1))
        y = int(rng.integers(-sh // 2, h - sh // 2 + 1))
        if any(iou((x, y, x + sw, y + sh), f) > 0 for f in avoid):
            continue
        x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + sw), min(h, y + sh)
        if x1 <= x0 or y1 <= y0:
            continue
        part = img[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)
        a = part[:, :, 3:4] / 255
        region = bg[y0:y1, x0:x1].astype(np.float32)
        bg[y0:y1, x0:x1] = (a * part[:, :, :3] + (1 - a) * region).astype(np.uint8)
        return True
    return False


def add_clutter(out, writer, frames, scenes, animals, objects, count, rng, name='clutter'):
    """count photos (images/NAME-*.jpg): one of frames (its faces kept) or a scene, with 1-3
    stamps on it."""
    for n in range(count):
        if frames and (not scenes or rng.random() < 0.6):
            file, _shape, faces = frames[rng.integers(0, len(frames))]
            bg = cv2.imread(file)
            truths = [tuple(f[:4]) for f in faces]
        else:
            bg = scenes[rng.integers(0, len(scenes))].copy()
            h, w = bg.shape[:2]
            cw, ch = int(w * rng.uniform(0.5, 1.0)), int(h * rng.uniform(0.5, 1.0))
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            bg = np.ascontiguousarray(bg[y:y + ch, x:x + cw])
            truths = []
        for _ in range(int(rng.integers(1, 4))):
            pool = animals if (not objects or rng.random() < 0.75) else objects
            _paste_stamp(bg, pool[rng.integers(0, len(pool))], rng, truths)
        file = os.path.join(out, 'images', '%s-%05d.jpg' % (name, n))
        cv2.imwrite(file, bg, [cv2.IMWRITE_JPEG_QUALITY, 92])
        writer.add(file, bg.shape, truths)


def predict(fer_eval, model, csv_file, predictions):
    """fer-eval --detector MODEL CSV --predictions FILE: every photo's scored boxes, from the
    network's whole-frame pass alone (--no-second-look): its own mistakes are what to train
    away, also those the element's second look would catch."""
    subprocess.run([fer_eval, '--detector', model, csv_file, '--no-haar', '--no-second-look',
                    '-p', predictions],
                   check=True, stdout=subprocess.DEVNULL)


def mine(out, writer, predictions, rng, limit, min_score=0.5, per_photo=3):
    """Crops around the detector's false reports (score >= min_score, IoU < 0.3 with every
    face), most confident first, as photos without faces; the crop keeps clear of every face.
    Returns how many false reports there were."""
    found = []
    with open(predictions) as f:
        for line in f:
            p = json.loads(line)
            faces = p['faces']
            wrong = [b for b in p['ours'] if b[4] >= min_score
                     and all(iou(b, t) < 0.3 for t in faces)]
            wrong.sort(key=lambda b: -b[4])
            found += [(b[4], p['path'], b, faces) for b in wrong[:per_photo]]
    found.sort(key=lambda v: -v[0])
    made = 0
    images = {}
    for score, path, b, faces in found[:limit]:
        img = images.get(path)
        if img is None:
            img = images[path] = cv2.imread(path, cv2.IMREAD_COLOR)
            if len(images) > 64:
                images.pop(next(iter(images)))
        if img is None:
            continue
        h, w = img.shape[:2]
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        side = max(b[2] - b[0], b[3] - b[1])
        for context in (rng.uniform(2.0, 4.0), 1.5):
            half = side * context / 2
            jx, jy = rng.uniform(-0.25, 0.25) * side, rng.uniform(-0.25, 0.25) * side
            x0, y0 = int(max(0, cx + jx - half)), int(max(0, cy + jy - half))
            x1, y1 = int(min(w, cx + jx + half)), int(min(h, cy + jy + half))
            if x1 - x0 >= 24 and y1 - y0 >= 24 and \
                    all(iou((x0, y0, x1, y1), t) == 0 for t in faces):
                crop = img[y0:y1, x0:x1]
                file = os.path.join(out, 'images', 'mined-%05d.jpg' % made)
                cv2.imwrite(file, crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
                writer.add(file, crop.shape, [])
                made += 1
                break
    return len(found), made
