#include "detect/detection-eval.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  float score;
  int matched;
} Scored;

void
fer_detection_eval_init (FerDetectionEval *e, double min_iou)
{
  memset (e, 0, sizeof *e);
  e->min_iou = min_iou;
  e->scored = g_array_new (FALSE, FALSE, sizeof (Scored));
}

void
fer_detection_eval_clear (FerDetectionEval *e)
{
  if (e->scored)
    g_array_unref (e->scored);
  e->scored = NULL;
}

static int
by_falling_score (const void *a, const void *b)
{
  const float sa = ((const FerDetection *) a)->score, sb = ((const FerDetection *) b)->score;
  return (sa < sb) - (sa > sb);
}

int
fer_detection_eval_add (FerDetectionEval *e, const FerDetection *detections, int n,
    const FerBoxF *truths, int n_truths)
{
  FerDetection *sorted = g_memdup2 (detections, n * sizeof *detections);
  if (n > 1)   /* (qsort of NULL is undefined even for no element) */
    qsort (sorted, n, sizeof *sorted, by_falling_score);
  gboolean *taken = g_new0 (gboolean, MAX (n_truths, 1));
  int matched = 0;
  for (int i = 0; i < n; i++) {
    int best = -1;
    double best_iou = e->min_iou;
    for (int t = 0; t < n_truths; t++) {
      const double iou = fer_boxf_iou (sorted[i].box, truths[t]);
      if (!taken[t] && iou >= best_iou) {
        best = t;
        best_iou = iou;
      }
    }
    Scored s = { sorted[i].score, best >= 0 };
    g_array_append_val (e->scored, s);
    if (best >= 0) {
      taken[best] = TRUE;
      matched++;
      e->iou_sum += best_iou;
    }
  }
  e->photos++;
  e->truths += n_truths;
  e->detections += n;
  e->matched += matched;
  if (matched < n)
    e->photos_with_false++;
  g_free (taken);
  g_free (sorted);
  return matched;
}

double
fer_detection_eval_recall (const FerDetectionEval *e)
{
  return e->truths ? (double) e->matched / e->truths : 0;
}

double
fer_detection_eval_precision (const FerDetectionEval *e)
{
  return e->detections ? (double) e->matched / e->detections : 1;
}

double
fer_detection_eval_mean_iou (const FerDetectionEval *e)
{
  return e->matched ? e->iou_sum / e->matched : 0;
}

static int
scored_by_falling_score (const void *a, const void *b)
{
  const float sa = ((const Scored *) a)->score, sb = ((const Scored *) b)->score;
  return (sa < sb) - (sa > sb);
}

double
fer_detection_eval_average_precision (const FerDetectionEval *e)
{
  if (e->truths == 0)
    return 0;
  const guint n = e->scored->len;
  Scored *s = g_memdup2 (e->scored->data, n * sizeof *s);
  if (n > 1)
    qsort (s, n, sizeof *s, scored_by_falling_score);
  double *precision = g_new (double, n + 1), *recall = g_new (double, n + 1);
  int tp = 0;
  for (guint i = 0; i < n; i++) {
    tp += s[i].matched;
    precision[i] = (double) tp / (i + 1);
    recall[i] = (double) tp / e->truths;
  }
  /* Precision made non-increasing from the right, then summed over the recall steps. */
  for (int i = (int) n - 2; i >= 0; i--)
    precision[i] = MAX (precision[i], precision[i + 1]);
  double ap = 0, last_recall = 0;
  for (guint i = 0; i < n; i++) {
    ap += (recall[i] - last_recall) * precision[i];
    last_recall = recall[i];
  }
  g_free (precision);
  g_free (recall);
  g_free (s);
  return ap;
}

double
fer_detection_eval_threshold_for_precision (const FerDetectionEval *all, double target,
    double *recall)
{
  const guint n = all->scored->len;
  Scored *s = g_memdup2 (all->scored->data, n * sizeof *s);
  if (n > 1)
    qsort (s, n, sizeof *s, scored_by_falling_score);
  double best = 1;
  int tp = 0;
  *recall = 0;
  for (guint i = 0; i < n; i++) {
    tp += s[i].matched;
    /* Only where the next detection scores lower: a threshold keeps all of a tie or none. */
    if ((i + 1 == n || s[i + 1].score < s[i].score) && (double) tp / (i + 1) >= target) {
      best = s[i].score;
      *recall = all->truths ? (double) tp / all->truths : 0;
    }
  }
  g_free (s);
  return best;
}
