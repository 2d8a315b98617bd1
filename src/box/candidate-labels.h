/* candidate-labels.h: which candidate boxes a detector learns from, and as what (seed 004's
 * labelling): a candidate overlapping a true box by more than positive_iou is a face (positive,
 * matched to the true box it overlaps most), one overlapping every true box by less than
 * negative_iou is background (negative), the ones between are left out.  Negatives vastly
 * outnumber positives, and the seed keeps about negatives_per_positive of them per positive;
 * here both are sampled uniformly at random (the seed took the first ones selective search
 * gave).  Two options the seed does not have, for anchors: each true box's best candidate made
 * positive whatever its overlap (a face between two anchor sizes is not left without one), and
 * a minimum of negatives, so that pictures without faces still teach what is not one. */
#ifndef FER_CANDIDATE_LABELS_H
#define FER_CANDIDATE_LABELS_H

#include <glib.h>
#include "base/fer-rng.h"
#include "box/box.h"

G_BEGIN_DECLS

typedef enum {
  FER_CANDIDATE_IGNORED = -1,
  FER_CANDIDATE_NEGATIVE = 0,
  FER_CANDIDATE_POSITIVE = 1,
} FerCandidateLabel;

typedef struct {
  double positive_iou;             /* a face above this overlap (the seed: 0.7) */
  double negative_iou;             /* background below it with every face (the seed: 0.3) */
  int max_positives;               /* positives kept, at random; 0: all (the seed: 10) */
  double negatives_per_positive;   /* negatives kept per positive kept (the seed: 10) */
  int min_negatives;               /* negatives kept at least (the seed: 0) */
  gboolean best_for_each_truth;    /* each true box's best candidate is positive (the seed: no) */
} FerLabelOptions;

#define FER_LABEL_OPTIONS_SEED { 0.7, 0.3, 10, 10.0, 0, FALSE }

/* labels[i] for each of the n candidates and, for positives, matched[i] the true box (else -1).
 * Returns the number of positives kept; *n_negatives (may be NULL) gets the negatives kept.
 * The same rng state gives the same labels. */
int fer_label_candidates (const FerBoxF *candidates, int n, const FerBoxF *truths, int n_truths,
    const FerLabelOptions *options, FerRng *rng, FerCandidateLabel *labels, int *matched,
    int *n_negatives);

G_END_DECLS

#endif /* FER_CANDIDATE_LABELS_H */
