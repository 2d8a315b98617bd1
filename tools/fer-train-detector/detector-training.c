#include "detector-training.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "box/box-offset.h"
#include "box/candidate-labels.h"
#include "base/fer-error.h"
#include "nn/big-buffer.h"

/* Negatives kept per patch: the hardest quarter, and at least three per positive.  (Keeping
 * only three per positive, SSD's ratio, stalled here at "p = 0.5 everywhere": with the two
 * means apart, the few hardest negatives, mostly small anchors inside large faces, pull as hard
 * as all positives.  A quarter learns as fast as all of them and ends with fewer false faces.) */
#define HARD_NEGATIVE_SHARE 0.25
#define NEGATIVES_PER_POSITIVE 3

void
fer_detector_trainer_free (FerDetectorTrainer *t)
{
  if (t == NULL)
    return;
  fer_net_free (t->net);
  fer_adam_free (t->adam);
  g_free (t->anchors);
  g_free (t->images);
  g_free (t->logits);
  g_free (t->offsets);
  g_free (t->dlogits);
  g_free (t->doffsets);
  g_free (t->targets);
  g_free (t->scratch);
  g_free (t->neg_loss);
  g_free (t->labels);
  g_free (t->matched);
  g_free (t->order);
  g_free (t->candidate_labels);
  g_free (t);
}

FerDetectorTrainer *
fer_detector_trainer_new (const FerDetectorDesign *design, FerNet *net, FerAdam *adam,
    int patch, int batch, GError **error)
{
  FerDetectorTrainer *t = g_new0 (FerDetectorTrainer, 1);
  t->design = *design;
  t->net = net;
  t->adam = adam;
  t->patch = patch;
  t->batch = batch;
  t->n_anchors = fer_detector_anchors (design, net, NULL);
  if (t->n_anchors <= 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "patch %d: the heads' maps do not fit "
        "(a multiple of 32 is needed)", patch);
    fer_detector_trainer_free (t);
    return NULL;
  }
  t->anchors = g_new (FerBoxF, t->n_anchors);
  fer_detector_anchors (design, net, t->anchors);
  const size_t n = (size_t) batch * t->n_anchors;
  /* (In huge pages where the kernel grants them: big-buffer.h.) */
  t->images = fer_big_buffer_try_new ((size_t) batch * patch * patch * sizeof (float), FALSE);
  if (t->images == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "a batch of %d patches of %d pixels: "
        "out of memory (a smaller --batch-size?)", batch, patch);
    fer_detector_trainer_free (t);
    return NULL;
  }
  t->logits = g_new (float, 2 * n);
  t->offsets = g_new (float, 4 * n);
  t->dlogits = g_new (float, 2 * n);
  t->doffsets = g_new (float, 4 * n);
  t->targets = g_new0 (float, 4 * n);
  t->scratch = g_new (float, 8 * n);
  t->neg_loss = g_new (float, t->n_anchors);
  t->labels = g_new (int, n);
  t->matched = g_new (int, t->n_anchors);
  t->order = g_new (int, t->n_anchors);
  t->candidate_labels = g_new (FerCandidateLabel, t->n_anchors);
  return t;
}

static const float *sort_keys;

static int
by_falling_key (const void *a, const void *b)
{
  const float ka = sort_keys[*(const int *) a], kb = sort_keys[*(const int *) b];
  return (ka < kb) - (ka > kb);
}

/* Labels the anchors of patch b against its truth; keeps the hardest negatives. */
static void
label_patch (FerDetectorTrainer *t, int b, const FerSampleTruth *truth, FerRng *rng)
{
  const FerLabelOptions options = {
    .positive_iou = 0.5, .negative_iou = 0.3, .max_positives = 0,
    .negatives_per_positive = t->n_anchors, .min_negatives = t->n_anchors,
    .best_for_each_truth = TRUE,
  };
  const int n = t->n_anchors;
  int *labels = t->labels + (size_t) b * n;
  float *targets = t->targets + (size_t) b * n * 4;
  const float *logits = t->logits + (size_t) b * n * 2;
  fer_label_candidates (t->anchors, n, truth->faces, truth->n_faces, &options, rng,
      t->candidate_labels, t->matched, NULL);
  int positives = 0, negatives = 0;
  for (int a = 0; a < n; a++) {
    labels[a] = t->candidate_labels[a];
    if (labels[a] == FER_CANDIDATE_NEGATIVE)
      for (int i = 0; i < truth->n_ignored; i++)
        if (fer_boxf_iou (t->anchors[a], truth->ignored[i]) > 0.3) {
          labels[a] = FER_CANDIDATE_IGNORED;
          break;
        }
    if (labels[a] == FER_CANDIDATE_POSITIVE) {
      fer_box_offset_encode (t->anchors[a], truth->faces[t->matched[a]], targets + 4 * a);
      positives++;
    }
    if (labels[a] == FER_CANDIDATE_NEGATIVE) {
      /* CE of "background": softplus (face - background). */
      const float z = logits[2 * a + 1] - logits[2 * a];
      t->neg_loss[a] = z > 0 ? z + log1pf (expf (-z)) : log1pf (expf (z));
      t->order[negatives++] = a;
    }
  }
  const int keep = MAX (NEGATIVES_PER_POSITIVE * positives,
      (int) ceil (HARD_NEGATIVE_SHARE * negatives));
  if (negatives > keep) {
    sort_keys = t->neg_loss;
    qsort (t->order, negatives, sizeof *t->order, by_falling_key);
    for (int i = keep; i < negatives; i++)
      labels[t->order[i]] = FER_CANDIDATE_IGNORED;
  }
}

void
fer_detector_trainer_step (FerDetectorTrainer *t, const FerDetectorPhotos *photos,
    const FerSampleOptions *samples, guint64 seed, gint64 step, double lr,
    FerDetectionLoss *loss)
{
  FerRng rng;
  fer_rng_init (&rng, seed * 0x9E3779B97F4A7C15ull + (guint64) step);
  FerSampleTruth *truths = g_new (FerSampleTruth, t->batch);
  const size_t pixels = (size_t) t->patch * t->patch;
  for (int b = 0; b < t->batch; b++)
    fer_detector_sample (photos, samples, t->patch, &rng, t->images + b * pixels, &truths[b]);
  fer_net_forward (t->net, t->images, t->batch, NULL, 0, TRUE, &rng);
  const size_t n = t->n_anchors;
  for (int b = 0; b < t->batch; b++) {
    fer_detector_gather (&t->design, t->net, b, t->logits + b * n * 2, t->offsets + b * n * 4);
    label_patch (t, b, &truths[b], &rng);
  }
  memset (t->dlogits, 0, 2 * n * t->batch * sizeof *t->dlogits);
  memset (t->doffsets, 0, 4 * n * t->batch * sizeof *t->doffsets);
  fer_detection_loss (loss, t->dlogits, t->doffsets, t->logits, t->offsets, t->labels,
      t->targets, n * t->batch, FER_OFFSET_LOSS_SMOOTH_L1, t->scratch);
  fer_net_zero_grad (t->net);
  fer_net_clear_output_grads (t->net);
  for (int b = 0; b < t->batch; b++)
    fer_detector_scatter_grad (&t->design, t->net, b, t->dlogits + b * n * 2,
        t->doffsets + b * n * 4);
  fer_net_backward (t->net);
  size_t count;
  float *params = fer_net_params (t->net, &count);
  fer_adam_step (t->adam, params, fer_net_grads (t->net, &count), lr);
  g_free (truths);
}
