#!/usr/bin/python3
"""build_detector_data.py: the face-box data the detector is trained and measured on, rebuilt
from ../shared (never committed: its licences).  Run by tools/train-detector.sh; needs Debian's
python3-opencv and the teacher ../shared/teachers/yunet_n_320_320.onnx (labelling only).

Writes, under OUT:
  train.csv      the seed's annotation format, a row per face: filename,width,height,x1,y1,x2,y2
                 (filename relative to OUT; a photo without faces: one row with the box empty)
  dev-video.csv  frames of media/d6.mp4 and s18.mp4 (the benchmark clips), teacher boxes
  dev-calibration.csv  dev-video's frames and as many again with animals and things pasted on
                 them and on scenes (its own seed): where the score threshold is chosen, so
                 that it sees hard backgrounds as well as the benchmark clips' easy ones
  dev-dlib.csv   dlib's testing.xml photos with their hand-placed boxes
  dev-helen.csv  helen-dev photos, teacher boxes
  dev-stills.csv media/stills (people, paintings, animals), teacher boxes
  dev-animals.csv the 11 stills of animals (picked by eye), no faces: every report is false
  images/        the frames and composites train.csv and the dev sets name
  REPORT.txt     counts, and how well helen-dev's landmark rule matches the teacher's boxes

Training sources (none of them used to measure): frames of media/more/*.mp4 labelled by the
teacher, dlib's training.xml photos labelled by the teacher (their hand boxes are a different
shape), and composites: GENKI-4K train and SMILEs face crops, located by the teacher in the crop,
pasted at many sizes onto synthetic backgrounds and onto face-free parts of training frames.
Frames where the teacher is unsure of a face (a score between 0.3 and 0.6) are left out: a
half-seen face labelled background would teach the wrong thing.  Then the negatives
(negatives.py): animals and other things pasted onto training frames and face-free scenes
(from Debian packages), with --animal-photos N cuts of gcompris's animal photographs
(animal_photos.py: frontal animal heads; tried, not in the shipped model), and, with
--mine-with MODEL, crops around that detector's false reports
on the training photos."""

import argparse
import csv
import glob
import os
import random
import sys
import xml.etree.ElementTree as ET

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from teacher import Teacher, iou  # noqa: E402
import negatives  # noqa: E402
import animal_photos  # noqa: E402

SURE, UNSURE = 0.6, 0.3
DLIB_FACES = '/usr/share/doc/libdlib19.1/examples/faces'
# media/stills of animals (a monkey, dogs, cats, alpacas, a cartoon alpaca), picked by eye: a
# human-face detector must report none of them.
ANIMAL_STILLS = ('s22', 's23', 's25', 's30', 's31', 's33', 's36', 's38', 's39', 's40', 's41')


def say(*args):
    print('build-detector-data:', *args, flush=True)


class Writer:
    """Rows of one CSV; images written under OUT/images."""

    def __init__(self, out, name):
        self.out, self.rows, self.name = out, [], name
        self.images = 0
        self.faces = 0

    def add(self, path, shape, boxes):
        rel = os.path.relpath(path, self.out) if os.path.isabs(path) and \
            path.startswith(self.out) else path
        h, w = shape[:2]
        self.images += 1
        if not boxes:
            self.rows.append([rel, w, h, '', '', '', ''])
        for b in boxes:
            x1, y1 = max(0.0, b[0]), max(0.0, b[1])
            x2, y2 = min(float(w), b[2]), min(float(h), b[3])
            self.rows.append([rel, w, h, '%.1f' % x1, '%.1f' % y1, '%.1f' % x2, '%.1f' % y2])
            self.faces += 1

    def frames(self):
        """(absolute file, shape, boxes) of each image, as written (boxes to 0.1 px)."""
        by_file = {}
        for rel, w, h, *box in self.rows:
            entry = by_file.setdefault(rel, (os.path.join(self.out, rel), (h, w), []))
            if box[0] != '':
                entry[2].append(tuple(float(v) for v in box))
        return list(by_file.values())

    def save(self):
        tmp = os.path.join(self.out, self.name + '.tmp')
        with open(tmp, 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['filename', 'width', 'height', 'x1', 'y1', 'x2', 'y2'])
            w.writerows(self.rows)
        os.replace(tmp, os.path.join(self.out, self.name))
        return '%s: %d images, %d faces' % (self.name, self.images, self.faces)


def sure_faces(teacher, bgr):
    """The teacher's faces, or None when it is unsure of one."""
    found = teacher.detect(bgr)
    if any(UNSURE <= f[4] < SURE for f in found):
        return None
    return [f for f in found if f[4] >= SURE]


def fit_long_side(img, limit=640):
    h, w = img.shape[:2]
    if max(h, w) <= limit:
        return img
    s = limit / max(h, w)
    return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def video_frames(path, per_video):
    cap = cv2.VideoCapture(path)
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 1
    step = max(1, n // per_video)
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i % step == 0:
            yield i, frame
        i += 1


def add_videos(teacher, out, writer, paths, per_video, keep_frames=None):
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        used = 0
        for i, frame in video_frames(path, per_video):
            frame = fit_long_side(frame)
            faces = sure_faces(teacher, frame)
            if faces is None:
                continue
            file = os.path.join(out, 'images', 'video-%s-%05d.jpg' % (name, i))
            cv2.imwrite(file, frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
            writer.add(file, frame.shape, faces)
            if keep_frames is not None:
                keep_frames.append((file, frame.shape, faces))
            used += 1
        say('%s: %d frames' % (path, used))


def dlib_boxes(xml_file):
    for image in ET.parse(xml_file).getroot().iter('image'):
        boxes = []
        for b in image.iter('box'):
            if b.get('ignore') == '1':
                continue
            x, y = float(b.get('left')), float(b.get('top'))
            boxes.append((x, y, x + float(b.get('width')), y + float(b.get('height'))))
        yield os.path.join(DLIB_FACES, image.get('file')), boxes


def crop_face_box(teacher, crop):
    """Where the teacher sees the face in a 64x64 face crop (crop pixels), or None."""
    big = cv2.resize(crop, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    h, w = big.shape[:2]
    canvas = np.full((2 * h, 2 * w, 3), 128, np.uint8)
    canvas[h // 2:h // 2 + h, w // 2:w // 2 + w] = big
    found = [f for f in teacher.detect(canvas, tiles=False) if f[4] >= SURE]
    if len(found) != 1:
        return None
    x1, y1, x2, y2, _ = found[0]
    box = ((x1 - w // 2) / 3, (y1 - h // 2) / 3, (x2 - w // 2) / 3, (y2 - h // 2) / 3)
    cw, ch = crop.shape[1], crop.shape[0]
    # a face reaching far outside the crop would be pasted with a hard edge through it
    if box[0] < -0.1 * cw or box[1] < -0.15 * ch or box[2] > 1.1 * cw or box[3] > 1.15 * ch:
        return None
    return box


def synthetic_background(rng, w, h):
    """Smooth noise, gradients and a few shapes: texture without faces."""
    small = rng.integers(0, 256, (max(2, h // 32), max(2, w // 32), 3), dtype=np.uint8)
    bg = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    ramp = np.linspace(rng.uniform(-60, 60), rng.uniform(-60, 60), w, dtype=np.float32)
    bg += ramp[None, :, None]
    bg = np.clip(bg, 0, 255).astype(np.uint8)
    for _ in range(rng.integers(3, 12)):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.rectangle(bg, p, q, colour, -1)
        elif kind == 1:
            cv2.line(bg, p, q, colour, int(rng.integers(1, 8)))
        else:
            cv2.ellipse(bg, p, (int(rng.integers(5, w // 3)), int(rng.integers(5, h // 3))),
                        float(rng.uniform(0, 180)), 0, 360, colour, -1)
    return cv2.GaussianBlur(bg, (0, 0), rng.uniform(0.5, 3))


def paste(bg, crop, box, size, x, y):
    """Pastes crop scaled to size x size at (x, y) with a feathered oval edge; the face box."""
    face = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if size < 64
                      else cv2.INTER_CUBIC)
    if bg.ndim == 3 and face.ndim == 2:
        face = cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2
    r = np.sqrt(((xx - c) / (0.5 * size)) ** 2 + ((yy - c) / (0.55 * size)) ** 2)
    alpha = np.clip((1.0 - r) / 0.25, 0, 1)[:, :, None]
    region = bg[y:y + size, x:x + size].astype(np.float32)
    bg[y:y + size, x:x + size] = (alpha * face + (1 - alpha) * region).astype(np.uint8)
    s = size / crop.shape[0]
    return (x + box[0] * s, y + box[1] * s, x + box[2] * s, y + box[3] * s)


def add_composites(teacher, out, writer, crops, frames, count, rng):
    located = []
    for path in crops:
        crop = cv2.imread(path, cv2.IMREAD_COLOR)
        if crop is None:
            continue
        box = crop_face_box(teacher, crop)
        if box is not None:
            located.append((crop, box))
    say('composites: the teacher located the face in %d of %d crops' % (len(located), len(crops)))
    for n in range(count):
        # Mostly real scenes under the pasted faces: a synthetic background is easy to tell
        # from a face, a room, a plant or a shelf is what the detector must learn to ignore.
        if frames and rng.random() < 0.75:
            file, shape, faces = frames[rng.integers(0, len(frames))]
            bg = cv2.imread(file)
            truths = [tuple(f[:4]) for f in faces]
        else:
            w = int(rng.integers(240, 641))
            bg = synthetic_background(rng, w, int(w * rng.uniform(0.6, 1.0)))
            truths = []
        h, w = bg.shape[:2]
        for _ in range(int(rng.integers(1, 5))):
            crop, box = located[rng.integers(0, len(located))]
            size = int(np.exp(rng.uniform(np.log(20), np.log(min(h, w) * 0.8))))
            for _try in range(10):
                x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
                square = (x, y, x + size, y + size)
                if all(iou(square, t) == 0 for t in truths):
                    truths.append(paste(bg, crop, box, size, x, y))
                    break
        file = os.path.join(out, 'images', 'composite-%05d.jpg' % n)
        cv2.imwrite(file, bg, [cv2.IMWRITE_JPEG_QUALITY, 92])
        writer.add(file, bg.shape, truths)


def helen_rule_report(teacher, shared, writer):
    """Teacher boxes for helen-dev, and the landmark rule's agreement with them."""
    ious = []
    with open(os.path.join(shared, 'datasets/helen-dev/annotations.csv')) as f:
        for row in csv.DictReader(f):
            name = row['filename']
            paths = glob.glob(os.path.join(shared, 'datasets/helen-dev/faces/*', name))
            if not paths:
                continue
            bgr = cv2.imread(paths[0])
            found = [t for t in teacher.detect(bgr) if t[4] >= SURE]
            writer.add(os.path.abspath(paths[0]), bgr.shape, found)
            p = np.array([float(v) for v in row['points'].split(',')]).reshape(68, 2)
            rule = landmark_box(p)
            if found:
                ious.append(max(iou(rule, t) for t in found))
    return ious


def landmark_box(p):
    """A face box from 68 landmarks, shaped like the teacher's: the jaw's width, from a little
    above the brows to the chin."""
    x1, x2 = p[0:17, 0].min(), p[0:17, 0].max()
    brow, chin = p[17:27, 1].min(), p[0:17, 1].max()
    top = brow - 0.15 * (chin - brow)
    return (x1, top, x2, chin)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--shared', default=os.path.join(here, '../../../shared'))
    ap.add_argument('--out', required=True)
    ap.add_argument('--frames-per-video', type=int, default=200)
    ap.add_argument('--composites', type=int, default=1500)
    ap.add_argument('--smiles', type=int, default=3000, help='SMILEs crops used (of 13,165)')
    ap.add_argument('--clutter', type=int, default=1500,
                    help='photos with animals and things pasted on (negatives.py)')
    ap.add_argument('--animal-photos', type=int, default=0,
                    help='photos cut from gcompris\'s animal photographs (animal_photos.py; '
                    'needs gcompris-qt-data; not in the shipped model\'s data: models/DETECTOR.md)')
    ap.add_argument('--mine-with', metavar='MODEL',
                    help='a detector whose false reports on the training photos become crops')
    ap.add_argument('--mined', type=int, default=1500, help='at most this many mined crops')
    ap.add_argument('--fer-eval', default=os.path.join(here, '../../build/tools/fer-eval/fer-eval'))
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    shared, out = os.path.abspath(args.shared), os.path.abspath(args.out)
    teacher_file = os.path.join(shared, 'teachers/yunet_n_320_320.onnx')
    if not os.path.exists(teacher_file):
        sys.exit('build-detector-data: %s not found: give --shared' % teacher_file)
    if args.clutter and not (os.path.isdir(negatives.STAMPS) and
                             any(os.path.isdir(d) for d in negatives.SCENES)):
        sys.exit('build-detector-data: %s or the wallpapers are missing: install %s '
                 '(tools/setup.sh --train)' % (negatives.STAMPS, negatives.PACKAGES))
    if args.animal_photos and not all(os.path.isfile(b) for b in animal_photos.BUNDLES):
        sys.exit('build-detector-data: --animal-photos: %s are missing: install %s'
                 % (' and '.join(animal_photos.BUNDLES), animal_photos.PACKAGE))
    if args.mine_with and not (os.path.isfile(args.mine_with) and os.access(args.fer_eval, os.X_OK)):
        sys.exit('build-detector-data: --mine-with needs the model %s and fer-eval %s (build first)'
                 % (args.mine_with, args.fer_eval))
    os.makedirs(os.path.join(out, 'images'), exist_ok=True)
    teacher = Teacher(teacher_file)
    rng = np.random.default_rng(args.seed)
    report = []

    train = Writer(out, 'train.csv')
    frames = []
    add_videos(teacher, out, train, sorted(glob.glob(os.path.join(shared, 'media/more/*.mp4'))),
               args.frames_per_video, frames)
    for path, _hand in dlib_boxes(os.path.join(DLIB_FACES, 'training.xml')):
        bgr = cv2.imread(path)
        faces = sure_faces(teacher, bgr)
        if faces is not None:
            train.add(path, bgr.shape, faces)
    crops = sorted(glob.glob(os.path.join(shared, 'datasets/genki4k/train/*/*.jpg')))
    smiles = sorted(glob.glob(os.path.join(shared, 'datasets/smiles/*/*.jpg')))
    random.Random(args.seed).shuffle(smiles)
    add_composites(teacher, out, train, crops + smiles[:args.smiles], frames, args.composites, rng)
    if args.clutter:
        animals, objects = negatives.load_stamps(teacher)
        scenes = negatives.load_scenes(teacher)
        say('clutter: %d animals, %d other things, %d scenes' % (len(animals), len(objects),
                                                                  len(scenes)))
        negatives.add_clutter(out, train, frames, scenes, animals, objects, args.clutter, rng)
    if args.animal_photos:
        photos = animal_photos.load_animal_photos()
        say('animal photos: %d, %d cuts of them' % (len(photos), args.animal_photos))
        animal_photos.add_animal_photos(out, train, photos, args.animal_photos, rng)
    train.save()
    if args.mine_with:
        predictions = os.path.join(out, 'mined-predictions.jsonl')
        negatives.predict(args.fer_eval, args.mine_with, os.path.join(out, 'train.csv'),
                          predictions)
        wrong, made = negatives.mine(out, train, predictions, rng, args.mined)
        report.append('mined with %s: %d false reports (p >= 0.5, 3 per photo at most) on the '
                      'training photos, %d crops' % (os.path.basename(args.mine_with), wrong, made))
    report.append(train.save())

    dev = Writer(out, 'dev-video.csv')
    add_videos(teacher, out, dev, [os.path.join(shared, 'media', v) for v in ('d6.mp4', 's18.mp4')],
               args.frames_per_video)
    report.append(dev.save())
    if args.clutter:
        calibration = Writer(out, 'dev-calibration.csv')
        calibration.rows, calibration.images, calibration.faces = \
            list(dev.rows), dev.images, dev.faces
        negatives.add_clutter(out, calibration, dev.frames(), scenes, animals, objects,
                              dev.images, np.random.default_rng(args.seed + 1000), 'dev-clutter')
        report.append(calibration.save())

    dlib = Writer(out, 'dev-dlib.csv')
    for path, hand in dlib_boxes(os.path.join(DLIB_FACES, 'testing.xml')):
        dlib.add(path, cv2.imread(path).shape, hand)
    report.append(dlib.save())

    helen = Writer(out, 'dev-helen.csv')
    ious = helen_rule_report(teacher, shared, helen)
    report.append(helen.save())
    report.append('helen-dev landmark rule vs teacher boxes: mean IoU %.3f, min %.3f, %d faces'
                  % (np.mean(ious), np.min(ious), len(ious)))

    stills = Writer(out, 'dev-stills.csv')
    for path in sorted(glob.glob(os.path.join(shared, 'media/stills/*.jpg'))):
        bgr = cv2.imread(path)
        stills.add(path, bgr.shape, [t for t in teacher.detect(bgr) if t[4] >= SURE])
    report.append(stills.save())

    animals = Writer(out, 'dev-animals.csv')
    for name in ANIMAL_STILLS:
        path = os.path.join(shared, 'media/stills', name + '.jpg')
        animals.add(path, cv2.imread(path).shape, [])
    report.append(animals.save())

    with open(os.path.join(out, 'REPORT.txt'), 'w') as f:
        f.write('\n'.join(report) + '\n')
    for line in report:
        say(line)


if __name__ == '__main__':
    main()
