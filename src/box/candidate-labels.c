#include "box/candidate-labels.h"

#include <math.h>

/* Keeps `keep` of the candidates labelled `label` (chosen at random), the others ignored;
 * returns how many were kept. */
static int
sample (FerCandidateLabel *labels, int *matched, int n, FerCandidateLabel label, int keep,
    FerRng *rng)
{
  int *chosen = g_new (int, MAX (n, 1));
  int count = 0;
  for (int i = 0; i < n; i++)
    if (labels[i] == label)
      chosen[count++] = i;
  if (count > keep) {
    fer_rng_shuffle (rng, chosen, count, sizeof *chosen);
    for (int k = keep; k < count; k++) {
      labels[chosen[k]] = FER_CANDIDATE_IGNORED;
      matched[chosen[k]] = -1;
    }
    count = keep;
  }
  g_free (chosen);
  return count;
}

int
fer_label_candidates (const FerBoxF *candidates, int n, const FerBoxF *truths, int n_truths,
    const FerLabelOptions *o, FerRng *rng, FerCandidateLabel *labels, int *matched,
    int *n_negatives)
{
  for (int i = 0; i < n; i++) {
    double best = 0;
    matched[i] = -1;
    for (int t = 0; t < n_truths; t++) {
      const double iou = fer_boxf_iou (candidates[i], truths[t]);
      if (iou > best) {
        best = iou;
        matched[i] = t;
      }
    }
    labels[i] = best > o->positive_iou ? FER_CANDIDATE_POSITIVE
        : best < o->negative_iou ? FER_CANDIDATE_NEGATIVE : FER_CANDIDATE_IGNORED;
    if (labels[i] != FER_CANDIDATE_POSITIVE)
      matched[i] = -1;
  }
  if (o->best_for_each_truth)
    for (int t = 0; t < n_truths; t++) {
      int best_i = -1;
      double best = 0;
      for (int i = 0; i < n; i++) {
        const double iou = fer_boxf_iou (candidates[i], truths[t]);
        if (iou > best) {
          best = iou;
          best_i = i;
        }
      }
      if (best_i >= 0 && labels[best_i] != FER_CANDIDATE_POSITIVE) {
        labels[best_i] = FER_CANDIDATE_POSITIVE;
        matched[best_i] = t;
      }
    }
  const int positives = sample (labels, matched, n, FER_CANDIDATE_POSITIVE,
      o->max_positives > 0 ? o->max_positives : n, rng);
  const int wanted = MAX (o->min_negatives, (int) ceil (o->negatives_per_positive * positives));
  const int negatives = sample (labels, matched, n, FER_CANDIDATE_NEGATIVE, wanted, rng);
  if (n_negatives)
    *n_negatives = negatives;
  return positives;
}
