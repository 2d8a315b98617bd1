/* fer-soak: long runs of the three elements, for leaks and memory growth.
 *
 *   appsrc (a face moving over a 320x240 frame, a fresh buffer each frame)
 *     ! fermouthcrop ! ferclassify ! feroverlay ! fakesink
 *
 * Every --swap-every frames ferclassify's model is swapped (between the bundled model and a copy
 * of it under another name, so the element really loads a file) and properties of all three
 * elements change while playing.  With --cycles the pipeline instead goes PLAYING -> NULL ->
 * PLAYING that many times, --frames frames each time (the face models are released at NULL and
 * loaded again).  Resident memory is sampled every --rss-every frames (or cycles) into --rss-file
 * as "frame,rss_kib" lines.  At the end everything is released and gst_deinit () called, so that
 * GST_TRACERS=leaks reports every GStreamer object still alive (tests/soak/leak-check.sh fails on
 * any).  Exit status: 0 when every frame came through, 1 on a pipeline error or a lost frame. */
#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gstfermeta.h"
#include "fer-test-util.h"
#include "test-frames.h"
#include "image/image.h"

#define WIDTH 320
#define HEIGHT 240
#define POSITIONS 40   /* frames of the face's back-and-forth path */

static int frames = 1000, swap_every = 0, rss_every = 1000, cycles = 0;
static char *rss_file;
static gboolean leak_on_purpose;

static GOptionEntry entries[] = {
  { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, "Frames to push (per cycle with --cycles) (1000)", "N" },
  { "swap-every", 's', 0, G_OPTION_ARG_INT, &swap_every, "Swap the model and change properties every N frames (0: never)", "N" },
  { "cycles", 'c', 0, G_OPTION_ARG_INT, &cycles, "PLAYING -> NULL -> PLAYING cycles (0: one long run)", "N" },
  { "rss-every", 0, 0, G_OPTION_ARG_INT, &rss_every, "Sample resident memory every N frames or cycles (1000)", "N" },
  { "rss-file", 0, 0, G_OPTION_ARG_FILENAME, &rss_file, "Write the samples here as frame,rss_kib", "FILE" },
  { "leak-on-purpose", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &leak_on_purpose, "Keep one buffer (shows that the leak check catches leaks)", NULL },
  { NULL }
};

static gint frames_out;     /* frames that reached fakesink (streaming thread) */
static gint64 faces_out;    /* classified faces on them */

static GstPadProbeReturn
count_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstFerMeta *meta = gst_buffer_get_fer_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  for (guint i = 0; meta && i < gst_fer_meta_get_n_faces (meta); i++)
    faces_out += gst_fer_meta_get_face (meta, i)->label != NULL;
  g_atomic_int_inc (&frames_out);
  return GST_PAD_PROBE_OK;
}

static long
rss_kib (void)
{
  long pages = 0, resident = 0;
  FILE *statm = fopen ("/proc/self/statm", "r");
  if (statm == NULL || fscanf (statm, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  if (statm)
    fclose (statm);
  return resident < 0 ? -1 : resident * (sysconf (_SC_PAGESIZE) / 1024);
}

static void
sample_rss (FILE *out, gint64 at)
{
  if (out) {
    fprintf (out, "%" G_GINT64_FORMAT ",%ld\n", at, rss_kib ());
    fflush (out);
  }
}

/* Fails on an error message on the bus; TRUE otherwise. */
static gboolean
bus_ok (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean ok = TRUE;
  GstMessage *m;
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)) != NULL) {
    GError *error = NULL;
    char *debug = NULL;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (m, &error, &debug);
      ok = FALSE;
    } else {
      gst_message_parse_warning (m, &error, &debug);
    }
    fprintf (stderr, "fer-soak: %s from %s: %s (%s)\n",
        GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR ? "error" : "warning",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), error->message, debug ? debug : "");
    g_error_free (error);
    g_free (debug);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return ok;
}

/* Waits until count frames went through (or an error); FALSE on an error or after 60 s
 * without progress. */
static gboolean
wait_for_frames (GstElement *pipeline, gint64 count)
{
  gint64 last = -1, since = g_get_monotonic_time ();
  for (;;) {
    const gint64 out = g_atomic_int_get (&frames_out);
    if (out >= count)
      return TRUE;
    if (!bus_ok (pipeline))
      return FALSE;
    if (out != last) {
      last = out;
      since = g_get_monotonic_time ();
    } else if (g_get_monotonic_time () - since > 60 * G_TIME_SPAN_SECOND) {
      fprintf (stderr, "fer-soak: stuck at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
          " frames\n", out, count);
      return FALSE;
    }
    g_usleep (1000);
  }
}

/* Property changes while playing, different each time. */
static void
change_properties (GstElement *pipeline, int step, const char *const models[2])
{
  GstElement *crop = gst_bin_get_by_name (GST_BIN (pipeline), "crop");
  GstElement *classify = gst_bin_get_by_name (GST_BIN (pipeline), "classify");
  GstElement *overlay = gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
  g_object_set (classify, "model", models[step % 2], "smoothing", (step % 3) * 0.3,
      "interval", 1 + step % 2, NULL);
  g_object_set (crop, "max-faces", 1 + step % 4, "detect-interval", 1 + step % 5,
      "mouth-scale", 1.3 + 0.1 * (step % 3), NULL);
  g_object_set (overlay, "show-landmarks", step % 2 == 0, "show-probabilities", step % 3 != 0,
      "font-size", 10 + step % 7, NULL);
  gst_object_unref (crop);
  gst_object_unref (classify);
  gst_object_unref (overlay);
}

int
main (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("- run fermouthcrop ! ferclassify ! feroverlay for a long time");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  GError *error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error) || frames < 1 || swap_every < 0
      || cycles < 0 || rss_every < 1) {
    fprintf (stderr, "fer-soak: %s\n", error ? error->message : "bad option value");
    return 2;
  }
  g_option_context_free (context);
  FILE *rss_out = rss_file ? fopen (rss_file, "w") : NULL;
  if (rss_file && rss_out == NULL) {
    fprintf (stderr, "fer-soak: cannot write %s\n", rss_file);
    return 1;
  }
  if (rss_out)
    fprintf (rss_out, "frame,rss_kib\n");

  /* The model, and a copy of it under another name for the swaps. */
  char *model = fer_test_source_path ("../models/fer-mouth-simpleconv3.safetensors");
  char *scratch = g_dir_make_tmp ("fer-soak-XXXXXX", NULL);
  char *model_copy = g_build_filename (scratch, "copy.safetensors", NULL);
  char *bytes = NULL;
  gsize size = 0;
  if (!g_file_get_contents (model, &bytes, &size, &error)
      || !g_file_set_contents (model_copy, bytes, size, &error)) {
    fprintf (stderr, "fer-soak: %s\n", error->message);
    return 1;
  }
  g_free (bytes);
  const char *const models[2] = { model_copy, model };

  /* The face's path, made once; each frame pushes a fresh copy. */
  FerImage *face = fer_test_astronaut ();
  GstBuffer *path[POSITIONS];
  for (int i = 0; i < POSITIONS; i++) {
    const int step = i < POSITIONS / 2 ? i : POSITIONS - i;
    path[i] = fer_test_rgb_buffer (face, WIDTH, HEIGHT, -140 + 2 * step, -30 + step);
  }
  fer_image_free (face);

  char *launch = g_strdup_printf ("appsrc name=src is-live=false format=time block=true "
      "max-bytes=%d caps=video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1 "
      "! fermouthcrop name=crop ! ferclassify name=classify model=\"%s\" "
      "! feroverlay name=overlay ! fakesink name=sink sync=false", WIDTH * HEIGHT * 3 * 4,
      WIDTH, HEIGHT, model);
  GstElement *pipeline = gst_parse_launch (launch, &error);
  g_free (launch);
  if (pipeline == NULL) {
    fprintf (stderr, "fer-soak: %s\n", error->message);
    return 1;
  }
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, NULL, NULL);
  gst_object_unref (sink_pad);
  gst_object_unref (sink);

  gboolean ok = TRUE;
  gint64 pushed = 0;
  const int runs = cycles > 0 ? cycles : 1;
  for (int run = 0; ok && run < runs; run++) {
    g_atomic_int_set (&frames_out, 0);
    if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      bus_ok (pipeline);
      ok = FALSE;
      break;
    }
    for (int f = 0; ok && f < frames; f++, pushed++) {
      GstBuffer *buffer = gst_buffer_copy_deep (path[pushed % POSITIONS]);
      GST_BUFFER_PTS (buffer) = gst_util_uint64_scale (f, GST_SECOND, 30);
      GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (1, GST_SECOND, 30);
      ok = gst_app_src_push_buffer (GST_APP_SRC (src), buffer) == GST_FLOW_OK;
      if (swap_every > 0 && (f + 1) % swap_every == 0)
        change_properties (pipeline, (f + 1) / swap_every, models);
      if (cycles == 0 && (f + 1) % rss_every == 0) {
        ok = ok && wait_for_frames (pipeline, f + 1);
        sample_rss (rss_out, f + 1);
      }
    }
    ok = ok && wait_for_frames (pipeline, frames);
    ok = ok && bus_ok (pipeline);
    if (cycles > 0) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      if ((run + 1) % rss_every == 0)
        sample_rss (rss_out, run + 1);
    }
  }
  if (ok && cycles == 0) {
    gst_app_src_end_of_stream (GST_APP_SRC (src));
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
    if (m)
      gst_message_unref (m);
    gst_object_unref (bus);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* The face is in every frame: nearly every frame must have it classified. */
  if (faces_out < pushed * 9 / 10) {
    fprintf (stderr, "fer-soak: only %" G_GINT64_FORMAT " classified faces in %" G_GINT64_FORMAT
        " frames\n", faces_out, pushed);
    ok = FALSE;
  }
  printf ("fer-soak: %s after %" G_GINT64_FORMAT " frames pushed%s, %" G_GINT64_FORMAT
      " classified faces; resident memory %ld KiB\n", ok ? "ok" : "FAILED", pushed,
      cycles ? " over the cycles" : "", faces_out, rss_kib ());

  gst_object_unref (src);
  gst_object_unref (pipeline);
  for (int i = leak_on_purpose ? 1 : 0; i < POSITIONS; i++)
    gst_buffer_unref (path[i]);
  if (rss_out)
    fclose (rss_out);
  g_remove (model_copy);
  g_rmdir (scratch);
  g_free (model_copy);
  g_free (scratch);
  g_free (model);
  g_free (rss_file);
  gst_deinit ();   /* the leaks tracer reports here */
  return ok ? 0 : 1;
}
