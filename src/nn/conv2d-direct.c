/* conv2d-direct.c: stride-1 convolutions without im2col (see conv2d-direct.h).
 *
 * Every pass is a sum of shifted rows: for an output row and a block of output channels, each
 * (input channel, ky, kx) adds weight x a contiguous run of an input row to an accumulator row
 * kept in L1, a loop the compiler vectorises.  With the few channels of seed 004's networks (4 to
 * 32) the GEMM of the im2col path is too thin to pay for copying every input 9 times and for
 * OpenBLAS's packing, which took most of a pass. */
#include "nn/conv2d-direct.h"

#include <string.h>

#include "nn/fer-parallel.h"

#define OC_BLOCK 8

/* Where the output's sums are kept while a row is made: in L1 rows (one pass over the row per
 * weight, any channel count) or in vector registers (one pass per weight over a register's width
 * of outputs, for blocks of exactly 4 or 8 channels: a load of the input serves every channel of
 * the block, and the sums are not loaded and stored again for each weight).  Both add the terms
 * in the same order (input channel, kernel row, kernel column), so they give the same sums.
 * The registers path is compiled for two widths (conv2d-direct-registers.h): 512-bit vectors
 * where the processor has AVX-512, 256-bit elsewhere (AVX2 or SSE2, chosen at run time: 512-bit
 * vectors there would not fit the sums of 8 channels in 16 registers, 3.7 times slower,
 * measured).  Rows are padded for the wider. */
#define MAX_LANES (64 / (int) sizeof (fer_real))
/* The input rows one output row reads, zero-padded, copied once per output row. */
#define PADDED_MAX 8192

static int
padded_span (const FerConv2d *conv, int ow)
{
  return (ow + MAX_LANES - 1) / MAX_LANES * MAX_LANES + conv->kernel - 1;
}

static gboolean
direct_shape (const FerConv2d *conv, int width, int ow)
{
  return conv->stride == 1 && ow > 0 && ow <= FER_CONV2D_DIRECT_MAX_WIDTH
      && width <= FER_CONV2D_DIRECT_MAX_WIDTH && conv->padding < conv->kernel;
}

gboolean
FER_FN (fer_conv2d_direct_backward_applies) (const FerConv2d *conv, int width)
{
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  return direct_shape (conv, width, ow) && conv->kernel > 1
      && conv->in_channels * conv->kernel * conv->kernel <= FER_CONV2D_DIRECT_MAX_PATCH
      && conv->out_channels <= FER_CONV2D_DIRECT_MAX_PATCH;
}

gboolean
FER_FN (fer_conv2d_direct_applies) (const FerConv2d *conv, int width)
{
  if (FER_FN (fer_conv2d_direct_backward_applies) (conv, width))
    return TRUE;
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const int patch = conv->in_channels * conv->kernel * conv->kernel;
  /* Wider layers while every block of output channels takes the registers path. */
  return direct_shape (conv, width, ow) && patch <= FER_CONV2D_DIRECT_MAX_REGISTERS_PATCH
      && conv->out_channels % 4 == 0
      && (conv->out_channels % OC_BLOCK == 0 || conv->out_channels < OC_BLOCK)
      && (size_t) conv->in_channels * conv->kernel * padded_span (conv, ow) <= PADDED_MAX;
}

/* The input row that output row y reads at kernel row ky (NULL: padding). */
static inline const fer_real *
input_row (const fer_real *in, FerImageStrides in_strides, int ic, int n, int y, int ky,
    int padding, int height, int width)
{
  const int yi = y + ky - padding;
  if (yi < 0 || yi >= height)
    return NULL;
  return in + ic * in_strides.channel + n * in_strides.image + (size_t) yi * width;
}

/* At kernel column kx, output x reads src[x] for x in [*lo, *hi): the rest reads padding. */
static inline const fer_real *
shifted_span (const fer_real *row, int kx, int padding, int out_width, int width, int *lo,
    int *hi)
{
  *lo = MAX (0, padding - kx);
  *hi = MIN (out_width, width + padding - kx);
  return row + kx - padding;
}

/* The sums below are contracted: a * b + c is one fused multiply-add where the processor has
 * them (AVX2 and AVX-512 machines), twice the arithmetic per cycle, and rounded once.  So
 * these paths' results differ in the last bits between processors with and without FMA (as
 * OpenBLAS's GEMMs do); on one machine they are the same from run to run and thread count to
 * thread count.  The epilogue (evaluation's folded batchnorm, which must give the batchnorm's
 * own values to the bit) is applied outside, by output_row. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize ("fp-contract=fast")
#endif

/* Rows path: out[oc][n][y][x] (+)= bias[oc] + sum over ic, ky, kx of
 *   weight[oc][ic][ky][kx] * in[ic][n][y + ky - p][x + kx - p]   (reads outside are zeros). */
static inline void
row_block_rows (fer_real *out, FerImageStrides out_strides, gboolean accumulate,
    const fer_real *in, FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int n, int oc0, int ocs, int y, int height, int width)
{
  const int k = conv->kernel, p = conv->padding, c_in = conv->in_channels;
  const int ow = width + 2 * p - k + 1;
  fer_real acc[OC_BLOCK][FER_CONV2D_DIRECT_MAX_WIDTH];
  for (int o = 0; o < ocs; o++)
    for (int x = 0; x < ow; x++)
      acc[o][x] = bias ? bias[oc0 + o] : 0;
  for (int ic = 0; ic < c_in; ic++)
    for (int ky = 0; ky < k; ky++) {
      const fer_real *row = input_row (in, in_strides, ic, n, y, ky, p, height, width);
      for (int kx = 0; row && kx < k; kx++) {
        int lo, hi;
        const fer_real *restrict src = shifted_span (row, kx, p, ow, width, &lo, &hi);
        for (int o = 0; o < ocs; o++) {
          const fer_real w = weight[(((size_t) (oc0 + o) * c_in + ic) * k + ky) * k + kx];
          fer_real *restrict a = acc[o];
          for (int x = lo; x < hi; x++)
            a[x] += w * src[x];
        }
      }
    }
  for (int o = 0; o < ocs; o++) {
    fer_real *dst = out + (oc0 + o) * out_strides.channel + n * out_strides.image
        + (size_t) y * ow;
    if (accumulate)
      for (int x = 0; x < ow; x++)
        dst[x] += acc[o][x];
    else
      memcpy (dst, acc[o], ow * sizeof *dst);
  }
}

/* The zero-padded input rows that output row y of image n reads, for the registers path: row
 * (ic, ky) at rows + (ic * k + ky) * span. */
static inline void
padded_rows (fer_real *rows, const fer_real *in, FerImageStrides in_strides,
    const FerConv2d *conv, int n, int y, int height, int width, int span)
{
  const int k = conv->kernel, p = conv->padding;
  for (int ic = 0; ic < conv->in_channels; ic++)
    for (int ky = 0; ky < k; ky++) {
      fer_real *dst = rows + (size_t) (ic * k + ky) * span;
      const fer_real *row = input_row (in, in_strides, ic, n, y, ky, p, height, width);
      memset (dst, 0, span * sizeof *dst);
      if (row)
        memcpy (dst + p, row, width * sizeof *dst);
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FER_DIRECT_AVX512 1
#endif

/* The registers path and a whole output row in 256-bit vectors, with AVX2 and FMA or without (the
 * processor's choice, at run time). */
#define REGISTERS_BYTES 32
#define REGISTERS_FN(name) name##_256
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define REGISTERS_TARGET __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define REGISTERS_TARGET
#endif
#include "nn/conv2d-direct-registers.h"
#undef REGISTERS_BYTES
#undef REGISTERS_FN
#undef REGISTERS_TARGET

#ifdef FER_DIRECT_AVX512
/* The same in 512-bit vectors, called only where the processor has AVX-512. */
#define REGISTERS_BYTES 64
#define REGISTERS_FN(name) name##_512
#define REGISTERS_TARGET __attribute__ ((target ("arch=x86-64-v4")))
#include "nn/conv2d-direct-registers.h"
#undef REGISTERS_BYTES
#undef REGISTERS_FN
#undef REGISTERS_TARGET
#endif

/* dweight[oc][ic][ky][kx] += sum over n, y, x of dout[oc][n][y][x] * in[ic][n][y+ky-p][x+kx-p],
 * each output channel on its own (summed in double: the sums run over the whole batch). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#endif
static void
weight_gradient (fer_real *dweight, const fer_real *dout, const fer_real *in,
    FerImageStrides in_strides, const FerConv2d *conv, int oc, int batch, int height,
    int width, double *sums)
{
  const int k = conv->kernel, p = conv->padding, c_in = conv->in_channels;
  const int oh = height + 2 * p - k + 1, ow = width + 2 * p - k + 1;
  const size_t per_image = (size_t) oh * ow;
  memset (sums, 0, (size_t) c_in * k * k * sizeof *sums);
  for (int n = 0; n < batch; n++)
    for (int y = 0; y < oh; y++) {
      const fer_real *restrict g = dout + ((size_t) oc * batch + n) * per_image + (size_t) y * ow;
      for (int ic = 0; ic < c_in; ic++)
        for (int ky = 0; ky < k; ky++) {
          const fer_real *row = input_row (in, in_strides, ic, n, y, ky, p, height, width);
          for (int kx = 0; row && kx < k; kx++) {
            int lo, hi;
            const fer_real *restrict src = shifted_span (row, kx, p, ow, width, &lo, &hi);
            fer_real dot = 0;
#pragma omp simd reduction (+:dot)
            for (int x = lo; x < hi; x++)
              dot += g[x] * src[x];
            sums[((size_t) ic * k + ky) * k + kx] += dot;
          }
        }
    }
  fer_real *dw = dweight + (size_t) oc * c_in * k * k;
  for (int i = 0; i < c_in * k * k; i++)
    dw[i] += (fer_real) sums[i];
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* Output row y of image n, every block of output channels, at the widest the processor has;
 * then the epilogue over the rows while they are in cache. */
static void
output_row (fer_real *out, FerImageStrides out_strides, gboolean accumulate, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int n, int y, int height, int width)
{
#ifdef FER_DIRECT_AVX512
  if (__builtin_cpu_supports ("x86-64-v4"))   /* (flags libgcc set at start-up) */
    output_row_sums_512 (out, out_strides, accumulate, in, in_strides, weight, bias, conv,
        n, y, height, width);
  else
#endif
    output_row_sums_256 (out, out_strides, accumulate, in, in_strides, weight, bias, conv,
        n, y, height, width);
  if (epilogue == NULL || accumulate)
    return;
  const int ow = width + 2 * conv->padding - conv->kernel + 1;
  for (int oc = 0; oc < conv->out_channels; oc++)
    fer_conv_epilogue_row (epilogue, oc, out + oc * out_strides.channel + n * out_strides.image
        + (size_t) y * ow, ow);
}

/* Every row of every image and channel block, split across the threads. */
static void
convolve (fer_real *out, FerImageStrides out_strides, gboolean accumulate, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, 1, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, 1, conv->padding);
  const int tasks = batch * oh;
  FER_PARALLEL_FOR ((size_t) conv->out_channels * batch * oh * ow * conv->kernel)
  for (int t = 0; t < tasks; t++)
    output_row (out, out_strides, accumulate, in, in_strides, weight, bias, epilogue, conv, t / oh,
        t % oh, height, width);
}

void
FER_FN (fer_conv2d_direct_forward) (fer_real *out, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int batch, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, 1, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, 1, conv->padding);
  convolve (out, fer_strides_cnhw (batch, oh, ow), FALSE, in, in_strides, weight, bias, epilogue,
      conv, batch, height, width);
}

void
FER_FN (fer_conv2d_direct_backward) (fer_real *din, fer_real *dweight, const fer_real *dout,
    const fer_real *in, FerImageStrides in_strides, const fer_real *weight,
    const FerConv2d *conv, int batch, int height, int width)
{
  const int k = conv->kernel, c_in = conv->in_channels, c_out = conv->out_channels;
  const int oh = fer_conv2d_output_size (height, k, 1, conv->padding);
  const int ow = fer_conv2d_output_size (width, k, 1, conv->padding);
  FER_PARALLEL_FOR ((size_t) c_out * batch * oh * ow * c_in)
  for (int oc = 0; oc < c_out; oc++) {
    double sums[c_in * k * k];
    weight_gradient (dweight, dout, in, in_strides, conv, oc, batch, height, width, sums);
  }
  if (din == NULL)
    return;
  /* din is the convolution of dout by the weights turned around (in and out channels swapped,
   * the kernel flipped) with padding k - 1 - p: the same pass, added into din. */
  fer_real *turned = g_new (fer_real, (size_t) c_out * c_in * k * k);
  for (int oc = 0; oc < c_out; oc++)
    for (int ic = 0; ic < c_in; ic++)
      for (int i = 0; i < k * k; i++)
        turned[((size_t) ic * c_out + oc) * k * k + (k * k - 1 - i)] =
            weight[((size_t) oc * c_in + ic) * k * k + i];
  const FerConv2d back = { c_out, c_in, k, 1, k - 1 - conv->padding };
  convolve (din, in_strides, TRUE, dout, fer_strides_cnhw (batch, oh, ow), turned, NULL, NULL,
      &back, batch, oh, ow);
  g_free (turned);
}
