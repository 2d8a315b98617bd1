#include "nn/conv2d-bands.h"

#include <omp.h>

#include "nn/fer-parallel.h"
#include "nn/gemm.h"
#include "nn/image-shares.h"

/* How a layer's output rows are cut into bands. */
typedef struct {
  int oh, ow, patch;
  int rows;    /* output rows per band (the last band may have fewer) */
  int bands;   /* per image */
} Bands;

static Bands
bands_of (const FerConv2d *conv, int rows, int height, int width)
{
  Bands b;
  b.oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  b.ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  b.patch = conv->in_channels * conv->kernel * conv->kernel;
  b.rows = CLAMP (rows, 1, MAX (b.oh, 1));
  b.bands = b.oh > 0 ? (b.oh + b.rows - 1) / b.rows : 0;
  return b;
}

/* dcol holds the images' weight gradients (the convolution's, then its projection's), then
 * per thread a band's column gradient and, when the backward pass makes the output gradient, a
 * band of it, then a band of the projection's output gradient.  projection_channels: the
 * projection's output channels (0: none). */
static size_t
dcol_slot (const FerConv2d *conv, const Bands *b, gboolean makes_dout, int projection_channels)
{
  return ((size_t) b->patch + (makes_dout ? conv->out_channels : 0) + projection_channels)
      * b->rows * b->ow;
}

static size_t
dcol_size (const FerConv2d *conv, const Bands *b, int batch, int threads, gboolean makes_dout,
    int projection_channels)
{
  return (size_t) batch * ((size_t) conv->out_channels * b->patch
          + (size_t) projection_channels * conv->in_channels)
      + (size_t) MAX (threads, 1) * dcol_slot (conv, b, makes_dout, projection_channels);
}

/* The elements of the im2col path's columns, which dcol has. */
static size_t
dcol_capacity (const Bands *b, int batch)
{
  return (size_t) b->patch * batch * b->oh * b->ow;
}

int
FER_FN (fer_conv2d_band_rows) (const FerConv2d *conv, int height, int width)
{
  const int oh = fer_conv2d_output_size (height, conv->kernel, conv->stride, conv->padding);
  const int ow = fer_conv2d_output_size (width, conv->kernel, conv->stride, conv->padding);
  const size_t row_bytes = MAX ((size_t) conv->in_channels * conv->kernel * conv->kernel * ow
      * sizeof (fer_real), 1);
  return (int) CLAMP (FER_CONV2D_BAND_BYTES / row_bytes, 1, (size_t) MAX (oh, 1));
}

gboolean
FER_FN (fer_conv2d_bands_forward_applies) (const FerConv2d *conv, int rows, int batch,
    int threads, int height, int width)
{
  const Bands b = bands_of (conv, rows, height, width);
  /* col: a band's columns per thread, within C*k*k * batch*OH*OW elements. */
  return rows >= 1 && b.oh > 0 && b.ow > 0 && batch >= 1
      && (size_t) MAX (threads, 1) * b.rows * b.ow <= (size_t) batch * b.oh * b.ow;
}

gboolean
FER_FN (fer_conv2d_bands_apply) (const FerConv2d *conv, int rows, int batch, int threads,
    int height, int width)
{
  if (!FER_FN (fer_conv2d_bands_forward_applies) (conv, rows, batch, threads, height, width)
      || batch < MAX (threads, 1))
    return FALSE;
  const Bands b = bands_of (conv, rows, height, width);
  return dcol_size (conv, &b, batch, threads, FALSE, 0) <= dcol_capacity (&b, batch);
}

gboolean
FER_FN (fer_conv2d_bands_backward_makes_dout) (const FerConv2d *conv, int rows, int batch,
    int threads, int height, int width)
{
  const Bands b = bands_of (conv, rows, height, width);
  return FER_FN (fer_conv2d_bands_apply) (conv, rows, batch, threads, height, width)
      && dcol_size (conv, &b, batch, threads, TRUE, 0) <= dcol_capacity (&b, batch);
}

/* The row of a k x k convolution's columns (of one input channel) whose tap is the centre: a
 * 1x1 convolution's column with padding (k - 1) / 2 less. */
static int
centre_tap (const FerConv2d *conv)
{
  return conv->kernel / 2 * conv->kernel + conv->kernel / 2;
}

gboolean
FER_FN (fer_conv2d_bands_projection_fits) (const FerConv2d *conv, const FerConv2d *projection,
    int rows, int batch, int threads, int height, int width)
{
  if (projection->kernel != 1 || projection->padding != 0 || conv->kernel % 2 != 1
      || conv->padding != conv->kernel / 2 || projection->stride != conv->stride
      || projection->in_channels != conv->in_channels
      || !FER_FN (fer_conv2d_bands_apply) (conv, rows, batch, threads, height, width))
    return FALSE;
  const Bands b = bands_of (conv, rows, height, width);
  return dcol_size (conv, &b, batch, threads, TRUE, projection->out_channels)
      <= dcol_capacity (&b, batch);
}

void
FER_FN (fer_conv2d_bands_forward) (fer_real *out, fer_real *col, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FER_FN (FerConvProjection) *projection,
    const FerConv2d *conv, int rows, int batch, int height, int width)
{
  const Bands b = bands_of (conv, rows, height, width);
  const int centre = centre_tap (conv), taps = conv->kernel * conv->kernel;
  const int per_image = b.oh * b.ow, positions = batch * per_image;
  const int tasks = batch * b.bands;

  FER_PARALLEL_FOR ((size_t) b.patch * positions)
  for (int task = 0; task < tasks; task++) {
    const int n = task / b.bands, oy = task % b.bands * b.rows;
    const int count = (MIN (oy + b.rows, b.oh) - oy) * b.ow;
    fer_real *band_col = col + (size_t) omp_get_thread_num () * b.patch * b.rows * b.ow;
    FER_FN (fer_im2col_band) (band_col, count, in + n * in_strides.image, in_strides, conv, oy,
        oy + count / b.ow, height, width);
    fer_real *band_out = out + (size_t) n * per_image + (size_t) oy * b.ow;
    for (int oc = 0; bias && oc < conv->out_channels; oc++)
      for (int p = 0; p < count; p++)
        band_out[(size_t) oc * positions + p] = bias[oc];
    fer_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, conv->out_channels, count, b.patch, 1,
        weight, b.patch, band_col, count, bias ? 1 : 0, band_out, positions);
    for (int oc = 0; epilogue && oc < conv->out_channels; oc++)
      fer_conv_epilogue_row (epilogue, oc, band_out + (size_t) oc * positions, count);
    /* The projection's: its columns are the centre tap's rows, every taps-th row. */
    if (projection != NULL)
      fer_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, projection->out_channels, count,
          conv->in_channels, 1, projection->weight, conv->in_channels,
          band_col + (size_t) centre * count, taps * count, 0,
          projection->out + (size_t) n * per_image + (size_t) oy * b.ow, positions);
  }
}

/* A band's output gradient, elements at..at+count-1 of channels 0..channels-1: rows of dout
 * (*ld: positions) or made into made from the batchnorm's (*ld: count). */
static const fer_real *
band_gradient (fer_real *made, int *ld, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn, int channels, size_t at, int count,
    int positions)
{
  if (dout_bn == NULL) {
    *ld = positions;
    return dout + at;
  }
  for (int oc = 0; oc < channels; oc++)
    FER_FN (fer_batchnorm_input_gradient_span) (made + (size_t) oc * count, TRUE, dout_bn, oc,
        at, count);
  *ld = count;
  return made;
}

void
FER_FN (fer_conv2d_bands_backward) (fer_real *din, gboolean assign_din, fer_real *dweight,
    fer_real *dbias,
    fer_real *col, fer_real *dcol, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn,
    const FER_FN (FerConvProjection) *projection, const fer_real *in,
    const fer_real *weight, FerImageStrides in_strides, const FerConv2d *conv, int rows,
    int batch, int height, int width)
{
  const Bands b = bands_of (conv, rows, height, width);
  const int projection_channels = projection ? projection->out_channels : 0;
  g_return_if_fail (dout_bn == NULL || dbias == NULL);
  g_return_if_fail (dcol_size (conv, &b, batch, omp_get_max_threads (), dout_bn != NULL,
          projection_channels) <= dcol_capacity (&b, batch));
  const int per_image = b.oh * b.ow, positions = batch * per_image;
  const int centre = centre_tap (conv), taps = conv->kernel * conv->kernel;
  const size_t weights = (size_t) conv->out_channels * b.patch;
  const size_t projection_weights = (size_t) projection_channels * conv->in_channels;
  const size_t band = (size_t) b.rows * b.ow;
  fer_real *image_dweight = dcol;   /* [batch][OC][C*k*k] */
  fer_real *image_projection_dweight = dcol + batch * weights;   /* [batch][OC'][C] */
  fer_real *slots = image_projection_dweight + batch * projection_weights;

  if (dbias)
    FER_FN (fer_conv2d_bias_backward) (dbias, dout, conv->out_channels, positions);

  /* An image per task: its bands' columns made again, their share of the weight gradient,
   * and their columns' gradient added back into the image. */
  FER_PARALLEL_FOR ((size_t) b.patch * positions)
  for (int n = 0; n < batch; n++) {
    const size_t col_slot = (size_t) omp_get_thread_num () * b.patch * band;
    fer_real *band_dcol = slots + omp_get_thread_num () * dcol_slot (conv, &b,
        dout_bn != NULL, projection_channels);
    fer_real *made_dout = band_dcol + (size_t) b.patch * band;
    fer_real *made_projection_dout = made_dout + (dout_bn ? conv->out_channels * band : 0);
    fer_real *my_dweight = image_dweight + n * weights;
    fer_real *my_projection_dweight = image_projection_dweight + n * projection_weights;
    if (din != NULL && assign_din)
      FER_FN (fer_zero_image) (din + n * in_strides.image, in_strides, conv->in_channels,
          (size_t) height * width);
    for (int oy = 0; oy < b.oh; oy += b.rows) {
      const int count = (MIN (oy + b.rows, b.oh) - oy) * b.ow;
      const size_t at = (size_t) n * per_image + (size_t) oy * b.ow;
      fer_real *band_col = col + col_slot;
      int ld, projection_ld = 0;
      const fer_real *band_dout = band_gradient (made_dout, &ld, dout, dout_bn,
          conv->out_channels, at, count, positions);
      const fer_real *band_projection_dout = projection == NULL ? NULL
          : band_gradient (made_projection_dout, &projection_ld, projection->dout,
              projection->dout_bn, projection_channels, at, count, positions);
      FER_FN (fer_im2col_band) (band_col, count, in + n * in_strides.image, in_strides, conv,
          oy, oy + count / b.ow, height, width);
      /* my_dweight[OC][patch] (=, then +=) dout_band[OC][count] . col_band[patch][count]^T,
       * and the projection's from the centre tap's rows. */
      fer_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, conv->out_channels, b.patch, count, 1,
          band_dout, ld, band_col, count, oy > 0 ? 1 : 0, my_dweight, b.patch);
      if (projection != NULL)
        fer_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, projection_channels,
            conv->in_channels, count, 1, band_projection_dout, projection_ld,
            band_col + (size_t) centre * count, taps * count, oy > 0 ? 1 : 0,
            my_projection_dweight, conv->in_channels);
      if (din == NULL)
        continue;
      fer_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, b.patch, count, conv->out_channels, 1,
          weight, b.patch, band_dout, ld, 0, band_dcol, count);
      if (projection != NULL)
        fer_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, conv->in_channels, count,
            projection_channels, 1, projection->weight, conv->in_channels,
            band_projection_dout, projection_ld, 1, band_dcol + (size_t) centre * count,
            taps * count);
      FER_FN (fer_col2im_band_add) (din + n * in_strides.image, band_dcol, count, in_strides,
          conv, oy, oy + count / b.ow, height, width);
    }
  }

  /* The images' shares in image order. */
  FER_FN (fer_sum_image_shares) (image_dweight, batch, weights);
  for (size_t i = 0; i < weights; i++)
    dweight[i] += image_dweight[i];
  if (projection != NULL) {
    FER_FN (fer_sum_image_shares) (image_projection_dweight, batch, projection_weights);
    for (size_t i = 0; i < projection_weights; i++)
      projection->dweight[i] += image_projection_dweight[i];
  }
}
