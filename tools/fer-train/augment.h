/* augment.h: the seed's training transform for a batch, RandomResizedCrop (48, scale, ratio) ->
 * RandomHorizontalFlip -> ToTensor -> Normalize, plus optional colour jitter and random
 * grayscale.  Random choices are drawn in order from one generator (so a seed and a position in
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
  float mean[3], std[3];
} FerAugmentOptions;

/* out[n][3][48][48] from images[indices[0..n)]. */
void fer_augment_batch (float *out, const FerDataset *data, const int *indices, int n,
    const FerAugmentOptions *options, FerRng *rng);

#endif /* FER_AUGMENT_H */
