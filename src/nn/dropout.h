/* dropout.h: nn.Dropout (the seed's detector heads use 0.1): in training, each element is kept
 * with probability 1 - p and scaled by 1 / (1 - p) (so the expected activation is unchanged),
 * else zeroed; in evaluation it passes unchanged (callers then skip it).  The mask comes from
 * our seeded generator, not PyTorch's: the same seed gives the same mask on every machine, not
 * the mask PyTorch would draw. */
#ifndef FER_DROPOUT_H
#define FER_DROPOUT_H

#include <stddef.h>
#include <stdint.h>
#include "base/fer-rng.h"
#include "nn/fer-real.h"

/* out = in * mask * 1 / (1 - p), mask drawn from rng (1: kept); 0 <= p < 1. */
void FER_FN (fer_dropout_forward) (fer_real *out, uint8_t *mask, const fer_real *in, size_t n,
    double p, FerRng *rng);
/* din += dout * mask * 1 / (1 - p). */
void FER_FN (fer_dropout_backward) (fer_real *din, const fer_real *dout, const uint8_t *mask,
    size_t n, double p);

#endif /* FER_DROPOUT_H */
