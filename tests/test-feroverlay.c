/* feroverlay in a GstHarness: for every format, drawn pixels where the mouth box is, nothing
 * changed outside the drawings; frames without faces or without metadata bit-identical; the
 * optional drawings stay near their face; properties changed while streaming.  The frames carry
 * a GstFerMeta made here (a face of the bundled photo where fermouthcrop finds it, classified),
 * so the test sees only the overlay. */
#include <gst/check/gstharness.h>
#include <math.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "image/image.h"
#include "gstfermeta.h"
#include "fer-test-util.h"
#include "test-frames.h"

static FerImage *astronaut;
/* Where fermouthcrop puts the photo's face and mouth (512 x 512). */
static const GstVideoRectangle FACE = { 177, 67, 94, 94 }, MOUTH = { 189, 113, 68, 68 };

/* The photo as a frame of format (converted from RGB), with a classified face in its meta
 * unless with_face is FALSE. */
static GstBuffer *
frame (GstVideoFormat format, gboolean with_face, GstVideoInfo * info)
{
  GstBuffer *rgb = fer_test_rgb_buffer (astronaut, 512, 512, 0, 0);
  GstVideoInfo rgb_info;
  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGB, 512, 512);
  gst_video_info_set_format (info, format, 512, 512);
  GstBuffer *out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  GstVideoFrame in_frame, out_frame;
  g_assert_true (gst_video_frame_map (&in_frame, &rgb_info, rgb, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&out_frame, info, out, GST_MAP_WRITE));
  GstVideoConverter *converter = gst_video_converter_new (&rgb_info, info, NULL);
  gst_video_converter_frame (converter, &in_frame, &out_frame);
  gst_video_converter_free (converter);
  gst_video_frame_unmap (&in_frame);
  gst_video_frame_unmap (&out_frame);
  gst_buffer_unref (rgb);
  GST_BUFFER_PTS (out) = 0;
  GstFerMeta *meta = gst_buffer_add_fer_meta (out);
  if (with_face) {
    float landmarks[2 * GST_FER_N_LANDMARKS];
    for (int i = 0; i < GST_FER_N_LANDMARKS; i++) {
      landmarks[2 * i] = FACE.x + 10 + (i % 10) * 8;
      landmarks[2 * i + 1] = FACE.y + 10 + (i / 10) * 11;
    }
    GstFerFace *face = gst_fer_meta_add_face (meta, 1, &FACE, landmarks, &MOUTH);
    const float p[4] = { 0.05f, 0.05f, 0.85f, 0.05f };
    const gchar *names[4] = { "none", "pouting", "smile", "openmouth" };
    g_assert_true (gst_fer_meta_set_class_names (meta, 4, names));
    g_assert_true (gst_fer_meta_set_classification (meta, face, p));
  }
  return out;
}

static GstHarness *
harness (const GstVideoInfo * info, const char *properties)
{
  char *launch = g_strdup_printf ("feroverlay %s", properties ? properties : "");
  GstHarness *h = gst_harness_new_parse (launch);
  GstCaps *caps = gst_video_info_to_caps (info);
  gst_harness_set_src_caps (h, caps);
  g_free (launch);
  return h;
}

/* Compares every component sample of before and after: counts the changed ones inside region
 * (in pixels) and fails on any change outside it. */
static int
changes_inside (GstBuffer * before, GstBuffer * after, const GstVideoInfo * info,
    const GstVideoRectangle * region)
{
  GstVideoFrame a, b;
  g_assert_true (gst_video_frame_map (&a, info, before, GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&b, info, after, GST_MAP_READ));
  int inside = 0, outside = 0;
  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&a); c++) {
    const gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, c);
    const gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, c);
    for (gint cy = 0; cy < GST_VIDEO_FRAME_COMP_HEIGHT (&a, c); cy++)
      for (gint cx = 0; cx < GST_VIDEO_FRAME_COMP_WIDTH (&a, c); cx++) {
        const gsize at = (gsize) cy * GST_VIDEO_FRAME_COMP_STRIDE (&a, c)
            + cx * GST_VIDEO_FRAME_COMP_PSTRIDE (&a, c);
        if (((const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&a, c))[at]
            == ((const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&b, c))[at])
          continue;
        /* The pixels this sample covers. */
        const gint x0 = cx << ws, y0 = cy << hs, x1 = x0 + (1 << ws), y1 = y0 + (1 << hs);
        if (x1 > region->x && x0 < region->x + region->w && y1 > region->y
            && y0 < region->y + region->h)
          inside++;
        else
          outside++;
      }
  }
  gst_video_frame_unmap (&a);
  gst_video_frame_unmap (&b);
  g_assert_cmpint (outside, ==, 0);
  return inside;
}

/* Pushes frame through a fresh feroverlay; returns the output and a copy of the input. */
static GstBuffer *
overlay (GstBuffer * in, const GstVideoInfo * info, const char *properties, GstBuffer ** copy)
{
  *copy = gst_buffer_copy_deep (in);
  GstHarness *h = harness (info, properties);
  g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  gst_harness_teardown (h);
  return out;
}

static void
test_every_format (void)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_GRAY8, GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_YUY2,
    GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
    GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR, GST_VIDEO_FORMAT_RGBA,
    GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB, GST_VIDEO_FORMAT_ABGR };
  /* The mouth box and the label above it (font 17 px at 512 lines: 2 lines of text at most,
   * at most 200 px wide). */
  const GstVideoRectangle region = { MOUTH.x - 4, MOUTH.y - 40, 200, MOUTH.h + 44 };
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstVideoInfo info;
    GstBuffer *before, *after = overlay (frame (formats[i], TRUE, &info), &info, NULL, &before);
    const int changed = changes_inside (before, after, &info, &region);
    g_test_message ("%s: %d samples changed, all by the mouth",
        gst_video_format_to_string (formats[i]), changed);
    g_assert_cmpint (changed, >, 2 * MOUTH.w);   /* at least the box's top and bottom lines */
    gst_buffer_unref (before);
    gst_buffer_unref (after);
  }
}

static void
test_no_face_no_meta_untouched (void)
{
  GstVideoInfo info;
  for (int with_meta = 0; with_meta < 2; with_meta++) {
    GstBuffer *in = frame (GST_VIDEO_FORMAT_I420, FALSE, &info);
    if (!with_meta)
      gst_buffer_remove_meta (in, (GstMeta *) gst_buffer_get_fer_meta (in));
    GstBuffer *before, *after = overlay (in, &info, "show-face=true show-landmarks=true",
        &before);
    GstMapInfo a, b;
    gst_buffer_map (before, &a, GST_MAP_READ);
    gst_buffer_map (after, &b, GST_MAP_READ);
    g_assert_cmpmem (a.data, a.size, b.data, b.size);
    gst_buffer_unmap (before, &a);
    gst_buffer_unmap (after, &b);
    gst_buffer_unref (before);
    gst_buffer_unref (after);
  }
}

/* Face box, landmarks and bars: more drawn, all of it by the face (the bars to its right). */
static void
test_everything_drawn_stays_by_the_face (void)
{
  GstVideoInfo info;
  const GstVideoRectangle region = { FACE.x - 8, FACE.y - 8, FACE.w + 260, FACE.h + 100 };
  GstBuffer *before, *after = overlay (frame (GST_VIDEO_FORMAT_RGBx, TRUE, &info), &info,
      NULL, &before);
  const int plain = changes_inside (before, after, &info, &region);
  gst_buffer_unref (before);
  gst_buffer_unref (after);
  after = overlay (frame (GST_VIDEO_FORMAT_RGBx, TRUE, &info), &info,
      "show-face=true show-landmarks=true show-probabilities=true", &before);
  const int everything = changes_inside (before, after, &info, &region);
  g_test_message ("%d samples changed with the defaults, %d with everything", plain,
      everything);
  g_assert_cmpint (everything, >, plain + 4 * FACE.w);
  gst_buffer_unref (before);
  gst_buffer_unref (after);
}

static void
test_properties_while_streaming (void)
{
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 512, 512);
  /* The element itself (not wrapped in a bin): the stress helpers set its properties. */
  GstHarness *h = gst_harness_new ("feroverlay");
  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
  GValue on = G_VALUE_INIT, width = G_VALUE_INIT, colors = G_VALUE_INIT;
  g_value_init (&on, G_TYPE_BOOLEAN);
  g_value_set_boolean (&on, TRUE);
  g_value_init (&width, G_TYPE_INT);
  g_value_set_int (&width, 5);
  g_value_init (&colors, G_TYPE_STRING);
  g_value_set_string (&colors, "#ff0000,#00ff00");
  GstHarnessThread *threads[3] = {
    gst_harness_stress_property_start_full (h, "show-probabilities", &on, 1000),
    gst_harness_stress_property_start_full (h, "line-width", &width, 1000),
    gst_harness_stress_property_start_full (h, "class-colors", &colors, 1000),
  };
  for (int i = 0; i < 20; i++) {
    g_assert_cmpint (gst_harness_push (h, frame (GST_VIDEO_FORMAT_I420, TRUE, &info)), ==,
        GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (gst_harness_stress_thread_stop (threads[i]), >, 0);
  g_value_unset (&colors);
  gst_harness_teardown (h);
}

/* GstFerMeta from an application can say anything: faces and mouths far outside the frame,
 * partly outside, empty, NaN or infinite landmarks, a classification without names.  The
 * overlay draws what lies inside the frame and never touches memory outside it (the sanitizer
 * build runs this too); a frame the faces all miss leaves untouched. */
static void
test_hostile_meta (void)
{
  const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_RGB,
    GST_VIDEO_FORMAT_YUY2 };
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstBuffer *in = frame (formats[f], FALSE, &info);
    GstHarness *h = harness (&info, "show-face=true show-landmarks=true show-probabilities=true");
    GstFerMeta *meta = gst_buffer_get_fer_meta (in);
    float nan_points[2 * GST_FER_N_LANDMARKS], wild_points[2 * GST_FER_N_LANDMARKS];
    for (int i = 0; i < 2 * GST_FER_N_LANDMARKS; i++) {
      nan_points[i] = i % 3 ? NAN : INFINITY;
      wild_points[i] = i % 2 ? -1e9f : 1e9f;
    }
    const GstVideoRectangle outside = { 5000, -7000, 100, 100 }, partly = { -50, 200, 120, 90 };
    const GstVideoRectangle huge = { -100000, -100000, 400000, 400000 }, empty = { 10, 10, 0, 0 };
    gst_fer_meta_add_face (meta, 1, &outside, nan_points, &outside);
    gst_fer_meta_add_face (meta, 2, &partly, wild_points, &partly);
    gst_fer_meta_add_face (meta, 3, &huge, NULL, &huge);
    gst_fer_meta_add_face (meta, 4, &empty, nan_points, &empty);
    GstFerFace *classified = gst_fer_meta_get_face (meta, 2);   /* (adding moves the faces) */
    /* Probabilities without class names: refused, the face stays unclassified... */
    const float p[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
    g_assert_false (gst_fer_meta_set_classification (meta, classified, p));
    /* ...and an application that fills the fields by hand, with more classes than names. */
    classified->classified = TRUE;
    classified->n_classes = 4;
    classified->label_index = 3;
    classified->label = NULL;
    memcpy (classified->probabilities, p, sizeof p);
    GstBuffer *out = gst_harness_push_and_pull (h, in);
    g_assert_nonnull (out);
    g_assert_cmpuint (gst_buffer_get_size (out), ==, GST_VIDEO_INFO_SIZE (&info));
    gst_buffer_unref (out);

    /* Faces that all miss the frame: nothing drawn. */
    GstBuffer *before = frame (formats[f], FALSE, &info);
    GstBuffer *missed = gst_buffer_copy_deep (before);
    gst_fer_meta_add_face (gst_buffer_get_fer_meta (missed), 5, &outside, nan_points, &outside);
    out = gst_harness_push_and_pull (h, missed);
    const GstVideoRectangle nowhere = { 0, 0, 0, 0 };
    g_assert_cmpint (changes_inside (before, out, &info, &nowhere), ==, 0);
    gst_buffer_unref (out);
    gst_buffer_unref (before);
    gst_harness_teardown (h);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  astronaut = fer_test_astronaut ();
  g_test_add_func ("/feroverlay/every-format", test_every_format);
  g_test_add_func ("/feroverlay/no-face-no-meta-untouched", test_no_face_no_meta_untouched);
  g_test_add_func ("/feroverlay/everything-drawn-stays-by-the-face",
      test_everything_drawn_stays_by_the_face);
  g_test_add_func ("/feroverlay/properties-while-streaming", test_properties_while_streaming);
  g_test_add_func ("/feroverlay/hostile-meta", test_hostile_meta);
  const int status = g_test_run ();
  fer_image_free (astronaut);
  return status;
}
