#include "image/image.h"

#include <stdlib.h>

FerImage *
fer_image_new (int width, int height)
{
  if (width <= 0 || height <= 0 || (size_t) width > G_MAXSIZE / 3 / (size_t) height)
    return NULL;
  FerImage *image = malloc (sizeof *image);
  if (image == NULL)
    return NULL;
  image->width = width;
  image->height = height;
  image->pixels = calloc ((size_t) width * height, 3);
  if (image->pixels == NULL) {
    free (image);
    return NULL;
  }
  return image;
}

void
fer_image_free (FerImage *image)
{
  if (image == NULL)
    return;
  free (image->pixels);
  free (image);
}

size_t
fer_image_bytes (const FerImage *image)
{
  return (size_t) image->width * image->height * 3;
}

void
fer_image_luma (const FerImage *image, uint8_t *gray)
{
  const size_t n = (size_t) image->width * image->height;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = image->pixels + 3 * i;
    gray[i] = (uint8_t) ((p[0] * 299 + p[1] * 587 + p[2] * 114 + 500) / 1000);
  }
}
