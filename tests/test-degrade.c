/* Tests of image/degrade.h: the training degradations do what they say and nothing else. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-rng.h"
#include "image/degrade.h"
#include "image/image.h"

/* A w x h image with a bright square (x0..x1, y0..y1) on a dark ground. */
static FerImage *
square (int w, int h, int x0, int y0, int x1, int y1)
{
  FerImage *image = fer_image_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 3; k++)
        image->pixels[((size_t) y * w + x) * 3 + k] = x >= x0 && x < x1 && y >= y0 && y < y1
            ? 200 : 20 + 10 * k;
  return image;
}

static double
mean (const FerImage *image)
{
  double sum = 0;
  for (size_t i = 0; i < fer_image_bytes (image); i++)
    sum += image->pixels[i];
  return sum / fer_image_bytes (image);
}

static void
test_warp (void)
{
  FerImage *src = square (48, 48, 10, 20, 20, 30), *dst = fer_image_new (48, 48);
  fer_warp_rotate_shift (dst, src, 0, 0, 0);
  g_assert_cmpmem (dst->pixels, fer_image_bytes (dst), src->pixels, fer_image_bytes (src));
  /* A whole-pixel shift moves the square by that much. */
  fer_warp_rotate_shift (dst, src, 0, 5, -3);
  g_assert_cmpint (dst->pixels[((17 * 48) + 15) * 3], ==, 200);
  g_assert_cmpint (dst->pixels[((27 * 48) + 15) * 3], ==, 20);
  /* A quarter turn counter-clockwise about the centre (23.5, 23.5): (x, y) -> (y, 47 - x). */
  fer_warp_rotate_shift (dst, src, 90, 0, 0);
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 48; x++) {
      const int sx = 47 - y, sy = x;
      g_assert_cmpint (abs (dst->pixels[((size_t) y * 48 + x) * 3]
              - src->pixels[((size_t) sy * 48 + sx) * 3]), <=, 1);
    }
  fer_image_free (src);
  fer_image_free (dst);
}

static void
test_blur_and_down_up (void)
{
  FerImage *flat = square (48, 48, 0, 0, 0, 0);
  FerImage *copy = fer_image_new (48, 48);
  memcpy (copy->pixels, flat->pixels, fer_image_bytes (flat));
  fer_blur_gaussian (flat, 1.2);
  g_assert_cmpmem (flat->pixels, fer_image_bytes (flat), copy->pixels, fer_image_bytes (copy));
  fer_down_up (flat, 0.3);
  g_assert_cmpmem (flat->pixels, fer_image_bytes (flat), copy->pixels, fer_image_bytes (copy));
  /* An edge is softened, the mean kept. */
  FerImage *edge = square (48, 48, 24, 0, 48, 48);
  const double before = mean (edge);
  fer_blur_gaussian (edge, 1.0);
  g_assert_cmpfloat (fabs (mean (edge) - before), <, 0.5);
  const int at_edge = edge->pixels[(10 * 48 + 24) * 3];
  g_assert_cmpint (at_edge, >, 20);
  g_assert_cmpint (at_edge, <, 200);
  g_assert_cmpint (edge->pixels[(10 * 48 + 40) * 3], ==, 200);
  fer_image_free (edge);
  /* Down and up loses fine detail: a one-pixel checker turns grey. */
  FerImage *checker = fer_image_new (48, 48);
  for (size_t i = 0; i < 48 * 48; i++)
    memset (checker->pixels + 3 * i, ((i % 48) + (i / 48)) % 2 ? 255 : 0, 3);
  fer_down_up (checker, 0.5);
  for (size_t i = 0; i < fer_image_bytes (checker); i++)
    g_assert_cmpint (abs (checker->pixels[i] - 128), <=, 30);
  fer_image_free (checker);
  fer_image_free (flat);
  fer_image_free (copy);
}

static void
test_jpeg_noise_white_balance (void)
{
  FerImage *image = square (48, 48, 12, 12, 36, 36);
  FerImage *copy = fer_image_new (48, 48);
  memcpy (copy->pixels, image->pixels, fer_image_bytes (image));
  g_assert_true (fer_image_jpeg_roundtrip (image, 20));
  double diff = 0;
  for (size_t i = 0; i < fer_image_bytes (image); i++)
    diff += abs (image->pixels[i] - copy->pixels[i]);
  diff /= fer_image_bytes (image);
  g_assert_cmpfloat (diff, >, 0.1);   /* quality 20 changes pixels */
  g_assert_cmpfloat (diff, <, 15);    /* but keeps the picture */
  /* Noise: zero mean, the asked spread. */
  FerImage *grey = fer_image_new (64, 64);
  memset (grey->pixels, 128, fer_image_bytes (grey));
  FerRng rng;
  fer_rng_init (&rng, 7);
  fer_add_noise (grey, 8, &rng);
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < fer_image_bytes (grey); i++) {
    sum += grey->pixels[i] - 128.0;
    sum2 += (grey->pixels[i] - 128.0) * (grey->pixels[i] - 128.0);
  }
  const double n = fer_image_bytes (grey);
  g_assert_cmpfloat (fabs (sum / n), <, 0.5);
  g_assert_cmpfloat (fabs (sqrt (sum2 / n) - 8), <, 0.5);
  /* White balance scales red and blue only. */
  memset (grey->pixels, 100, fer_image_bytes (grey));
  fer_white_balance (grey, 1.2, 0.5);
  g_assert_cmpint (grey->pixels[0], ==, 120);
  g_assert_cmpint (grey->pixels[1], ==, 100);
  g_assert_cmpint (grey->pixels[2], ==, 50);
  fer_image_free (grey);
  fer_image_free (image);
  fer_image_free (copy);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/degrade/warp", test_warp);
  g_test_add_func ("/degrade/blur-and-down-up", test_blur_and_down_up);
  g_test_add_func ("/degrade/jpeg-noise-white-balance", test_jpeg_noise_white_balance);
  return g_test_run ();
}
