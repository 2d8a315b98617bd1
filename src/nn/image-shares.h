/* image-shares.h: per-image shares of a weight gradient summed in image order.
 *
 * The convolutions' backward passes (conv2d-bands.h, conv2d-winograd.h) give each image to one
 * thread and keep each image's share of the weight gradient apart, so that the sum is the same
 * whatever the number of threads; this adds the shares up. */
#ifndef FER_IMAGE_SHARES_H
#define FER_IMAGE_SHARES_H

#include <stddef.h>
#include "nn/fer-real.h"

/* shares[0][i] = shares[0][i] + shares[1][i] + ... + shares[images - 1][i] for i < size, added
 * in that order (shares: images arrays of size, one after the other). */
void FER_FN (fer_sum_image_shares) (fer_real *shares, int images, size_t size);

#endif /* FER_IMAGE_SHARES_H */
