/* image.h: 8-bit RGB images in memory, rows packed (stride = 3 * width). */
#ifndef FER_IMAGE_H
#define FER_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int width;
  int height;
  uint8_t *pixels;   /* R, G, B per pixel, row after row */
} FerImage;

/* A black image; NULL when the size is not positive or memory is short. */
FerImage *fer_image_new (int width, int height);
void fer_image_free (FerImage *image);
size_t fer_image_bytes (const FerImage *image);

/* The largest image decoded (width x height): more than any camera's photo, and a bound on what
 * a small hostile file can make the decoder allocate (each format's header is read before
 * decoding). */
#define FER_IMAGE_MAX_PIXELS 150000000

/* Decodes an image file (JPEG, PNG, BMP, WebP, TIFF, PPM/PGM/PBM; by OpenCV) to RGB,
 * as PIL's Image.open (path).convert ("RGB") would: grayscale and palettes expanded, alpha
 * dropped, EXIF orientation not applied.  Errors:
 *   FER_ERROR_IO         the file cannot be read (missing, permissions, a directory)
 *   FER_ERROR_NOT_IMAGE  its content is in none of these formats
 *   FER_ERROR_FORMAT     an image format, but corrupt or truncated, or larger than
 *                        FER_IMAGE_MAX_PIXELS */
FerImage *fer_image_load (const char *path, GError **error);

/* gray (width x height bytes, packed) = the image's luma with ITU-R 601 weights,
 * (299 R + 587 G + 114 B + 500) / 1000: what fermouthcrop computes from RGB frames. */
void fer_image_luma (const FerImage *image, uint8_t *gray);

/* Writes a PNG, atomically (io/atomic-file.h); FALSE with an error when it cannot. */
gboolean fer_image_save_png (const FerImage *image, const char *path, GError **error);

G_END_DECLS

#endif /* FER_IMAGE_H */
