#!/usr/bin/env python3
"""How tools/expression-data/build_expression_data.py sorts mouths, on a made-up fer-prep output
(no ../shared needed): the training sets' rule with its undecided middle left out, and the
geometry head's fit set with its own boundary (one by default), rebuilt from scratch each run."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, '..', '..', 'tools', 'expression-data', 'build_expression_data.py')
sys.path.insert(0, os.path.dirname(SCRIPT))
import build_expression_data as bed  # noqa: E402

# (class folder, file, opening, part): GENKI's folders, 1 = smiling, 0 = not.
CROPS = [
    ('1', 'smile-closed.png', 0.02, 'val'),
    ('1', 'smile-open.png', 0.30, 'val'),
    ('0', 'closed.png', 0.02, 'val'),
    ('0', 'parted.png', 0.07, 'val'),
    ('0', 'open.png', 0.25, 'val'),
    ('0', 'no-opening.png', None, 'val'),
    ('0', 'trained-on.png', 0.02, 'train'),
]


def landmarks_of(index):
    return [float(index + k) for k in range(136)]


def make_prep(out):
    """OUT/prep/genki/ as fer-prep leaves it: the crops in train/ or val/ and the report."""
    crops = []
    for index, (folder, name, opening, part) in enumerate(CROPS):
        path = os.path.join(out, 'prep', 'genki', part, folder)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, name), 'wb') as f:
            f.write(name.encode())
        crop = {'class': folder, 'file': name, 'opening': opening}
        if opening is not None:
            crop['landmarks'] = landmarks_of(index)
        crops.append(crop)
    with open(os.path.join(out, 'prep', 'genki', 'prep-report.json'), 'w') as f:
        json.dump({'classes': ['0', '1'], 'rejected': [], 'crops': crops}, f)


def fit_set(out):
    """{folder/file: landmarks} of OUT/geometry-fit, from its folders and its landmarks.csv."""
    dest = os.path.join(out, 'geometry-fit')
    files = sorted(folder + '/' + name for folder in os.listdir(dest)
                   if os.path.isdir(os.path.join(dest, folder))
                   for name in os.listdir(os.path.join(dest, folder)))
    with open(os.path.join(dest, 'landmarks.csv'), newline='') as f:
        rows = {r['file']: [float(v) for v in r['points'].split(',')] for r in csv.DictReader(f)}
    return files, rows


class RuleTest(unittest.TestCase):
    def test_training_rule_leaves_the_middle_out(self):
        def label(folder, opening):
            return bed.rule_label({'class': folder, 'opening': opening}, '1', 0.05, 0.15)
        self.assertEqual(label('1', 0.5), bed.SMILE)
        self.assertEqual(label('1', None), bed.SMILE)
        self.assertEqual(label('0', 0.02), bed.NONE)
        self.assertEqual(label('0', 0.20), bed.OPEN)
        self.assertIsNone(label('0', 0.10))
        self.assertIsNone(label('0', None))


class GeometryFitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name
        make_prep(self.out)

    def tearDown(self):
        self.tmp.cleanup()

    def test_one_boundary_by_default(self):
        bed.geometry_fit(self.out, [('genki', '1')], 0.05, 0.05)
        files, rows = fit_set(self.out)
        self.assertEqual(files, ['0/genki-0-closed.png', '2/genki-1-smile-closed.png',
                                 '2/genki-1-smile-open.png', '3/genki-0-open.png',
                                 '3/genki-0-parted.png'])
        self.assertEqual(sorted(rows), files)
        self.assertEqual(rows['3/genki-0-parted.png'], landmarks_of(3))

    def test_a_middle_band_is_none_or_open_and_a_rerun_starts_afresh(self):
        bed.geometry_fit(self.out, [('genki', '1')], 0.05, 0.05)
        bed.geometry_fit(self.out, [('genki', '1')], 0.05, 0.15)
        files, rows = fit_set(self.out)
        self.assertIn('0+3/genki-0-parted.png', files)
        self.assertNotIn('3/genki-0-parted.png', files)   # the first run's sorting is gone
        self.assertEqual(sorted(rows), files)

    def test_fit_open_below_closed_is_refused(self):
        run = subprocess.run([sys.executable, SCRIPT, '--out', self.out, '--closed', '0.05',
                              '--fit-open', '0.04'], capture_output=True, text=True)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn('--closed <= --fit-open', run.stderr)


if __name__ == '__main__':
    unittest.main()
