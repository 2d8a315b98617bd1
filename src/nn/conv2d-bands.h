/* conv2d-bands.h: convolutions by bands of output rows, their columns kept in cache (what the
 * network driver uses for every convolution that is not direct, in training and evaluation).
 *
 * The im2col path (conv2d.c) makes the columns of whole images: at the detector's training
 * sizes tens of megabytes per layer (C*k*k times the input), written, read back by the GEMM,
 * and, in the backward pass, made again, multiplied into a gradient as large, and scattered
 * back.  Here each thread makes the columns of a few output rows of one image at a time (a
 * band, FER_CONV2D_BAND_BYTES), multiplies them while they are in its cache, and the backward
 * pass makes them again band by band (cheaper than keeping them: the input is k*k/stride^2
 * times smaller).  Layouts as in conv2d.h.
 *
 * The backward pass gives each image to one thread (col2im of two bands of one image writes
 * the same input rows), so it needs at least as many images as threads.  Each image's weight
 * gradient is summed over its bands, then the images' in image order: the same sums whatever
 * the number of threads. */
#ifndef FER_CONV2D_BANDS_H
#define FER_CONV2D_BANDS_H

#include <glib.h>
#include "nn/batchnorm.h"
#include "nn/conv2d.h"

/* Columns of one band: about a quarter of a core's L2 cache, beside the GEMM's packed copy. */
#define FER_CONV2D_BAND_BYTES (128 * 1024)

/* Output rows per band: as many as FER_CONV2D_BAND_BYTES of columns hold (at least one). */
int FER_FN (fer_conv2d_band_rows) (const FerConv2d *conv, int height, int width);

/* The forward pass can go by bands of rows output rows on threads threads with a scratch
 * buffer (col below) of C*k*k * batch*OH*OW elements. */
gboolean FER_FN (fer_conv2d_bands_forward_applies) (const FerConv2d *conv, int rows, int batch,
    int threads, int height, int width);

/* Both passes can go by bands of rows output rows for batch images on threads threads with
 * scratch buffers (col and dcol below) of C*k*k * batch*OH*OW elements each, as the im2col
 * path has. */
gboolean FER_FN (fer_conv2d_bands_apply) (const FerConv2d *conv, int rows, int batch,
    int threads, int height, int width);

/* As fer_conv2d_bands_apply, with room in dcol for the backward pass to make the output
 * gradient band by band (dout_bn below). */
gboolean FER_FN (fer_conv2d_bands_backward_makes_dout) (const FerConv2d *conv, int rows,
    int batch, int threads, int height, int width);

/* A 1x1 convolution without padding that reads the same input at the same stride as a k x k
 * one with padding (k - 1) / 2 (a residual block's projection beside its first convolution):
 * its columns are the centre tap's rows of the k x k one's, so the bands' columns serve both,
 * made once per pass instead of twice. */
typedef struct {
  int out_channels;
  const fer_real *weight;   /* [OC'][C] */
  fer_real *out;            /* forward: [OC'][batch][OH][OW] */
  fer_real *dweight;        /* backward: accumulated */
  const fer_real *dout;     /* backward: the output gradient, or made from dout_bn */
  const FER_FN (FerBatchnormInputGradient) *dout_bn;
} FER_FN (FerConvProjection);

/* A projection (its kernel, stride, padding, channels) can go with conv's bands as above, with
 * room in dcol for both their output gradients made band by band. */
gboolean FER_FN (fer_conv2d_bands_projection_fits) (const FerConv2d *conv,
    const FerConv2d *projection, int rows, int batch, int threads, int height, int width);

/* out[OC][batch][OH][OW] = conv (in) + bias (NULL: none), through epilogue (NULL: none) while
 * each band is in cache, and projection->out (unless projection is NULL) = the projection of
 * in; col is scratch (nothing is kept). */
void FER_FN (fer_conv2d_bands_forward) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FER_FN (FerConvProjection) *projection,
    const FerConv2d *conv, int rows, int batch, int height, int width);

/* Accumulates dweight, dbias (unless NULL) and, when din is not NULL, din (laid out as in;
 * assign_din: writes it, whatever it held); col and dcol are scratch.  The output gradient is
 * dout or, when dout_bn is not NULL (and dbias is NULL), the input gradient of the batchnorm
 * that reads the output, made band by band as it is read (dout is then not read).  With a
 * projection (fer_conv2d_bands_projection_fits), its weight gradient too, and its share of
 * din. */
void FER_FN (fer_conv2d_bands_backward) (fer_real *din, gboolean assign_din, fer_real *dweight,
    fer_real *dbias,
    fer_real *col, fer_real *dcol, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn,
    const FER_FN (FerConvProjection) *projection, const fer_real *in,
    const fer_real *weight, FerImageStrides in_strides, const FerConv2d *conv, int rows,
    int batch, int height, int width);

#endif /* FER_CONV2D_BANDS_H */
