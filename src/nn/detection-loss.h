/* detection-loss.h: seed 004's multi-task loss over a batch of candidate boxes:
 *
 *   CE (positives) + CE (negatives) + offset loss (positives)
 *
 * each a mean over its own candidates (nn.CrossEntropyLoss and nn.MSELoss on the selected rows,
 * as the seed's loss_function).  The two classification terms are apart on purpose: negatives
 * outnumber positives about ten to one, and one mean over all of them would teach the network
 * to answer "background" everywhere (the seed's note).  Offsets are learned from positives only:
 * a background box has no true box to move to.  Where the seed's PyTorch code would give NaN (a
 * batch without positives, or without negatives: the mean of nothing), the term is 0 here. */
#ifndef FER_DETECTION_LOSS_H
#define FER_DETECTION_LOSS_H

#include <glib.h>
#include "nn/fer-real.h"

typedef enum {
  FER_OFFSET_LOSS_MSE,         /* the seed's */
  FER_OFFSET_LOSS_SMOOTH_L1,
} FerOffsetLoss;

typedef struct {
  double positive_ce, negative_ce, offset;   /* the three terms */
  double total;
  int positives, negatives;
} FerDetectionLoss;

/* logits[n][2] (background, face), offsets[n][4] and their targets for n candidates labelled
 * 1 (face), 0 (background) or -1 (left out).  Fills loss; when dlogits and doffsets are not
 * NULL, adds the gradient of loss->total to them.  scratch holds 4 * n * 2 reals.  FALSE when a
 * label is not -1, 0 or 1. */
gboolean FER_FN (fer_detection_loss) (FerDetectionLoss *loss, fer_real *dlogits,
    fer_real *doffsets, const fer_real *logits, const fer_real *offsets, const int *labels,
    const fer_real *target_offsets, int n, FerOffsetLoss offset_loss, fer_real *scratch);

#endif /* FER_DETECTION_LOSS_H */
