/* fer-bench-pipeline: runs a gst-launch style pipeline to its end and measures its steady-state
 * throughput: frames reaching the element named "sink", from the first frame to the last, so
 * that start-up (plugin loading, model files read at the state change, the decoder's first
 * frame) is reported apart from frames per second.  Counts the frames whose analysis message
 * ("fermouthcrop", "ferclassify" or "facedetect", with a "faces" list) lists at least one face.
 *
 * Usage: fer-bench-pipeline 'PIPELINE ... ! fakesink name=sink sync=false'
 * Prints: frames=N startup_s=S fps=F frames_with_face=M messages=K */
#include <gst/gst.h>
#include <stdio.h>

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
  if (argc != 2) {
    fprintf (stderr, "usage: %s 'PIPELINE ! fakesink name=sink sync=false'\n", argv[0]);
    return 2;
  }
  GError *error = NULL;
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
  gst_object_unref (pad);
  gst_object_unref (sink);

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
  return 0;
}
