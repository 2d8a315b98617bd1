/* GstFerMeta: faces added and read back, classification checked, a deep copy with the buffer,
 * and rescaled by videoscale (a real element in a GstHarness), as applications will meet it. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <math.h>

#include "gstfermeta.h"

static GstFerMeta *
meta_with_two_faces (GstBuffer *buffer)
{
  GstFerMeta *meta = gst_buffer_add_fer_meta (buffer);
  gfloat landmarks[2 * GST_FER_N_LANDMARKS];
  for (int i = 0; i < 2 * GST_FER_N_LANDMARKS; i++)
    landmarks[i] = 100 + i;
  const GstVideoRectangle face = { 100, 80, 200, 240 }, mouth = { 150, 230, 100, 100 };
  gst_fer_meta_add_face (meta, 7, &face, landmarks, &mouth);
  const GstVideoRectangle face2 = { 400, 100, 120, 140 }, mouth2 = { 430, 190, 60, 60 };
  gst_fer_meta_add_face (meta, 8, &face2, NULL, &mouth2);
  return meta;
}

static void
test_add_and_read (void)
{
  GstBuffer *buffer = gst_buffer_new ();
  meta_with_two_faces (buffer);
  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, 2);
  GstFerFace *face = gst_fer_meta_get_face (meta, 0);
  g_assert_cmpuint (face->id, ==, 7);
  g_assert_cmpint (face->mouth.w, ==, 100);
  g_assert_cmpfloat (face->landmarks[135], ==, 235);
  g_assert_false (face->classified);
  g_assert_cmpint (face->label_index, ==, -1);
  g_assert_null (gst_fer_meta_get_face (meta, 2));

  const gfloat probabilities[4] = { 0.1f, 0.2f, 0.6f, 0.1f };
  /* No class names yet: nothing to name the label with. */
  g_assert_false (gst_fer_meta_set_classification (meta, face, probabilities));
  g_assert_false (face->classified);
  const gchar *names[4] = { "none", "pouting", "smile", "openmouth" };
  g_assert_false (gst_fer_meta_set_class_names (meta, GST_FER_MAX_CLASSES + 1, names));
  g_assert_true (gst_fer_meta_set_class_names (meta, 4, names));
  g_assert_cmpstr (gst_fer_meta_get_class_name (meta, 3), ==, "openmouth");
  g_assert_null (gst_fer_meta_get_class_name (meta, 4));
  g_assert_true (gst_fer_meta_set_classification (meta, face, probabilities));
  g_assert_true (face->classified);
  g_assert_cmpint (face->label_index, ==, 2);
  g_assert_cmpstr (face->label, ==, "smile");
  g_assert_cmpfloat (face->confidence, ==, 0.6f);
  guint n = 0;
  const gfloat *read = gst_fer_face_get_probabilities (face, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat (read[2], ==, 0.6f);
  g_assert_nonnull (gst_fer_face_get_landmarks (face, &n));
  g_assert_cmpuint (n, ==, 2 * GST_FER_N_LANDMARKS);
  /* Not a probability: refused, face unchanged. */
  const gfloat bad[4] = { 0.5f, NAN, 0.2f, 0.3f };
  g_assert_false (gst_fer_meta_set_classification (meta, face, bad));
  g_assert_cmpint (face->label_index, ==, 2);
  gst_buffer_unref (buffer);
}

static void
test_copy_is_deep (void)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 64, NULL);
  const gchar *names[4] = { "none", "pouting", "smile", "openmouth" };
  g_assert_true (gst_fer_meta_set_class_names (meta_with_two_faces (buffer), 4, names));
  GstBuffer *copy = gst_buffer_copy (buffer);
  GstFerMeta *copied = gst_buffer_get_fer_meta (copy);
  g_assert_nonnull (copied);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (copied), ==, 2);
  gst_fer_meta_get_face (copied, 0)->face.x = 1;
  g_assert_cmpint (gst_fer_meta_get_face (gst_buffer_get_fer_meta (buffer), 0)->face.x, ==, 100);
  g_assert_cmpuint (copied->n_classes, ==, 4);
  g_assert_cmpstr (gst_fer_meta_get_class_name (copied, 1), ==, "pouting");
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}

static void
test_videoscale_rescales (void)
{
  GstHarness *h = gst_harness_new ("videoscale");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGBA,width=640,height=480,framerate=30/1");
  gst_harness_set_sink_caps_str (h, "video/x-raw,format=RGBA,width=320,height=240,framerate=30/1");
  GstBuffer *buffer = gst_harness_create_buffer (h, 640 * 480 * 4);
  meta_with_two_faces (buffer);
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, 2);
  const GstFerFace *f = gst_fer_meta_get_face (meta, 0);
  g_assert_cmpuint (f->id, ==, 7);
  g_assert_cmpint (f->face.x, ==, 50);
  g_assert_cmpint (f->face.y, ==, 40);
  g_assert_cmpint (f->face.w, ==, 100);
  g_assert_cmpint (f->face.h, ==, 120);
  g_assert_cmpint (f->mouth.x, ==, 75);
  g_assert_cmpint (f->mouth.w, ==, 50);
  g_assert_cmpfloat (fabsf (f->landmarks[0] - 50.0f), <, 1e-4);
  g_assert_cmpfloat (fabsf (f->landmarks[1] - 50.5f), <, 1e-4);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fer-meta/add-and-read", test_add_and_read);
  g_test_add_func ("/fer-meta/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/fer-meta/videoscale-rescales", test_videoscale_rescales);
  return g_test_run ();
}
