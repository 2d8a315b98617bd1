#include "image/degrade.h"

#include <math.h>
#include <string.h>

#include "box/box.h"
#include "image/transforms.h"

static uint8_t
clamp8 (double v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t) (v + 0.5);
}

void
fer_warp_rotate_shift (FerImage *dst, const FerImage *src, double degrees, double dx, double dy)
{
  const int w = src->width, h = src->height;
  const double a = degrees * G_PI / 180, c = cos (a), s = sin (a);
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      /* The source point that lands on (x, y): undo the shift, then the rotation. */
      const double ux = x - dx - cx, uy = y - dy - cy;
      double sx = c * ux - s * uy + cx, sy = s * ux + c * uy + cy;
      sx = CLAMP (sx, 0, w - 1);
      sy = CLAMP (sy, 0, h - 1);
      const int x0 = MIN ((int) sx, w - 2 < 0 ? 0 : w - 2), y0 = MIN ((int) sy, h - 2 < 0 ? 0 : h - 2);
      const int x1 = MIN (x0 + 1, w - 1), y1 = MIN (y0 + 1, h - 1);
      const double fx = sx - x0, fy = sy - y0;
      const uint8_t *p00 = src->pixels + ((size_t) y0 * w + x0) * 3;
      const uint8_t *p01 = src->pixels + ((size_t) y0 * w + x1) * 3;
      const uint8_t *p10 = src->pixels + ((size_t) y1 * w + x0) * 3;
      const uint8_t *p11 = src->pixels + ((size_t) y1 * w + x1) * 3;
      uint8_t *out = dst->pixels + ((size_t) y * w + x) * 3;
      for (int k = 0; k < 3; k++)
        out[k] = clamp8 ((p00[k] * (1 - fx) + p01[k] * fx) * (1 - fy)
            + (p10[k] * (1 - fx) + p11[k] * fx) * fy);
    }
}

/* One pass of a 1-D kernel (radius r) along rows (step 3) or columns (step 3 * width). */
static void
convolve (uint8_t *pixels, int length, int lines, size_t step, size_t line_step,
    const double *kernel, int r, double *scratch)
{
  for (int line = 0; line < lines; line++) {
    uint8_t *base = pixels + line * line_step;
    for (int k = 0; k < 3; k++) {
      for (int i = 0; i < length; i++) {
        double sum = 0;
        for (int t = -r; t <= r; t++)
          sum += kernel[t + r] * base[(size_t) CLAMP (i + t, 0, length - 1) * step + k];
        scratch[i] = sum;
      }
      for (int i = 0; i < length; i++)
        base[(size_t) i * step + k] = clamp8 (scratch[i]);
    }
  }
}

void
fer_blur_gaussian (FerImage *image, double sigma)
{
  if (!(sigma > 0))
    return;
  const int r = MAX (1, (int) ceil (3 * sigma));
  double *kernel = g_new (double, 2 * r + 1), total = 0;
  for (int t = -r; t <= r; t++)
    total += kernel[t + r] = exp (-t * t / (2 * sigma * sigma));
  for (int t = 0; t <= 2 * r; t++)
    kernel[t] /= total;
  double *scratch = g_new (double, MAX (image->width, image->height));
  convolve (image->pixels, image->width, image->height, 3, (size_t) image->width * 3, kernel, r,
      scratch);
  convolve (image->pixels, image->height, image->width, (size_t) image->width * 3, 3, kernel, r,
      scratch);
  g_free (scratch);
  g_free (kernel);
}

void
fer_down_up (FerImage *image, double factor)
{
  const int w = MAX (4, (int) lround (image->width * factor));
  const int h = MAX (4, (int) lround (image->height * factor));
  FerImage *small = fer_image_new (w, h);
  FerImage *copy = fer_image_new (image->width, image->height);
  if (small && copy) {
    memcpy (copy->pixels, image->pixels, fer_image_bytes (image));
    fer_resize_bilinear (small, copy, (FerBox) { 0, 0, copy->width, copy->height });
    fer_resize_bilinear (image, small, (FerBox) { 0, 0, w, h });
  }
  fer_image_free (small);
  fer_image_free (copy);
}

void
fer_add_noise (FerImage *image, double sigma, FerRng *rng)
{
  const size_t n = fer_image_bytes (image);
  for (size_t i = 0; i < n; i++)
    image->pixels[i] = clamp8 (image->pixels[i] + sigma * fer_rng_normal (rng));
}

void
fer_white_balance (FerImage *image, double red_gain, double blue_gain)
{
  const size_t pixels = (size_t) image->width * image->height;
  for (size_t i = 0; i < pixels; i++) {
    image->pixels[3 * i] = clamp8 (image->pixels[3 * i] * red_gain);
    image->pixels[3 * i + 2] = clamp8 (image->pixels[3 * i + 2] * blue_gain);
  }
}
