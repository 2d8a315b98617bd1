#include "image/transforms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* PIL's fixed-point resampling (libImaging/Resample.c): coefficients scaled by 2^22, sums
 * started at half a unit, results shifted back and clamped to 8 bits. */
#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
  int size;        /* taps per output pixel, the same for all */
  int *first;      /* first source pixel of each output pixel */
  int *count;      /* taps actually used */
  int *weights;    /* size taps per output pixel, fixed point */
} Taps;

static double
triangle (double x)
{
  x = fabs (x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* PIL's precompute_coeffs + normalize_coeffs_8bpc for BILINEAR, for a source of in_size pixels
 * resized to out_size.  The support widens with the downscale factor: that is the antialiasing
 * PIL does and OpenCV's INTER_LINEAR does not. */
static void
taps_init (Taps *taps, int in_size, int out_size)
{
  const double scale = (double) in_size / out_size;
  const double filter_scale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filter_scale;
  taps->size = (int) ceil (support) * 2 + 1;
  taps->first = g_new (int, out_size);
  taps->count = g_new (int, out_size);
  taps->weights = g_new0 (int, (size_t) out_size * taps->size);
  double *k = g_new (double, taps->size);
  const double inverse_scale = 1.0 / filter_scale;   /* PIL multiplies by it: keep the rounding */

  for (int xx = 0; xx < out_size; xx++) {
    const double center = (xx + 0.5) * scale;
    int xmin = (int) (center - support + 0.5), xmax = (int) (center + support + 0.5);
    if (xmin < 0)
      xmin = 0;
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    double sum = 0;
    for (int x = 0; x < xmax; x++) {
      k[x] = triangle ((x + xmin - center + 0.5) * inverse_scale);
      sum += k[x];
    }
    int *w = taps->weights + (size_t) xx * taps->size;
    for (int x = 0; x < xmax; x++) {
      const double normalised = sum != 0.0 ? k[x] / sum : k[x];
      w[x] = (int) (normalised < 0 ? -0.5 + normalised * (1 << PRECISION_BITS)
          : 0.5 + normalised * (1 << PRECISION_BITS));
    }
    taps->first[xx] = xmin;
    taps->count[xx] = xmax;
  }
  g_free (k);
}

static void
taps_clear (Taps *taps)
{
  g_free (taps->first);
  g_free (taps->count);
  g_free (taps->weights);
}

static inline uint8_t
clip8 (int value)
{
  value >>= PRECISION_BITS;
  return value < 0 ? 0 : value > 255 ? 255 : (uint8_t) value;
}

/* The window of the image that resizing rect of src to out_width x out_height would give, into
 * dst (window-sized): only the pixels wanted are computed, each exactly as the full resize
 * computes it (PIL's passes are separable and per pixel). */
static void
resize_window (FerImage *dst, const FerImage *src, FerBox rect, int out_width, int out_height,
    FerBox window)
{
  Taps across, down;
  taps_init (&across, rect.width, out_width);
  taps_init (&down, rect.height, out_height);
  /* Horizontal pass over only the source rows the vertical pass reads, into 8 bits, as PIL. */
  const int last_row = window.y + window.height - 1;
  const int row_first = down.first[window.y];
  const int row_last = down.first[last_row] + down.count[last_row];
  const int rows = row_last - row_first;
  const int row_bytes = window.width * 3;
  uint8_t *temp = g_new (uint8_t, (size_t) rows * row_bytes);
  for (int y = 0; y < rows; y++) {
    const uint8_t *in = src->pixels + ((size_t) (rect.y + row_first + y) * src->width + rect.x) * 3;
    uint8_t *out = temp + (size_t) y * row_bytes;
    for (int i = 0; i < window.width; i++) {
      const int xx = window.x + i;
      const int *w = across.weights + (size_t) xx * across.size;
      const uint8_t *p = in + (size_t) across.first[xx] * 3;
      int r = 1 << (PRECISION_BITS - 1), g = r, b = r;
      for (int x = 0; x < across.count[xx]; x++, p += 3) {
        r += p[0] * w[x];
        g += p[1] * w[x];
        b += p[2] * w[x];
      }
      out[i * 3 + 0] = clip8 (r);
      out[i * 3 + 1] = clip8 (g);
      out[i * 3 + 2] = clip8 (b);
    }
  }
  /* Vertical pass, a whole output row at a time so the inner loop runs along memory (integer
   * sums: the order of the additions does not change them). */
  int *sums = g_new (int, row_bytes);
  for (int j = 0; j < window.height; j++) {
    const int yy = window.y + j;
    const int *w = down.weights + (size_t) yy * down.size;
    const uint8_t *column = temp + (size_t) (down.first[yy] - row_first) * row_bytes;
    for (int k = 0; k < row_bytes; k++)
      sums[k] = 1 << (PRECISION_BITS - 1);
    for (int y = 0; y < down.count[yy]; y++) {
      const uint8_t *row = column + (size_t) y * row_bytes;
      const int weight = w[y];
      for (int k = 0; k < row_bytes; k++)
        sums[k] += row[k] * weight;
    }
    uint8_t *out = dst->pixels + (size_t) j * row_bytes;
    for (int k = 0; k < row_bytes; k++)
      out[k] = clip8 (sums[k]);
  }
  g_free (sums);
  g_free (temp);
  taps_clear (&across);
  taps_clear (&down);
}

void
fer_resize_bilinear (FerImage *dst, const FerImage *src, FerBox rect)
{
  resize_window (dst, src, rect, dst->width, dst->height,
      (FerBox) { 0, 0, dst->width, dst->height });
}

void
fer_resize_shorter_size (int width, int height, int size, int *out_width, int *out_height)
{
  if (width <= height) {
    *out_width = size;
    *out_height = (int) ((double) size * height / width);
  } else {
    *out_height = size;
    *out_width = (int) ((double) size * width / height);
  }
}

FerBox
fer_random_resized_crop_rect (FerRng *rng, int width, int height, double scale_min,
    double scale_max, double ratio_min, double ratio_max)
{
  const double area = (double) width * height;
  const double log_min = log (ratio_min), log_max = log (ratio_max);
  for (int attempt = 0; attempt < 10; attempt++) {
    const double target = area * fer_rng_uniform_range (rng, scale_min, scale_max);
    const double aspect = exp (fer_rng_uniform_range (rng, log_min, log_max));
    /* Python's round () rounds halves to even, as nearbyint does by default. */
    const int w = (int) nearbyint (sqrt (target * aspect));
    const int h = (int) nearbyint (sqrt (target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int top = (int) fer_rng_below (rng, height - h + 1);
      const int left = (int) fer_rng_below (rng, width - w + 1);
      return (FerBox) { left, top, w, h };
    }
  }
  /* Fall back to the whole image, narrowed to the ratio range. */
  const double in_ratio = (double) width / height;
  int w = width, h = height;
  if (in_ratio < ratio_min)
    h = (int) nearbyint (w / ratio_min);
  else if (in_ratio > ratio_max)
    w = (int) nearbyint (h * ratio_max);
  return (FerBox) { (width - w) / 2, (height - h) / 2, w, h };
}

void
fer_image_to_tensor (float *out, const FerImage *image, FerBox rect, const float mean[3],
    const float std[3], gboolean flip)
{
  const size_t plane = (size_t) rect.width * rect.height;
  for (int y = 0; y < rect.height; y++) {
    const uint8_t *row = image->pixels + ((size_t) (rect.y + y) * image->width + rect.x) * 3;
    for (int x = 0; x < rect.width; x++) {
      const int source = flip ? rect.width - 1 - x : x;
      for (int c = 0; c < 3; c++) {
        /* The same float operations as ToTensor (x / 255) and Normalize ((x - m) / s). */
        const float value = (float) row[source * 3 + c] / 255.0f;
        out[c * plane + (size_t) y * rect.width + x] = (value - mean[c]) / std[c];
      }
    }
  }
}

/* Resize (shorter side resize_to) then CenterCrop (crop) of a width x height image: the resized
 * size, and the crop within it (offsets rounded as Python's round () does, halves to even). */
static FerBox
center_crop (int width, int height, int resize_to, int crop, int *resized_width,
    int *resized_height)
{
  fer_resize_shorter_size (width, height, resize_to, resized_width, resized_height);
  return (FerBox) { (int) nearbyint ((*resized_width - crop) / 2.0),
    (int) nearbyint ((*resized_height - crop) / 2.0), crop, crop };
}

FerBox
fer_preprocess_center_source (int width, int height, int resize_to, int crop)
{
  int resized_width, resized_height;
  const FerBox center = center_crop (width, height, resize_to, crop, &resized_width,
      &resized_height);
  Taps across, down;
  taps_init (&across, width, resized_width);
  taps_init (&down, height, resized_height);
  const int last_x = center.x + center.width - 1, last_y = center.y + center.height - 1;
  const FerBox source = { across.first[center.x], down.first[center.y],
    across.first[last_x] + across.count[last_x] - across.first[center.x],
    down.first[last_y] + down.count[last_y] - down.first[center.y] };
  taps_clear (&across);
  taps_clear (&down);
  return source;
}

void
fer_preprocess_center (float *out, const FerImage *image, int resize_to, int crop,
    const float mean[3], const float std[3], FerImage **scratch)
{
  int width, height;
  /* Only the crop of the resized image is computed. */
  const FerBox center = center_crop (image->width, image->height, resize_to, crop, &width,
      &height);
  FerImage *cropped = scratch ? *scratch : NULL;
  if (cropped == NULL || cropped->width != crop || cropped->height != crop) {
    fer_image_free (cropped);
    cropped = fer_image_new (crop, crop);
    if (scratch)
      *scratch = cropped;
  }
  resize_window (cropped, image, (FerBox) { 0, 0, image->width, image->height }, width, height,
      center);
  fer_image_to_tensor (out, cropped, (FerBox) { 0, 0, crop, crop }, mean, std, FALSE);
  if (scratch == NULL)
    fer_image_free (cropped);
}
