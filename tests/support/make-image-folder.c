/* make-image-folder: writes generated mouth glyphs (src/image/synthetic-mouths.h) as an
 * ImageFolder of 64x64 PNGs, for the command-line tests.  Each 48x48 glyph sits in the middle
 * with its edges repeated outwards, so the seed's validation transform (Resize 64, CenterCrop 48)
 * sees exactly the glyph.
 *
 *   make-image-folder OUT_DIR PER_CLASS [split|flat] [SEED]
 *
 * split: OUT_DIR/train/<class>/ and OUT_DIR/val/<class>/ (val gets PER_CLASS / 4 per class);
 * flat: OUT_DIR/<class>/. */
#include <glib/gstdio.h>
#include <stdlib.h>

#include "base/fer-rng.h"
#include "image/image.h"
#include "image/synthetic-mouths.h"

static const char *const names[] = { "none", "pouting", "smile", "openmouth" };

static void
write_class_images (const char *dir, int label, int count, FerRng *rng)
{
  g_mkdir_with_parents (dir, 0755);
  float tensor[3 * 48 * 48];
  FerImage *image = fer_image_new (64, 64);
  FerImage *small = fer_image_new (48, 48);
  for (int i = 0; i < count; i++) {
    fer_synthetic_mouth_draw (tensor, label, rng);
    for (int y = 0; y < 48; y++)
      for (int x = 0; x < 48; x++)
        for (int c = 0; c < 3; c++)
          small->pixels[(y * 48 + x) * 3 + c] =
              (uint8_t) (127.5f * (tensor[c * 2304 + y * 48 + x] + 1) + 0.5f);
    for (int y = 0; y < 64; y++)
      for (int x = 0; x < 64; x++) {
        const int sy = CLAMP (y - 8, 0, 47), sx = CLAMP (x - 8, 0, 47);
        for (int c = 0; c < 3; c++)
          image->pixels[(y * 64 + x) * 3 + c] = small->pixels[(sy * 48 + sx) * 3 + c];
      }
    char *path = g_strdup_printf ("%s/%s-%04d.png", dir, names[label], i);
    GError *error = NULL;
    if (!fer_image_save_png (image, path, &error))
      g_error ("%s", error->message);
    g_free (path);
  }
  fer_image_free (image);
  fer_image_free (small);
}

int
main (int argc, char **argv)
{
  if (argc < 3) {
    g_printerr ("usage: make-image-folder OUT_DIR PER_CLASS [split|flat] [SEED]\n");
    return 2;
  }
  const int per_class = atoi (argv[2]);
  const gboolean flat = argc > 3 && g_str_equal (argv[3], "flat");
  FerRng rng;
  fer_rng_init (&rng, argc > 4 ? strtoull (argv[4], NULL, 10) : 1);
  for (int label = 0; label < 4; label++) {
    char *dir = flat ? g_build_filename (argv[1], names[label], NULL)
        : g_build_filename (argv[1], "train", names[label], NULL);
    write_class_images (dir, label, per_class, &rng);
    g_free (dir);
    if (!flat) {
      dir = g_build_filename (argv[1], "val", names[label], NULL);
      write_class_images (dir, label, MAX (1, per_class / 4), &rng);
      g_free (dir);
    }
  }
  return 0;
}
