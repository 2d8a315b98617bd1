#include "image-hash.h"
#include "box/box.h"
#include "image/image.h"
#include "image/transforms.h"

#include <string.h>

char *
fer_file_sha256 (const char *path, GError **error)
{
  GMappedFile *file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) g_mapped_file_get_contents (file), g_mapped_file_get_length (file));
  g_mapped_file_unref (file);
  return digest;
}

FerDHash
fer_image_dhash (const FerImage *image)
{
  FerImage *small = fer_image_new (17, 16);
  fer_resize_bilinear (small, image, (FerBox) { 0, 0, image->width, image->height });
  uint8_t luma[17 * 16];
  fer_image_luma (small, luma);
  fer_image_free (small);
  FerDHash hash = { { 0 } };
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++) {
      const int bit = y * 16 + x;
      if (luma[y * 17 + x] > luma[y * 17 + x + 1])
        hash.bits[bit / 64] |= (uint64_t) 1 << (bit % 64);
    }
  return hash;
}

int
fer_hamming (const FerDHash *a, const FerDHash *b)
{
  int d = 0;
  for (int i = 0; i < 4; i++)
    d += __builtin_popcountll (a->bits[i] ^ b->bits[i]);
  return d;
}

void
fer_dhash_to_hex (const FerDHash *hash, char hex[65])
{
  for (int i = 0; i < 4; i++)
    g_snprintf (hex + 16 * i, 17, "%016" G_GINT64_MODIFIER "x", hash->bits[i]);
}

gboolean
fer_dhash_from_hex (const char *hex, FerDHash *hash)
{
  if (hex == NULL || strlen (hex) != 64)
    return FALSE;
  for (int i = 0; i < 4; i++) {
    char word[17];
    memcpy (word, hex + 16 * i, 16);
    word[16] = '\0';
    char *end = NULL;
    hash->bits[i] = g_ascii_strtoull (word, &end, 16);
    if (end != word + 16)
      return FALSE;
  }
  return TRUE;
}
