#include "detect/face-detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/fer-error.h"
#include "box/box-offset.h"
#include "box/letterbox.h"
#include "io/net-file.h"

/* The network at one run size, with its anchors and buffers. */
typedef struct {
  FerNet *net;
  int width, height;          /* its input: the box cut to a frame's shape */
  int n_anchors;
  FerBoxF *anchors;
  float *input, *logits, *offsets;
  FerDetection *candidates;
  guint64 last_used;
} RunSize;

/* Run sizes kept at once: a followed face near a frame's edge has its second-look windows cut
 * to two or three shapes in turn, and building the network again for each (its buffers, a copy
 * of its weights: ~1 ms) cost more than the look itself. */
#define RUN_SIZES 4

struct _FerFaceDetector {
  FerDetectorDesign design;
  FerNet *weights;            /* the network at the box size: what each run size copies */
  int box_width, box_height;  /* the input size frames are fitted into */
  RunSize runs[RUN_SIZES];
  RunSize *run;               /* the one of the last detect */
  guint64 uses;
  double landmark_fit[3];     /* dx, dy, scale: fer_face_detector_landmark_box */
  uint8_t *scratch;
  size_t scratch_size;
};

static void
run_size_clear (RunSize *r)
{
  g_clear_pointer (&r->net, fer_net_free);
  g_clear_pointer (&r->anchors, g_free);
  g_clear_pointer (&r->input, g_free);
  g_clear_pointer (&r->logits, g_free);
  g_clear_pointer (&r->offsets, g_free);
  g_clear_pointer (&r->candidates, g_free);
}

void
fer_face_detector_free (FerFaceDetector *d)
{
  if (d == NULL)
    return;
  fer_net_free (d->weights);
  for (int i = 0; i < RUN_SIZES; i++)
    run_size_clear (&d->runs[i]);
  g_free (d->scratch);
  g_free (d);
}

/* Makes d->run the network, anchors and buffers for width x height inputs: one kept from an
 * earlier frame of that shape, else built in place of the one least recently used. */
static gboolean
run_size (FerFaceDetector *d, int width, int height, GError **error)
{
  d->uses++;
  RunSize *r = &d->runs[0];
  for (int i = 0; i < RUN_SIZES; i++) {
    if (d->runs[i].net && d->runs[i].width == width && d->runs[i].height == height) {
      d->run = &d->runs[i];
      d->run->last_used = d->uses;
      return TRUE;
    }
    if (d->runs[i].last_used < r->last_used)
      r = &d->runs[i];
  }
  run_size_clear (r);
  d->run = NULL;
  if ((r->net = fer_detector_net_resized (d->weights, width, height, 1, error)) == NULL)
    return FALSE;
  r->n_anchors = fer_detector_anchors (&d->design, r->net, NULL);
  if (r->n_anchors <= 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "the heads' maps are not the input at their "
        "strides (%dx%d input)", width, height);
    run_size_clear (r);
    return FALSE;
  }
  r->width = width;
  r->height = height;
  r->anchors = g_new (FerBoxF, r->n_anchors);
  fer_detector_anchors (&d->design, r->net, r->anchors);
  r->input = g_new (float, (size_t) width * height);
  r->logits = g_new (float, 2 * (size_t) r->n_anchors);
  r->offsets = g_new (float, 4 * (size_t) r->n_anchors);
  r->candidates = g_new (FerDetection, r->n_anchors);
  r->last_used = d->uses;
  d->run = r;
  return TRUE;
}

FerFaceDetector *
fer_face_detector_new (const FerDetectorDesign *design, FerNet *net, int width, int height,
    GError **error)
{
  int c, h, w;
  fer_net_input_shape (net, &c, &h, &w);
  if (c != 1) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "the network takes %d channels; a face "
        "detector takes one (luma)", c);
    return NULL;
  }
  FerFaceDetector *d = g_new0 (FerFaceDetector, 1);
  d->design = *design;
  d->landmark_fit[2] = 1;
  d->box_width = width > 0 ? width : w;
  d->box_height = height > 0 ? height : h;
  if ((d->weights = fer_detector_net_resized (net, d->box_width, d->box_height, 1, error)) == NULL
      || !run_size (d, d->box_width, d->box_height, error))
    goto failed;
  return d;

failed:
  fer_face_detector_free (d);
  return NULL;
}

static gboolean
input_size_ok (int width, int height)
{
  if (width <= 0 && height <= 0)
    return TRUE;
  return width % 16 == 0 && height % 16 == 0 && width >= 64 && height >= 64 && width <= 2048
      && height <= 2048;
}

FerFaceDetector *
fer_face_detector_load (const char *path, int input_width, int input_height, GError **error)
{
  if (!input_size_ok (input_width, input_height)) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "detector input %dx%d: width and height "
        "must both be multiples of 16 from 64 to 2048", input_width, input_height);
    return NULL;
  }
  GHashTable *extra = NULL;
  FerNet *net = fer_net_load (path, 1, 0, &extra, error);
  if (net == NULL)
    return NULL;
  FerFaceDetector *d = NULL;
  FerDetectorDesign *design = g_new0 (FerDetectorDesign, 1);
  int n_layers;
  const FerLayerSpec *layers = fer_net_layers (net, &n_layers);
  GError *inner = NULL;
  if (n_layers > FER_DETECTOR_MAX_LAYERS) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %d layers; a detector has at most %d",
        path, n_layers, FER_DETECTOR_MAX_LAYERS);
    goto out;
  }
  design->n_layers = n_layers;
  memcpy (design->layers, layers, n_layers * sizeof *layers);
  if (!fer_detector_heads_from_json (design, g_hash_table_lookup (extra, "detector"), &inner)
      || (d = fer_face_detector_new (design, net, input_width, input_height, &inner)) == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %s%s", path, inner->message,
        g_hash_table_contains (extra, "detector") ? "" : " (not a face detector model?)");
    g_error_free (inner);
    goto out;
  }
  const char *fit = g_hash_table_lookup (extra, "landmark_box");
  if (fit && !fer_landmark_fit_parse (fit, d->landmark_fit)) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata 'landmark_box' must be "
        "[dx, dy, scale] with |dx|, |dy| <= 1 and scale in [0.25, 4]", path);
    fer_face_detector_free (d);
    d = NULL;
  }

out:
  fer_net_free (net);
  g_free (design);
  g_hash_table_unref (extra);
  return d;
}

gboolean
fer_landmark_fit_parse (const char *text, double fit[3])
{
  char *end;
  const char *p = text;
  while (*p == ' ')
    p++;
  if (*p++ != '[')
    return FALSE;
  for (int i = 0; i < 3; i++) {
    fit[i] = g_ascii_strtod (p, &end);
    if (end == p || !isfinite (fit[i]))
      return FALSE;
    p = end;
    while (*p == ' ')
      p++;
    if (*p++ != (i < 2 ? ',' : ']'))
      return FALSE;
  }
  while (*p == ' ')
    p++;
  return *p == '\0' && fabs (fit[0]) <= 1 && fabs (fit[1]) <= 1 && fit[2] >= 0.25
      && fit[2] <= 4;
}

FerBoxF
fer_face_detector_landmark_box (const FerFaceDetector *d, FerBoxF b)
{
  const double cx = b.x + b.width / 2 + d->landmark_fit[0] * b.width;
  const double cy = b.y + b.height / 2 + d->landmark_fit[1] * b.height;
  const double side = d->landmark_fit[2] * sqrt (b.width * b.height);
  return (FerBoxF) { cx - side / 2, cy - side / 2, side, side };
}

void
fer_face_detector_get_landmark_fit (const FerFaceDetector *d, double fit[3])
{
  for (int i = 0; i < 3; i++)
    fit[i] = d->landmark_fit[i];
}

void
fer_face_detector_input_size (const FerFaceDetector *d, int *width, int *height)
{
  *width = d->box_width;
  *height = d->box_height;
}

double
fer_face_detector_default_threshold (const FerFaceDetector *d)
{
  return d->design.score_threshold;
}

void
fer_face_detector_letterbox_input (const uint8_t *grey, int width, int height, int stride,
    int input_width, int input_height, float *input, uint8_t **scratch, size_t *scratch_size)
{
  FerLetterbox lb;
  fer_letterbox_init (&lb, width, height, input_width, input_height);
  /* Block means by the whole part of the shrink factor: what is left is at most a 2x shrink,
   * which bilinear sampling takes without aliasing much. */
  const double shrink = 1.0 / MIN (lb.scale_x, lb.scale_y);
  const int k = MAX (1, (int) floor (shrink));
  const int bw = width / k, bh = height / k;
  /* The scratch, kept from frame to frame (nothing allocated per frame once it has grown):
   * where each input column samples (left source column, right one, weight; left = -1: in the
   * padding), then, when shrinking by blocks, the column sums and the block means. */
  const size_t columns_at = (size_t) input_width * (2 * sizeof (int32_t) + sizeof (float));
  const size_t means_at = columns_at + (k > 1 ? (size_t) bw * k * sizeof (uint32_t) : 0);
  const size_t needed = means_at + (k > 1 ? (size_t) bw * bh : 0);
  if (*scratch_size < needed) {
    g_free (*scratch);
    *scratch = g_malloc (needed);
    *scratch_size = needed;
  }
  int32_t *left = (int32_t *) *scratch, *right = left + input_width;   /* g_malloc's alignment */
  float *weight = (float *) (right + input_width);
  const uint8_t *src = grey;
  int src_stride = stride;
  if (k > 1) {
    uint32_t *columns = (uint32_t *) (*scratch + columns_at);
    uint8_t *means = *scratch + means_at;
    const size_t columns_bytes = (size_t) bw * k * sizeof (uint32_t);
    /* The block mean rounded, (sum + k^2 / 2) / k^2, without a division instruction per block
     * (~30 cycles; a quarter of this function's time): Lemire's exact 32-bit quotient,
     * high 64 bits of sum * (2^64 / k^2 rounded up). */
    const uint32_t area = (uint32_t) (k * k);
    const uint64_t reciprocal = UINT64_MAX / area + 1;
    /* Column sums of k rows first (a loop the compiler vectorises), then k of them per block:
     * a frame is read once, not once per block row and column. */
    for (int y = 0; y < bh; y++) {
      memset (columns, 0, columns_bytes);
      for (int j = 0; j < k; j++) {
        const uint8_t *row = grey + (size_t) (y * k + j) * stride;
        for (int x = 0; x < bw * k; x++)
          columns[x] += row[x];
      }
      for (int x = 0; x < bw; x++) {
        uint32_t sum = 0;
        for (int i = 0; i < k; i++)
          sum += columns[x * k + i];
        means[(size_t) y * bw + x] =
            (uint8_t) (((unsigned __int128) reciprocal * (sum + area / 2)) >> 64);
      }
    }
    src = means;
    src_stride = bw;
  }
  /* Input pixel centre -> canvas -> source pixel centre, in block units: the columns' positions
   * once (the same for every row), then the rows. */
  const int sw = k > 1 ? bw : width, sh = k > 1 ? bh : height;
  for (int x = 0; x < input_width; x++) {
    const double fx = ((x + 0.5) / lb.scale_x - lb.pad_x) / k - 0.5;
    if (fx < -0.5 || fx > sw - 0.5) {
      left[x] = -1;
      continue;
    }
    const double cx = CLAMP (fx, 0, sw - 1);
    left[x] = MIN ((int) cx, sw - 1);
    right[x] = MIN (left[x] + 1, sw - 1);
    weight[x] = cx - left[x];
  }
  for (int y = 0; y < input_height; y++) {
    const double fy = ((y + 0.5) / lb.scale_y - lb.pad_y) / k - 0.5;
    float *out = input + (size_t) y * input_width;
    if (fy < -0.5 || fy > sh - 0.5) {
      memset (out, 0, input_width * sizeof *out);
      continue;
    }
    const double cy = CLAMP (fy, 0, sh - 1);
    const int y0 = MIN ((int) cy, sh - 1), y1 = MIN (y0 + 1, sh - 1);
    const float wy = cy - y0;
    const uint8_t *r0 = src + (size_t) y0 * src_stride, *r1 = src + (size_t) y1 * src_stride;
    for (int x = 0; x < input_width; x++) {
      if (left[x] < 0) {
        out[x] = 0;
        continue;
      }
      const int x0 = left[x], x1 = right[x];
      const float wx = weight[x];
      const float top = r0[x0] + wx * (r0[x1] - r0[x0]);
      const float bottom = r1[x0] + wx * (r1[x1] - r1[x0]);
      out[x] = fer_face_detector_normalise (top + wy * (bottom - top));
    }
  }
}

#define MAX_CANDIDATES 512

/* A detection mostly inside a larger one that scores about as well is a part of that face (an
 * eye, a mouth: the small anchors' view is too narrow to tell a small face from a part of a
 * large one), which merging by IoU cannot catch (their IoU is small).  It is dropped when
 * CONTAINED_SHARE of it lies inside the other and it scores at most CONTAINED_MARGIN above it:
 * a real small face inside a weak false box keeps its place. */
#define CONTAINED_SHARE 0.6
#define CONTAINED_MARGIN 0.05

static int
drop_contained (FerDetection *d, int n)
{
  gboolean dropped[MAX_CANDIDATES] = { FALSE };
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      const FerBoxF a = d[i].box, b = d[j].box;   /* is b inside a? */
      if (i == j || dropped[i] || b.width * b.height >= a.width * a.height
          || d[j].score > d[i].score + CONTAINED_MARGIN)
        continue;
      const double w = MIN (a.x + a.width, b.x + b.width) - MAX (a.x, b.x);
      const double h = MIN (a.y + a.height, b.y + b.height) - MAX (a.y, b.y);
      if (w > 0 && h > 0 && w * h >= CONTAINED_SHARE * b.width * b.height)
        dropped[j] = TRUE;
    }
  int kept = 0;
  for (int i = 0; i < n; i++)
    if (!dropped[i])
      d[kept++] = d[i];
  return kept;
}

static int
by_falling_score (const void *a, const void *b)
{
  const float sa = ((const FerDetection *) a)->score, sb = ((const FerDetection *) b)->score;
  return (sa < sb) - (sa > sb);
}

int
fer_face_detector_detect (FerFaceDetector *d, const uint8_t *grey, int width, int height,
    int stride, double threshold, FerDetection *faces, int max)
{
  if (grey == NULL || width < 1 || height < 1 || stride < width || max < 0 || !(threshold >= 0)
      || threshold > 1)
    return -1;
  /* The box cut to the frame's shape (multiples of 16, at least 64): a square frame runs at
   * 240x240, not on a 320x240 input a quarter of which is padding. */
  const double scale = MIN ((double) d->box_width / width, (double) d->box_height / height);
  const int run_width = CLAMP (16 * (int) ceil (width * scale / 16 - 1e-9), 64, d->box_width);
  const int run_height = CLAMP (16 * (int) ceil (height * scale / 16 - 1e-9), 64,
      d->box_height);
  if (!run_size (d, run_width, run_height, NULL))
    return -1;
  RunSize *r = d->run;
  fer_face_detector_letterbox_input (grey, width, height, stride, r->width, r->height, r->input,
      &d->scratch, &d->scratch_size);
  if (!fer_net_forward (r->net, r->input, 1, NULL, 0, FALSE, NULL))
    return -1;
  fer_detector_gather (&d->design, r->net, 0, r->logits, r->offsets);
  /* p (face) = softmax: 1 / (1 + exp (background - face)); compared as a logit difference. */
  const double margin = threshold <= 0 ? -INFINITY : threshold >= 1 ? INFINITY
      : log (threshold / (1 - threshold));
  int n = 0;
  for (int a = 0; a < r->n_anchors; a++) {
    const float diff = r->logits[2 * a + 1] - r->logits[2 * a];
    if (!(diff > margin))
      continue;
    r->candidates[n].box = fer_box_offset_decode (r->anchors[a], r->offsets + 4 * a);
    r->candidates[n].score = 1.0 / (1.0 + exp (-diff));
    n++;
  }
  /* A frame full of face-like texture must not make the merging quadratic in the anchors:
   * only the best MAX_CANDIDATES go on (more than any frame has faces by far). */
  if (n > MAX_CANDIDATES) {
    qsort (r->candidates, n, sizeof *r->candidates, by_falling_score);
    n = MAX_CANDIDATES;
  }
  n = fer_nms (r->candidates, n, d->design.nms_iou, FER_NMS_WEIGHTED);
  n = drop_contained (r->candidates, n);
  FerLetterbox lb;
  fer_letterbox_init (&lb, width, height, r->width, r->height);
  int kept = 0;
  for (int i = 0; i < n && kept < max; i++) {
    FerBoxF box;
    if (!fer_letterbox_to_source (&lb, r->candidates[i].box, &box))
      continue;
    faces[kept].box = box;
    faces[kept].score = r->candidates[i].score;
    kept++;
  }
  return kept;
}
