#include "augment.h"
#include "box/box.h"
#include "base/fer-rng.h"
#include "nn/simpleconv3.h"
#include "image/image.h"
#include "image/transforms.h"
#include "image/dataset.h"

#define SIZE FER_SIMPLECONV3_INPUT_SIZE

typedef struct {
  FerBox crop;
  gboolean flip, gray;
  double brightness, contrast, saturation;
} Draw;

static uint8_t
clamp8 (double v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t) (v + 0.5);
}

static double
luma (const uint8_t *p)
{
  /* ITU-R 601-2, as PIL's convert ("L") used by torchvision's grayscale transforms. */
  return p[0] * 0.299 + p[1] * 0.587 + p[2] * 0.114;
}

/* Brightness, contrast (towards the mean luma) and saturation (towards each pixel's luma), in
 * that order, each clamped to 8 bits as torchvision's PIL enhancers do; then grayscale. */
static void
recolour (FerImage *image, const Draw *d)
{
  const size_t pixels = (size_t) image->width * image->height;
  uint8_t *p = image->pixels;
  for (size_t i = 0; i < pixels * 3; i++)
    p[i] = clamp8 (p[i] * d->brightness);
  double mean = 0;
  for (size_t i = 0; i < pixels; i++)
    mean += luma (p + 3 * i);
  mean /= pixels;
  for (size_t i = 0; i < pixels * 3; i++)
    p[i] = clamp8 (mean + (p[i] - mean) * d->contrast);
  for (size_t i = 0; i < pixels; i++) {
    const double y = luma (p + 3 * i);
    for (int c = 0; c < 3; c++)
      p[3 * i + c] = clamp8 (y + (p[3 * i + c] - y) * d->saturation);
  }
  if (d->gray)
    for (size_t i = 0; i < pixels; i++)
      p[3 * i] = p[3 * i + 1] = p[3 * i + 2] = clamp8 (luma (p + 3 * i));
}

void
fer_augment_batch (float *out, const FerDataset *data, const int *indices, int n,
    const FerAugmentOptions *options, FerRng *rng)
{
  Draw *draws = g_new (Draw, n);
  for (int i = 0; i < n; i++) {
    const FerImage *image = data->images[indices[i]];
    Draw *d = &draws[i];
    d->crop = fer_random_resized_crop_rect (rng, image->width, image->height,
        options->scale_min, options->scale_max, options->ratio_min, options->ratio_max);
    d->flip = options->flip && fer_rng_uniform (rng) < 0.5;
    d->brightness = d->contrast = d->saturation = 1;
    if (options->jitter > 0) {
      d->brightness = fer_rng_uniform_range (rng, 1 - options->jitter, 1 + options->jitter);
      d->contrast = fer_rng_uniform_range (rng, 1 - options->jitter, 1 + options->jitter);
      d->saturation = fer_rng_uniform_range (rng, 1 - options->jitter, 1 + options->jitter);
    }
    d->gray = options->gray_probability > 0 && fer_rng_uniform (rng) < options->gray_probability;
  }

#pragma omp parallel
  {
    FerImage *crop = fer_image_new (SIZE, SIZE);
#pragma omp for schedule (static)
    for (int i = 0; i < n; i++) {
      const Draw *d = &draws[i];
      fer_resize_bilinear (crop, data->images[indices[i]], d->crop);
      if (d->gray || d->brightness != 1 || d->contrast != 1 || d->saturation != 1)
        recolour (crop, d);
      fer_image_to_tensor (out + (size_t) i * 3 * SIZE * SIZE, crop,
          (FerBox) { 0, 0, SIZE, SIZE }, options->mean, options->std, d->flip);
    }
    fer_image_free (crop);
  }
  g_free (draws);
}
