/* make-raw-tree: a raw photo tree for fer-prep's tests, from the bundled public-domain photo.
 *
 *   make-raw-tree PHOTO GLYPH DIR
 *
 * DIR/smile/: the photo (a real face) as PNG, an exact copy of that file, the photo resized to
 * 90 % (a near duplicate), a mirrored copy three folders deep, two faces side by side (the face
 * zoomed and its mirror image: large enough to be found in a photo twice as wide).
 * DIR/none/: the face zoomed (another image of a face), a zero-byte .jpg, a text file named
 * .jpg, a truncated PNG, a mouth glyph (GLYPH: no face), a blank image (no face), a hidden file.
 * The expected outcomes are listed in the test that uses it. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "box/box.h"
#include "image/image.h"
#include "image/transforms.h"

static void
save (const FerImage *image, const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  char *parent = g_path_get_dirname (path);
  GError *error = NULL;
  g_mkdir_with_parents (parent, 0755);
  if (!fer_image_save_png (image, path, &error))
    g_error ("%s", error->message);
  g_free (parent);
  g_free (path);
}

static FerImage *
resized (const FerImage *src, FerBox rect, int width, int height)
{
  FerImage *out = fer_image_new (width, height);
  fer_resize_bilinear (out, src, rect);
  return out;
}

int
main (int argc, char **argv)
{
  if (argc != 4) {
    fprintf (stderr, "usage: make-raw-tree PHOTO GLYPH DIR\n");
    return 2;
  }
  GError *error = NULL;
  FerImage *photo = fer_image_load (argv[1], &error);
  FerImage *glyph = photo ? fer_image_load (argv[2], &error) : NULL;
  if (glyph == NULL)
    g_error ("%s", error->message);
  char *smile = g_build_filename (argv[3], "smile", NULL);
  char *none = g_build_filename (argv[3], "none", NULL);
  const FerBox all = { 0, 0, photo->width, photo->height };

  save (photo, smile, "astronaut.png");
  char *bytes;
  gsize length;
  char *png = g_build_filename (smile, "astronaut.png", NULL);
  char *copy = g_build_filename (smile, "copy of astronaut.png", NULL);
  g_file_get_contents (png, &bytes, &length, NULL);
  g_file_set_contents (copy, bytes, length, NULL);
  FerImage *smaller = resized (photo, all, photo->width * 9 / 10, photo->height * 9 / 10);
  save (smaller, smile, "astronaut-90.png");
  FerImage *mirror = fer_image_new (photo->width, photo->height);
  for (int y = 0; y < photo->height; y++)
    for (int x = 0; x < photo->width; x++)
      memcpy (mirror->pixels + ((size_t) y * photo->width + x) * 3,
          photo->pixels + ((size_t) y * photo->width + photo->width - 1 - x) * 3, 3);
  save (mirror, smile, "deep/er/still/mirror.png");
  FerImage *zoom = resized (photo, (FerBox) { photo->width / 4, 0, photo->width / 2,
        photo->height / 2 }, photo->width, photo->height);
  FerImage *pair = fer_image_new (2 * zoom->width, zoom->height);
  for (int y = 0; y < zoom->height; y++)
    for (int x = 0; x < zoom->width; x++) {
      const uint8_t *p = zoom->pixels + ((size_t) y * zoom->width + x) * 3;
      memcpy (pair->pixels + ((size_t) y * pair->width + x) * 3, p, 3);
      memcpy (pair->pixels + ((size_t) y * pair->width + pair->width - 1 - x) * 3, p, 3);
    }
  save (pair, smile, "two faces.png");
  save (zoom, none, "zoomed.png");
  char *path = g_build_filename (none, "empty.jpg", NULL);
  g_file_set_contents (path, "", 0, NULL);
  g_free (path);
  path = g_build_filename (none, "notes.jpg", NULL);
  g_file_set_contents (path, "not a picture\n", -1, NULL);
  g_free (path);
  path = g_build_filename (none, "truncated.png", NULL);
  g_file_set_contents (path, bytes, 300, NULL);
  g_free (path);
  save (glyph, none, "glyph.png");
  FerImage *blank = fer_image_new (300, 300);
  memset (blank->pixels, 128, fer_image_bytes (blank));
  save (blank, none, "blank.png");
  path = g_build_filename (none, ".hidden.png", NULL);
  g_file_set_contents (path, bytes, length, NULL);
  g_free (path);

  g_free (bytes);
  g_free (png);
  g_free (copy);
  g_free (smile);
  g_free (none);
  fer_image_free (photo);
  fer_image_free (glyph);
  fer_image_free (smaller);
  fer_image_free (mirror);
  fer_image_free (pair);
  fer_image_free (zoom);
  fer_image_free (blank);
  return 0;
}
