/* fermouthcrop in a GstHarness: a real face (tests/data/astronaut.jpg, public domain) in every
 * supported format, blank and odd-sized frames, a face moving over 100 frames, the region-of-
 * interest metadata, and the error of a missing cascade; with ../shared, a swaying head in a
 * real clip followed frame by frame. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "box/box.h"
#include "image/image.h"
#include "image/transforms.h"
#include "gstfermeta.h"
#include "clip-faces.h"
#include "fer-test-util.h"
#include "test-frames.h"

static FerImage *astronaut;

static GstHarness *
harness (const char *format, int width, int height, const char *properties)
{
  char *launch = g_strdup_printf ("videoconvert ! video/x-raw,format=%s ! fermouthcrop %s",
      format, properties ? properties : "");
  GstHarness *h = gst_harness_new_parse (launch);
  char *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1",
      width, height);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_free (launch);
  return h;
}

/* Pushes one frame and returns the mouth box of its only face (fails unless exactly one). */
static FerBox
single_mouth (GstHarness *h, GstBuffer *buffer, guint *id)
{
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_nonnull (meta);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, 1);
  const GstFerFace *f = gst_fer_meta_get_face (meta, 0);
  /* The mouth sits in the lower half of the face. */
  const int mouth_cy = f->mouth.y + f->mouth.h / 2;
  g_assert_cmpint (mouth_cy, >, f->face.y + f->face.h / 2);
  g_assert_cmpint (mouth_cy, <, f->face.y + f->face.h + f->mouth.h / 2);
  if (id)
    *id = f->id;
  const FerBox mouth = { f->mouth.x, f->mouth.y, f->mouth.w, f->mouth.h };
  gst_buffer_unref (out);
  return mouth;
}

static void
test_every_format (void)
{
  static const char *const formats[] = { "RGB", "GRAY8", "I420", "YV12", "NV12", "NV21",
    "YUY2", "UYVY", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR" };
  FerBox reference = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstHarness *h = harness (formats[i], astronaut->width, astronaut->height, NULL);
    const FerBox m = single_mouth (h, fer_test_rgb_buffer (astronaut, astronaut->width,
            astronaut->height, 0, 0), NULL);
    g_test_message ("%s: mouth %d,%d %dx%d", formats[i], m.x, m.y, m.width, m.height);
    if (i == 0)
      reference = m;
    g_assert_cmpint (ABS (m.x - reference.x), <=, 2);
    g_assert_cmpint (ABS (m.y - reference.y), <=, 2);
    g_assert_cmpint (ABS (m.width - reference.width), <=, 2);
    gst_harness_teardown (h);
  }
}

static void
test_blank_and_odd_frames (void)
{
  GstHarness *h = harness ("I420", 321, 241, NULL);
  g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (NULL, 321, 241, 0, 0)), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (gst_buffer_get_fer_meta (out)), ==, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  /* An odd-sized frame with the face cut by its right and bottom edges. */
  h = harness ("NV12", 467, 389, NULL);
  const FerBox m = single_mouth (h, fer_test_rgb_buffer (astronaut, 467, 389, 0, 0), NULL);
  g_assert_cmpint (m.x + m.width, <=, 467);
  g_assert_cmpint (m.y + m.height, <=, 389);
  gst_harness_teardown (h);
}

static void
test_moving_face_keeps_its_id (void)
{
  /* Haar: this follows one face's id; our detector also reports the flag on the suit's
   * shoulder on some frames of this canvas (p 0.992 in both looks: models/DETECTOR.md). */
  GstHarness *h = harness ("I420", 800, 560, "detector=haar detect-interval=3");
  guint first_id = 0;
  for (int frame = 0; frame < 100; frame++) {
    guint id;
    single_mouth (h, fer_test_rgb_buffer (astronaut, 800, 560, frame * 2, 20), &id);
    if (frame == 0)
      first_id = id;
    g_assert_cmpuint (id, ==, first_id);
  }
  gst_harness_teardown (h);
}

/* Faces pushed past the left and top edges (the odd-frame test covers right and bottom): every
 * mouth box stays inside the frame, and some of them had to be clamped at each edge. */
static void
test_faces_cut_by_left_and_top_edges (void)
{
  const int width = 300, height = 260;
  gboolean clamped_left = FALSE, clamped_top = FALSE;
  int found = 0;
  /* Detection on every frame: each frame stands alone.  mouth-scale 4 makes the mouth box reach
   * an edge while the face is still whole enough to be found. */
  GstHarness *h = harness ("I420", width, height, "mouth-scale=4 detect-interval=1");
  for (int shift = 40; shift <= 220; shift += 10) {
    const int offsets[2][2] = { { -shift, 0 }, { 0, -shift } };
    for (int k = 0; k < 2; k++) {
      g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (astronaut, width, height,
                  offsets[k][0], offsets[k][1])), ==, GST_FLOW_OK);
      GstBuffer *out = gst_harness_pull (h);
      GstFerMeta *meta = gst_buffer_get_fer_meta (out);
      for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
        const GstVideoRectangle m = gst_fer_meta_get_face (meta, i)->mouth;
        g_assert_cmpint (m.x, >=, 0);
        g_assert_cmpint (m.y, >=, 0);
        g_assert_cmpint (m.w, >, 0);
        g_assert_cmpint (m.h, >, 0);
        g_assert_cmpint (m.x + m.w, <=, width);
        g_assert_cmpint (m.y + m.h, <=, height);
        clamped_left |= k == 0 && m.x == 0;
        clamped_top |= k == 1 && m.y == 0;
        found++;
      }
      gst_buffer_unref (out);
    }
  }
  gst_harness_teardown (h);
  g_test_message ("%d faces found while shifting out; clamped at left %d, top %d", found,
      clamped_left, clamped_top);
  g_assert_true (clamped_left);
  g_assert_true (clamped_top);
}

/* Between detections (every 10th frame here) a face is followed from its landmarks: its
 * box grows as the face comes nearer (from the detection on frame 20 to frame 25 the photo grows
 * by 1.6 / 1.48 = 1.08x), and a face that walks out of the frame is dropped, not left behind at
 * the edge. */
static void
test_followed_face_zooms_and_leaves (void)
{
  const int width = 640, height = 480;
  GstHarness *h = harness ("I420", width, height, "detect-interval=10");
  FerImage *scaled = NULL;
  int detected_side = 0, followed_side = 0;
  guint first_id = 0;
  const int steps = 25;
  for (int frame = 0; frame <= steps; frame++) {
    /* The photo from 300 px to 480 px (1.6x) over 25 frames, centred. */
    const double zoom = 1.0 + 0.6 * frame / steps;
    const int side = (int) (300 * zoom);
    fer_image_free (scaled);
    scaled = fer_image_new (side, side);
    fer_resize_bilinear (scaled, astronaut, (FerBox) { 0, 0, astronaut->width,
          astronaut->height });
    g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (scaled, width, height,
                (width - side) / 2, (height - side) / 2)), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    GstFerMeta *meta = gst_buffer_get_fer_meta (out);
    if (gst_fer_meta_get_n_faces (meta) != 1)
      g_error ("frame %d (zoom %.2f): %u faces", frame, zoom, gst_fer_meta_get_n_faces (meta));
    const GstFerFace *f = gst_fer_meta_get_face (meta, 0);
    if (frame == 0)
      first_id = f->id;
    g_assert_cmpuint (f->id, ==, first_id);
    if (frame == 20)
      detected_side = f->face.w;
    followed_side = f->face.w;
    gst_buffer_unref (out);
  }
  const double growth = (double) followed_side / detected_side, expected = 1.6 / 1.48;
  g_test_message ("face box %d px detected on frame 20, %d px followed to frame 25: %.3fx "
      "(the photo: %.3fx)", detected_side, followed_side, growth, expected);
  g_assert_cmpfloat (fabs (growth - expected), <, 0.04);

  /* Out to the right, 40 px a frame: once gone, it is no longer reported. */
  int frames_with_face_after_exit = 0;
  const int side = scaled->width, y = (height - side) / 2;
  for (int x = (width - side) / 2; x < width + 200; x += 40) {
    g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (scaled, width, height, x, y)), ==,
        GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    GstFerMeta *meta = gst_buffer_get_fer_meta (out);
    if (x >= width)
      frames_with_face_after_exit += gst_fer_meta_get_n_faces (meta) > 0;
    for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++)
      g_assert_cmpint (gst_fer_meta_get_face (meta, i)->mouth.x, <, width);
    gst_buffer_unref (out);
  }
  g_assert_cmpint (frames_with_face_after_exit, ==, 0);
  fer_image_free (scaled);
  gst_harness_teardown (h);
}

/* Pushes the photo at (x, y) of a 640 x 480 frame (NULL: a blank frame) and returns the id of
 * the only face reported, or 0 when none is. */
static guint
face_id_in_frame (GstHarness *h, const FerImage *image, int x, int y)
{
  g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (image, 640, 480, x, y)), ==,
      GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), <=, 1);
  const guint id = gst_fer_meta_get_n_faces (meta) ? gst_fer_meta_get_face (meta, 0)->id : 0;
  gst_buffer_unref (out);
  return id;
}

/* A followed face is looked for again near its box every 10 frames, and on every frame once
 * missed: one that vanishes without walking out (a cut to an empty scene) is dropped after
 * three misses in a row (within 12 frames), long before the next
 * whole-frame detection (every 300 frames here); one that the whole-frame detector stops
 * finding (min-neighbors raised to 50 while playing) but that is still there keeps its id. */
static void
test_followed_face_checked (void)
{
  /* The cascade's min-neighbors is what makes it stop finding the face here. */
  GstHarness *h = harness ("I420", 640, 480, "detector=haar detect-interval=300");
  const guint id = face_id_in_frame (h, astronaut, 64, 0);
  g_assert_cmpuint (id, !=, 0);
  for (int frame = 1; frame < 10; frame++)
    g_assert_cmpuint (face_id_in_frame (h, astronaut, 64 + frame, 0), ==, id);
  int blank_frames_with_face = 0;
  for (int frame = 0; frame < 40; frame++) {
    const guint seen = face_id_in_frame (h, NULL, 0, 0);
    if (seen != 0)
      blank_frames_with_face = frame + 1;
  }
  g_test_message ("face reported on the first %d blank frames", blank_frames_with_face);
  g_assert_cmpint (blank_frames_with_face, <=, 12);
  gst_harness_teardown (h);

  h = harness ("I420", 640, 480, "detector=haar detect-interval=1");
  const guint kept = face_id_in_frame (h, astronaut, 64, 0);
  g_assert_cmpuint (kept, !=, 0);
  GstElement *element = gst_harness_find_element (h, "fermouthcrop");
  g_object_set (element, "min-neighbors", 50, NULL);
  gst_object_unref (element);
  for (int frame = 1; frame < 30; frame++)
    g_assert_cmpuint (face_id_in_frame (h, astronaut, 64 + frame, 0), ==, kept);
  gst_harness_teardown (h);
}

/* The "searched" field of the next "fermouthcrop" message on bus. */
static gboolean
frame_searched (GstBus *bus)
{
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  g_assert_nonnull (message);
  gboolean searched = FALSE;
  g_assert_true (gst_structure_get_boolean (gst_message_get_structure (message), "searched",
          &searched));
  gst_message_unref (message);
  return searched;
}

/* A still picture: the whole-frame search (due every 5th frame here) is skipped while nothing
 * changes outside the tracked face; a second face appearing is a change, found at once. */
static void
test_search_skipped_while_nothing_changes (void)
{
  int width, height;
  gst_buffer_unref (fer_test_row_of_faces (astronaut, 2, &width, &height));
  GstHarness *h = harness ("I420", width, height, "detect-interval=5 post-messages=true");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  GString *searches = g_string_new (NULL);
  for (int frame = 0; frame < 30; frame++) {
    /* The photo where fer_test_row_of_faces puts its first copy; from frame 20 on, both. */
    GstBuffer *in = frame < 20 ? fer_test_rgb_buffer (astronaut, width, height, 10, 20)
        : fer_test_row_of_faces (astronaut, 2, &width, &height);
    g_assert_cmpint (gst_harness_push (h, in), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    const guint faces = gst_fer_meta_get_n_faces (gst_buffer_get_fer_meta (out));
    gst_buffer_unref (out);
    if (faces != (frame < 20 ? 1u : 2u))
      g_error ("frame %d: %u faces", frame, faces);
    if (frame_searched (bus))
      g_string_append_printf (searches, " %d", frame);
  }
  g_test_message ("whole frame searched on frames%s", searches->str);
  g_assert_cmpstr (searches->str, ==, " 0 20");
  g_string_free (searches, TRUE);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* New caps mid-stream (another size): the tracked faces of the old size are forgotten and the
 * face is found where it is in the new frames. */
static void
test_caps_change_mid_stream (void)
{
  GstHarness *h = harness ("I420", 640, 480, NULL);
  guint id_before;
  single_mouth (h, fer_test_rgb_buffer (astronaut, 640, 480, 300, 200), &id_before);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGB,width=400,height=300,framerate=30/1");
  g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (astronaut, 400, 300, 10, 10)), ==,
      GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstVideoInfo info;
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  g_assert_true (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, 400);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, 1);
  const GstFerFace *f = gst_fer_meta_get_face (meta, 0);
  g_assert_cmpuint (f->id, !=, id_before);
  /* The face is at (10, 10) + its place in the photo, not where the old frames had it. */
  g_assert_cmpint (f->face.x, <, 200);
  g_assert_cmpint (f->face.y + f->face.h, <=, 300);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_region_of_interest_meta (void)
{
  GstHarness *h = harness ("RGBx", astronaut->width, astronaut->height, NULL);
  g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (astronaut, astronaut->width,
              astronaut->height, 0, 0)), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstVideoRegionOfInterestMeta *face = NULL, *mouth = NULL, *roi;
  gpointer state = NULL;
  while ((roi = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (roi->roi_type == g_quark_from_string ("face"))
      face = roi;
    else if (roi->roi_type == g_quark_from_string ("mouth"))
      mouth = roi;
  }
  g_assert_nonnull (face);
  g_assert_nonnull (mouth);
  g_assert_cmpint (mouth->parent_id, ==, face->id);
  GstStructure *detection = gst_video_region_of_interest_meta_get_param (face, "detection");
  g_assert_nonnull (detection);
  gdouble x_min, x_max;
  g_assert_true (gst_structure_get_double (detection, "x_min", &x_min));
  g_assert_true (gst_structure_get_double (detection, "x_max", &x_max));
  g_assert_cmpfloat (x_min, <, x_max);
  g_assert_nonnull (gst_video_region_of_interest_meta_get_param (face, "object_id"));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* Five copies of the face, at half size, side by side on one frame: five faces, five ids. */
static void
test_five_faces (void)
{
  FerImage *half = fer_image_new (astronaut->width / 2, astronaut->height / 2);
  fer_resize_bilinear (half, astronaut, (FerBox) { 0, 0, astronaut->width, astronaut->height });
  int width, height;
  GstBuffer *buffer = fer_test_row_of_faces (half, 5, &width, &height);

  /* Half-size faces are ~46 px: below the default min-face-size.  Haar with its detect-width
   * (our detector at detector-width=1280 finds a sixth, false face on a suit: the
   * cnn-detector-width test counts faces by place instead). */
  GstHarness *h = harness ("I420", width, height,
      "detector=haar detect-width=1400 min-face-size=24");
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), ==, 5);
  for (guint i = 0; i < 5; i++)
    for (guint j = 0; j < i; j++)
      g_assert_cmpuint (gst_fer_meta_get_face (meta, i)->id, !=,
          gst_fer_meta_get_face (meta, j)->id);
  gst_buffer_unref (out);

  /* max-faces lowered to 2 while playing: two faces from the next frame on, and no more
   * however many searches run. */
  GstElement *element = gst_harness_find_element (h, "fermouthcrop");
  g_object_set (element, "max-faces", 2, "detect-interval", 1, NULL);
  gst_object_unref (element);
  for (int frame = 0; frame < 5; frame++) {
    g_assert_cmpint (gst_harness_push (h, fer_test_row_of_faces (half, 5, &width, &height)), ==,
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    g_assert_cmpuint (gst_fer_meta_get_n_faces (gst_buffer_get_fer_meta (out)), ==, 2);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  fer_image_free (half);
}

/* Properties changed from another thread while frames flow: no crash, every frame answered.
 * (The stress helpers set properties on the harnessed element itself, so fermouthcrop is
 * harnessed alone, fed GRAY8: the photo's luma.) */
static void
test_properties_while_streaming (void)
{
  const int w = astronaut->width, h_px = astronaut->height;
  GstHarness *h = gst_harness_new ("fermouthcrop");
  char *caps = g_strdup_printf ("video/x-raw,format=GRAY8,width=%d,height=%d,framerate=30/1",
      w, h_px);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  GValue width = G_VALUE_INIT, interval = G_VALUE_INIT, scale = G_VALUE_INIT;
  g_value_init (&width, G_TYPE_INT);
  g_value_set_int (&width, 320);
  g_value_init (&interval, G_TYPE_INT);
  g_value_set_int (&interval, 4);
  g_value_init (&scale, G_TYPE_DOUBLE);
  g_value_set_double (&scale, 1.2);
  GstHarnessThread *threads[3] = {
    gst_harness_stress_property_start_full (h, "detect-width", &width, 1000),
    gst_harness_stress_property_start_full (h, "detect-interval", &interval, 1000),
    gst_harness_stress_property_start_full (h, "scale-factor", &scale, 1000),
  };
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, w, h_px);
  for (int frame = 0; frame < 30; frame++) {
    GstBuffer *buffer = gst_harness_create_buffer (h, GST_VIDEO_INFO_SIZE (&info));
    GstMapInfo map;
    gst_buffer_map (buffer, &map, GST_MAP_WRITE);
    for (int y = 0; y < h_px; y++)
      for (int x = 0; x < w; x++) {
        const uint8_t *p = astronaut->pixels + ((size_t) y * w + x) * 3;
        map.data[(size_t) y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x] =
            (uint8_t) ((p[0] * 299 + p[1] * 587 + p[2] * 114 + 500) / 1000);
      }
    gst_buffer_unmap (buffer, &map);
    g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    g_assert_nonnull (gst_buffer_get_fer_meta (out));
    gst_buffer_unref (out);
  }
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (gst_harness_stress_thread_stop (threads[i]), >, 0);
  gst_harness_teardown (h);
}

/* A swaying head in a real clip (../shared/media/more/d12.mp4: it moves up to a tenth of its
 * size per frame): the face followed between searches overlaps the detector's own box (the
 * detector run on every frame) at IoU >= 0.5 on nearly every frame.  Following from the
 * landmarks alone lost it on 16 % of the frames; looking for it near its box when its landmarks
 * move fast keeps it on all of them. */
static void
test_swaying_head_followed (void)
{
  const char *clip = FER_SHARED_DATA "/media/more/d12.mp4";
  if (!g_file_test (clip, G_FILE_TEST_EXISTS)) {
    g_test_skip (FER_SHARED_DATA "/media/more/d12.mp4 is not here (-Dshared_data)");
    return;
  }
  GError *error = NULL;
  GPtrArray *followed = fer_clip_faces (clip, "fermouthcrop", &error);
  g_assert_no_error (error);
  GPtrArray *detected = fer_clip_faces (clip, "fermouthcrop detect-interval=1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (followed->len, ==, detected->len);
  FerClipComparison c;
  fer_clip_compare (detected, followed, &c);
  g_test_message ("d12: %d of %d faces (%u frames) followed at IoU >= 0.5", c.matched,
      c.reference_faces, detected->len);
  g_assert_cmpint (c.reference_faces, >=, (int) detected->len * 9 / 10);
  g_assert_cmpint (c.matched, >=, c.reference_faces * 97 / 100);
  fer_clip_comparison_clear (&c);
  g_ptr_array_unref (followed);
  g_ptr_array_unref (detected);
}

static void
test_missing_cascade_fails_to_start (void)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=1 ! "
      "fermouthcrop cascade=/nonexistent/faces.xml ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  GError *error = NULL;
  gst_message_parse_error (message, &error, NULL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "/nonexistent/faces.xml"));
  g_assert_nonnull (strstr (error->message, "opencv-data"));
  g_error_free (error);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

/* The element's error when it cannot start: message text, NULL when it started. */
static char *
start_error (const char *launch)
{
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  char *text = NULL;
  if (message && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *error = NULL;
    gst_message_parse_error (message, &error, NULL);
    text = g_strdup (error->message);
    g_error_free (error);
  }
  if (message)
    gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return text;
}

/* The mouth box of the largest face of a frame pushed through h (fails when there is none). */
static FerBox
largest_mouth (GstHarness *h, GstBuffer *buffer, guint *n_faces)
{
  g_assert_cmpint (gst_harness_push (h, buffer), ==, GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstFerMeta *meta = gst_buffer_get_fer_meta (out);
  g_assert_nonnull (meta);
  *n_faces = gst_fer_meta_get_n_faces (meta);
  g_assert_cmpuint (*n_faces, >=, 1);
  const GstFerFace *best = NULL;
  for (guint i = 0; i < *n_faces; i++) {
    const GstFerFace *f = gst_fer_meta_get_face (meta, i);
    if (best == NULL || f->face.w * f->face.h > best->face.w * best->face.h)
      best = f;
  }
  const FerBox mouth = { best->mouth.x, best->mouth.y, best->mouth.w, best->mouth.h };
  gst_buffer_unref (out);
  return mouth;
}

/* Our detector and Haar each find the astronaut, with mouth boxes that agree (the landmark box
 * handed to dlib is calibrated to Haar's), in a planar and a packed format; with one thread or
 * two, the same boxes.  (Our detector
 * may also report the round emblem on her suit as a face, as it does in some of the frames
 * below: the largest face is compared; models/DETECTOR.md lists such false faces.) */
static void
test_detectors_agree (void)
{
  const char *formats[] = { "I420", "BGRx" };
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstHarness *cnn = harness (formats[i], astronaut->width, astronaut->height, "detector=cnn");
    GstHarness *haar = harness (formats[i], astronaut->width, astronaut->height, "detector=haar");
    guint n_cnn, n_haar;
    const FerBox a = largest_mouth (cnn, fer_test_rgb_buffer (astronaut, astronaut->width,
            astronaut->height, 0, 0), &n_cnn);
    const FerBox b = largest_mouth (haar, fer_test_rgb_buffer (astronaut, astronaut->width,
            astronaut->height, 0, 0), &n_haar);
    g_test_message ("%s: cnn mouth %d,%d %dx%d (%u faces), haar %d,%d %dx%d (%u faces)",
        formats[i], a.x, a.y, a.width, a.height, n_cnn, b.x, b.y, b.width, b.height, n_haar);
    g_assert_cmpfloat (fer_box_iou (a, b), >=, 0.8);
    gst_harness_teardown (cnn);
    gst_harness_teardown (haar);
  }
  /* The detector's team size changes the time, not the faces: the same boxes with two. */
  GstHarness *one = harness ("I420", astronaut->width, astronaut->height, "detector=cnn threads=1");
  GstHarness *two = harness ("I420", astronaut->width, astronaut->height, "detector=cnn threads=2");
  guint n_one, n_two;
  const FerBox a = largest_mouth (one, fer_test_rgb_buffer (astronaut, astronaut->width,
          astronaut->height, 0, 0), &n_one);
  const FerBox b = largest_mouth (two, fer_test_rgb_buffer (astronaut, astronaut->width,
          astronaut->height, 0, 0), &n_two);
  g_assert_cmpuint (n_one, ==, n_two);
  g_assert_true (a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height);
  gst_harness_teardown (one);
  gst_harness_teardown (two);
}

/* Each face carries the detector's score: between the model's threshold and 1 with our
 * detector, 1 with Haar (no score); the face ROI's "detection" param has the same. */
static void
test_face_confidence (void)
{
  const char *detectors[] = { "detector=cnn", "detector=haar" };
  for (guint k = 0; k < G_N_ELEMENTS (detectors); k++) {
    GstHarness *h = harness ("I420", astronaut->width, astronaut->height, detectors[k]);
    g_assert_cmpint (gst_harness_push (h, fer_test_rgb_buffer (astronaut, astronaut->width,
                astronaut->height, 0, 0)), ==, GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    GstFerMeta *meta = gst_buffer_get_fer_meta (out);
    g_assert_cmpuint (gst_fer_meta_get_n_faces (meta), >=, 1);
    for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
      const GstFerFace *f = gst_fer_meta_get_face (meta, i);
      g_test_message ("%s: face %u confidence %.4f", detectors[k], f->id, f->face_confidence);
      if (k == 0)
        g_assert_true (f->face_confidence > 0.5f && f->face_confidence <= 1.0f);
      else
        g_assert_cmpfloat (f->face_confidence, ==, 1.0f);
      GstVideoRegionOfInterestMeta *roi = gst_buffer_get_video_region_of_interest_meta_id (out,
          (gint) f->id);
      g_assert_nonnull (roi);
      const GstStructure *detection = gst_video_region_of_interest_meta_get_param (roi,
          "detection");
      double confidence = -1;
      g_assert_true (gst_structure_get_double (detection, "confidence", &confidence));
      g_assert_cmpfloat (fabs (confidence - f->face_confidence), <, 1e-6);
    }
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

/* A face cut by the frame's top edge (a webcam close-up: forehead out of the picture) is found
 * by our detector on every frame while its mouth is in, down to the top 90 of its 116 px cut
 * (the photo's face runs from y 60 to 176); Haar loses it.  (Frames cut further show only the
 * neck: no face to find.) */
static void
test_cnn_finds_close_up (void)
{
  const int width = 420, height = 300;
  GstHarness *cnn = harness ("I420", width, height, "detector=cnn detect-interval=1");
  GstHarness *haar = harness ("I420", width, height, "detector=haar detect-interval=1");
  int haar_found = 0;
  for (int shift = 0; shift <= 90; shift += 30) {
    GstHarness *both[2] = { cnn, haar };
    for (int k = 0; k < 2; k++) {
      g_assert_cmpint (gst_harness_push (both[k], fer_test_rgb_buffer (astronaut, width, height,
                  -40, -shift - 60)), ==, GST_FLOW_OK);
      GstBuffer *out = gst_harness_pull (both[k]);
      GstFerMeta *meta = gst_buffer_get_fer_meta (out);
      /* The face: its mouth box in the upper part of the frame (the emblem is lower). */
      gboolean face = FALSE;
      for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
        const GstFerFace *f = gst_fer_meta_get_face (meta, i);
        face |= f->mouth.y < 150 - shift;
      }
      g_test_message ("%s, top %d px of the face cut: %u faces, the face %s",
          k ? "haar" : "cnn", shift, gst_fer_meta_get_n_faces (meta), face ? "found" : "not found");
      if (k == 0)
        g_assert_true (face);
      else
        haar_found += face;
      gst_buffer_unref (out);
    }
  }
  g_assert_cmpint (haar_found, <, 4);
  gst_harness_teardown (cnn);
  gst_harness_teardown (haar);
}

/* Small faces in a wide frame: five half-size astronauts (faces ~115 px) in a 1340-wide row.
 * At the model's own 320-wide box they are ~28 px there and some are lost (measured: 2 of 5); detector-width=1280
 * finds every one (a copy counts when a mouth box lies in its face: the upper part of the copy;
 * the suit's emblem, below it, is a known false face of the model).  A width too small for the
 * network fails the start naming the property. */
static void
test_cnn_detector_width (void)
{
  FerImage *half = fer_image_new (astronaut->width / 2, astronaut->height / 2);
  fer_resize_bilinear (half, astronaut, (FerBox) { 0, 0, astronaut->width, astronaut->height });
  int width, height;
  gst_buffer_unref (fer_test_row_of_faces (half, 5, &width, &height));
  const char *settings[] = { "detector=cnn min-face-size=24 detect-interval=1",
    "detector=cnn min-face-size=24 detect-interval=1 detector-width=1280" };
  guint found[2];
  for (int k = 0; k < 2; k++) {
    GstHarness *h = harness ("I420", width, height, settings[k]);
    g_assert_cmpint (gst_harness_push (h, fer_test_row_of_faces (half, 5, &width, &height)), ==,
        GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    GstFerMeta *meta = gst_buffer_get_fer_meta (out);
    found[k] = 0;
    for (int copy = 0; copy < 5; copy++) {
      const int x0 = 10 + copy * (half->width + 10);
      gboolean face = FALSE;
      for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
        const GstVideoRectangle m = gst_fer_meta_get_face (meta, i)->mouth;
        const int cx = m.x + m.w / 2, cy = m.y + m.h / 2;
        face |= cx >= x0 && cx < x0 + half->width && cy < 20 + half->height * 3 / 8;
      }
      found[k] += face;
    }
    g_test_message ("%s: %u of 5 faces (%u reports)", settings[k], found[k],
        gst_fer_meta_get_n_faces (meta));
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
  g_assert_cmpuint (found[0], <, 5);
  g_assert_cmpuint (found[1], ==, 5);
  fer_image_free (half);

  char *text = start_error ("videotestsrc num-buffers=1 ! fermouthcrop detector=cnn "
      "detector-width=80 ! fakesink");
  g_assert_nonnull (strstr (text, "detector-width 80"));
  g_free (text);
}

static void
test_detector_model_errors (void)
{
  char *text = start_error ("videotestsrc num-buffers=1 ! fermouthcrop detector=cnn "
      "detector-model=/nonexistent/detector.safetensors ! fakesink");
  g_assert_nonnull (text);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "/nonexistent/detector.safetensors"));
  g_free (text);
  /* The expression model is no face detector: refused, saying so. */
  char *classifier = g_build_filename (FER_TEST_SOURCE_DIR, "..", "models",
      "fer-mouth-simpleconv3.safetensors", NULL);
  char *launch = g_strdup_printf ("videotestsrc num-buffers=1 ! fermouthcrop detector=cnn "
      "detector-model=%s ! fakesink", classifier);
  text = start_error (launch);
  g_assert_nonnull (text);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "fer-mouth-simpleconv3.safetensors"));
  g_free (text);
  g_free (launch);
  g_free (classifier);
  /* detector=haar never reads the detector model. */
  text = start_error ("videotestsrc num-buffers=1 ! fermouthcrop detector=haar "
      "detector-model=/nonexistent/detector.safetensors ! fakesink");
  g_assert_null (text);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  astronaut = fer_test_astronaut ();
  g_test_add_func ("/fermouthcrop/every-format", test_every_format);
  g_test_add_func ("/fermouthcrop/blank-and-odd-frames", test_blank_and_odd_frames);
  g_test_add_func ("/fermouthcrop/moving-face-keeps-its-id", test_moving_face_keeps_its_id);
  g_test_add_func ("/fermouthcrop/faces-cut-by-left-and-top-edges",
      test_faces_cut_by_left_and_top_edges);
  g_test_add_func ("/fermouthcrop/followed-face-zooms-and-leaves",
      test_followed_face_zooms_and_leaves);
  g_test_add_func ("/fermouthcrop/followed-face-checked", test_followed_face_checked);
  g_test_add_func ("/fermouthcrop/swaying-head-followed", test_swaying_head_followed);
  g_test_add_func ("/fermouthcrop/search-skipped-while-nothing-changes",
      test_search_skipped_while_nothing_changes);
  g_test_add_func ("/fermouthcrop/caps-change-mid-stream", test_caps_change_mid_stream);
  g_test_add_func ("/fermouthcrop/region-of-interest-meta", test_region_of_interest_meta);
  g_test_add_func ("/fermouthcrop/five-faces", test_five_faces);
  g_test_add_func ("/fermouthcrop/properties-while-streaming", test_properties_while_streaming);
  g_test_add_func ("/fermouthcrop/missing-cascade-fails", test_missing_cascade_fails_to_start);
  g_test_add_func ("/fermouthcrop/detectors-agree", test_detectors_agree);
  g_test_add_func ("/fermouthcrop/face-confidence", test_face_confidence);
  g_test_add_func ("/fermouthcrop/cnn-finds-close-up", test_cnn_finds_close_up);
  g_test_add_func ("/fermouthcrop/cnn-detector-width", test_cnn_detector_width);
  g_test_add_func ("/fermouthcrop/detector-model-errors", test_detector_model_errors);
  int status = g_test_run ();
  fer_image_free (astronaut);
  return status;
}
