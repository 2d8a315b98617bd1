#!/usr/bin/env python3
"""build_expression_data.py: mouth crops of GENKI-4K and SMILEs for the expression model, cut by
our own pipeline and sorted by how open the mouth is.  Rebuilt from ../shared, never committed
(their licences).  Standard library only; runs fer-prep from the build tree.

Both sets are 64x64 FACE crops labelled smile / not smile.  "Not smiling" is not "none": it
includes talking and open mouths.  fer-prep finds each face (our detector, or Haar), places the
68 landmarks, cuts the mouth box as fermouthcrop does, and records each mouth's opening (the
inner-lip gap over the mouth's width, src/face/mouth-geometry.h).  The rule:

    smile folder                          -> smile
    not-smile folder, opening <  CLOSED   -> none       (clearly closed lips)
    not-smile folder, opening >  OPEN     -> openmouth  (clearly parted lips)
    not-smile folder, in between          -> left out   (ambiguous)

Defaults CLOSED 0.05 and OPEN 0.15.  CLOSED from helen-dev's hand-placed points (none: median
0.018, 90th percentile 0.06; helen's "mouth open": median 0.13).  OPEN was measured: with
landmarks placed on 64-px faces, openings of 0.15-0.25 are by eye a mix of parted and some
closed lips, above 0.3 clearly open mouths; yet models trained with OPEN 0.15 beat those with
0.25 on the selection split and on held-out SMILEs (models/MODEL.md), so the noisier but
larger openmouth class wins.  Class folders are named as yousan-mouth's
(0 none, 2 smile, 3 openmouth: no pouting here), so fer-train takes these sets beside it.

Writes, under OUT:
  prep/<set>/             fer-prep's output and report (resumable)
  raw/smiles-{train,test}/  SMILEs split by file name (a fixed fifth held out for testing)
  <set>/train/<class>/, <set>/val/<class>/   the sorted crops (hard links into prep/)
  <set>/{train,val}/landmarks.csv   each crop's 68 face landmarks, for fer-eval
  geometry-fit/             the sets' val parts together, to fit the geometry head on,
                            sorted with one boundary (--fit-open, default CLOSED): below
                            none, above openmouth (models/MODEL.md, "The geometry head")
  REPORT.txt              counts per set and class, and the rule
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import zlib

SMILE, NONE, OPEN = '2', '0', '3'


def say(*args):
    print('build-expression-data:', *args, flush=True)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def smiles_split(shared, out):
    """SMILEs has no split: a file is held out when crc32 of its name is 0 mod 5."""
    # Absolute: a link holding a relative path would resolve from the link's own folder.
    src = os.path.abspath(os.path.join(shared, 'datasets', 'smiles'))
    for part in ('train', 'test'):
        for folder in ('negatives', 'positives'):
            os.makedirs(os.path.join(out, 'raw', 'smiles-' + part, folder), exist_ok=True)
    for folder in ('negatives', 'positives'):
        for name in sorted(os.listdir(os.path.join(src, folder))):
            part = 'test' if zlib.crc32(name.encode()) % 5 == 0 else 'train'
            link = os.path.join(out, 'raw', 'smiles-' + part, folder, name)
            if not os.path.lexists(link):
                os.symlink(os.path.join(src, folder, name), link)


def prep(tool, raw, dest, detector):
    if os.path.exists(os.path.join(dest, '.fer-prep', 'complete')):
        return
    args = [tool, raw, dest, '--val-split', '0.1', '--face-detector', detector]
    if os.path.exists(os.path.join(dest, '.fer-prep', 'journal.jsonl')):
        args.append('--resume')
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    say(' '.join(args))
    if subprocess.run(args).returncode != 0:
        sys.exit(f'build-expression-data: fer-prep failed on {raw} (run again to resume)')


def write_landmarks(part_dir, rows):
    """PART/landmarks.csv: each crop's 68 face landmarks (in its input photo's pixels), read by
    fer-eval to give a model the mouth's geometry (src/expression/mouth-features.h)."""
    tmp = os.path.join(part_dir, 'landmarks.csv.tmp')
    with open(tmp, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['file', 'points'])
        for file, points in sorted(rows):
            w.writerow([file, ', '.join(f'{v:g}' for v in points)])
    os.replace(tmp, os.path.join(part_dir, 'landmarks.csv'))


def sort_crops(dest, out_set, smile_folder, closed, open_, counts):
    report = read_json(os.path.join(dest, 'prep-report.json'))
    landmarks = {'train': [], 'val': []}
    for crop in report['crops']:
        label = rule_label(crop, smile_folder, closed, open_)
        if label is None:
            if crop['opening'] is not None:
                counts['ambiguous'] = counts.get('ambiguous', 0) + 1
            continue
        for part in ('train', 'val'):
            src = os.path.join(dest, part, crop['class'], crop['file'])
            if os.path.exists(src):
                break
        else:
            sys.exit(f'build-expression-data: {crop["file"]} of {dest} is in neither train/ nor val/')
        target_dir = os.path.join(out_set, part, label)
        os.makedirs(target_dir, exist_ok=True)
        target = os.path.join(target_dir, crop['class'] + '-' + crop['file'])
        if not os.path.exists(target):
            os.link(src, target)
        if crop.get('landmarks'):
            landmarks[part].append((label + '/' + os.path.basename(target), crop['landmarks']))
        key = f'{part}/{label}'
        counts[key] = counts.get(key, 0) + 1
    for part, rows in landmarks.items():
        if rows:
            write_landmarks(os.path.join(out_set, part), rows)


def rule_label(crop, smile_folder, closed, open_):
    """The rule above: SMILE, NONE, OPEN, or None for the ambiguous middle (or no opening)."""
    if crop['class'] == smile_folder:
        return SMILE
    opening = crop['opening']
    if opening is None:
        return None
    return NONE if opening < closed else OPEN if opening > open_ else None


def geometry_fit(out, sets, closed, open_):
    """OUT/geometry-fit/: the val parts of the sets together (hard links, one landmarks.csv), on
    which `fer-eval --fit-geometry` fits the model's geometry head: mouths the network was not
    trained on, from several sources.  Sorted by the rule with its own boundaries, and nothing
    left out: not-smiling mouths between closed and open_ go to none+openmouth/ (known only to be
    one of the two); without them the only mouths a head saw at middling openings would be
    smiles.  By default open_ is closed, so that band is empty and the head itself learns where
    parted lips begin (the network's data keeps its ambiguous middle out: it learns from clear
    mouths).  Rebuilt from scratch each run: the boundaries may have changed."""
    dest = os.path.join(out, 'geometry-fit')
    if os.path.isdir(dest):
        shutil.rmtree(dest)   # hard links and a CSV, all derived
    rows = []
    for name, smile_folder in sets:
        val = os.path.join(out, 'prep', name, 'val')
        report = read_json(os.path.join(out, 'prep', name, 'prep-report.json'))
        for crop in report['crops']:
            source = os.path.join(val, crop['class'], crop['file'])
            if not crop.get('landmarks') or crop['opening'] is None or not os.path.exists(source):
                continue   # in train/, or no landmarks
            label = rule_label(crop, smile_folder, closed, open_)
            folder = label if label is not None else NONE + '+' + OPEN
            os.makedirs(os.path.join(dest, folder), exist_ok=True)
            file = name + '-' + crop['class'] + '-' + crop['file']
            target = os.path.join(dest, folder, file)
            if not os.path.exists(target):
                os.link(source, target)
            rows.append((folder + '/' + file, crop['landmarks']))
    if not rows:
        sys.exit(f'build-expression-data: no val crop of {out}/prep has landmarks (made by an older '
                 'fer-prep): delete that folder and run again')
    write_landmarks(dest, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shared', default='../shared')
    parser.add_argument('--out', required=True)
    parser.add_argument('--fer-prep', default='build/tools/fer-prep/fer-prep')
    parser.add_argument('--face-detector', default='cnn', choices=('cnn', 'haar'))
    parser.add_argument('--closed', type=float, default=0.05)
    parser.add_argument('--open', type=float, default=0.15)
    parser.add_argument('--fit-open', type=float, default=None,
                        help='openmouth boundary of the geometry head\'s fit set (default: --closed)')
    a = parser.parse_args()
    if a.fit_open is None:
        a.fit_open = a.closed
    if not 0 < a.closed <= a.open or not a.closed <= a.fit_open:
        sys.exit('build-expression-data: need 0 < --closed <= --open and --closed <= --fit-open')
    genki = os.path.join(a.shared, 'datasets', 'genki4k', 'train')
    if not os.path.isdir(genki):
        sys.exit(f'build-expression-data: {genki} not found: give --shared')
    os.makedirs(a.out, exist_ok=True)
    smiles_split(a.shared, a.out)
    sets = [('genki', genki, '1'),
            ('smiles', os.path.join(a.out, 'raw', 'smiles-train'), 'positives')]
    lines = [f'rule: smile folder -> smile (2); other folder: opening < {a.closed} -> none (0), '
             f'> {a.open} -> openmouth (3), else left out; faces found by {a.face_detector}; '
             f'geometry-fit: not smiling, opening < {a.closed} -> none, > {a.fit_open} -> openmouth']
    for name, raw, smile_folder in sets:
        dest = os.path.join(a.out, 'prep', name)
        prep(a.fer_prep, raw, dest, a.face_detector)
        counts = {}
        sort_crops(dest, os.path.join(a.out, name), smile_folder, a.closed, a.open, counts)
        lines.append(f'{name}: ' + ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    geometry_fit(a.out, [(name, smile_folder) for name, _, smile_folder in sets], a.closed,
                 a.fit_open)
    with open(os.path.join(a.out, 'REPORT.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    say('\n'.join(lines))


if __name__ == '__main__':
    main()
