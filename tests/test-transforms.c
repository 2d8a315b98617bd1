/* Images and the seed's transforms against PIL and torchvision (tests/golden/
 * make_transforms_golden.py): decoding, Resize + CenterCrop + ToTensor + Normalize, crops resized
 * with PIL's bilinear filter; and a clear error for each kind of bad image file. */
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "image/image.h"
#include "io/safetensors.h"
#include "image/transforms.h"
#include "fer-test-util.h"
#include "box/box.h"
#include "base/fer-rng.h"

static FerSafetensors *golden;
static char *workdir;
static const float half[3] = { 0.5f, 0.5f, 0.5f };

static const FerSafetensorsTensor *
golden_find (const char *name)
{
  const FerSafetensorsTensor *t = fer_safetensors_find (golden, name);
  if (t == NULL)
    g_error ("golden tensor '%s' missing", name);
  return t;
}

static const uint8_t *
golden_u8 (const char *name, size_t *count)
{
  const FerSafetensorsTensor *t = golden_find (name);
  g_assert_cmpint (t->dtype, ==, FER_DTYPE_U8);
  *count = t->numel;
  return golden->data + t->begin;
}

static FerImage *
load_test_image (const char *name)
{
  char *relative = g_build_filename ("data", name, NULL);
  char *path = fer_test_source_path (relative);
  GError *error = NULL;
  FerImage *image = fer_image_load (path, &error);
  g_assert_no_error (error);
  g_free (path);
  g_free (relative);
  return image;
}

static void
assert_same_pixels (const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
  int worst = 0;
  size_t differing = 0;
  for (size_t i = 0; i < n; i++) {
    const int d = abs ((int) got[i] - (int) want[i]);
    worst = MAX (worst, d);
    differing += d != 0;
  }
  g_test_message ("%s: %zu of %zu values differ, by at most %d", what, differing, n, worst);
  if (differing)
    g_test_fail ();
}

static const char *const test_images[] = {
  "pattern.png", "pattern.jpg", "pattern-gray.png", "pattern-rgba.png",
};

static void
test_decode_matches_pil (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (test_images); i++) {
    FerImage *image = load_test_image (test_images[i]);
    char *name = g_strconcat ("decoded.", test_images[i], NULL);
    size_t n;
    const uint8_t *want = golden_u8 (name, &n);
    g_assert_cmpint (image->width, ==, golden_find (name)->shape[1]);
    g_assert_cmpint (image->height, ==, golden_find (name)->shape[0]);
    assert_same_pixels (name, image->pixels, want, n);
    g_free (name);
    fer_image_free (image);
  }
}

static void
test_center_matches_torchvision (void)
{
  FerImage *scratch = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (test_images); i++) {
    FerImage *image = load_test_image (test_images[i]);
    float got[3 * 48 * 48];
    fer_preprocess_center (got, image, 64, 48, half, half, &scratch);
    char *name = g_strconcat ("center.", test_images[i], NULL);
    const FerSafetensorsTensor *t = golden_find (name);
    double want[3 * 48 * 48], have[3 * 48 * 48];
    g_assert_true (fer_safetensors_read_f64 (golden, t, want, t->numel, NULL));
    for (int k = 0; k < 3 * 48 * 48; k++)
      have[k] = got[k];
    /* Same 8-bit pixels and the same float operations: equal to the last bit. */
    fer_test_assert_close (name, have, want, t->numel, 0);
    g_free (name);
    fer_image_free (image);
  }
  fer_image_free (scratch);
}

/* fer_preprocess_center_source: scrambling every pixel outside it leaves the tensor as it was,
 * for mouths of many sizes and shapes (ferclassify converts only those pixels); and it is
 * tight: scrambling its border columns and rows changes the tensor. */
static void
test_center_source_is_what_is_read (void)
{
  static const int sizes[][2] = { { 119, 119 }, { 64, 64 }, { 48, 48 }, { 200, 150 },
    { 77, 131 }, { 300, 301 }, { 40, 40 } };
  FerRng rng;
  fer_rng_init (&rng, 9);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    const int w = sizes[i][0], h = sizes[i][1];
    FerImage *image = fer_image_new (w, h), *scrambled = fer_image_new (w, h);
    for (size_t k = 0; k < (size_t) w * h * 3; k++)
      image->pixels[k] = (uint8_t) fer_rng_uniform_range (&rng, 0, 256);
    const FerBox source = fer_preprocess_center_source (w, h, 64, 48);
    g_assert_cmpint (source.x, >=, 0);
    g_assert_cmpint (source.y, >=, 0);
    g_assert_cmpint (source.x + source.width, <=, w);
    g_assert_cmpint (source.y + source.height, <=, h);
    float want[3 * 48 * 48], got[3 * 48 * 48];
    fer_preprocess_center (want, image, 64, 48, half, half, NULL);
    /* Outside scrambled: the same tensor. */
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        const gboolean inside = x >= source.x && x < source.x + source.width
            && y >= source.y && y < source.y + source.height;
        for (int c = 0; c < 3; c++)
          scrambled->pixels[((size_t) y * w + x) * 3 + c] = inside
              ? image->pixels[((size_t) y * w + x) * 3 + c] : (uint8_t) (255 - c * 40);
      }
    fer_preprocess_center (got, scrambled, 64, 48, half, half, NULL);
    g_assert_cmpmem (got, sizeof got, want, sizeof want);
    /* Its first column scrambled too: a different tensor (the rectangle is not too wide). */
    for (int y = 0; y < h; y++)
      scrambled->pixels[((size_t) y * w + source.x) * 3] ^= 0xff;
    fer_preprocess_center (got, scrambled, 64, 48, half, half, NULL);
    g_assert_true (memcmp (got, want, sizeof got) != 0);
    g_test_message ("%dx%d: reads (%d, %d) %dx%d", w, h, source.x, source.y, source.width,
        source.height);
    fer_image_free (image);
    fer_image_free (scrambled);
  }
}

static void
test_resized_crops_match_pil (void)
{
  FerImage *image = load_test_image ("pattern.png");
  const FerSafetensorsTensor *rects = golden_find ("crop_rects");
  int64_t r[64];
  g_assert_true (fer_safetensors_read_i64 (golden, rects, r, rects->numel, NULL));
  FerImage *out = fer_image_new (48, 48);
  for (int i = 0; i < (int) rects->shape[0]; i++) {
    const FerBox rect = { r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3] };
    fer_resize_bilinear (out, image, rect);
    char *name = g_strdup_printf ("crop.%d", i);
    size_t n;
    const uint8_t *want = golden_u8 (name, &n);
    g_assert_cmpuint (n, ==, fer_image_bytes (out));
    assert_same_pixels (name, out->pixels, want, n);
    g_free (name);
  }
  fer_image_free (out);
  fer_image_free (image);
}

static void
test_shorter_side_sizes (void)
{
  const int sizes[][2] = { { 128, 128 }, { 131, 97 }, { 97, 131 }, { 300, 64 }, { 65, 200 },
    { 1280, 720 } };
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    char *name = g_strdup_printf ("shorter.%dx%d", sizes[i][0], sizes[i][1]);
    int64_t want[2];
    g_assert_true (fer_safetensors_read_i64 (golden, golden_find (name), want, 2, NULL));
    int w, h;
    fer_resize_shorter_size (sizes[i][0], sizes[i][1], 64, &w, &h);
    g_assert_cmpint (w, ==, want[0]);
    g_assert_cmpint (h, ==, want[1]);
    g_free (name);
  }
}

static void
test_random_resized_crop (void)
{
  /* Every rect fits; areas and aspect ratios stay in the requested ranges (up to rounding); the
   * same seed gives the same rects. */
  FerRng a, b;
  fer_rng_init (&a, 3);
  fer_rng_init (&b, 3);
  double min_area = 1, max_area = 0;
  for (int i = 0; i < 2000; i++) {
    const FerBox r = fer_random_resized_crop_rect (&a, 128, 100, 0.08, 1, 3.0 / 4, 4.0 / 3);
    const FerBox s = fer_random_resized_crop_rect (&b, 128, 100, 0.08, 1, 3.0 / 4, 4.0 / 3);
    g_assert_cmpmem (&r, sizeof r, &s, sizeof s);
    g_assert_cmpint (r.x, >=, 0);
    g_assert_cmpint (r.y, >=, 0);
    g_assert_cmpint (r.x + r.width, <=, 128);
    g_assert_cmpint (r.y + r.height, <=, 100);
    const double area = (double) r.width * r.height / (128 * 100);
    min_area = MIN (min_area, area);
    max_area = MAX (max_area, area);
    const double aspect = (double) r.width / r.height;
    g_assert_cmpfloat (aspect, >, 0.75 * 0.85);
    g_assert_cmpfloat (aspect, <, 4.0 / 3 / 0.85);
  }
  g_assert_cmpfloat (min_area, <, 0.12);
  g_assert_cmpfloat (max_area, >, 0.8);
}

static char *
write_file (const char *name, const void *data, size_t size)
{
  char *path = g_build_filename (workdir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, size, NULL));
  return path;
}

static void
assert_load_fails (const char *path, int code, const char *expected)
{
  GError *error = NULL;
  g_assert_null (fer_image_load (path, &error));
  g_assert_error (error, FER_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_nonnull (strstr (error->message, path));
  g_error_free (error);
}

static void
test_bad_files (void)
{
  char *jpeg_path = fer_test_source_path ("data/pattern.jpg");
  char *png_path = fer_test_source_path ("data/pattern.png");
  char *jpeg, *png;
  gsize jpeg_size, png_size;
  g_assert_true (g_file_get_contents (jpeg_path, &jpeg, &jpeg_size, NULL));
  g_assert_true (g_file_get_contents (png_path, &png, &png_size, NULL));

  char *text = write_file ("notes.jpg", "not an image at all\n", 20);
  assert_load_fails (text, FER_ERROR_NOT_IMAGE, "not in an image format");
  char *empty = write_file ("empty.png", "", 0);
  assert_load_fails (empty, FER_ERROR_NOT_IMAGE, "is empty");
  char *cut_jpeg = write_file ("cut.jpg", jpeg, jpeg_size / 2);
  assert_load_fails (cut_jpeg, FER_ERROR_FORMAT, "truncated");
  char *cut_png = write_file ("cut.png", png, png_size / 2);
  assert_load_fails (cut_png, FER_ERROR_FORMAT, "corrupt");
  /* A PNM header with DICOM's signature at byte 128: OpenCV would hand it to GDCM, which
   * aborts on damaged files. */
  char dicom[160];
  memset (dicom, 0xff, sizeof dicom);
  memcpy (dicom, "P5\n4 4\n255\n", 11);
  memcpy (dicom + 128, "DICM", 4);
  char *dicom_path = write_file ("dicom.pgm", dicom, sizeof dicom);
  assert_load_fails (dicom_path, FER_ERROR_NOT_IMAGE, "DICOM");
  g_free (dicom_path);
  char *missing = g_build_filename (workdir, "missing.png", NULL);
  assert_load_fails (missing, FER_ERROR_IO, "cannot read");
  assert_load_fails (workdir, FER_ERROR_IO, "cannot read");

  g_free (text); g_free (empty); g_free (cut_jpeg); g_free (cut_png); g_free (missing);
  g_free (jpeg); g_free (png); g_free (jpeg_path); g_free (png_path);
}

/* Headers declaring huge pictures (a few bytes each, as a fuzzer makes them) are refused
 * before the decoder allocates for them, naming the size; one of each format whose header is
 * read. */
static void
test_huge_declared_sizes (void)
{
  static const struct { const char *name; const char *bytes; gsize size; const char *size_text; }
  files[] = {
    /* IHDR 40000 x 40000 */
    { "huge.png", "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x9c\x40\0\0\x9c\x40\x08\x02\0\0\0",
      29, "40000 x 40000" },
    /* SOF0 after APP0: 30000 x 20000 */
    { "huge.jpg", "\xff\xd8\xff\xe0\0\x04" "ab\xff\xc0\0\x0b\x08\x4e\x20\x75\x30\x01\x01\x11\0",
      21, "30000 x 20000" },
    /* BITMAPINFOHEADER 20000 x -20000 (top-down) */
    { "huge.bmp", "BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x20\x4e\0\0\xe0\xb1\xff\xff\x01\0\x18\0",
      30, "20000 x 20000" },
    { "huge.pgm", "P5\n# a comment\n20000 20000\n255\n", 31, "20000 x 20000" },
    { "huge.pbm", "P4\r888888\x10" "888\x10", 14, "888888 x 888" },   /* the fuzzer's */
    /* VP8X canvas 16384 x 16384 */
    { "huge.webp", "RIFF\x24\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\xff\x3f\0\xff\x3f\0\0\0",
      30, "16384 x 16384" },
    /* IFD0 with ImageWidth and ImageLength LONG 20000 */
    { "huge.tiff", "II*\0\x08\0\0\0\x02\0\0\x01\x04\0\x01\0\0\0\x20\x4e\0\0"
      "\x01\x01\x04\0\x01\0\0\0\x20\x4e\0\0\0\0\0\0", 38, "20000 x 20000" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    char *path = write_file (files[i].name, files[i].bytes, files[i].size);
    /* "declares": refused from the header, before the decoder saw it. */
    assert_load_fails (path, FER_ERROR_FORMAT, "declares");
    assert_load_fails (path, FER_ERROR_FORMAT, files[i].size_text);
    g_free (path);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  char *path = fer_test_source_path ("golden/transforms-golden.safetensors");
  GError *error = NULL;
  golden = fer_safetensors_load (path, &error);
  g_assert_no_error (error);
  workdir = g_dir_make_tmp ("fer-transforms-XXXXXX", NULL);

  g_test_add_func ("/transforms/decode-matches-pil", test_decode_matches_pil);
  g_test_add_func ("/transforms/center-matches-torchvision", test_center_matches_torchvision);
  g_test_add_func ("/transforms/center-source-is-what-is-read",
      test_center_source_is_what_is_read);
  g_test_add_func ("/transforms/resized-crops-match-pil", test_resized_crops_match_pil);
  g_test_add_func ("/transforms/shorter-side-sizes", test_shorter_side_sizes);
  g_test_add_func ("/transforms/random-resized-crop", test_random_resized_crop);
  g_test_add_func ("/transforms/bad-files", test_bad_files);
  g_test_add_func ("/transforms/huge-declared-sizes", test_huge_declared_sizes);
  int status = g_test_run ();

  fer_test_remove_tree (workdir);
  g_free (workdir);
  fer_safetensors_free (golden);
  g_free (path);
  return status;
}
