#include "nn/conv2d.h"

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

void
FER_FN (fer_im2col) (fer_real *col, size_t col_stride, const fer_real *in,
    FerImageStrides in_strides, const FerConv2d *conv, int images, int height, int width)
{
  const int k = conv->kernel, s = conv->stride, pad = conv->padding;
  const int oh = fer_conv2d_output_size (height, k, s, pad);
  const int ow = fer_conv2d_output_size (width, k, s, pad);
  const int rows = conv->in_channels * k * k;

  for (int r = 0; r < rows; r++) {
    const int c = r / (k * k), ky = r / k % k, kx = r % k;
    fer_real *row = col + (size_t) r * col_stride;
    for (int n = 0; n < images; n++) {
      const fer_real *image = in + c * in_strides.channel + n * in_strides.image;
      for (int oy = 0; oy < oh; oy++, row += ow) {
        const int y = oy * s - pad + ky;
        if (y < 0 || y >= height) {
          memset (row, 0, ow * sizeof *row);
          continue;
        }
        const fer_real *line = image + (size_t) y * width - pad + kx;
        if (pad == 0) {
          /* Without padding every tap is inside the image (the output size guarantees it).
           * A constant stride lets the compiler unroll the seed's case, stride 2. */
          if (s == 2)
            gather_strided (row, line, ow, 2);
          else
            gather_strided (row, line, ow, s);
          continue;
        }
        for (int ox = 0; ox < ow; ox++) {
          const int x = ox * s - pad + kx;
          row[ox] = (x >= 0 && x < width) ? line[ox * s] : 0;
        }
      }
    }
  }
}

void
FER_FN (fer_col2im_add) (fer_real *din, const fer_real *dcol, size_t col_stride,
    FerImageStrides din_strides, const FerConv2d *conv, int images, int height, int width)
{
  const int k = conv->kernel, s = conv->stride, pad = conv->padding;
  const int oh = fer_conv2d_output_size (height, k, s, pad);
  const int ow = fer_conv2d_output_size (width, k, s, pad);
  const int rows = conv->in_channels * k * k;

  for (int r = 0; r < rows; r++) {
    const int c = r / (k * k), ky = r / k % k, kx = r % k;
    const fer_real *row = dcol + (size_t) r * col_stride;
    for (int n = 0; n < images; n++) {
      fer_real *image = din + c * din_strides.channel + n * din_strides.image;
      for (int oy = 0; oy < oh; oy++, row += ow) {
        const int y = oy * s - pad + ky;
        if (y < 0 || y >= height)
          continue;
        fer_real *line = image + (size_t) y * width - pad + kx;
        if (pad == 0) {
          if (s == 2)
            scatter_add_strided (line, row, ow, 2);
          else
            scatter_add_strided (line, row, ow, s);
          continue;
        }
        for (int ox = 0; ox < ow; ox++) {
          const int x = ox * s - pad + kx;
          if (x >= 0 && x < width)
            line[ox * s] += row[ox];
        }
      }
    }
  }
}

void
FER_FN (fer_conv2d_forward) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int per_image = oh * ow, positions = batch * per_image;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;
  const int slab = slab_images (conv, per_image);
  const int slabs = (batch + slab - 1) / slab;

  FER_PARALLEL_FOR ((size_t) patch * positions)
  for (int i = 0; i < slabs; i++) {
    const int first = i * slab, images = MIN (slab, batch - first);
    const size_t column = (size_t) first * per_image;
    FER_FN (fer_im2col) (col + column, positions, in + first * in_strides.image, in_strides, conv,
        images, height, width);
    for (int oc = 0; bias && oc < conv->out_channels; oc++) {
      fer_real *row = out + (size_t) oc * positions + column;
      for (int p = 0; p < images * per_image; p++)
        row[p] = bias[oc];
    }
    /* Without a bias (the seed's residual blocks), the GEMM writes out instead of adding. */
    fer_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, conv->out_channels, images * per_image,
        patch, 1, weight, patch, col + column, positions, bias ? 1 : 0, out + column, positions);
  }
}

void
FER_FN (fer_conv2d_backward) (fer_real *din, fer_real *dweight, fer_real *dbias,
    fer_real *dcol, const fer_real *dout, const fer_real *col, const fer_real *weight,
    FerImageStrides din_strides, const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int per_image = oh * ow, positions = batch * per_image;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;

  /* dweight[OC][patch] += dout[OC][P] . col[patch][P]^T, over the whole batch at once. */
  FER_FN (fer_gemm_parallel) (CblasNoTrans, CblasTrans, conv->out_channels, patch, positions,
      1, dout, positions, col, positions, 1, dweight, patch);
  FER_PARALLEL_FOR ((size_t) conv->out_channels * positions)
  for (int oc = 0; oc < (dbias ? conv->out_channels : 0); oc++) {
    const fer_real *row = dout + (size_t) oc * positions;
    double sum = 0;
#pragma omp simd reduction (+:sum)
    for (int p = 0; p < positions; p++)
      sum += row[p];
    dbias[oc] += (fer_real) sum;
  }
  if (din == NULL)
    return;

  /* Per slab: dcol[patch][slab] = weight^T . dout[OC][slab], then back into the slab's images. */
  const int slab = slab_images (conv, per_image);
  const int slabs = (batch + slab - 1) / slab;
  FER_PARALLEL_FOR ((size_t) patch * positions)
  for (int i = 0; i < slabs; i++) {
    const int first = i * slab, images = MIN (slab, batch - first);
    const size_t column = (size_t) first * per_image;
    fer_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, patch, images * per_image,
        conv->out_channels, 1, weight, patch, dout + column, positions, 0, dcol + column,
        positions);
    FER_FN (fer_col2im_add) (din + first * din_strides.image, dcol + column, positions,
        din_strides, conv, images, height, width);
  }
}
