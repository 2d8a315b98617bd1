#include "nn/conv2d.h"
#include "nn/conv2d-direct.h"

#include "nn/gemm.h"

#include <glib.h>
#include <string.h>

#include "nn/fer-parallel.h"

/* Images per slab: the batch is cut into slabs whose columns (C*k*k x images*OH*OW) fit in
 * a core's L2 cache, and each thread takes whole slabs through im2col and its GEMM (or, going
 * back, GEMM and col2im) while the columns are still in cache.  Slabs hold distinct images, so
 * col2im of two slabs never writes the same pixel. */
#define SLAB_BYTES (256 * 1024)

static int
slab_images (const FerConv2d *conv, int positions_per_image)
{
  const size_t per_image = (size_t) conv->in_channels * conv->kernel * conv->kernel
      * positions_per_image * sizeof (fer_real);
  return MAX (1, (int) (SLAB_BYTES / per_image));
}

static inline void
gather_strided (fer_real *restrict row, const fer_real *restrict line, int n, int stride)
{
  for (int i = 0; i < n; i++)
    row[i] = line[i * stride];
}

static inline void
scatter_add_strided (fer_real *restrict line, const fer_real *restrict row, int n, int stride)
{
  for (int i = 0; i < n; i++)
    line[i * stride] += row[i];
}

/* a / b rounded down and up, for b > 0 and a of either sign. */
static inline int
floor_div (int a, int b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static inline int
ceil_div (int a, int b)
{
  return -floor_div (-a, b);
}

/* Where tap column kx reads inside the image's width: outputs ox in [*first, *last). */
static inline void
tap_span (const FerConv2d *conv, int kx, int width, int ow, int *first, int *last)
{
  const int s = conv->stride, pad = conv->padding;
  *first = CLAMP (ceil_div (pad - kx, s), 0, ow);
  *last = CLAMP (floor_div (width - 1 + pad - kx, s) + 1, *first, ow);
}

/* The columns' row for tap (ky, kx) of channel c, output rows oy_begin..oy_end-1 of images
 * 0..images-1 (ow wide; the tap reads inside the width for ox in [first, last)). */
static void
im2col_row (fer_real *row, const fer_real *in, FerImageStrides in_strides, const FerConv2d *conv,
    int c, int ky, int kx, int first, int last, int ow, int images, int oy_begin, int oy_end,
    int height, int width)
{
  const int s = conv->stride, pad = conv->padding;
  for (int n = 0; n < images; n++) {
    const fer_real *image = in + c * in_strides.channel + n * in_strides.image;
    for (int oy = oy_begin; oy < oy_end; oy++, row += ow) {
      const int y = oy * s - pad + ky;
      if (y < 0 || y >= height) {
        memset (row, 0, ow * sizeof *row);
        continue;
      }
      const fer_real *line = image + (size_t) y * width - pad + kx;
      /* Zeros where the tap reads padding, a plain (or strided) copy in between.  A constant
       * stride lets the compiler unroll the common cases, 1 and 2. */
      for (int ox = 0; ox < first; ox++)
        row[ox] = 0;
      if (s == 1)
        memcpy (row + first, line + first, (last - first) * sizeof *row);
      else if (s == 2)
        gather_strided (row + first, line + first * 2, last - first, 2);
      else
        gather_strided (row + first, line + (size_t) first * s, last - first, s);
      for (int ox = last; ox < ow; ox++)
        row[ox] = 0;
    }
  }
}

void
FER_FN (fer_im2col) (fer_real *col, size_t col_stride, const fer_real *in,
    FerImageStrides in_strides, const FerConv2d *conv, int images, int height, int width)
{
  const int k = conv->kernel, rows = conv->in_channels * k * k;
  const int oh = fer_conv2d_output_size (height, k, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, k, conv->stride, conv->padding);
  const size_t work = (size_t) rows * images * oh * ow;
  /* Rows are independent: split across the threads when called outside a parallel region (a
   * single slab, e.g. one image); inside one (a slab per thread), this stays serial. */
  FER_PARALLEL_FOR (work)
  for (int r = 0; r < rows; r++) {
    int first, last;
    tap_span (conv, r % k, width, ow, &first, &last);
    im2col_row (col + (size_t) r * col_stride, in, in_strides, conv, r / (k * k), r / k % k,
        r % k, first, last, ow, images, 0, oh, height, width);
  }
}

void
FER_FN (fer_im2col_band) (fer_real *col, size_t col_stride, const fer_real *image,
    FerImageStrides in_strides, const FerConv2d *conv, int oy_begin, int oy_end, int height,
    int width)
{
  /* Called for a few rows at a time: the taps walked in order rather than found from the row
   * number by divisions. */
  const int k = conv->kernel, ow = fer_conv2d_output_size (width, k, conv->stride,
      conv->padding);
  fer_real *row = col;
  for (int c = 0; c < conv->in_channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++, row += col_stride) {
        int first, last;
        tap_span (conv, kx, width, ow, &first, &last);
        im2col_row (row, image, in_strides, conv, c, ky, kx, first, last, ow, 1, oy_begin,
            oy_end, height, width);
      }
}

/* Adds the rows of channel c for output rows oy_begin..oy_end-1 back into its image positions
 * (rows of other channels write other pixels, so channels can go to different threads). */
static void
col2im_channel (fer_real *din, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int c, int images, int oy_begin,
    int oy_end, int height, int width)
{
  const int k = conv->kernel, s = conv->stride, pad = conv->padding;
  const int ow = fer_conv2d_output_size (width, k, s, pad);
  for (int ky = 0; ky < k; ky++)
    for (int kx = 0; kx < k; kx++) {
      int first, last;
      tap_span (conv, kx, width, ow, &first, &last);
      const fer_real *row = dcol + (size_t) ((c * k + ky) * k + kx) * col_stride;
      for (int n = 0; n < images; n++) {
        fer_real *image = din + c * din_strides.channel + n * din_strides.image;
        for (int oy = oy_begin; oy < oy_end; oy++, row += ow) {
          const int y = oy * s - pad + ky;
          if (y < 0 || y >= height)
            continue;
          fer_real *line = image + (size_t) y * width - pad + kx;
          /* Only the taps inside the image's width; a constant stride for the common cases. */
          if (s == 1)
            scatter_add_strided (line + first, row + first, last - first, 1);
          else if (s == 2)
            scatter_add_strided (line + first * 2, row + first, last - first, 2);
          else
            scatter_add_strided (line + (size_t) first * s, row + first, last - first, s);
        }
      }
    }
}

void
FER_FN (fer_col2im_add) (fer_real *din, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int images, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const size_t work = (size_t) conv->in_channels * conv->kernel * conv->kernel * images * oh
      * fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  FER_PARALLEL_FOR (work)
  for (int c = 0; c < conv->in_channels; c++)
    col2im_channel (din, dcol, col_stride, din_strides, conv, c, images, 0, oh, height, width);
}

void
FER_FN (fer_col2im_band_add) (fer_real *image, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int oy_begin, int oy_end, int height,
    int width)
{
  for (int c = 0; c < conv->in_channels; c++)
    col2im_channel (image, dcol, col_stride, din_strides, conv, c, 1, oy_begin, oy_end, height,
        width);
}

/* Images first .. first + images - 1: their columns, then their outputs by one GEMM. */
static void
forward_slab (fer_real *out, fer_real *col, const fer_real *in, FerImageStrides in_strides,
    const fer_real *weight, const fer_real *bias, const FerConv2d *conv, int first, int images,
    int positions, int per_image, int height, int width)
{
  const int patch = conv->in_channels * conv->kernel * conv->kernel;
  const size_t column = (size_t) first * per_image;
  FER_FN (fer_im2col) (col + column, positions, in + first * in_strides.image, in_strides, conv,
      images, height, width);
  for (int oc = 0; bias && oc < conv->out_channels; oc++) {
    fer_real *row = out + (size_t) oc * positions + column;
    for (int p = 0; p < images * per_image; p++)
      row[p] = bias[oc];
  }
  /* Without a bias (the seed's residual blocks), the GEMM writes out instead of adding.  Split
   * across the threads when this is the only slab (inside the slab loop it runs serially). */
  FER_FN (fer_gemm_parallel) (CblasNoTrans, CblasNoTrans, conv->out_channels,
      images * per_image, patch, 1, weight, patch, col + column, positions, bias ? 1 : 0,
      out + column, positions);
}

void
FER_FN (fer_conv2d_forward) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width)
{
  FER_FN (fer_conv2d_forward_folded) (out, col, in, in_strides, weight, bias, NULL, conv, batch,
      height, width);
}

void
FER_FN (fer_conv2d_forward_folded) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int batch, int height, int width)
{
  if (FER_FN (fer_conv2d_direct_applies) (conv, width)) {
    FER_FN (fer_conv2d_direct_forward) (out, in, in_strides, weight, bias, epilogue, conv, batch,
        height, width);
    return;
  }
  FER_FN (fer_conv2d_forward_columns) (out, col, in, in_strides, weight, bias, conv, batch,
      height, width);
  if (epilogue == NULL)
    return;
  const size_t positions = (size_t) batch
      * fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding)
      * fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  for (int oc = 0; oc < conv->out_channels; oc++)
    fer_conv_epilogue_row (epilogue, oc, out + oc * positions, positions);
}

void
FER_FN (fer_conv2d_forward_columns) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int per_image = oh * ow, positions = batch * per_image;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;
  const int slab = slab_images (conv, per_image);
  const int slabs = (batch + slab - 1) / slab;

  /* One slab (a single image, or small ones) runs outside any parallel region, so that im2col
   * splits its rows across the threads. */
  if (slabs == 1) {
    forward_slab (out, col, in, in_strides, weight, bias, conv, 0, batch, positions, per_image,
        height, width);
    return;
  }
  FER_PARALLEL_FOR ((size_t) patch * positions)
  for (int i = 0; i < slabs; i++)
    forward_slab (out, col, in, in_strides, weight, bias, conv, i * slab,
        MIN (slab, batch - i * slab), positions, per_image, height, width);
}

void
FER_FN (fer_conv2d_bias_backward) (fer_real *dbias, const fer_real *dout, int out_channels,
    int positions)
{
  FER_PARALLEL_FOR ((size_t) out_channels * positions)
  for (int oc = 0; oc < out_channels; oc++) {
    const fer_real *row = dout + (size_t) oc * positions;
    double sum = 0;
#pragma omp simd reduction (+:sum)
    for (int p = 0; p < positions; p++)
      sum += row[p];
    dbias[oc] += (fer_real) sum;
  }
}

void
FER_FN (fer_zero_image) (fer_real *image, FerImageStrides strides, int channels,
    size_t per_image)
{
  for (int c = 0; c < channels; c++)
    memset (image + c * strides.channel, 0, per_image * sizeof *image);
}

/* Images first .. first + images - 1: their columns' gradient, then back into the images. */
static void
backward_slab (fer_real *din, fer_real *dcol, const fer_real *dout, const fer_real *weight,
    FerImageStrides din_strides, const FerConv2d *conv, int first, int images, int positions,
    int per_image, int height, int width)
{
  const int patch = conv->in_channels * conv->kernel * conv->kernel;
  const size_t column = (size_t) first * per_image;
  FER_FN (fer_gemm_parallel) (CblasTrans, CblasNoTrans, patch, images * per_image,
      conv->out_channels, 1, weight, patch, dout + column, positions, 0, dcol + column,
      positions);
  FER_FN (fer_col2im_add) (din + first * din_strides.image, dcol + column, positions,
      din_strides, conv, images, height, width);
}

void
FER_FN (fer_conv2d_backward) (fer_real *din, gboolean assign_din, fer_real *dweight,
    fer_real *dbias,
    fer_real *dcol, const fer_real *dout, const fer_real *col, const fer_real *in,
    const fer_real *weight, FerImageStrides din_strides, const FerConv2d *conv, int batch,
    int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int per_image = oh * ow, positions = batch * per_image;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;

  const gboolean direct = FER_FN (fer_conv2d_direct_backward_applies) (conv, width);
  /* dweight[OC][patch] += dout[OC][P] . col[patch][P]^T, over the whole batch at once. */
  if (!direct)
    FER_FN (fer_gemm_parallel) (CblasNoTrans, CblasTrans, conv->out_channels, patch, positions,
        1, dout, positions, col, positions, 1, dweight, patch);
  if (dbias)
    FER_FN (fer_conv2d_bias_backward) (dbias, dout, conv->out_channels, positions);
  /* (Whole here: these paths add into every image at once.) */
  if (din != NULL && assign_din) {
    FER_PARALLEL_FOR ((size_t) conv->in_channels * batch * height * width)
    for (int n = 0; n < batch; n++)
      FER_FN (fer_zero_image) (din + n * din_strides.image, din_strides, conv->in_channels,
          (size_t) height * width);
  }
  if (direct) {
    FER_FN (fer_conv2d_direct_backward) (din, dweight, dout, in, din_strides, weight, conv,
        batch, height, width);
    return;
  }
  if (din == NULL)
    return;

  /* Per slab: dcol[patch][slab] = weight^T . dout[OC][slab], then back into the slab's images.
   * One slab runs outside any parallel region, so that col2im splits its channels. */
  const int slab = slab_images (conv, per_image);
  const int slabs = (batch + slab - 1) / slab;
  if (slabs == 1) {
    backward_slab (din, dcol, dout, weight, din_strides, conv, 0, batch, positions, per_image,
        height, width);
    return;
  }
  FER_PARALLEL_FOR ((size_t) patch * positions)
  for (int i = 0; i < slabs; i++)
    backward_slab (din, dcol, dout, weight, din_strides, conv, i * slab,
        MIN (slab, batch - i * slab), positions, per_image, height, width);
}
