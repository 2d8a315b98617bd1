/* Faces, landmarks and the mouth box: the seed's rule at every edge of the frame, the models'
 * loading errors, and, with ../shared, helen-dev's hand-annotated photos: how many faces the
 * cascade finds and how well our mouth box (from dlib's landmarks) matches the box from the
 * annotated landmarks (mean IoU >= 0.85 required). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/fer-error.h"
#include "box/box.h"
#include "detect/detector-finder.h"
#include "face/face-landmarks.h"
#include "face/photo-mouth-cut.h"
#include "face/mouth-box.h"
#include "face/mouth-geometry.h"
#include "image/image.h"
#include "image/transforms.h"
#include "fer-test-util.h"

/* Landmarks whose lips (48..67) span [x0, x1] x [y0, y1]. */
static void
lips (float points[136], double x0, double y0, double x1, double y1)
{
  for (int i = 0; i < 68; i++) {
    points[2 * i] = (float) ((x0 + x1) / 2);
    points[2 * i + 1] = (float) ((y0 + y1) / 2);
  }
  points[2 * 48] = (float) x0;
  points[2 * 54] = (float) x1;
  points[2 * 51 + 1] = (float) y0;
  points[2 * 57 + 1] = (float) y1;
}

static void
assert_inside (FerBox box, int width, int height)
{
  g_assert_cmpint (box.x, >=, 0);
  g_assert_cmpint (box.y, >=, 0);
  g_assert_cmpint (box.width, >=, 1);
  g_assert_cmpint (box.x + box.width, <=, width);
  g_assert_cmpint (box.y + box.height, <=, height);
  g_assert_cmpint (box.width, ==, box.height);
}

/* Outer corners 48 and 54 (width 40), inner lips 61-63 over 67-65 apart by gap. */
static void
mouth_with_gap (float *p, double gap)
{
  for (int i = 0; i < 136; i++)
    p[i] = 0;
  p[2 * 48] = 100, p[2 * 48 + 1] = 200;
  p[2 * 54] = 140, p[2 * 54 + 1] = 200;
  for (int k = 0; k < 3; k++) {
    p[2 * (61 + k)] = p[2 * (67 - k)] = 110 + 10 * k;
    p[2 * (61 + k) + 1] = 200 - gap / 2;
    p[2 * (67 - k) + 1] = 200 + gap / 2;
  }
}

/* A face for the mouth features: eyes' centres at (100, 150) and (140, 150) (six points each,
 * around the centre), mouth_with_gap's mouth below, its inner lips' middle lowered by dip. */
static void
face_for_features (float *p, double gap, double dip)
{
  mouth_with_gap (p, gap);
  for (int k = 0; k < 6; k++) {
    const double dx = k < 3 ? -3 + 3 * k : 3 - 3 * (k - 3), dy = k < 3 ? -1 : 1;
    p[2 * (36 + k)] = 100 + dx, p[2 * (36 + k) + 1] = 150 + dy;
    p[2 * (42 + k)] = 140 + dx, p[2 * (42 + k) + 1] = 150 + dy;
  }
  p[2 * 62 + 1] += dip;
  p[2 * 66 + 1] += dip;
}

static void
test_mouth_features (void)
{
  float p[136];
  double f[FER_MOUTH_FEATURES], g[FER_MOUTH_FEATURES];
  g_assert_cmpstr (fer_mouth_feature_names[FER_MOUTH_CORNER_LIFT], ==, "corner_lift");
  /* Closed, level lips as wide as the eyes are apart. */
  face_for_features (p, 0, 0);
  g_assert_true (fer_mouth_features (p, f));
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_OPENING], 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_CORNER_LIFT], 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_WIDTH_RATIO], 1, 1e-9);
  /* Corners 4 px above the lips' middle on a 40 px mouth: a lift of 0.1; drooping: -0.1. */
  face_for_features (p, 10, 4);
  g_assert_true (fer_mouth_features (p, f));
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_OPENING], 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_CORNER_LIFT], 0.1, 1e-6);
  face_for_features (p, 10, -4);
  g_assert_true (fer_mouth_features (p, f));
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_CORNER_LIFT], -0.1, 1e-6);
  /* The same face turned by 35 degrees, three times as big and moved: the same features (the
   * lift is measured along the face's up, not the image's). */
  face_for_features (p, 10, 4);
  g_assert_true (fer_mouth_features (p, f));
  const double a = 35 * G_PI / 180;
  for (int i = 0; i < 68; i++) {
    const double x = p[2 * i], y = p[2 * i + 1];
    p[2 * i] = (float) (3 * (cos (a) * x - sin (a) * y) + 17);
    p[2 * i + 1] = (float) (3 * (sin (a) * x + cos (a) * y) - 40);
  }
  g_assert_true (fer_mouth_features (p, g));
  for (int k = 0; k < FER_MOUTH_FEATURES; k++)
    g_assert_cmpfloat_with_epsilon (g[k], f[k], 1e-5);
  /* A stretched mouth: 60 px between corners, eyes 40 apart. */
  face_for_features (p, 0, 0);
  p[2 * 48] -= 10;
  p[2 * 54] += 10;
  g_assert_true (fer_mouth_features (p, f));
  g_assert_cmpfloat_with_epsilon (f[FER_MOUTH_WIDTH_RATIO], 1.5, 1e-6);
  /* No eye distance, a point that is not a number, or all zeros (a face added without
   * landmarks): no features. */
  for (int k = 0; k < 6; k++)
    p[2 * (42 + k)] = p[2 * (36 + k)], p[2 * (42 + k) + 1] = p[2 * (36 + k) + 1];
  g_assert_false (fer_mouth_features (p, f));
  g_assert_true (isnan (f[FER_MOUTH_WIDTH_RATIO]));
  face_for_features (p, 0, 0);
  p[2 * 40 + 1] = INFINITY;
  g_assert_false (fer_mouth_features (p, f));
  memset (p, 0, sizeof p);
  g_assert_false (fer_mouth_features (p, f));
}

static void
test_mouth_opening (void)
{
  float p[136];
  mouth_with_gap (p, 0);
  g_assert_cmpfloat_with_epsilon (fer_mouth_opening (p), 0, 1e-9);
  mouth_with_gap (p, 10);
  g_assert_cmpfloat_with_epsilon (fer_mouth_opening (p), 0.25, 1e-6);
  /* The same mouth twice as big, elsewhere: the same opening. */
  for (int i = 0; i < 136; i++)
    p[i] = p[i] * 2 + 30;
  g_assert_cmpfloat_with_epsilon (fer_mouth_opening (p), 0.25, 1e-6);
  /* Not numbers, or no width: NAN. */
  p[2 * 62] = NAN;
  g_assert_true (isnan (fer_mouth_opening (p)));
  mouth_with_gap (p, 4);
  p[2 * 54] = p[2 * 48];
  g_assert_true (isnan (fer_mouth_opening (p)));
}

static void
test_mouth_box_rule (void)
{
  float p[136];
  FerBox box;
  /* Centre: 40 x 20 lips -> a 60 px square on the same centre. */
  lips (p, 100, 200, 140, 220);
  g_assert_true (fer_mouth_box (p, 1.5, 640, 480, &box));
  g_assert_cmpint (box.width, ==, 60);
  g_assert_cmpint (box.x, ==, 90);
  g_assert_cmpint (box.y, ==, 180);
  /* Each edge: shifted inside, same size. */
  const double edges[][4] = { { -10, 200, 30, 220 }, { 620, 200, 660, 220 },
    { 100, -15, 140, 5 }, { 100, 470, 140, 490 }, { 630, 470, 650, 495 } };
  for (guint i = 0; i < G_N_ELEMENTS (edges); i++) {
    lips (p, edges[i][0], edges[i][1], edges[i][2], edges[i][3]);
    g_assert_true (fer_mouth_box (p, 1.5, 640, 480, &box));
    assert_inside (box, 640, 480);
  }
  /* A frame smaller than the square: shrunk to fit. */
  lips (p, 0, 0, 100, 60);
  g_assert_true (fer_mouth_box (p, 1.5, 80, 50, &box));
  assert_inside (box, 80, 50);
  g_assert_cmpint (box.width, ==, 50);
  /* Far outside the frame, or not numbers: still inside, or refused. */
  lips (p, 5000, -5000, 5040, -4980);
  g_assert_true (fer_mouth_box (p, 1.5, 640, 480, &box));
  assert_inside (box, 640, 480);
  p[2 * 50] = NAN;
  g_assert_false (fer_mouth_box (p, 1.5, 640, 480, &box));
  g_assert_false (fer_mouth_box (p, 1.5, 0, 480, &box));
}

static void
test_iou (void)
{
  g_assert_cmpfloat (fer_box_iou ((FerBox) { 0, 0, 10, 10 }, (FerBox) { 0, 0, 10, 10 }), ==, 1);
  g_assert_cmpfloat (fer_box_iou ((FerBox) { 0, 0, 10, 10 }, (FerBox) { 10, 0, 10, 10 }), ==, 0);
  g_assert_cmpfloat (fabs (fer_box_iou ((FerBox) { 0, 0, 10, 10 }, (FerBox) { 5, 0, 10, 10 })
          - 50.0 / 150), <, 1e-12);
}

static void
assert_acquire_fails (const char *cascade, const char *landmarks, const char *expected)
{
  GError *error = NULL;
  g_assert_null (fer_face_models_acquire (cascade, landmarks, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_MODEL);
  g_test_message ("%s", error->message);
  if (strstr (error->message, expected) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, expected);
  g_error_free (error);
}

static void
test_model_errors (void)
{
  char *not_a_model = fer_test_source_path ("data/pattern.png");
  assert_acquire_fails ("/nonexistent/cascade.xml", FER_DEFAULT_LANDMARK_MODEL,
      "/nonexistent/cascade.xml");
  assert_acquire_fails (not_a_model, FER_DEFAULT_LANDMARK_MODEL, "opencv-data");
  assert_acquire_fails (FER_DEFAULT_CASCADE, "/nonexistent/landmarks.dat", "libdlib-data");
  assert_acquire_fails (FER_DEFAULT_CASCADE, not_a_model, "pattern.png");
  g_free (not_a_model);
}

static void
test_models_are_shared_and_blank_has_no_face (void)
{
  GError *error = NULL;
  FerFaceModels *a = fer_face_models_acquire (FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL,
      &error);
  g_assert_no_error (error);
  FerFaceModels *b = fer_face_models_acquire (FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL,
      &error);
  g_assert_true (a == b);
  uint8_t *blank = g_malloc0 (320 * 240);
  const FerGrayView view = { blank, 320, 240, 320 };
  const FerDetectOptions options = { 1.3, 5, 30, 0 };
  FerBox faces[4];
  g_assert_cmpint (fer_face_detect (a, &view, &options, faces, 4, &error), ==, 0);
  const FerGrayView empty = { blank, 0, 0, 0 };
  g_assert_cmpint (fer_face_detect (a, &empty, &options, faces, 4, &error), ==, 0);
  g_free (blank);
  fer_face_models_release (b);
  fer_face_models_release (a);
}

/* helen-dev */

static uint8_t *
luma (const FerImage *image)
{
  const size_t n = (size_t) image->width * image->height;
  uint8_t *gray = g_malloc (n);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = image->pixels + 3 * i;
    gray[i] = (uint8_t) ((p[0] * 299 + p[1] * 587 + p[2] * 114 + 500) / 1000);
  }
  return gray;
}

/* helen-dev's photos with their 68 annotated points (x0, y0, ... in photo pixels), each given to
 * visit; FALSE (the test skipped, saying so) when ../shared is not here. */
typedef void (*HelenVisit) (FerImage *photo, const float annotated[136], gpointer user_data);

static gboolean
for_each_helen_photo (HelenVisit visit, gpointer user_data)
{
  char *root = g_build_filename (FER_SHARED_DATA, "datasets", "helen-dev", NULL);
  char *csv_path = g_build_filename (root, "annotations.csv", NULL);
  char *csv;
  const gboolean here = g_file_get_contents (csv_path, &csv, NULL, NULL);
  if (!here)
    g_test_skip (FER_SHARED_DATA "/datasets/helen-dev is not here (-Dshared_data)");
  char **lines = here ? g_strsplit (csv, "\n", -1) : NULL;
  for (int l = 1; lines && lines[l] && lines[l][0]; l++) {
    char **quoted = g_strsplit (lines[l], "\"", 3);
    char **fields = g_strsplit (quoted[0], ",", 2);
    char **numbers = g_strsplit (quoted[1], ",", -1);
    float annotated[136];
    for (int i = 0; i < 136 && numbers[i]; i++)
      annotated[i] = (float) g_ascii_strtod (numbers[i], NULL);
    FerImage *photo = NULL;
    for (const char *const *c = (const char *const[]) { "0", "2", "3", NULL }; *c && !photo; c++) {
      char *path = g_build_filename (root, "faces", *c, fields[0], NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        photo = fer_image_load (path, NULL);
      g_free (path);
    }
    g_strfreev (numbers);
    g_strfreev (fields);
    g_strfreev (quoted);
    if (photo)
      visit (photo, annotated, user_data);
    fer_image_free (photo);
  }
  g_strfreev (lines);
  if (here)
    g_free (csv);
  g_free (csv_path);
  g_free (root);
  return here;
}

typedef struct {
  FerFaceModels *models;
  int photos, found;
  double iou_sum, iou_min;
  gint64 landmark_time;
} HelenCascade;

static void
helen_cascade_visit (FerImage *photo, const float points_in[136], gpointer user_data)
{
  HelenCascade *h = user_data;
  const FerDetectOptions options = { 1.3, 5, 40, 0 };
  const int detect_width = 480;
  GError *error = NULL;
  float annotated[136];
  memcpy (annotated, points_in, sizeof annotated);
  h->photos++;
  /* The photos are tight crops: on a canvas twice their size the cascade sees whole faces. */
  const int ox = photo->width / 2, oy = photo->height / 2;
  FerImage *canvas = fer_image_new (photo->width * 2, photo->height * 2);
  memset (canvas->pixels, 128, fer_image_bytes (canvas));
  for (int y = 0; y < photo->height; y++)
    memcpy (canvas->pixels + ((size_t) (y + oy) * canvas->width + ox) * 3,
        photo->pixels + (size_t) y * photo->width * 3, (size_t) photo->width * 3);
  for (int i = 0; i < 68; i++) {
    annotated[2 * i] += ox;
    annotated[2 * i + 1] += oy;
  }
  const double scale = (double) canvas->width / detect_width;
  FerImage *small = fer_image_new (detect_width, (int) (canvas->height / scale));
  fer_resize_bilinear (small, canvas, (FerBox) { 0, 0, canvas->width, canvas->height });
  uint8_t *small_gray = luma (small), *gray = luma (canvas);
  const FerGrayView small_view = { small_gray, small->width, small->height, small->width };
  FerBox faces[1];
  if (fer_face_detect (h->models, &small_view, &options, faces, 1, &error) == 1) {
    h->found++;
    const FerBox face = { (int) (faces[0].x * scale), (int) (faces[0].y * scale),
      (int) (faces[0].width * scale), (int) (faces[0].height * scale) };
    const FerGrayView view = { gray, canvas->width, canvas->height, canvas->width };
    float points[136];
    const gint64 start = g_get_monotonic_time ();
    g_assert_true (fer_face_landmarks (h->models, &view, face, points, &error));
    h->landmark_time += g_get_monotonic_time () - start;
    FerBox ours, truth;
    g_assert_true (fer_mouth_box (points, 1.5, canvas->width, canvas->height, &ours));
    g_assert_true (fer_mouth_box (annotated, 1.5, canvas->width, canvas->height, &truth));
    const double iou = fer_box_iou (ours, truth);
    h->iou_sum += iou;
    h->iou_min = MIN (h->iou_min, iou);
  }
  g_free (small_gray);
  g_free (gray);
  fer_image_free (small);
  fer_image_free (canvas);
}

static void
test_helen (void)
{
  GError *error = NULL;
  HelenCascade h = { .iou_min = 1 };
  h.models = fer_face_models_acquire (FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL, &error);
  g_assert_no_error (error);
  if (for_each_helen_photo (helen_cascade_visit, &h)) {
    const double mean_iou = h.found ? h.iou_sum / h.found : 0;
    g_test_message ("helen-dev: %d photos, faces found in %d (%.1f%%); mouth box IoU against "
        "the annotated landmarks: mean %.3f, min %.3f; landmarks %.2f ms per face", h.photos,
        h.found, 100.0 * h.found / MAX (h.photos, 1), mean_iou, h.iou_min,
        h.landmark_time / 1000.0 / MAX (h.found, 1));
    printf ("# helen-dev: faces found in %d of %d photos; mean mouth-box IoU %.3f\n", h.found,
        h.photos, mean_iou);
    g_assert_cmpint (h.photos, >, 400);
    g_assert_cmpfloat (mean_iou, >=, 0.85);
  }
  fer_face_models_release (h.models);
}

/* helen-dev through the code fer-eval --faces and fer-prep run (fer_cut_mouths_with: photo on a
 * canvas twice its size, the largest face, landmarks, mouth box), with each face detector:
 * faces found and the mouth box against the one of the annotated landmarks.  Our detector's
 * boxes go to dlib through its calibrated landmark box, which must give mouths as good as
 * Haar's boxes do. */
typedef struct {
  const FerFaceFinderFuncs *funcs;
  gpointer finder;
  int photos, found;
  double iou_sum;
} HelenScore;

static void
helen_score_visit (FerImage *photo, const float annotated[136], gpointer user_data)
{
  HelenScore *score = user_data;
  score->photos++;
  FerMouth mouth;
  GError *error = NULL;
  const int n = fer_cut_mouths_with (score->funcs, score->finder, photo, 0.5, &mouth, 1, &error);
  g_assert_no_error (error);
  if (n == 1) {
    FerBox truth;
    /* The mouth box rule on the annotated points, in the photo (as the cut's box is). */
    g_assert_true (fer_mouth_box (annotated, FER_MOUTH_SCALE_SEED, 4 * photo->width,
            4 * photo->height, &truth));
    score->found++;
    score->iou_sum += fer_box_iou (mouth.mouth, truth);
    fer_image_free (mouth.crop);
  }
}

static void
test_helen_detectors (void)
{
  char *model = g_build_filename (FER_TEST_SOURCE_DIR, "..", "models",
      "fer-face-detector.safetensors", NULL);
  if (!g_file_test (FER_SHARED_DATA "/datasets/helen-dev/annotations.csv", G_FILE_TEST_EXISTS)) {
    g_test_skip (FER_SHARED_DATA "/datasets/helen-dev is not here (-Dshared_data)");
    g_free (model);
    return;
  }
  GError *error = NULL;
  FerFaceModels *models = fer_face_models_acquire (FER_DEFAULT_CASCADE,
      FER_DEFAULT_LANDMARK_MODEL, &error);
  g_assert_no_error (error);
  FerDetectorFinder *cnn = fer_detector_finder_new (model, 0, 0, models, &error);
  g_assert_no_error (error);
  HelenScore haar_score = { .funcs = &fer_face_models_finder, .finder = models };
  HelenScore cnn_score = { .funcs = &fer_detector_finder_funcs, .finder = cnn };
  for_each_helen_photo (helen_score_visit, &haar_score);
  for_each_helen_photo (helen_score_visit, &cnn_score);
  const HelenScore *scores[2] = { &haar_score, &cnn_score };
  const char *names[2] = { "haar", "cnn" };
  for (int i = 0; i < 2; i++) {
    g_test_message ("helen-dev, %s: faces found in %d of %d photos (%.1f%%), mean mouth-box "
        "IoU %.3f", names[i], scores[i]->found, scores[i]->photos,
        100.0 * scores[i]->found / MAX (1, scores[i]->photos),
        scores[i]->iou_sum / MAX (1, scores[i]->found));
    printf ("# helen-dev, %s: faces found in %d of %d photos; mean mouth-box IoU %.3f\n",
        names[i], scores[i]->found, scores[i]->photos,
        scores[i]->iou_sum / MAX (1, scores[i]->found));
  }
  g_assert_cmpint (cnn_score.photos, >, 400);
  /* Regression guards a little under what the shipped detector measures (see the model card). */
  g_assert_cmpfloat ((double) cnn_score.found / cnn_score.photos, >=, 0.95);
  g_assert_cmpfloat (cnn_score.iou_sum / cnn_score.found, >=, 0.90);
  g_assert_cmpint (cnn_score.found, >, haar_score.found);
  fer_detector_finder_free (cnn);
  fer_face_models_release (models);
  g_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/face/mouth-box-rule", test_mouth_box_rule);
  g_test_add_func ("/face/mouth-opening", test_mouth_opening);
  g_test_add_func ("/face/mouth-features", test_mouth_features);
  g_test_add_func ("/face/iou", test_iou);
  g_test_add_func ("/face/model-errors", test_model_errors);
  g_test_add_func ("/face/models-shared-blank-frame", test_models_are_shared_and_blank_has_no_face);
  g_test_add_func ("/face/helen-dev", test_helen);
  g_test_add_func ("/face/helen-dev-detectors", test_helen_detectors);
  return g_test_run ();
}
