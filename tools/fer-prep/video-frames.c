#include "video-frames.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <string.h>

#include "base/fer-error.h"
#include "image/image.h"

struct _FerVideoFrames {
  GstElement *pipeline, *sink;
  int every;
  guint64 next;              /* index of the next frame pulled */
  char *path;
};

/* The pipeline's error, if it posted one. */
static gboolean
pipeline_error (FerVideoFrames *video, GError **error)
{
  GstBus *bus = gst_element_get_bus (video->pipeline);
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  if (message == NULL)
    return FALSE;
  GError *gst_error = NULL;
  gst_message_parse_error (message, &gst_error, NULL);
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s: %s", video->path, gst_error->message);
  g_error_free (gst_error);
  gst_message_unref (message);
  return TRUE;
}

/* decodebin's video pad to videoconvert (other streams, audio, stay unlinked). */
static void
link_video (GstElement * decode, GstPad * pad, gpointer convert)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  const gboolean is_video = g_str_has_prefix (gst_structure_get_name
      (gst_caps_get_structure (caps, 0)), "video/");
  gst_caps_unref (caps);
  GstPad *sink = gst_element_get_static_pad (convert, "sink");
  if (is_video && !gst_pad_is_linked (sink))
    gst_pad_link (pad, sink);
  gst_object_unref (sink);
}

FerVideoFrames *
fer_video_frames_open (const char *path, int every, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "%s: no such file", path);
    return NULL;
  }
  gst_init (NULL, NULL);
  FerVideoFrames *video = g_new0 (FerVideoFrames, 1);
  video->every = MAX (every, 1);
  video->path = g_strdup (path);
  video->pipeline = gst_pipeline_new ("fer-prep");
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *decode = gst_element_factory_make ("decodebin", NULL);
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
  video->sink = gst_element_factory_make ("appsink", NULL);
  if (!src || !decode || !convert || !video->sink) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "GStreamer's filesrc, decodebin, videoconvert "
        "or appsink is missing (Debian packages gstreamer1.0-plugins-base)");
    fer_video_frames_close (video);
    return NULL;
  }
  g_object_set (src, "location", path, NULL);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=RGB");
  g_object_set (video->sink, "caps", caps, "sync", FALSE, "max-buffers", 4, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (video->pipeline), src, decode, convert, video->sink, NULL);
  gst_element_link (src, decode);
  gst_element_link (convert, video->sink);
  g_signal_connect (decode, "pad-added", G_CALLBACK (link_video), convert);
  if (gst_element_set_state (video->pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE
      || gst_element_get_state (video->pipeline, NULL, NULL, GST_CLOCK_TIME_NONE)
      == GST_STATE_CHANGE_FAILURE) {
    if (!pipeline_error (video, error))
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s: cannot be played as a video", path);
    fer_video_frames_close (video);
    return NULL;
  }
  gst_element_set_state (video->pipeline, GST_STATE_PLAYING);
  return video;
}

FerImage *
fer_video_frames_next (FerVideoFrames *video, guint64 *index, GError **error)
{
  for (;;) {
    GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (video->sink));
    if (sample == NULL) {
      pipeline_error (video, error);   /* else: the end */
      return NULL;
    }
    const guint64 this = video->next++;
    if (this % video->every != 0) {
      gst_sample_unref (sample);
      continue;
    }
    GstVideoInfo info;
    GstVideoFrame frame;
    FerImage *image = NULL;
    if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
        && gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ)) {
      image = fer_image_new (info.width, info.height);
      for (gint y = 0; image && y < info.height; y++)
        memcpy (image->pixels + (gsize) y * info.width * 3, (guint8 *)
            GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) + (gsize) y
            * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), (gsize) info.width * 3);
      gst_video_frame_unmap (&frame);
    }
    gst_sample_unref (sample);
    if (image == NULL) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s: frame %" G_GUINT64_FORMAT
          " cannot be read", video->path, this);
      return NULL;
    }
    *index = this;
    return image;
  }
}

void
fer_video_frames_close (FerVideoFrames *video)
{
  if (video == NULL)
    return;
  gst_element_set_state (video->pipeline, GST_STATE_NULL);
  gst_object_unref (video->pipeline);
  g_free (video->path);
  g_free (video);
}
