/* augment.h: the seed's training transform for a batch, RandomResizedCrop (48, scale, ratio) ->
 * RandomHorizontalFlip -> ToTensor -> Normalize, plus optional colour jitter and random
 * grayscale, and what video does to mouths (image/degrade.h): before the crop, a rotation and
 * a shift of the whole image (a tilted head, a tracker's box between landmarks); after it,
 * white balance, down-and-up scaling, blur, JPEG and noise.  Each is off at 0, and draws
 * nothing then: runs without them give what they gave before.  Random choices are drawn in order from one generator (so a seed and a position in
 * training fix them), the pixels are then made on every thread. */
#ifndef FER_AUGMENT_H
#define FER_AUGMENT_H

#include "base/fer-rng.h"
#include "image/dataset.h"

typedef struct {
  double scale_min, scale_max;     /* area fraction of the crop (seed: 0.08, 1) */
  double ratio_min, ratio_max;     /* its aspect ratio (seed: 3/4, 4/3) */
  gboolean flip;                   /* horizontal flip with probability 1/2 (seed: yes) */
  double jitter;                   /* brightness, contrast, saturation factors in [1-j, 1+j] */
  double gray_probability;         /* chance of a grayscale copy (torchvision's luma) */
  double white_balance;            /* red and blue gains in [1-w, 1+w] */
  double blur_probability;         /* chance of a Gaussian blur, sigma 0.4-1.4 px (of 48) */
  double downscale_probability;    /* chance of down to 25-70% and back up */
  double jpeg_probability;         /* chance of JPEG at quality 15-75 */
  double rotate_degrees;           /* rotation drawn in [-d, d] */
  double shift;                    /* shift in [-s, s] of the image's size, each axis */
  double noise;                    /* Gaussian noise, sigma drawn in [0, noise] (0-255) */
  float mean[3], std[3];
} FerAugmentOptions;

/* out[n][3][48][48] from images[indices[0..n)]. */
void fer_augment_batch (float *out, const FerDataset *data, const int *indices, int n,
    const FerAugmentOptions *options, FerRng *rng);

#endif /* FER_AUGMENT_H */
