#include "augment.h"
#include "box/box.h"
#include "base/fer-rng.h"
#include "nn/simpleconv3.h"
#include "image/image.h"
#include "image/transforms.h"
#include "image/dataset.h"
#include "image/degrade.h"

#define SIZE FER_SIMPLECONV3_INPUT_SIZE

typedef struct {
  FerBox crop;
  gboolean flip, gray;
  double brightness, contrast, saturation;
  double red_gain, blue_gain;
  double degrees, dx, dy;          /* warp of the source image; 0: none */
  double down, blur, noise;        /* down-up factor, blur sigma, noise sigma; 0: none */
  int jpeg_quality;                /* 0: none */
  uint64_t noise_seed;
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

/* The later augmentations' random choices, each drawn only when its option is on. */
static void
draw_degradations (Draw *d, const FerImage *image, const FerAugmentOptions *o, FerRng *rng)
{
  d->red_gain = d->blue_gain = 1;
  d->degrees = d->dx = d->dy = d->down = d->blur = d->noise = 0;
  d->jpeg_quality = 0;
  if (o->white_balance > 0) {
    d->red_gain = fer_rng_uniform_range (rng, 1 - o->white_balance, 1 + o->white_balance);
    d->blue_gain = fer_rng_uniform_range (rng, 1 - o->white_balance, 1 + o->white_balance);
  }
  if (o->rotate_degrees > 0)
    d->degrees = fer_rng_uniform_range (rng, -o->rotate_degrees, o->rotate_degrees);
  if (o->shift > 0) {
    d->dx = fer_rng_uniform_range (rng, -o->shift, o->shift) * image->width;
    d->dy = fer_rng_uniform_range (rng, -o->shift, o->shift) * image->height;
  }
  if (o->downscale_probability > 0 && fer_rng_uniform (rng) < o->downscale_probability)
    d->down = fer_rng_uniform_range (rng, 0.25, 0.7);
  if (o->blur_probability > 0 && fer_rng_uniform (rng) < o->blur_probability)
    d->blur = fer_rng_uniform_range (rng, 0.4, 1.4);
  if (o->jpeg_probability > 0 && fer_rng_uniform (rng) < o->jpeg_probability)
    d->jpeg_quality = 15 + (int) fer_rng_below (rng, 61);
  if (o->noise > 0) {
    d->noise = fer_rng_uniform_range (rng, 0, o->noise);
    d->noise_seed = ((uint64_t) fer_rng_next_u32 (rng) << 32) | fer_rng_next_u32 (rng);
  }
}

/* The 48x48 crop of source (warped first when drawn so) with the drawn degradations. */
static void
make_crop (FerImage *crop, const FerImage *source, const Draw *d, FerImage **warped)
{
  if (d->degrees != 0 || d->dx != 0 || d->dy != 0) {
    if (*warped == NULL || (*warped)->width != source->width
        || (*warped)->height != source->height) {
      fer_image_free (*warped);
      *warped = fer_image_new (source->width, source->height);
    }
    fer_warp_rotate_shift (*warped, source, d->degrees, d->dx, d->dy);
    source = *warped;
  }
  fer_resize_bilinear (crop, source, d->crop);
  if (d->red_gain != 1 || d->blue_gain != 1)
    fer_white_balance (crop, d->red_gain, d->blue_gain);
  if (d->gray || d->brightness != 1 || d->contrast != 1 || d->saturation != 1)
    recolour (crop, d);
  if (d->down > 0)
    fer_down_up (crop, d->down);
  if (d->blur > 0)
    fer_blur_gaussian (crop, d->blur);
  if (d->jpeg_quality > 0)
    fer_image_jpeg_roundtrip (crop, d->jpeg_quality);
  if (d->noise > 0) {
    FerRng noise;
    fer_rng_init (&noise, d->noise_seed);
    fer_add_noise (crop, d->noise, &noise);
  }
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
    draw_degradations (d, image, options, rng);
  }

#pragma omp parallel
  {
    FerImage *crop = fer_image_new (SIZE, SIZE), *warped = NULL;
#pragma omp for schedule (static)
    for (int i = 0; i < n; i++) {
      const Draw *d = &draws[i];
      make_crop (crop, data->images[indices[i]], d, &warped);
      fer_image_to_tensor (out + (size_t) i * 3 * SIZE * SIZE, crop,
          (FerBox) { 0, 0, SIZE, SIZE }, options->mean, options->std, d->flip);
    }
    fer_image_free (warped);
    fer_image_free (crop);
  }
  g_free (draws);
}
