/* fer-make-clip: a short H.264 MP4 with real faces for the demo and the tests, made from a
 * public-domain photo (tests/data/astronaut.jpg, NASA), so no third-party media is needed.
 *
 *   fer-make-clip [--photo FILE] [--seconds S] [--size WxH] [--fps N] OUTPUT.mp4
 *
 * The upper middle of the photo (its face) crosses the left part of the frame and back while it
 * grows and shrinks (one face moving, nearing and leaving); from a third of the clip on, a
 * mirrored copy sits in the lower right corner (a second face that arrives).  Faces are 90 to
 * 140 px high at 480 lines, well above fermouthcrop's minimum.  The file is written beside OUTPUT and renamed when complete.
 *
 * Exit status: 0 written, 1 failed (message on stderr), 2 bad usage. */
#include <errno.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/exit-codes.h"
#include "box/box.h"
#include "image/image.h"
#include "image/transforms.h"

static char *photo_path = FER_SOURCE_ROOT "/tests/data/astronaut.jpg";
static double seconds = 6;
static char *size = "854x480";
static int fps = 25;

static GOptionEntry entries[] = {
  { "photo", 'p', 0, G_OPTION_ARG_FILENAME, &photo_path, "The photo (default: the bundled "
    "astronaut)", "FILE" },
  { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds, "Length (default 6)", "S" },
  { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Frame size (default 854x480)", "WxH" },
  { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second (default 25)", "N" },
  { NULL }
};

/* src pasted at (x, y) on frame (both packed RGB), clipped; mirrored left-right if asked. */
static void
paste (FerImage *frame, const FerImage *src, int x, int y, gboolean mirror)
{
  for (int row = 0; row < src->height; row++) {
    const int ty = y + row;
    if (ty < 0 || ty >= frame->height)
      continue;
    for (int col = 0; col < src->width; col++) {
      const int tx = x + col;
      if (tx < 0 || tx >= frame->width)
        continue;
      const int sx = mirror ? src->width - 1 - col : col;
      memcpy (frame->pixels + ((size_t) ty * frame->width + tx) * 3,
          src->pixels + ((size_t) row * src->width + sx) * 3, 3);
    }
  }
}

/* The upper middle of the photo (where a portrait's face is: a square half the photo's smaller
 * side), scaled to side x side. */
static FerImage *
scaled (const FerImage *photo, int side)
{
  const int crop = MIN (photo->width, photo->height) / 2;
  FerImage *out = fer_image_new (side, side);
  fer_resize_bilinear (out, photo, (FerBox) { (photo->width - crop) / 2, 0, crop, crop });
  return out;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  GError *error = NULL;
  GOptionContext *context = g_option_context_new ("OUTPUT.mp4 - a sample clip with real faces");
  g_option_context_add_main_entries (context, entries, NULL);
  int width = 0, height = 0;
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2
      || sscanf (size, "%dx%d", &width, &height) != 2 || width < 64 || height < 64
      || width % 2 || height % 2 || fps < 1 || fps > 120 || !(seconds > 0 && seconds <= 600)) {
    g_printerr ("fer-make-clip: %s (see --help)\n", error ? error->message
        : "give OUTPUT.mp4; --size even WxH from 64x64, --fps 1..120, --seconds up to 600");
    return FER_EXIT_USAGE;
  }
  g_option_context_free (context);
  const char *output = argv[1];
  FerImage *photo = fer_image_load (photo_path, &error);
  if (photo == NULL) {
    g_printerr ("fer-make-clip: %s\n", error->message);
    return FER_EXIT_FAILED;
  }

  char *partial = g_strconcat (output, ".partial", NULL);
  char *launch = g_strdup_printf ("appsrc name=src format=time ! videoconvert ! "
      "video/x-raw,format=I420 ! x264enc speed-preset=faster ! mp4mux ! filesink location=\"%s\"",
      partial);
  GstElement *pipeline = gst_parse_launch (launch, &error);
  if (pipeline == NULL) {
    g_printerr ("fer-make-clip: %s (the H.264 encoder comes with Debian's "
        "gstreamer1.0-plugins-ugly)\n", error->message);
    return FER_EXIT_FAILED;
  }
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  char *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,framerate=%d/1",
      width, height, fps);
  gst_app_src_set_caps (GST_APP_SRC (src), gst_caps_from_string (caps));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  const int frames = (int) lround (seconds * fps);
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, width, height);
  FerImage *frame = fer_image_new (width, height);
  FerImage *second = scaled (photo, (int) (height * 0.55));
  for (int i = 0; i < frames; i++) {
    const double t = (double) i / frames;
    /* Across the left 60% and back, nearing and leaving: side from 0.5 to 0.8 of the height. */
    const int side = (int) (height * (0.5 + 0.3 * sin (G_PI * t)));
    const double along = 0.5 - 0.5 * cos (2 * G_PI * t);
    FerImage *face = scaled (photo, side);
    memset (frame->pixels, 110, fer_image_bytes (frame));
    if (t >= 1.0 / 3)
      paste (frame, second, width - second->width, height - second->height, TRUE);
    paste (frame, face, (int) (along * MAX (0, width * 0.6 - side)), (height - side) / 2, FALSE);
    fer_image_free (face);
    /* GStreamer's RGB rows are padded to 4 bytes; ours are packed. */
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
    for (int y = 0; y < height; y++)
      gst_buffer_fill (buffer, (gsize) y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0),
          frame->pixels + (size_t) y * width * 3, (size_t) width * 3);
    GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (i, GST_SECOND, fps);
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (1, GST_SECOND, fps);
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buffer) != GST_FLOW_OK)
      break;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  int status = 0;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (message, &error, NULL);
    g_printerr ("fer-make-clip: %s\n", error->message);
    status = 1;
  }
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (status == 0 && g_rename (partial, output) != 0) {
    g_printerr ("fer-make-clip: cannot rename %s to %s: %s\n", partial, output,
        g_strerror (errno));
    status = 1;
  }
  if (status != 0)
    g_unlink (partial);
  else
    g_print ("%s: %d frames of %dx%d at %d fps\n", output, frames, width, height, fps);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  fer_image_free (frame);
  fer_image_free (second);
  fer_image_free (photo);
  g_free (caps);
  g_free (launch);
  g_free (partial);
  return status;
}
