/* fer-bench-pipeline: runs a gst-launch style pipeline to its end and measures its steady-state
 * throughput: frames reaching the element named "sink", from the first frame to the last, so
 * that start-up (plugin loading, model files read at the state change, the decoder's first
 * frame) is reported apart from frames per second.  Counts the frames whose analysis message
 * ("fermouthcrop", "ferclassify" or "facedetect", with a "faces" list) lists at least one face.
 *
 * Usage: fer-bench-pipeline [--time-element NAME] [--save-mouths DIR] 'PIPELINE ... ! fakesink name=sink sync=false'
 * Prints: frames=N startup_s=S fps=F frames_with_face=M messages=K
 *   --time-element NAME: also the time frames spend inside element NAME (from its sink pad to its
 *     src pad: same thread, so its own work) and the faces it passes on:
 *     element_us_per_frame=T element_us_per_face=U faces=F
 *   --save-mouths DIR: the mouth boxes of the GstFerMeta reaching the sink, cut from its frames
 *     (which must be RGB) as DIR/mouth-NNNNN.png.
 *   --hold NAME: element NAME (an unbounded queue) lets no frame out before the end of the stream
 *     has reached it, so what follows runs alone (its time is not shared with the decoder). */
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

#include "image/image.h"
#include "gstfermeta.h"

static char *time_element, *save_mouths, *hold_element;
static GOptionEntry entries[] = {
  { "hold", 0, 0, G_OPTION_ARG_STRING, &hold_element, "Queue NAME releases frames only after "
    "the end of the stream reached it", "NAME" },
  { "time-element", 0, 0, G_OPTION_ARG_STRING, &time_element, "Time spent inside element NAME",
    "NAME" },
  { "save-mouths", 0, 0, G_OPTION_ARG_FILENAME, &save_mouths, "Save the mouth crops reaching "
    "the sink (RGB frames) in DIR", "DIR" },
  { NULL }
};

/* Time inside one element: entry time stamped on its sink pad, summed on its src pad. */
typedef struct {
  gint64 entered_us, total_us;
  guint64 frames, faces;
} ElementTiming;

static GstPadProbeReturn
enter_element (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  ((ElementTiming *) user_data)->entered_us = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
leave_element (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  ElementTiming *t = user_data;
  t->total_us += g_get_monotonic_time () - t->entered_us;
  t->frames++;
  GstFerMeta *meta = gst_buffer_get_fer_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  if (meta)
    t->faces += gst_fer_meta_get_n_faces (meta);
  return GST_PAD_PROBE_OK;
}

/* --hold: the queue's src pad waits until its sink pad has seen EOS. */
typedef struct {
  GMutex lock;
  GCond ended;
  gboolean eos;
} Hold;

static GstPadProbeReturn
note_eos (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Hold *hold = user_data;
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&hold->lock);
    hold->eos = TRUE;
    g_cond_signal (&hold->ended);
    g_mutex_unlock (&hold->lock);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
wait_for_eos (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Hold *hold = user_data;
  g_mutex_lock (&hold->lock);
  while (!hold->eos)
    g_cond_wait (&hold->ended, &hold->lock);
  g_mutex_unlock (&hold->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* --save-mouths: the mouth boxes of an RGB frame as PNG files. */
static GstPadProbeReturn
save_mouth_crops (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *saved = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  if (meta && caps && gst_video_info_from_caps (&vinfo, caps)
      && GST_VIDEO_INFO_FORMAT (&vinfo) == GST_VIDEO_FORMAT_RGB
      && gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_READ)) {
    for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
      const GstVideoRectangle m = gst_fer_meta_get_face (meta, i)->mouth;
      FerImage *crop = fer_image_new (m.w, m.h);
      for (gint y = 0; crop && y < m.h; y++)
        memcpy (crop->pixels + (gsize) y * m.w * 3, (guint8 *) GST_VIDEO_FRAME_PLANE_DATA
            (&frame, 0) + (gsize) (m.y + y) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0)
            + (gsize) m.x * 3, (gsize) m.w * 3);
      gchar *name = g_strdup_printf ("%s/mouth-%05u.png", save_mouths, (*saved)++);
      GError *error = NULL;
      if (crop == NULL || !fer_image_save_png (crop, name, &error)) {
        fprintf (stderr, "fer-bench-pipeline: cannot save %s: %s\n", name,
            error ? error->message : "out of memory");
        g_clear_error (&error);
      }
      g_free (name);
      fer_image_free (crop);
    }
    gst_video_frame_unmap (&frame);
  }
  if (caps)
    gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  guint64 frames;
  gint64 first_us, last_us;
} Timing;

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Timing *timing = user_data;
  const gint64 now = g_get_monotonic_time ();
  if (timing->frames++ == 0)
    timing->first_us = now;
  timing->last_us = now;
  return GST_PAD_PROBE_OK;
}

static gboolean
lists_a_face (const GstStructure * s)
{
  const GValue *faces = gst_structure_get_value (s, "faces");
  if (faces == NULL)
    return FALSE;
  if (GST_VALUE_HOLDS_LIST (faces))
    return gst_value_list_get_size (faces) > 0;
  if (GST_VALUE_HOLDS_ARRAY (faces))
    return gst_value_array_get_size (faces) > 0;
  return FALSE;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  GError *error = NULL;
  GOptionContext *context = g_option_context_new ("'PIPELINE ! fakesink name=sink sync=false'");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "usage: %s [--time-element NAME] [--save-mouths DIR] "
        "'PIPELINE ! fakesink name=sink sync=false'\n", argv[0]);
    return 2;
  }
  g_option_context_free (context);
  GstElement *pipeline = gst_parse_launch (argv[1], &error);
  if (pipeline == NULL) {
    fprintf (stderr, "fer-bench-pipeline: %s\n", error->message);
    return 1;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (sink == NULL) {
    fprintf (stderr, "fer-bench-pipeline: the pipeline has no element named \"sink\"\n");
    return 2;
  }
  Timing timing = { 0 };
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &timing, NULL);
  guint saved = 0;
  if (save_mouths) {
    g_mkdir_with_parents (save_mouths, 0755);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, save_mouth_crops, &saved, NULL);
  }
  gst_object_unref (pad);
  gst_object_unref (sink);
  Hold hold = { 0 };
  g_mutex_init (&hold.lock);
  g_cond_init (&hold.ended);
  if (hold_element) {
    GstElement *queue = gst_bin_get_by_name (GST_BIN (pipeline), hold_element);
    if (queue == NULL) {
      fprintf (stderr, "fer-bench-pipeline: no element named \"%s\"\n", hold_element);
      return 2;
    }
    GstPad *in = gst_element_get_static_pad (queue, "sink");
    GstPad *out = gst_element_get_static_pad (queue, "src");
    gst_pad_add_probe (in, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_eos, &hold, NULL);
    gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, wait_for_eos, &hold, NULL);
    gst_object_unref (in);
    gst_object_unref (out);
    gst_object_unref (queue);
  }
  ElementTiming element = { 0 };
  if (time_element) {
    GstElement *timed = gst_bin_get_by_name (GST_BIN (pipeline), time_element);
    if (timed == NULL) {
      fprintf (stderr, "fer-bench-pipeline: no element named \"%s\"\n", time_element);
      return 2;
    }
    GstPad *in = gst_element_get_static_pad (timed, "sink");
    GstPad *out = gst_element_get_static_pad (timed, "src");
    gst_pad_add_probe (in, GST_PAD_PROBE_TYPE_BUFFER, enter_element, &element, NULL);
    gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, leave_element, &element, NULL);
    gst_object_unref (in);
    gst_object_unref (out);
    gst_object_unref (timed);
  }

  const gint64 start_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  guint64 messages = 0, with_face = 0;
  int status = 0;
  for (gboolean done = FALSE; !done;) {
    GstMessage *message = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);
    switch (GST_MESSAGE_TYPE (message)) {
      case GST_MESSAGE_ELEMENT:{
        const GstStructure *s = gst_message_get_structure (message);
        if (s && gst_structure_has_field (s, "faces")) {
          messages++;
          with_face += lists_a_face (s);
        }
        break;
      }
      case GST_MESSAGE_ERROR:{
        gchar *debug = NULL;
        gst_message_parse_error (message, &error, &debug);
        fprintf (stderr, "fer-bench-pipeline: %s (%s)\n", error->message, debug ? debug : "");
        g_clear_error (&error);
        g_free (debug);
        status = 1;
        done = TRUE;
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (message);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  if (status != 0 || timing.frames < 2) {
    if (status == 0)
      fprintf (stderr, "fer-bench-pipeline: fewer than 2 frames reached the sink\n");
    return 1;
  }
  const double seconds = (timing.last_us - timing.first_us) / 1e6;
  printf ("frames=%" G_GUINT64_FORMAT " startup_s=%.3f fps=%.1f frames_with_face=%"
      G_GUINT64_FORMAT " messages=%" G_GUINT64_FORMAT "\n", timing.frames,
      (timing.first_us - start_us) / 1e6, (timing.frames - 1) / seconds, with_face, messages);
  if (time_element)
    printf ("element_us_per_frame=%.1f element_us_per_face=%.1f faces=%" G_GUINT64_FORMAT "\n",
        (double) element.total_us / MAX (element.frames, 1),
        (double) element.total_us / MAX (element.faces, 1), element.faces);
  if (save_mouths)
    printf ("mouths_saved=%u\n", saved);
  return 0;
}
