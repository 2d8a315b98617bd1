/* Fuzz target: image decoding through our OpenCV shim (src/image/image-io.cpp), as fer-train,
 * fer-eval and fer-prep read every file of a data folder: whatever the bytes, an image or an
 * error, never a crash. */
#include <stdint.h>

#include "fuzz-input.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.image", data, size);
  GError *error = NULL;
  FerImage *image = fer_image_load (path, &error);
  g_clear_error (&error);
  if (image) {
    uint8_t *gray = g_malloc (fer_image_bytes (image) / 3 + 1);
    fer_image_luma (image, gray);   /* every pixel the decoder claims is there is read */
    g_free (gray);
    fer_image_free (image);
  }
  return 0;
}
