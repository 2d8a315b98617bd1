/* The face detector's training patches (tools/fer-train-detector/detector-samples.c): a framed
 * patch (a face as a picture in a flat surround) shows its own face only, and the truth says
 * so; without framing, the same photo gives patches with both of its faces. */
#include <glib/gstdio.h>

#include "base/fer-rng.h"

#include "detect/face-annotations.h"
#include "image/image.h"
#include "fer-train-detector/detector-samples.h"
#include "fer-test-util.h"

enum { PATCH = 160, SAMPLES = 400 };

/* A 400x200 textured photo with two 50 px faces 230 px apart, its CSV, loaded. */
static FerDetectorPhotos *
two_face_photo (const char *dir)
{
  FerImage *image = fer_image_new (400, 200);
  FerRng rng;
  fer_rng_init (&rng, 4);
  for (size_t i = 0; i < (size_t) 400 * 200 * 3; i++)
    image->pixels[i] = (uint8_t) fer_rng_below (&rng, 256);
  char *png = g_build_filename (dir, "two.png", NULL);
  g_assert_true (fer_image_save_png (image, png, NULL));
  char *csv = g_build_filename (dir, "two.csv", NULL);
  g_assert_true (g_file_set_contents (csv, "two.png,400,200,60,75,110,125\n"
          "two.png,400,200,290,75,340,125\n", -1, NULL));
  GError *error = NULL;
  FerFaceAnnotations *annotations = fer_face_annotations_load (csv, &error);
  g_assert_no_error (error);
  FerDetectorPhotos *photos = fer_detector_photos_load (annotations, NULL, NULL, NULL);
  g_assert_cmpint (photos->photos->len, ==, 1);
  fer_face_annotations_free (annotations);
  fer_image_free (image);
  g_free (png);
  g_free (csv);
  return photos;
}

/* How many of SAMPLES patches have 0, 1 and 2 faces in their truth. */
static void
count_faces (const FerDetectorPhotos *photos, double framed_share, int counts[3])
{
  /* Faces of 20 px: the other face's centre ~92 px away, often inside the patch, never inside
   * a picture that reaches at most one face side beyond the face's centre. */
  const FerSampleOptions options = { .min_face = 20, .max_face = 20, .face_share = 1,
    .max_tilt = 30, .framed_share = framed_share, .augment = TRUE };
  float *patch = g_new (float, PATCH * PATCH);
  FerRng rng;
  fer_rng_init (&rng, 11);
  counts[0] = counts[1] = counts[2] = 0;
  for (int i = 0; i < SAMPLES; i++) {
    FerSampleTruth truth;
    fer_detector_sample (photos, &options, PATCH, &rng, patch, &truth);
    g_assert_cmpint (truth.n_faces, <=, 2);
    counts[truth.n_faces]++;
  }
  g_free (patch);
}

static void
test_framed_patches (void)
{
  char *dir = g_dir_make_tmp ("fer-samples-XXXXXX", NULL);
  FerDetectorPhotos *photos = two_face_photo (dir);
  int plain[3], framed[3];
  count_faces (photos, 0, plain);
  count_faces (photos, 1, framed);
  g_test_message ("faces per patch 0/1/2: plain %d/%d/%d, framed %d/%d/%d", plain[0], plain[1],
      plain[2], framed[0], framed[1], framed[2]);
  g_assert_cmpint (plain[2], >, SAMPLES / 10);     /* both faces in view */
  g_assert_cmpint (framed[2], ==, 0);              /* the other face is outside the picture */
  g_assert_cmpint (framed[1], >, SAMPLES / 2);     /* its own face is kept */
  fer_detector_photos_free (photos);
  fer_test_remove_tree (dir);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detector-samples/framed-patches", test_framed_patches);
  return g_test_run ();
}
