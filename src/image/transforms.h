/* transforms.h: the seed's torchvision transforms, pixel for pixel.
 *
 * torchvision (0.14) works on PIL images, so the resampling here is PIL's: its antialiased
 * bilinear filter (support grows with the downscale factor), fixed-point coefficients, a
 * horizontal then a vertical pass each rounded to 8 bits.  A model trained with the seed's
 * PyTorch code therefore sees the same 48x48 inputs here as in PyTorch.
 *
 *   validation / inference: Resize (64: shorter side) -> CenterCrop (48) -> ToTensor -> Normalize
 *   training: RandomResizedCrop (48, scale, ratio) -> RandomHorizontalFlip -> ToTensor -> Normalize */
#ifndef FER_TRANSFORMS_H
#define FER_TRANSFORMS_H

#include <glib.h>
#include "base/fer-rng.h"
#include "box/box.h"
#include "image/image.h"

G_BEGIN_DECLS

/* dst (any size) = the rectangle of src, cropped then resized with PIL's BILINEAR filter, as
 * src.crop (rect).resize ((dst.w, dst.h), Image.BILINEAR): the filter never reads outside the
 * crop.  rect must lie inside src. */
void fer_resize_bilinear (FerImage *dst, const FerImage *src, FerBox rect);

/* torchvision's Resize (size) output size: the shorter side becomes size, the longer one keeps
 * the aspect ratio (truncated). */
void fer_resize_shorter_size (int width, int height, int size, int *out_width, int *out_height);

/* The crop of torchvision's RandomResizedCrop.get_params (scale, ratio), drawn from rng:
 * up to 10 tries for a random area and log-uniform aspect ratio that fit, else the centre crop
 * clamped to the ratio range. */
FerBox fer_random_resized_crop_rect (FerRng *rng, int width, int height, double scale_min,
    double scale_max, double ratio_min, double ratio_max);

/* CHW floats of a rectangle of an RGB image: (pixel / 255 - mean) / std per channel, as
 * ToTensor then Normalize, mirrored left-right when flip is set.  out holds
 * 3 * rect.width * rect.height floats. */
void fer_image_to_tensor (float *out, const FerImage *image, FerBox rect, const float mean[3],
    const float std[3], gboolean flip);

/* The inference transform: Resize (shorter side resize_to), CenterCrop (crop), to a normalised
 * tensor of 3 x crop x crop.  The one function fer-eval, fer-train's validation and the plugin
 * use, so all three see the same input.  scratch: NULL, or an image this function may reuse
 * across calls (*scratch is replaced when it has the wrong size; free it with fer_image_free). */
void fer_preprocess_center (float *out, const FerImage *image, int resize_to, int crop,
    const float mean[3], const float std[3], FerImage **scratch);

/* The pixels of a width x height image that fer_preprocess_center (resize_to, crop) reads: the
 * others do not change its result, so a caller that converts an image for it (ferclassify
 * cutting a mouth out of a YUV frame) need only convert these (about 60% of a mouth). */
FerBox fer_preprocess_center_source (int width, int height, int resize_to, int crop);

G_END_DECLS

#endif /* FER_TRANSFORMS_H */
