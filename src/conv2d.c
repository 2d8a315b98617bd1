#include "conv2d.h"

#include <string.h>

void
FER_FN (fer_im2col) (fer_real *col, const fer_real *in, FerImageStrides in_strides,
    const FerConv2d *conv, int batch, int height, int width)
{
  const int k = conv->kernel, s = conv->stride, pad = conv->padding;
  const int oh = fer_conv2d_output_size (height, k, s, pad);
  const int ow = fer_conv2d_output_size (width, k, s, pad);
  const size_t row_len = (size_t) batch * oh * ow;

  for (int c = 0; c < conv->in_channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        fer_real *row = col + ((size_t) (c * k + ky) * k + kx) * row_len;
        for (int n = 0; n < batch; n++) {
          const fer_real *image = in + c * in_strides.channel + n * in_strides.image;
          for (int oy = 0; oy < oh; oy++) {
            const int y = oy * s - pad + ky;
            if (y < 0 || y >= height) {
              memset (row, 0, ow * sizeof *row);
              row += ow;
              continue;
            }
            const fer_real *line = image + (size_t) y * width;
            for (int ox = 0; ox < ow; ox++) {
              const int x = ox * s - pad + kx;
              *row++ = (x >= 0 && x < width) ? line[x] : 0;
            }
          }
        }
      }
}

void
FER_FN (fer_col2im_add) (fer_real *din, const fer_real *dcol, FerImageStrides din_strides,
    const FerConv2d *conv, int batch, int height, int width)
{
  const int k = conv->kernel, s = conv->stride, pad = conv->padding;
  const int oh = fer_conv2d_output_size (height, k, s, pad);
  const int ow = fer_conv2d_output_size (width, k, s, pad);
  const size_t row_len = (size_t) batch * oh * ow;

  for (int c = 0; c < conv->in_channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        const fer_real *row = dcol + ((size_t) (c * k + ky) * k + kx) * row_len;
        for (int n = 0; n < batch; n++) {
          fer_real *image = din + c * din_strides.channel + n * din_strides.image;
          for (int oy = 0; oy < oh; oy++) {
            const int y = oy * s - pad + ky;
            if (y < 0 || y >= height) {
              row += ow;
              continue;
            }
            fer_real *line = image + (size_t) y * width;
            for (int ox = 0; ox < ow; ox++, row++) {
              const int x = ox * s - pad + kx;
              if (x >= 0 && x < width)
                line[x] += *row;
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
  const int positions = batch * oh * ow;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;

  FER_FN (fer_im2col) (col, in, in_strides, conv, batch, height, width);
  for (int oc = 0; oc < conv->out_channels; oc++) {
    fer_real *row = out + (size_t) oc * positions;
    for (int p = 0; p < positions; p++)
      row[p] = bias[oc];
  }
  fer_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, conv->out_channels, positions, patch,
      1, weight, patch, col, positions, 1, out, positions);
}

void
FER_FN (fer_conv2d_backward) (fer_real *din, fer_real *dweight, fer_real *dbias,
    fer_real *dcol, const fer_real *dout, const fer_real *col, const fer_real *weight,
    FerImageStrides din_strides, const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int positions = batch * oh * ow;
  const int patch = conv->in_channels * conv->kernel * conv->kernel;

  /* dweight[OC][patch] += dout[OC][P] . col[patch][P]^T */
  fer_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, conv->out_channels, patch, positions,
      1, dout, positions, col, positions, 1, dweight, patch);
  for (int oc = 0; oc < conv->out_channels; oc++) {
    const fer_real *row = dout + (size_t) oc * positions;
    double sum = 0;
    for (int p = 0; p < positions; p++)
      sum += row[p];
    dbias[oc] += (fer_real) sum;
  }
  if (din == NULL)
    return;
  /* dcol[patch][P] = weight[OC][patch]^T . dout[OC][P] */
  fer_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, patch, positions, conv->out_channels,
      1, weight, patch, dout, positions, 0, dcol, positions);
  FER_FN (fer_col2im_add) (din, dcol, din_strides, conv, batch, height, width);
}
