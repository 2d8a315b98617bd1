"""animal_photos.py: whole photos of animals, many looking into the camera, as negatives.

The detector's worst false reports are frontal animal heads (dogs, cats, a monkey, alpacas in
media/stills): the tuxpaint stamps it was trained against are drawings and cut-outs, mostly seen
from the side.  Debian's gcompris-qt-data has 24 photographs of animals (a cat, a dog, an owl,
a koala, lemurs, a panda, sheep, a jaguar, ...; its explore_farm_animals and
explore_world_animals activities; public domain or CC0, from Wikimedia Commons, per the
READMEs beside them: 15 and 9), kept inside Qt
resource bundles (.rcc).  read_rcc_images takes the pictures out of a bundle; add_animal_photos
makes training photos of them: a random part of a photo (a quarter of its short side to the
whole, so a head can fill the picture), mirrored or turned a little, with no face.

Nothing here is used to measure: media/stills' animals stay a test set."""

import os
import struct
import zlib

import cv2
import numpy as np

BUNDLES = ('/usr/share/gcompris-qt/rcc/explore_farm_animals.rcc',
           '/usr/share/gcompris-qt/rcc/explore_world_animals.rcc')
PACKAGE = 'gcompris-qt-data'


def read_rcc_images(path):
    """{name: bytes} of the .webp/.jpg/.png files in a Qt resource bundle (Qt's rcc format,
    versions 1-3: a header, a tree of 14 or 22-byte nodes, UTF-16 names, length-prefixed data,
    zlib-compressed when the node's flag 1 is set).  Raises ValueError on anything else."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'qres' or len(data) < 20:
        raise ValueError('%s: not a Qt resource bundle' % path)
    version, tree, blobs, names = struct.unpack('>IIII', data[4:20])
    node_size = 22 if version >= 2 else 14
    found = {}

    def name_at(offset):
        length, = struct.unpack('>H', data[names + offset:names + offset + 2])
        return data[names + offset + 6:names + offset + 6 + 2 * length].decode('utf-16-be')

    def walk(index, depth):
        if depth > 32:
            raise ValueError('%s: resource tree too deep' % path)
        at = tree + index * node_size
        name_offset, flags = struct.unpack('>IH', data[at:at + 6])
        if flags & 2:   # a directory: its children are count nodes from first
            count, first = struct.unpack('>II', data[at + 6:at + 14])
            for child in range(count):
                walk(first + child, depth + 1)
            return
        name = name_at(name_offset)
        if not name.lower().endswith(('.webp', '.jpg', '.jpeg', '.png')):
            return
        offset, = struct.unpack('>I', data[at + 10:at + 14])
        size, = struct.unpack('>I', data[blobs + offset:blobs + offset + 4])
        blob = data[blobs + offset + 4:blobs + offset + 4 + size]
        if flags & 1:
            blob = zlib.decompress(blob[4:])   # after Qt's 4-byte uncompressed size
        elif flags & 4:
            return                             # zstd: not in Debian 12's bundles
        found[name] = blob

    walk(0, 0)
    return found


def load_animal_photos():
    """The animal photos (BGR), or [] when gcompris-qt-data is not installed."""
    photos = []
    for bundle in BUNDLES:
        if not os.path.isfile(bundle):
            continue
        for name, blob in sorted(read_rcc_images(bundle).items()):
            img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
            if img is not None and min(img.shape[:2]) >= 64:
                photos.append(img)
    return photos


def add_animal_photos(out, writer, photos, count, rng, name='animal'):
    """count training photos (images/NAME-*.jpg) cut from photos, no faces."""
    for n in range(count):
        img = photos[rng.integers(0, len(photos))]
        h, w = img.shape[:2]
        side = rng.uniform(0.25, 1.0) * min(h, w)
        cw = int(min(w, side * rng.uniform(1.0, 1.5)))
        ch = int(min(h, side))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        part = np.ascontiguousarray(img[y:y + ch, x:x + cw])
        if rng.random() < 0.5:
            part = np.ascontiguousarray(part[:, ::-1])
        angle = rng.uniform(-20, 20)
        m = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
        part = cv2.warpAffine(part, m, (cw, ch), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)
        s = min(1.0, 480 / max(cw, ch))
        if s < 1:
            part = cv2.resize(part, (max(2, round(cw * s)), max(2, round(ch * s))),
                              interpolation=cv2.INTER_AREA)
        file = os.path.join(out, 'images', '%s-%05d.jpg' % (name, n))
        cv2.imwrite(file, part, [cv2.IMWRITE_JPEG_QUALITY, 92])
        writer.add(file, part.shape, [])
