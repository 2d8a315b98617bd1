/* pool.h: max pooling, as nn.MaxPool2d (kernel, stride, padding; floor mode), and seed 004's
 * ROI pooling: nn.AdaptiveMaxPool2d over a box of a feature map, per region of interest.
 *
 * Maps are the network's channel-major activations, read through FerImageStrides (so the
 * network's [C][N][H][W] or PyTorch's [N][C][H][W]).  Each output remembers which input it took
 * (argmax: its index h * width + w in its image's plane) for the backward pass, which sends each
 * gradient to that one input.  A window's maximum is its first largest value in row order, and
 * a NaN wins, as PyTorch's CPU kernels decide. */
#ifndef FER_POOL_H
#define FER_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "nn/conv2d.h"
#include "nn/fer-real.h"

typedef struct {
  int kernel, stride, padding;
} FerMaxPool2d;

/* (in + 2 * padding - kernel) / stride + 1, as PyTorch's floor mode; 0 when nothing fits. */
static inline int
fer_maxpool2d_output_size (int in, const FerMaxPool2d *pool)
{
  return fer_conv2d_output_size (in, pool->kernel, pool->stride, pool->padding);
}

/* out and argmax [C][batch][OH][OW] (channel-major); padding is never the maximum. */
void FER_FN (fer_maxpool2d_forward) (fer_real *out, int32_t *argmax, const fer_real *in,
    FerImageStrides in_strides, const FerMaxPool2d *pool, int channels, int batch, int height,
    int width);
/* din (laid out by din_strides) += dout sent back to each output's argmax. */
void FER_FN (fer_maxpool2d_backward) (fer_real *din, FerImageStrides din_strides,
    const fer_real *dout, const int32_t *argmax, int channels, int batch, int out_height,
    int out_width);

/* A region of interest: an image of the batch and a box of whole feature-map cells. */
typedef struct {
  int image;
  int x, y, width, height;
} FerRoi;

/* out and argmax [R][C][pooled_h][pooled_w]: AdaptiveMaxPool2d ((pooled_h, pooled_w)) of each
 * region (the seed's feature_mapping[image][:, y:y+h, x:x+w] with its region clipped to the map;
 * bin i of n over L cells spans floor (i L / n) .. ceil ((i + 1) L / n), so a region smaller than
 * the output repeats cells).  A region with nothing inside the map gives zeros and argmax -1. */
void FER_FN (fer_roi_max_pool_forward) (fer_real *out, int32_t *argmax, const fer_real *in,
    FerImageStrides in_strides, const FerRoi *rois, int n_rois, int channels, int height,
    int width, int pooled_h, int pooled_w);
void FER_FN (fer_roi_max_pool_backward) (fer_real *din, FerImageStrides din_strides,
    const fer_real *dout, const int32_t *argmax, const FerRoi *rois, int n_rois, int channels,
    int pooled_h, int pooled_w);

#endif /* FER_POOL_H */
