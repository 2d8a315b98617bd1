/* Box geometry (src/box/), the seed 004 functions as properties over many random cases:
 * IoU, offsets (encode then decode gives the truth back), letterboxing (both mappings invert
 * each other at every aspect ratio, boxes land inside the picture, the seed's examples),
 * non-maximum suppression (no two kept boxes overlap, every dropped box is covered by a better
 * kept one, weighted merging averages its group), anchor grids (count, order, centres, areas)
 * and candidate labelling (thresholds, sampling, reproducibility). */
#include <math.h>
#include <string.h>

#include "base/fer-rng.h"
#include "box/anchors.h"
#include "box/box-offset.h"
#include "box/box.h"
#include "box/candidate-labels.h"
#include "box/letterbox.h"
#include "box/nms.h"

#define CASES 20000

static FerBoxF
random_box (FerRng *rng, double extent)
{
  const double w = fer_rng_uniform_range (rng, 1, extent / 2);
  const double h = fer_rng_uniform_range (rng, 1, extent / 2);
  return (FerBoxF) { fer_rng_uniform_range (rng, -extent / 4, extent), fer_rng_uniform_range (rng,
          -extent / 4, extent), w, h };
}

static void
assert_box_close (FerBoxF got, FerBoxF want, double tolerance)
{
  if (!(fabs (got.x - want.x) <= tolerance && fabs (got.y - want.y) <= tolerance
          && fabs (got.width - want.width) <= tolerance
          && fabs (got.height - want.height) <= tolerance)) {
    g_test_message ("got (%.6f, %.6f, %.6f, %.6f), want (%.6f, %.6f, %.6f, %.6f)", got.x, got.y,
        got.width, got.height, want.x, want.y, want.width, want.height);
    g_test_fail ();
  }
}

static void
test_iou (void)
{
  const FerBoxF a = { 0, 0, 10, 10 }, b = { 5, 0, 10, 10 };
  g_assert_cmpfloat_with_epsilon (fer_boxf_iou (a, b), 50.0 / 150, 1e-12);
  g_assert_cmpfloat (fer_boxf_iou (a, a), ==, 1);
  g_assert_cmpfloat (fer_boxf_iou (a, (FerBoxF) { 10, 0, 5, 5 }), ==, 0);   /* touching */
  g_assert_cmpfloat (fer_boxf_iou (a, (FerBoxF) { 2, 2, 0, 5 }), ==, 0);    /* empty */
  g_assert_cmpfloat (fer_box_iou ((FerBox) { 0, 0, 10, 10 }, (FerBox) { 5, 0, 10, 10 }), ==,
      50.0 / 150);
  FerRng rng;
  fer_rng_init (&rng, 1);
  for (int i = 0; i < CASES; i++) {
    const FerBoxF p = random_box (&rng, 100), q = random_box (&rng, 100);
    const double iou = fer_boxf_iou (p, q);
    g_assert_true (iou >= 0 && iou <= 1);
    g_assert_cmpfloat (iou, ==, fer_boxf_iou (q, p));
  }
  /* Edges rounded: x 1.4..4.6 -> 1..5, y 2.6..5.6 -> 3..6. */
  const FerBox whole = fer_box_from_boxf ((FerBoxF) { 1.4, 2.6, 3.2, 3.0 });
  g_assert_cmpint (whole.x, ==, 1);
  g_assert_cmpint (whole.y, ==, 3);
  g_assert_cmpint (whole.width, ==, 4);
  g_assert_cmpint (whole.height, ==, 3);
}

static void
test_offsets (void)
{
  /* The seed's formulas on one case. */
  float o[4];
  g_assert_true (fer_box_offset_encode ((FerBoxF) { 10, 20, 40, 50 }, (FerBoxF) { 14, 15, 80,
          25 }, o));
  g_assert_cmpfloat_with_epsilon (o[0], 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (o[1], -0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (o[2], log (2), 1e-6);
  g_assert_cmpfloat_with_epsilon (o[3], log (0.5), 1e-6);
  g_assert_false (fer_box_offset_encode ((FerBoxF) { 0, 0, 0, 5 }, (FerBoxF) { 0, 0, 5, 5 }, o));
  g_assert_false (fer_box_offset_encode ((FerBoxF) { 0, 0, 5, 5 }, (FerBoxF) { 0, NAN, 5, 5 },
          o));
  /* Round trips: decode (candidate, encode (candidate, truth)) = truth, to float precision. */
  FerRng rng;
  fer_rng_init (&rng, 2);
  for (int i = 0; i < CASES; i++) {
    const FerBoxF candidate = random_box (&rng, 400), truth = random_box (&rng, 400);
    g_assert_true (fer_box_offset_encode (candidate, truth, o));
    const FerBoxF back = fer_box_offset_decode (candidate, o);
    assert_box_close (back, truth, 1e-4 * (400 + fabs (truth.x) + fabs (truth.y)));
  }
  /* An untrained head's wild output stays finite. */
  const float wild[4] = { 3, -2, 1e6f, -1e6f };
  const FerBoxF moved = fer_box_offset_decode ((FerBoxF) { 0, 0, 10, 10 }, wild);
  g_assert_true (isfinite (moved.width) && isfinite (moved.height) && moved.height > 0);
}

static void
test_letterbox (void)
{
  /* A wide picture into the seed's 128x88 input: padded top and bottom. */
  FerLetterbox l;
  g_assert_true (fer_letterbox_init (&l, 640, 240, 128, 88));
  g_assert_cmpint (l.pad_x, ==, 0);
  g_assert_cmpint (l.padded_height, ==, 440);
  g_assert_cmpint (l.pad_y, ==, 100);
  g_assert_cmpfloat (l.scale_x, ==, 0.2);
  FerBoxF m;
  g_assert_true (fer_letterbox_to_input (&l, (FerBoxF) { 100, 50, 50, 100 }, &m));
  assert_box_close (m, (FerBoxF) { 20, 150 * 0.2, 10, 20 }, 1e-9);
  /* Partly outside: clipped to the picture; wholly outside or on the padding: refused. */
  g_assert_true (fer_letterbox_to_input (&l, (FerBoxF) { -10, -10, 20, 20 }, &m));
  assert_box_close (m, (FerBoxF) { 0, 20, 2, 2 }, 1e-9);
  g_assert_false (fer_letterbox_to_input (&l, (FerBoxF) { 700, 0, 20, 20 }, &m));
  g_assert_false (fer_letterbox_to_source (&l, (FerBoxF) { 10, 2, 10, 10 }, &m));
  g_assert_false (fer_letterbox_init (&l, 0, 10, 128, 88));

  /* Every aspect ratio, odd paddings included: input -> source gives the box back, and the
   * mapped box lies inside the picture's part of the input. */
  FerRng rng;
  fer_rng_init (&rng, 3);
  const int inputs[][2] = { { 128, 88 }, { 320, 240 }, { 256, 256 }, { 88, 128 } };
  for (int i = 0; i < CASES; i++) {
    const int *in = inputs[i % G_N_ELEMENTS (inputs)];
    const int sw = 1 + (int) fer_rng_below (&rng, 4000), sh = 1 + (int) fer_rng_below (&rng, 4000);
    g_assert_true (fer_letterbox_init (&l, sw, sh, in[0], in[1]));
    g_assert_cmpint (l.padded_width, >=, sw);
    g_assert_cmpint (l.padded_height, >=, sh);
    g_assert_true (l.pad_x == 0 || l.pad_y == 0);
    g_assert_cmpint (l.pad_x, <=, l.padded_width - sw - l.pad_x);
    /* The padded canvas has the input's aspect ratio to within a pixel. */
    g_assert_cmpfloat (fabs ((double) l.padded_width * in[1] / in[0] - l.padded_height), <=,
        (double) in[1] / in[0] + 1);
    const double x = fer_rng_uniform_range (&rng, 0, sw), y = fer_rng_uniform_range (&rng, 0, sh);
    const FerBoxF box = { x, y, fer_rng_uniform_range (&rng, 1e-3, sw - x) + 0,
      fer_rng_uniform_range (&rng, 1e-3, sh - y) };
    if (box.x + box.width > sw || box.y + box.height > sh)
      continue;   /* rounding at the edge: not a case of its own */
    FerBoxF there, back;
    g_assert_true (fer_letterbox_to_input (&l, box, &there));
    g_assert_true (there.x >= l.pad_x * l.scale_x - 1e-9 && there.y >= l.pad_y * l.scale_y - 1e-9);
    g_assert_true (there.x + there.width <= (l.pad_x + sw) * l.scale_x + 1e-9);
    g_assert_true (there.y + there.height <= (l.pad_y + sh) * l.scale_y + 1e-9);
    g_assert_true (fer_letterbox_to_source (&l, there, &back));
    assert_box_close (back, box, 1e-9 * (sw + sh));
  }
}

/* NMS of n random detections, and its promises checked. */
static void
check_nms (FerRng *rng, int n, double max_iou)
{
  FerDetection *in = g_new (FerDetection, n + 1), *out = g_new (FerDetection, n + 1);
  for (int i = 0; i < n; i++)
    in[i] = (FerDetection) { random_box (rng, 60), (float) fer_rng_below (rng, 5) / 4 };
  memcpy (out, in, n * sizeof *in);
  const int kept = fer_nms (out, n, max_iou, FER_NMS_KEEP_BEST);
  g_assert_cmpint (kept, >=, n > 0 ? 1 : 0);
  for (int i = 0; i < kept; i++) {
    if (i > 0)
      g_assert_cmpfloat (out[i].score, <=, out[i - 1].score);
    for (int j = 0; j < i; j++)
      g_assert_cmpfloat (fer_boxf_iou (out[i].box, out[j].box), <=, max_iou);
  }
  /* Every input is kept, or overlaps a kept one at least as good by more than max_iou. */
  for (int i = 0; i < n; i++) {
    gboolean covered = FALSE;
    for (int k = 0; k < kept && !covered; k++)
      covered = (out[k].box.x == in[i].box.x && out[k].box.y == in[i].box.y
          && out[k].box.width == in[i].box.width && out[k].score == in[i].score)
          || (out[k].score >= in[i].score && fer_boxf_iou (out[k].box, in[i].box) > max_iou);
    g_assert_true (covered);
  }
  /* Idempotent. */
  FerDetection *again = g_memdup2 (out, (kept + 1) * sizeof *out);
  g_assert_cmpint (fer_nms (again, kept, max_iou, FER_NMS_KEEP_BEST), ==, kept);
  g_free (again);
  /* Weighted merging makes one box of each group: as many as were kept. */
  memcpy (out, in, n * sizeof *in);
  g_assert_cmpint (fer_nms (out, n, max_iou, FER_NMS_WEIGHTED), ==, kept);
  g_free (in);
  g_free (out);
}

static void
test_nms (void)
{
  FerRng rng;
  fer_rng_init (&rng, 4);
  for (int i = 0; i < 2000; i++)
    check_nms (&rng, (int) fer_rng_below (&rng, 30), i % 2 ? 0.3 : 0.5);
  /* Three detections of one face and one of another: two faces, the best of each. */
  FerDetection d[] = {
    { { 10, 10, 40, 40 }, 0.9f }, { { 12, 10, 40, 40 }, 0.95f }, { { 10, 12, 40, 44 }, 0.6f },
    { { 100, 10, 30, 30 }, 0.8f },
  };
  FerDetection w[G_N_ELEMENTS (d)];
  memcpy (w, d, sizeof d);
  g_assert_cmpint (fer_nms (d, 4, 0.5, FER_NMS_KEEP_BEST), ==, 2);
  g_assert_cmpfloat (d[0].score, ==, 0.95f);
  g_assert_cmpfloat (d[0].box.x, ==, 12);
  g_assert_cmpfloat (d[1].box.x, ==, 100);
  g_assert_cmpint (fer_nms (w, 4, 0.5, FER_NMS_WEIGHTED), ==, 2);
  const double sum = 0.95 + 0.9 + 0.6;
  assert_box_close (w[0].box, (FerBoxF) { (0.95 * 12 + 0.9 * 10 + 0.6 * 10) / sum,
        (0.95 * 10 + 0.9 * 10 + 0.6 * 12) / sum, 40,
        (0.95 * 40 + 0.9 * 40 + 0.6 * 44) / sum }, 1e-5);
  g_assert_cmpfloat (w[0].score, ==, 0.95f);
  g_assert_cmpint (fer_nms (w, 0, 0.5, FER_NMS_WEIGHTED), ==, 0);
}

static void
test_anchors (void)
{
  const FerAnchorSpec spec = { 16, 2, { 32, 64 }, 2, { 1, 0.8f } };
  g_assert_cmpint (fer_anchors_per_cell (&spec), ==, 4);
  FerBoxF anchors[5 * 3 * 4];
  g_assert_cmpint (fer_anchor_grid (&spec, 5, 3, anchors), ==, 60);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 5; x++)
      for (int s = 0; s < 2; s++)
        for (int r = 0; r < 2; r++) {
          const FerBoxF a = anchors[((y * 5 + x) * 2 + s) * 2 + r];
          g_assert_cmpfloat_with_epsilon (a.x + a.width / 2, (x + 0.5) * 16, 1e-9);
          g_assert_cmpfloat_with_epsilon (a.y + a.height / 2, (y + 0.5) * 16, 1e-9);
          g_assert_cmpfloat_with_epsilon (a.width * a.height, spec.sizes[s] * spec.sizes[s],
              1e-6);
          g_assert_cmpfloat_with_epsilon (a.width / a.height, spec.ratios[r], 1e-6);
        }
  const FerAnchorSpec bad = { 0, 1, { 32 }, 1, { 1 } }, bad_size = { 8, 1, { -1 }, 1, { 1 } };
  g_assert_cmpint (fer_anchor_grid (&bad, 5, 3, anchors), ==, -1);
  g_assert_cmpint (fer_anchor_grid (&bad_size, 5, 3, anchors), ==, -1);
}

static void
test_candidate_labels (void)
{
  /* Anchors of stride 8 and size 32 over a 128x128 input, two faces. */
  const FerAnchorSpec spec = { 8, 1, { 32 }, 1, { 1 } };
  FerBoxF anchors[16 * 16];
  const int n = fer_anchor_grid (&spec, 16, 16, anchors);
  const FerBoxF truths[] = { { 20, 20, 32, 32 }, { 70, 60, 40, 40 } };
  FerCandidateLabel labels[16 * 16], again[16 * 16];
  int matched[16 * 16], matched_again[16 * 16], negatives;
  FerLabelOptions seed = FER_LABEL_OPTIONS_SEED;
  FerRng rng;
  fer_rng_init (&rng, 5);
  const int positives = fer_label_candidates (anchors, n, truths, 2, &seed, &rng, labels,
      matched, &negatives);
  g_assert_cmpint (positives, >=, 1);
  g_assert_cmpint (positives, <=, 10);
  g_assert_cmpint (negatives, ==, 10 * positives);
  int counted_pos = 0, counted_neg = 0;
  for (int i = 0; i < n; i++) {
    const double iou0 = fer_boxf_iou (anchors[i], truths[0]);
    const double iou1 = fer_boxf_iou (anchors[i], truths[1]);
    if (labels[i] == FER_CANDIDATE_POSITIVE) {
      counted_pos++;
      g_assert_cmpfloat (MAX (iou0, iou1), >, 0.7);
      g_assert_cmpint (matched[i], ==, iou0 >= iou1 ? 0 : 1);
    } else {
      g_assert_cmpint (matched[i], ==, -1);
    }
    if (labels[i] == FER_CANDIDATE_NEGATIVE) {
      counted_neg++;
      g_assert_cmpfloat (MAX (iou0, iou1), <, 0.3);
    }
  }
  g_assert_cmpint (counted_pos, ==, positives);
  g_assert_cmpint (counted_neg, ==, negatives);
  /* The same seed, the same labels. */
  fer_rng_init (&rng, 5);
  fer_label_candidates (anchors, n, truths, 2, &seed, &rng, again, matched_again, NULL);
  g_assert_cmpmem (labels, sizeof labels, again, sizeof again);
  g_assert_cmpmem (matched, sizeof matched, matched_again, sizeof matched_again);

  /* A face no anchor overlaps by 0.7 (between sizes): the seed's rule leaves it without a
   * positive; best_for_each_truth gives it its best anchor. */
  const FerBoxF small[] = { { 50, 50, 14, 14 } };
  FerLabelOptions anchored = seed;
  g_assert_cmpint (fer_label_candidates (anchors, n, small, 1, &seed, &rng, labels, matched,
          &negatives), ==, 0);
  g_assert_cmpint (negatives, ==, 0);
  anchored.best_for_each_truth = TRUE;
  anchored.min_negatives = 20;
  g_assert_cmpint (fer_label_candidates (anchors, n, small, 1, &anchored, &rng, labels, matched,
          &negatives), ==, 1);
  g_assert_cmpint (negatives, ==, 20);
  /* A picture without faces: only negatives, min_negatives of them. */
  g_assert_cmpint (fer_label_candidates (anchors, n, NULL, 0, &anchored, &rng, labels, matched,
          &negatives), ==, 0);
  g_assert_cmpint (negatives, ==, 20);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/box/iou", test_iou);
  g_test_add_func ("/box/offsets", test_offsets);
  g_test_add_func ("/box/letterbox", test_letterbox);
  g_test_add_func ("/box/nms", test_nms);
  g_test_add_func ("/box/anchors", test_anchors);
  g_test_add_func ("/box/candidate-labels", test_candidate_labels);
  return g_test_run ();
}
