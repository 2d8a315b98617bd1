/* degrade.h: what video does to a mouth, for training augmentation: a camera's tilt and a
 * tracker's shifted box (warp), defocus (blur), a low-resolution source (down and up again),
 * compression (JPEG), sensor noise and white balance.  Each works in place on an RGB image or
 * writes a new one; random choices are the caller's (the parameters), except the noise pattern,
 * drawn from the generator given. */
#ifndef FER_DEGRADE_H
#define FER_DEGRADE_H

#include <glib.h>
#include "base/fer-rng.h"
#include "image/image.h"

G_BEGIN_DECLS

/* dst (same size as src) = src rotated by degrees (counter-clockwise) about its centre and moved
 * by (dx, dy) pixels, bilinear, edges repeated outward (no black corners for the model to
 * learn). */
void fer_warp_rotate_shift (FerImage *dst, const FerImage *src, double degrees, double dx,
    double dy);

/* Separable Gaussian blur of standard deviation sigma pixels (edges repeated). */
void fer_blur_gaussian (FerImage *image, double sigma);

/* Down to round (width * factor) x round (height * factor) (at least 4 px, PIL's bilinear
 * filter) and back up to the image's size: the detail of a smaller source. */
void fer_down_up (FerImage *image, double factor);

/* JPEG-encodes at quality (1-100) and decodes back in place; FALSE (image untouched) if the
 * codec fails. */
gboolean fer_image_jpeg_roundtrip (FerImage *image, int quality);

/* Adds Gaussian noise of standard deviation sigma (0-255 units) to every sample, clamped. */
void fer_add_noise (FerImage *image, double sigma, FerRng *rng);

/* Multiplies red by red_gain and blue by blue_gain (clamped): a camera's white balance. */
void fer_white_balance (FerImage *image, double red_gain, double blue_gain);

G_END_DECLS

#endif /* FER_DEGRADE_H */
