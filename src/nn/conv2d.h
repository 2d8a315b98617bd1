/* conv2d.h: 2-D convolution by im2col and one GEMM for the whole batch.
 *
 * Activations inside the network are stored channel-major across the batch, [C][N][H][W]: one
 * GEMM (weight[OC][C*k*k] x col[C*k*k][N*OH*OW]) then convolves every image at once, and the
 * per-channel statistics of batchnorm read one contiguous block.  The network's input keeps
 * PyTorch's [N][C][H][W]; im2col reads either through the strides in FerImageStrides.
 * Weights are PyTorch's [OC][C][k][k]. */
#ifndef FER_CONV2D_H
#define FER_CONV2D_H

#include <stddef.h>
#include <glib.h>
#include "nn/fer-real.h"

typedef struct {
  int in_channels;
  int out_channels;
  int kernel;
  int stride;
  int padding;
} FerConv2d;

/* Distance, in elements, between channels and between images of one tensor. */
typedef struct {
  size_t channel;
  size_t image;
} FerImageStrides;

/* Zeros one image's planes (channels of per_image elements, strides.channel apart): an input
 * gradient that a backward pass writes rather than adds to, cleared image by image just before
 * it is added into, while it is in cache. */
void FER_FN (fer_zero_image) (fer_real *image, FerImageStrides strides, int channels,
    size_t per_image);

static inline FerImageStrides
fer_strides_nchw (int channels, int height, int width)
{
  return (FerImageStrides) { (size_t) height * width, (size_t) channels * height * width };
}

static inline FerImageStrides
fer_strides_cnhw (int batch, int height, int width)
{
  return (FerImageStrides) { (size_t) batch * height * width, (size_t) height * width };
}

/* What a forward pass applies to each output as it writes it: evaluation's batchnorm (and the
 * ReLU after it) folded into the convolution before it, out = out * scale[oc] + shift[oc] then
 * max (out, 0) when relu: the very values the batchnorm's own pass gives (batchnorm.h), one
 * pass less over the activations. */
typedef struct {
  const fer_real *scale, *shift;
  int relu;
} FerConvEpilogue;

static inline fer_real
fer_conv_epilogue_apply (const FerConvEpilogue *e, int oc, fer_real v)
{
  const fer_real y = v * e->scale[oc] + e->shift[oc];
  return e->relu && !(y > 0) ? 0 : y;   /* as batchnorm's y > 0 ? y : 0, NaN included */
}

/* The epilogue over n outputs of channel oc. */
static inline void
fer_conv_epilogue_row (const FerConvEpilogue *e, int oc, fer_real *row, size_t n)
{
  for (size_t i = 0; i < n; i++)
    row[i] = fer_conv_epilogue_apply (e, oc, row[i]);
}

/* (in + 2 * padding - kernel) / stride + 1, as PyTorch; 0 when the kernel does not fit. */
static inline int
fer_conv2d_output_size (int in, int kernel, int stride, int padding)
{
  if (stride <= 0 || in + 2 * padding < kernel)
    return 0;
  return (in + 2 * padding - kernel) / stride + 1;
}

/* col[C*k*k][images*OH*OW], rows col_stride apart; zero where the kernel reads padding. */
void FER_FN (fer_im2col) (fer_real *col, size_t col_stride, const fer_real *in,
    FerImageStrides in_strides, const FerConv2d *conv, int images, int height, int width);
/* Adds col back into its image positions: din += col2im (dcol). */
void FER_FN (fer_col2im_add) (fer_real *din, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int images, int height, int width);

/* The columns of output rows oy_begin..oy_end-1 of one image (image: its channel 0), rows of
 * (oy_end - oy_begin) * OW, col_stride apart: what conv2d-bands.c multiplies in cache. */
void FER_FN (fer_im2col_band) (fer_real *col, size_t col_stride, const fer_real *image,
    FerImageStrides in_strides, const FerConv2d *conv, int oy_begin, int oy_end, int height,
    int width);

/* Adds the columns of those rows back into one image's positions (image: its channel 0). */
void FER_FN (fer_col2im_band_add) (fer_real *image, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int oy_begin, int oy_end, int height,
    int width);

/* dbias[oc] += the sum of dout's row oc (positions long, in double). */
void FER_FN (fer_conv2d_bias_backward) (fer_real *dbias, const fer_real *dout, int out_channels,
    int positions);

/* out[OC][batch][OH][OW] = conv (in) + bias (bias NULL: none, as Conv2d (bias=False)).  col is
 * scratch of C*k*k * batch*OH*OW elements and holds im2col (in) afterwards, which the backward
 * pass reuses (not on the direct path of stride-1 convolutions: conv2d-direct.h). */
void FER_FN (fer_conv2d_forward) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width);
/* The same with an epilogue applied to every output (NULL: none). */
void FER_FN (fer_conv2d_forward_folded) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int batch, int height, int width);
/* The same through im2col and a GEMM whatever the layer: col holds the columns afterwards.  For
 * training, where the backward pass needs them (fer_conv2d_direct_backward_applies is FALSE):
 * made once here, not again in the backward pass. */
void FER_FN (fer_conv2d_forward_columns) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width);

/* Accumulates dweight, dbias (unless NULL) and, when din is not NULL, din (laid out by
 * din_strides, the same layout the input in had; assign_din: writes it, whatever it held).
 * col is im2col (in), as fer_conv2d_forward_columns leaves it (fer_conv2d_forward may go direct
 * and leave none); dcol is scratch of the same size.  (Where fer_conv2d_direct_backward_applies, the backward goes
 * direct: it reads in and needs neither col nor dcol.) */
void FER_FN (fer_conv2d_backward) (fer_real *din, gboolean assign_din, fer_real *dweight,
    fer_real *dbias,
    fer_real *dcol, const fer_real *dout, const fer_real *col, const fer_real *in,
    const fer_real *weight, FerImageStrides din_strides, const FerConv2d *conv, int batch,
    int height, int width);

#endif /* FER_CONV2D_H */
