/* fer-annotate: a GStreamer application around the three elements, and the demo's main job.
 *
 *   fer-annotate [options] INPUT
 *
 * INPUT is a video file (anything decodebin plays) or a V4L2 camera (/dev/videoN).  The pipeline
 * is  source ! fermouthcrop ! ferclassify ! feroverlay ! (H.264 MP4 file | screen | nothing),
 * and a pad probe after feroverlay reads each frame's GstFerMeta and writes one JSON line per
 * frame: its number, time, and every face's id, face and mouth boxes, label, confidence and
 * probabilities (class names from the GstFerMeta).
 *
 * Files are written beside their name and renamed when complete; Ctrl-C ends the stream
 * cleanly (the MP4 is finished, not truncated).  Exit status: 0 done, 1 failed, 2 bad usage. */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "command-line.h"
#include "base/exit-codes.h"
#include "gstfermeta.h"
#include "io/atomic-file.h"
#include "json-writer.h"

static char *output, *json_path, *model;
static gboolean show, probabilities, landmarks;

static GOptionEntry entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the annotated video to FILE (MP4)",
    "FILE" },
  { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_path, "Write the JSON lines to FILE instead "
    "of standard output", "FILE" },
  { "show", 0, 0, G_OPTION_ARG_NONE, &show, "Show the annotated video on screen", NULL },
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "ferclassify's model (default: the "
    "bundled one)", "FILE" },
  { "probabilities", 'p', 0, G_OPTION_ARG_NONE, &probabilities, "Draw probability bars", NULL },
  { "landmarks", 'l', 0, G_OPTION_ARG_NONE, &landmarks, "Draw the landmarks and face boxes",
    NULL },
  { NULL }
};

typedef struct {
  FILE *out;
  guint64 frames, faces;
  GHashTable *labels;     /* label -> count of faces */
} Results;

static void
add_box (JsonBuilder * b, const char *name, const GstVideoRectangle * r)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  json_builder_add_int_value (b, r->x);
  json_builder_add_int_value (b, r->y);
  json_builder_add_int_value (b, r->w);
  json_builder_add_int_value (b, r->h);
  json_builder_end_array (b);
}

/* One JSON line per frame, from its GstFerMeta. */
static GstPadProbeReturn
write_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Results *results = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "frame");
  json_builder_add_int_value (b, results->frames++);
  json_builder_set_member_name (b, "time");
  json_builder_add_double_value (b, GST_BUFFER_PTS_IS_VALID (buffer)
      ? fer_json_round (GST_BUFFER_PTS (buffer) / (double) GST_SECOND, 3) : -1);
  json_builder_set_member_name (b, "faces");
  json_builder_begin_array (b);
  for (guint i = 0; meta && i < gst_fer_meta_get_n_faces (meta); i++) {
    const GstFerFace *f = gst_fer_meta_get_face (meta, i);
    results->faces++;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, f->id);
    add_box (b, "face", &f->face);
    add_box (b, "mouth", &f->mouth);
    if (f->classified) {
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, f->label);
      json_builder_set_member_name (b, "confidence");
      json_builder_add_double_value (b, fer_json_round (f->confidence, 4));
      json_builder_set_member_name (b, "probabilities");
      json_builder_begin_object (b);
      for (guint c = 0; c < f->n_classes; c++) {
        gchar fallback[16];
        g_snprintf (fallback, sizeof fallback, "%u", c);
        const gchar *name = gst_fer_meta_get_class_name (meta, c);
        json_builder_set_member_name (b, name ? name : fallback);
        json_builder_add_double_value (b, fer_json_round (f->probabilities[c], 4));
      }
      json_builder_end_object (b);
      const guint count = GPOINTER_TO_UINT (g_hash_table_lookup (results->labels, f->label));
      g_hash_table_insert (results->labels, (gpointer) f->label, GUINT_TO_POINTER (count + 1));
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  gchar *line = fer_json_builder_finish (b, FALSE);
  fprintf (results->out, "%s\n", line);
  g_free (line);
  return GST_PAD_PROBE_OK;
}

static gboolean
interrupted (gpointer pipeline)
{
  g_printerr ("fer-annotate: interrupted, finishing the files\n");
  gst_element_send_event (GST_ELEMENT (pipeline), gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

/* One run: what main parses, checks, runs and reports. */
typedef struct {
  const char *input;
  char *partial, *json_partial;   /* the files as they are written, renamed when complete */
  GstElement *pipeline;
  Results results;
} Annotation;

static char *
check_arguments (int argc)
{
  return argc == 2 ? NULL : g_strdup ("give one INPUT");
}

static int
parse_command_line (int *argc, char ***argv)
{
  const FerCommandLine command_line = {
    "fer-annotate", "INPUT - mouth expressions of a video file or camera, as JSON lines and an "
    "annotated video", NULL, "Exit status: 0 done, 1 failed, 2 bad usage.",
    entries, check_arguments, NULL,
  };
  return fer_command_line_parse (&command_line, argc, argv);
}

/* Between the threads of a file's pipeline: a few frames, whatever their size. */
#define FRAME_QUEUE "queue max-size-buffers=4 max-size-bytes=0 max-size-time=0"

/* The input is there, the pipeline builds and the JSON file opens: before any frame. */
static int
build_pipeline (Annotation *a)
{
  GError *error = NULL;
  const gboolean camera = g_str_has_prefix (a->input, "/dev/video");
  if (!camera && !g_file_test (a->input, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("fer-annotate: %s: no such file (give a video file or /dev/videoN)\n", a->input);
    return FER_EXIT_FAILED;
  }
  GError *check_error = NULL;
  if ((output && !fer_atomic_file_check (output, &check_error))
      || (json_path && !fer_atomic_file_check (json_path, &check_error))) {
    g_printerr ("fer-annotate: %s\n", check_error->message);
    g_error_free (check_error);
    return FER_EXIT_FAILED;
  }
  a->partial = output ? g_strconcat (output, ".partial", NULL) : NULL;
  a->json_partial = json_path ? g_strconcat (json_path, ".partial", NULL) : NULL;
  /* A file is decoded, analysed and encoded each in its own thread (the queues), so the three
   * share the cores instead of taking turns in one thread; a few frames between them bound the
   * memory.  (A camera's frames come in real time: no queue, no latency added.) */
  char *source = camera ? g_strdup_printf ("v4l2src device=\"%s\" ! videoconvert", a->input)
      : g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! " FRAME_QUEUE " ! videoconvert",
          a->input);
  char *sink = output ? g_strdup_printf ("%svideoconvert ! video/x-raw,format=I420 ! "
      "x264enc speed-preset=faster ! mp4mux ! filesink location=\"%s\"",
      camera ? "" : FRAME_QUEUE " ! ", a->partial)
      : g_strdup (show ? "videoconvert ! autovideosink" : "fakesink");
  char *launch = g_strdup_printf ("%s ! fermouthcrop ! ferclassify%s%s%s ! feroverlay name=overlay "
      "show-probabilities=%s show-landmarks=%s show-face=%s ! %s", source,
      model ? " model=\"" : "", model ? model : "", model ? "\"" : "",
      probabilities ? "true" : "false", landmarks ? "true" : "false",
      landmarks ? "true" : "false", sink);
  a->pipeline = gst_parse_launch (launch, &error);
  g_free (launch);
  g_free (source);
  g_free (sink);
  /* (A missing element is an error with a pipeline still returned.) */
  if (a->pipeline == NULL || error != NULL) {
    g_printerr ("fer-annotate: %s%s\n", error->message,
        g_error_matches (error, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT)
        ? " (is the gst-fer plugin installed, or GST_PLUGIN_PATH set to its folder?)" : "");
    g_clear_object (&a->pipeline);
    g_error_free (error);
    return FER_EXIT_FAILED;
  }
  a->results = (Results) { stdout, 0, 0, g_hash_table_new (g_str_hash, g_str_equal) };
  if (a->json_partial && (a->results.out = fopen (a->json_partial, "w")) == NULL) {
    g_printerr ("fer-annotate: cannot write %s: %s\n", a->json_partial, g_strerror (errno));
    return FER_EXIT_FAILED;
  }
  GstElement *overlay = gst_bin_get_by_name (GST_BIN (a->pipeline), "overlay");
  GstPad *pad = gst_element_get_static_pad (overlay, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, write_frame, &a->results, NULL);
  gst_object_unref (pad);
  gst_object_unref (overlay);
  return FER_EXIT_OK;
}

/* Plays the pipeline to its end (Ctrl-C sends end-of-stream, so the files are finished). */
static int
run_pipeline (Annotation *a)
{
  g_unix_signal_add (SIGINT, interrupted, a->pipeline);
  gst_element_set_state (a->pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (a->pipeline);
  GMainContext *main_context = g_main_context_default ();
  int status = FER_EXIT_OK;
  for (gboolean done = FALSE; !done;) {
    while (g_main_context_iteration (main_context, FALSE));   /* the Ctrl-C handler */
    GstMessage *message = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (message == NULL)
      continue;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
      GError *error = NULL;
      gchar *debug = NULL;
      gst_message_parse_error (message, &error, &debug);
      g_printerr ("fer-annotate: %s\n", error->message);
      g_clear_error (&error);
      g_free (debug);
      status = FER_EXIT_FAILED;
    }
    gst_message_unref (message);
    done = TRUE;
  }
  gst_element_set_state (a->pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return status;
}

/* Complete files take their names; a failed run leaves none behind. */
static int
finish_files (Annotation *a, int status)
{
  if (a->results.out && a->results.out != stdout && fclose (a->results.out) != 0)
    status = FER_EXIT_FAILED;
  if (status == FER_EXIT_OK && a->json_partial && g_rename (a->json_partial, json_path) != 0) {
    g_printerr ("fer-annotate: cannot name %s: %s\n", json_path, g_strerror (errno));
    status = FER_EXIT_FAILED;
  }
  if (status == FER_EXIT_OK && a->partial && g_rename (a->partial, output) != 0) {
    g_printerr ("fer-annotate: cannot name %s: %s\n", output, g_strerror (errno));
    status = FER_EXIT_FAILED;
  }
  if (status != FER_EXIT_OK) {
    if (a->partial)
      g_unlink (a->partial);
    if (a->json_partial)
      g_unlink (a->json_partial);
  }
  return status;
}

/* A summary on stderr (stdout may be the JSON lines). */
static void
report (const Annotation *a)
{
  g_printerr ("fer-annotate: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " faces",
      a->results.frames, a->results.faces);
  GHashTableIter iter;
  gpointer label, count;
  g_hash_table_iter_init (&iter, a->results.labels);
  while (g_hash_table_iter_next (&iter, &label, &count))
    g_printerr ("; %s %u", (const char *) label, GPOINTER_TO_UINT (count));
  g_printerr ("\n");
  if (output)
    g_printerr ("fer-annotate: annotated video: %s\n", output);
  if (json_path)
    g_printerr ("fer-annotate: faces per frame (JSON lines): %s\n", json_path);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  int status = parse_command_line (&argc, &argv);
  if (status != FER_EXIT_OK)
    return status;
  Annotation a = { .input = argv[1] };
  status = build_pipeline (&a);
  if (status == FER_EXIT_OK)
    status = run_pipeline (&a);
  status = finish_files (&a, status);
  if (status == FER_EXIT_OK)
    report (&a);
  if (a.results.labels)
    g_hash_table_unref (a.results.labels);
  if (a.pipeline)
    gst_object_unref (a.pipeline);
  g_free (a.partial);
  g_free (a.json_partial);
  return status;
}
