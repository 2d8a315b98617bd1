/* ferclassify in a GstHarness behind fermouthcrop, on the bundled public-domain photo: the same
 * probabilities as fer-eval on the same crop (with and without a geometry head), every format, interval and smoothing as documented,
 * many faces, frames without metadata, bad models, a model swapped while streaming. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "box/box.h"
#include "image/image.h"
#include "image/transforms.h"
#include "io/model-file.h"
#include "expression/geometry-head.h"
#include "nn/simpleconv3.h"
#include "gstfermeta.h"
#include "fer-test-util.h"
#include "test-frames.h"

static FerImage *astronaut;     /* 512 x 512 */
static FerImage *astronaut_dim; /* the same with the lower face darkened: other probabilities */
static char *tmp;

static GstHarness *
harness (const char *format, int width, int height, const char *classify_properties)
{
  char *launch = g_strdup_printf ("videoconvert ! video/x-raw,format=%s ! fermouthcrop ! "
      "ferclassify %s", format, classify_properties ? classify_properties : "");
  GstHarness *h = gst_harness_new_parse (launch);
  char *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1",
      width, height);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_free (launch);
  return h;
}

/* Pushes a frame; returns the output buffer, whose meta must hold n classified faces. */
static GstBuffer *
classify (GstHarness *h, GstBuffer *frame, guint n)
{
  g_assert_cmpint (gst_harness_push (h, frame), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, n);
  for (guint i = 0; i < n; i++) {
    const GstFerFace *f = gst_fer_meta_get_face (meta, i);
    g_assert_true (f->classified);
    g_assert_cmpuint (f->n_classes, ==, 4);
    double sum = 0;
    for (guint c = 0; c < f->n_classes; c++)
      sum += f->probabilities[c];
    g_assert_cmpfloat (fabs (sum - 1), <, 1e-5);
    g_assert_nonnull (f->label);
  }
  return out;
}

/* The probabilities of the only face of a fresh pipeline's first frame (ferclassify with
 * properties, NULL for the defaults), its mouth box and landmarks. */
static void
probabilities_of (const FerImage *image, const char *format, const char *properties, float p[4],
    GstVideoRectangle *mouth, float landmarks[2 * GST_FER_N_LANDMARKS])
{
  GstHarness *h = harness (format, image->width, image->height, properties);
  GstBuffer *out = classify (h, fer_test_rgb_buffer (image, image->width, image->height, 0, 0), 1);
  const GstFerFace *f = gst_fer_meta_get_face (gst_buffer_get_fer_meta (out), 0);
  memcpy (p, f->probabilities, 4 * sizeof (float));
  if (mouth)
    *mouth = f->mouth;
  if (landmarks)
    memcpy (landmarks, f->landmarks, sizeof f->landmarks);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* The default model with a geometry head that moves the probabilities a lot (openmouth's odds
 * up, smile's down, none's by the opening) and does not weigh pouting. */
static char *
model_with_head (void)
{
  char *source = fer_test_source_path ("../models/fer-mouth-simpleconv3.safetensors");
  FerModelInfo *info = NULL;
  GError *error = NULL;
  FerSimpleConv3 *model = fer_model_load (source, &info, &error);
  g_assert_no_error (error);
  FerGeometryHead head = { 4, 0.7, (double[12]) { -60, -5, 2, 0, 0, 0, 0, 20, 0, 60, 5, -8 },
    (double[4]) { 3, 0, -3, 3 }, (gboolean[4]) { TRUE, FALSE, TRUE, TRUE }, { 0, -1, 0 },
    { 1, 1, 3 } };
  fer_geometry_head_to_info (&head, info);
  char *path = g_build_filename (tmp, "with-head.safetensors", NULL);
  g_assert_true (fer_model_save (model, info, path, &error));
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
  g_free (source);
  return path;
}

/* fer-eval's probabilities of the mouth box's pixels cut from the photo (an ImageFolder of one
 * PNG, with the face's landmarks in its landmarks.csv), with extra_option or none. */
static void
fer_eval_probabilities (const char *model, GstVideoRectangle mouth,
    const float landmarks[2 * GST_FER_N_LANDMARKS], const char *extra_option, double p[4])
{
  FerImage *crop = fer_image_new (mouth.w, mouth.h);
  for (int y = 0; y < mouth.h; y++)
    memcpy (crop->pixels + (size_t) y * mouth.w * 3,
        astronaut->pixels + ((size_t) (mouth.y + y) * astronaut->width + mouth.x) * 3,
        (size_t) mouth.w * 3);
  char *data = g_build_filename (tmp, "crops", NULL);
  char *folder = g_build_filename (data, "none", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  char *png = g_build_filename (folder, "mouth.png", NULL);
  GError *error = NULL;
  g_assert_true (fer_image_save_png (crop, png, &error));
  GString *csv = g_string_new ("file,points\nnone/mouth.png,\"");
  for (int k = 0; k < 2 * GST_FER_N_LANDMARKS; k++)
    g_string_append_printf (csv, "%s%.9g", k ? ", " : "", landmarks[k]);
  g_string_append (csv, "\"\n");
  char *csv_path = g_build_filename (data, "landmarks.csv", NULL);
  g_assert_true (g_file_set_contents (csv_path, csv->str, -1, &error));
  char *predictions = g_build_filename (tmp, "predictions.jsonl", NULL);
  const char *argv[] = { FER_EVAL_PATH, "--predictions", predictions, model, data, extra_option,
    NULL };
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
          NULL, NULL, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  JsonParser *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, predictions, &error));
  JsonObject *o = json_object_get_object_member (json_node_get_object (json_parser_get_root
          (parser)), "probabilities");
  static const char *const labels[] = { "none", "pouting", "smile", "openmouth" };
  for (int c = 0; c < 4; c++)
    p[c] = json_object_get_double_member (o, labels[c]);
  g_object_unref (parser);
  g_string_free (csv, TRUE);
  g_free (csv_path);
  g_free (predictions);
  g_free (png);
  g_free (folder);
  g_free (data);
  fer_image_free (crop);
}

/* The element's probabilities, rounded to fer-eval's 4 decimals, are fer-eval's. */
static void
assert_same (const float element[4], const double eval[4])
{
  double worst = 0;
  for (int c = 0; c < 4; c++)
    worst = MAX (worst, fabs (round (element[c] * 1e4) / 1e4 - eval[c]));
  g_test_message ("element none %.6f pouting %.6f smile %.6f openmouth %.6f; largest difference "
      "from fer-eval's 4 decimals %.2g", element[0], element[1], element[2], element[3], worst);
  g_assert_cmpfloat (worst, <=, 1e-12);
}

static void
test_same_as_fer_eval (void)
{
  float element[4], landmarks[2 * GST_FER_N_LANDMARKS];
  GstVideoRectangle mouth;
  double eval[4];
  char *model = fer_test_source_path ("../models/fer-mouth-simpleconv3.safetensors");
  probabilities_of (astronaut, "RGB", NULL, element, &mouth, landmarks);
  fer_eval_probabilities (model, mouth, landmarks, NULL, eval);
  assert_same (element, eval);
  g_free (model);
}

/* A model with a geometry head: the element and fer-eval (the crop's landmarks.csv) weigh the
 * same features the same way; geometry=false and --no-geometry both give the network alone,
 * which differs. */
static void
test_geometry_head (void)
{
  char *model = model_with_head ();
  char *properties = g_strdup_printf ("model=\"%s\"", model);
  char *without_properties = g_strdup_printf ("model=\"%s\" geometry=false", model);
  float with[4], without[4], landmarks[2 * GST_FER_N_LANDMARKS];
  GstVideoRectangle mouth;
  double eval[4];
  probabilities_of (astronaut, "RGB", properties, with, &mouth, landmarks);
  fer_eval_probabilities (model, mouth, landmarks, NULL, eval);
  assert_same (with, eval);
  probabilities_of (astronaut, "RGB", without_properties, without, NULL, NULL);
  fer_eval_probabilities (model, mouth, landmarks, "--no-geometry", eval);
  assert_same (without, eval);
  double moved = 0;
  for (int c = 0; c < 4; c++)
    moved = MAX (moved, fabs (with[c] - without[c]));
  g_test_message ("the head moved a probability by %.3f", moved);
  g_assert_cmpfloat (moved, >, 0.05);
  g_assert_cmpfloat_with_epsilon (with[1], without[1], 1e-6);   /* pouting: not weighed */
  g_free (properties);
  g_free (without_properties);
  g_free (model);
}

/* Every format is classified; a YUV frame's conversion back to RGB costs a little precision. */
static void
test_every_format (void)
{
  static const char *const formats[] = { "GRAY8", "I420", "YV12", "NV12", "NV21", "YUY2",
    "UYVY", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR" };
  float reference[4];
  probabilities_of (astronaut, "RGB", NULL, reference, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    float p[4];
    probabilities_of (astronaut, formats[i], NULL, p, NULL, NULL);
    double worst = 0;
    for (int c = 0; c < 4; c++)
      worst = MAX (worst, fabs (p[c] - reference[c]));
    g_test_message ("%s: largest difference from RGB %.3g", formats[i], worst);
    /* Packed RGB formats carry the same bytes: the same result. */
    if (strchr (formats[i], 'R') && strchr (formats[i], 'B'))
      g_assert_cmpfloat (worst, <=, 1e-6);
    else if (strcmp (formats[i], "GRAY8") != 0)
      g_assert_cmpfloat (worst, <, 0.02);
    else
      g_assert_cmpfloat (worst, <, 0.05);
  }
}

/* A, B, A, B...: photos whose mouths classify differently.  The probabilities of each frame. */
static void
run_alternating (const char *properties, int frames, float p[][4])
{
  GstHarness *h = harness ("RGB", astronaut->width, astronaut->height, properties);
  for (int i = 0; i < frames; i++) {
    const FerImage *image = i % 2 ? astronaut_dim : astronaut;
    GstBuffer *out = classify (h, fer_test_rgb_buffer (image, image->width, image->height, 0, 0),
        1);
    memcpy (p[i], gst_fer_meta_get_face (gst_buffer_get_fer_meta (out), 0)->probabilities,
        4 * sizeof (float));
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

static void
test_interval_and_smoothing (void)
{
  float plain[4][4], every2[4][4], smooth[4][4];
  run_alternating (NULL, 4, plain);
  double differ = 0;
  for (int c = 0; c < 4; c++)
    differ = MAX (differ, fabs (plain[1][c] - plain[0][c]));
  g_test_message ("A vs B: largest probability difference %.3f", differ);
  g_assert_cmpfloat (differ, >, 1e-3);   /* else this test could not see anything */

  /* interval=2: frames 1 and 3 reuse the result of frames 0 and 2. */
  run_alternating ("interval=2", 4, every2);
  for (int c = 0; c < 4; c++) {
    g_assert_cmpfloat (every2[0][c], ==, plain[0][c]);
    g_assert_cmpfloat (every2[1][c], ==, plain[0][c]);
    g_assert_cmpfloat (every2[2][c], ==, plain[2][c]);
    g_assert_cmpfloat (every2[3][c], ==, plain[2][c]);
  }

  /* smoothing=0.75: an exponential moving average of the per-frame results. */
  run_alternating ("smoothing=0.75", 4, smooth);
  float expected[4];
  memcpy (expected, plain[0], sizeof expected);
  for (int i = 0; i < 4; i++) {
    for (int c = 0; c < 4; c++) {
      if (i > 0)
        expected[c] = 0.75f * expected[c] + 0.25f * plain[i][c];
      g_assert_cmpfloat (fabs (smooth[i][c] - expected[c]), <, 1e-6);
    }
  }
}

static void
test_many_faces (void)
{
  FerImage *half = fer_image_new (astronaut->width / 2, astronaut->height / 2);
  fer_resize_bilinear (half, astronaut, (FerBox) { 0, 0, astronaut->width, astronaut->height });
  int width, height;
  GstBuffer *frame = fer_test_row_of_faces (half, 5, &width, &height);
  /* Haar, at a width that finds these small faces: our detector (detector-width=1280) finds
   * them too, and a sixth, false face on a suit (fermouthcrop's cnn-detector-width test counts
   * faces by place instead). */
  GstHarness *h = gst_harness_new_parse ("fermouthcrop detector=haar detect-width=1400 "
      "min-face-size=24 ! "
      "ferclassify post-messages=true");
  char *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1",
      width, height);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  GstBuffer *out = classify (h, frame, 5);

  /* Each mouth ROI carries its face's expression. */
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  int expressions = 0;
  gpointer state = NULL;
  GstVideoRegionOfInterestMeta *roi;
  while ((roi = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *e = gst_video_region_of_interest_meta_get_param (roi, "expression");
    if (e == NULL)
      continue;
    expressions++;
    g_assert_cmpstr (g_quark_to_string (roi->roi_type), ==, "mouth");
    const GstFerFace *face = NULL;
    for (guint i = 0; i < 5; i++)
      if ((gint) gst_fer_meta_get_face (meta, i)->id == roi->parent_id)
        face = gst_fer_meta_get_face (meta, i);
    g_assert_nonnull (face);
    g_assert_cmpstr (gst_structure_get_string (e, "label"), ==, face->label);
    guint label_id;
    g_assert_true (gst_structure_get_uint (e, "label_id", &label_id));
    g_assert_cmpint (label_id, ==, face->label_index);
    const GValue *probabilities = gst_structure_get_value (e, "probabilities");
    g_assert_cmpuint (gst_value_array_get_size (probabilities), ==, 4);
  }
  g_assert_cmpint (expressions, ==, 5);

  /* The bus message lists the five. */
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  g_assert_nonnull (message);
  const GstStructure *s = gst_message_get_structure (message);
  g_assert_true (gst_structure_has_name (s, "ferclassify"));
  g_assert_cmpuint (gst_value_list_get_size (gst_structure_get_value (s, "faces")), ==, 5);
  gst_message_unref (message);
  gst_buffer_unref (out);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  fer_image_free (half);
}

/* Without fermouthcrop: the buffer passes untouched, with one warning however many frames. */
static void
test_no_meta_passes_through (void)
{
  GstHarness *h = gst_harness_new ("ferclassify");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  for (int i = 0; i < 3; i++) {
    GstBuffer *in = fer_test_rgb_buffer (astronaut, 64, 48, -200, -100);
    GstBuffer *copy = gst_buffer_copy_deep (in);
    g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    g_assert_null (gst_buffer_get_fer_meta (out));
    g_assert_cmpuint (gst_buffer_get_n_meta (out, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE),
        ==, 0);
    GstMapInfo a, b;
    gst_buffer_map (out, &a, GST_MAP_READ);
    gst_buffer_map (copy, &b, GST_MAP_READ);
    g_assert_cmpmem (a.data, a.size, b.data, b.size);
    gst_buffer_unmap (out, &a);
    gst_buffer_unmap (copy, &b);
    gst_buffer_unref (out);
    gst_buffer_unref (copy);
  }
  int warnings = 0;
  GstMessage *message;
  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;
    gchar *debug = NULL;
    gst_message_parse_warning (message, &error, &debug);
    g_test_message ("%s (%s)", error->message, debug);
    g_assert_nonnull (strstr (debug, "fermouthcrop"));
    g_error_free (error);
    g_free (debug);
    gst_message_unref (message);
    warnings++;
  }
  g_assert_cmpint (warnings, ==, 1);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* GstFerMeta from an application, hostile: mouths far outside the frame, partly outside, empty,
 * NaN landmarks, zero faces, and class names already set by someone else.  Only mouths with
 * pixels inside the frame are classified (from the part inside); nothing is read outside it
 * (the sanitizer build runs this too). */
static void
test_hostile_meta (void)
{
  GstHarness *h = gst_harness_new ("ferclassify");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=160,height=120,framerate=30/1");
  for (int round = 0; round < 2; round++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, 160 * 120 * 3 / 2, NULL);
    gst_buffer_memset (in, 0, 90, 160 * 120 * 3 / 2);
    GstFerMeta *meta = gst_buffer_add_fer_meta (in);
    if (round == 1) {
      float nan_points[2 * GST_FER_N_LANDMARKS];
      for (int i = 0; i < 2 * GST_FER_N_LANDMARKS; i++)
        nan_points[i] = NAN;
      const GstVideoRectangle outside = { 5000, -7000, 100, 100 }, partly = { 130, 100, 60, 60 };
      const GstVideoRectangle huge = { -100000, -100000, 400000, 400000 }, empty = { 10, 10, 0, 0 };
      const GstVideoRectangle negative = { 20, 20, -30, -30 };
      gst_fer_meta_add_face (meta, 1, &outside, nan_points, &outside);
      gst_fer_meta_add_face (meta, 2, &partly, nan_points, &partly);
      gst_fer_meta_add_face (meta, 3, &huge, NULL, &huge);
      gst_fer_meta_add_face (meta, 4, &empty, NULL, &empty);
      gst_fer_meta_add_face (meta, 5, &negative, NULL, &negative);
      const gchar *names[2] = { "a", "b" };
      g_assert_true (gst_fer_meta_set_class_names (meta, 2, names));
    }
    GstBuffer *out = gst_harness_push_and_pull (h, in);
    meta = gst_buffer_get_fer_meta (out);
    g_assert_nonnull (meta);
    for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
      const GstFerFace *f = gst_fer_meta_get_face (meta, i);
      /* Inside the frame in part: faces 2 (partly) and 3 (covers it all). */
      g_assert_cmpint (f->classified, ==, f->id == 2 || f->id == 3);
    }
    /* The model's own class names replace the application's; the region-of-interest view of
     * every face lies inside the frame. */
    if (round == 1)
      g_assert_cmpstr (gst_fer_meta_get_class_name (meta, 3), ==, "openmouth");
    gpointer state = NULL;
    GstMeta *m;
    while ((m = gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      const GstVideoRegionOfInterestMeta *roi = (const GstVideoRegionOfInterestMeta *) m;
      g_assert_cmpuint (roi->x + roi->w, <=, 160);
      g_assert_cmpuint (roi->y + roi->h, <=, 120);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

/* A model file of num_classes with crop rule crop, from fresh weights. */
static char *
write_model (const char *name, int num_classes, const char *crop, const char *const *labels)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (num_classes);
  fer_simpleconv3_init_weights (model, 7);
  FerModelInfo *info = fer_model_info_new (num_classes);
  if (labels)
    g_assert_true (fer_model_info_set_labels (info, labels));
  g_free (info->crop);
  info->crop = g_strdup (crop);
  char *path = g_build_filename (tmp, name, NULL);
  GError *error = NULL;
  g_assert_true (fer_model_save (model, info, path, &error));
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
  return path;
}

/* The state change to PLAYING fails with an error naming the file and saying why. */
static void
expect_start_error (const char *model, const char *reason)
{
  char *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! fermouthcrop ! "
      "ferclassify model=\"%s\" ! fakesink", model);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  GError *error = NULL;
  gst_message_parse_error (message, &error, NULL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, model));
  g_assert_nonnull (strstr (error->message, reason));
  g_error_free (error);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
}

static void
test_bad_models_fail_to_start (void)
{
  char *missing = g_build_filename (tmp, "missing.safetensors", NULL);
  expect_start_error (missing, "missing.safetensors");
  char *corrupt = g_build_filename (tmp, "corrupt.safetensors", NULL);
  g_assert_true (g_file_set_contents (corrupt, "\x10\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  expect_start_error (corrupt, "corrupt.safetensors");
  char *crop = write_model ("crop.safetensors", 4, "resize-64-random", NULL);
  expect_start_error (crop, "resize-64-random");
  char *many = write_model ("many.safetensors", 20, FER_MODEL_CROP_SEED, NULL);
  expect_start_error (many, "20 classes");
  g_free (missing);
  g_free (corrupt);
  g_free (crop);
  g_free (many);
}

/* model set while frames flow: the next frame uses the new model (its labels); a file that does
 * not load leaves the current model in place, with a warning. */
static void
test_model_swap_while_streaming (void)
{
  static const char *const labels[] = { "calm", "pout", "grin", "gape", NULL };
  char *other = write_model ("other.safetensors", 4, FER_MODEL_CROP_SEED, labels);
  GstHarness *h = harness ("RGB", astronaut->width, astronaut->height, "name=classifier");
  GstBus *bus = gst_bus_new ();
  GstElement *classifier = gst_bin_get_by_name (GST_BIN (h->element), "classifier");
  g_assert_nonnull (classifier);
  gst_element_set_bus (h->element, bus);
  GstBuffer *out = classify (h, fer_test_rgb_buffer (astronaut, 512, 512, 0, 0), 1);
  g_assert_nonnull (strstr ("none pouting smile openmouth",
          gst_fer_meta_get_face (gst_buffer_get_fer_meta (out), 0)->label));
  gst_buffer_unref (out);

  g_object_set (classifier, "model", other, NULL);
  out = classify (h, fer_test_rgb_buffer (astronaut, 512, 512, 0, 0), 1);
  g_assert_nonnull (strstr ("calm pout grin gape",
          gst_fer_meta_get_face (gst_buffer_get_fer_meta (out), 0)->label));
  gst_buffer_unref (out);

  g_object_set (classifier, "model", "/nonexistent/model.safetensors", NULL);
  char *now = NULL;
  g_object_get (classifier, "model", &now, NULL);
  g_assert_cmpstr (now, ==, other);
  GstMessage *warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  g_assert_nonnull (warning);
  gst_message_unref (warning);
  out = classify (h, fer_test_rgb_buffer (astronaut, 512, 512, 0, 0), 1);
  g_assert_nonnull (strstr ("calm pout grin gape",
          gst_fer_meta_get_face (gst_buffer_get_fer_meta (out), 0)->label));
  gst_buffer_unref (out);
  g_free (now);
  gst_object_unref (classifier);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_free (other);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  astronaut = fer_test_astronaut ();
  /* The lower half of the face (mouth and chin: y 110..190, x 160..290) at a third of its
   * brightness. */
  astronaut_dim = fer_image_new (astronaut->width, astronaut->height);
  memcpy (astronaut_dim->pixels, astronaut->pixels, fer_image_bytes (astronaut));
  for (int y = 110; y < 190; y++)
    for (int x = 160; x < 290; x++)
      for (int c = 0; c < 3; c++)
        astronaut_dim->pixels[((size_t) y * astronaut->width + x) * 3 + c] /= 3;
  GError *error = NULL;
  tmp = g_dir_make_tmp ("test-ferclassify-XXXXXX", &error);
  g_assert_no_error (error);
  /* The default model of the source tree, whatever the environment says. */
  g_unsetenv ("GST_FER_MODEL");

  g_test_add_func ("/ferclassify/same-as-fer-eval", test_same_as_fer_eval);
  g_test_add_func ("/ferclassify/geometry-head", test_geometry_head);
  g_test_add_func ("/ferclassify/every-format", test_every_format);
  g_test_add_func ("/ferclassify/interval-and-smoothing", test_interval_and_smoothing);
  g_test_add_func ("/ferclassify/many-faces", test_many_faces);
  g_test_add_func ("/ferclassify/no-meta-passes-through", test_no_meta_passes_through);
  g_test_add_func ("/ferclassify/bad-models-fail-to-start", test_bad_models_fail_to_start);
  g_test_add_func ("/ferclassify/model-swap-while-streaming", test_model_swap_while_streaming);
  g_test_add_func ("/ferclassify/hostile-meta", test_hostile_meta);
  const int status = g_test_run ();
  fer_test_remove_tree (tmp);
  g_free (tmp);
  fer_image_free (astronaut);
  fer_image_free (astronaut_dim);
  return status;
}
