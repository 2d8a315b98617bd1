#include "nn/detection-loss.h"

#include <string.h>

#include "nn/cross-entropy.h"
#include "nn/regression-loss.h"

/* Cross-entropy over the rows of logits labelled `label` (gathered into scratch), its gradient
 * scattered back into dlogits.  Returns the mean loss (0 for no rows) and the row count. */
static double
class_term (fer_real *dlogits, const fer_real *logits, const int *labels, int n, int label,
    fer_real *scratch, int *rows)
{
  fer_real *picked = scratch, *probs = scratch + 2 * n, *dpicked = scratch + 4 * n;
  int *targets = g_new (int, MAX (n, 1));
  int m = 0;
  for (int i = 0; i < n; i++)
    if (labels[i] == label) {
      memcpy (picked + 2 * m, logits + 2 * i, 2 * sizeof *picked);
      targets[m++] = label;
    }
  *rows = m;
  if (m == 0) {
    g_free (targets);
    return 0;
  }
  const double loss = FER_FN (fer_cross_entropy_forward) (probs, picked, targets, m, 2, 0);
  if (dlogits) {
    memset (dpicked, 0, 2 * m * sizeof *dpicked);
    FER_FN (fer_cross_entropy_backward) (dpicked, probs, targets, m, 2, 0);
    for (int i = 0, k = 0; i < n; i++)
      if (labels[i] == label) {
        dlogits[2 * i] += dpicked[2 * k];
        dlogits[2 * i + 1] += dpicked[2 * k + 1];
        k++;
      }
  }
  g_free (targets);
  return loss;
}

gboolean
FER_FN (fer_detection_loss) (FerDetectionLoss *loss, fer_real *dlogits, fer_real *doffsets,
    const fer_real *logits, const fer_real *offsets, const int *labels,
    const fer_real *target_offsets, int n, FerOffsetLoss offset_loss, fer_real *scratch)
{
  for (int i = 0; i < n; i++)
    if (labels[i] < -1 || labels[i] > 1)
      return FALSE;
  *loss = (FerDetectionLoss) { 0 };
  loss->positive_ce = class_term (dlogits, logits, labels, n, 1, scratch, &loss->positives);
  loss->negative_ce = class_term (dlogits, logits, labels, n, 0, scratch, &loss->negatives);

  /* The positives' offsets, gathered: 4 values each. */
  fer_real *x = scratch, *target = scratch + 4 * n;
  int m = 0;
  for (int i = 0; i < n; i++)
    if (labels[i] == 1) {
      memcpy (x + 4 * m, offsets + 4 * i, 4 * sizeof *x);
      memcpy (target + 4 * m, target_offsets + 4 * i, 4 * sizeof *x);
      m++;
    }
  const size_t values = (size_t) 4 * m;
  loss->offset = offset_loss == FER_OFFSET_LOSS_MSE ? FER_FN (fer_mse_forward) (x, target, values)
      : FER_FN (fer_smooth_l1_forward) (x, target, values);
  loss->total = loss->positive_ce + loss->negative_ce + loss->offset;
  if (doffsets && m > 0) {
    /* The gradient of the gathered values, then scattered back to their candidates. */
    fer_real *dx = g_new0 (fer_real, values);
    if (offset_loss == FER_OFFSET_LOSS_MSE)
      FER_FN (fer_mse_backward) (dx, x, target, values, 1);
    else
      FER_FN (fer_smooth_l1_backward) (dx, x, target, values, 1);
    for (int i = 0, k = 0; i < n; i++)
      if (labels[i] == 1) {
        for (int j = 0; j < 4; j++)
          doffsets[4 * i + j] += dx[4 * k + j];
        k++;
      }
    g_free (dx);
  }
  return TRUE;
}
