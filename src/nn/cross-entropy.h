/* cross-entropy.h: softmax and the cross-entropy loss of nn.CrossEntropyLoss (mean over the
 * batch, optional label smoothing), computed through log-sum-exp so large logits cannot
 * overflow. */
#ifndef FER_CROSS_ENTROPY_H
#define FER_CROSS_ENTROPY_H

#include "nn/fer-real.h"

/* The index of the largest of row[0..n): the predicted class (the first, on ties). */
int FER_FN (fer_argmax) (const fer_real *row, int n);

/* probs[N][K] = softmax (logits[N][K]) row by row. */
void FER_FN (fer_softmax) (fer_real *probs, const fer_real *logits, int batch, int classes);

/* Returns the mean loss and leaves softmax (logits) in probs for the backward pass.
 * With smoothing e the target of each row is (1 - e) one-hot (label) + e / K.
 * Returns NAN when a label is outside [0, classes). */
double FER_FN (fer_cross_entropy_forward) (fer_real *probs, const fer_real *logits,
    const int *labels, int batch, int classes, double label_smoothing);

/* dlogits += (probs - target) / N: the gradient of the mean loss. */
void FER_FN (fer_cross_entropy_backward) (fer_real *dlogits, const fer_real *probs,
    const int *labels, int batch, int classes, double label_smoothing);

#endif /* FER_CROSS_ENTROPY_H */
