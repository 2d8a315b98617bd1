#include "clip-faces.h"

#include <gst/gst.h>
#include "box/box.h"
#include "gstfermeta.h"

static void
collect_faces (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer frames)
{
  GArray *faces = g_array_new (FALSE, FALSE, sizeof (FerClipFace));
  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  for (guint i = 0; meta && i < gst_fer_meta_get_n_faces (meta); i++) {
    const GstFerFace *f = gst_fer_meta_get_face (meta, i);
    const FerClipFace face = { f->face, f->mouth, f->classified ? f->label_index : -1 };
    g_array_append_val (faces, face);
  }
  g_ptr_array_add (frames, faces);
}

GPtrArray *
fer_clip_faces (const char *path, const char *elements, GError **error)
{
  char *launch = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! %s ! "
      "fakesink name=sink sync=false signal-handoffs=true", path, elements);
  GstElement *pipeline = gst_parse_launch (launch, error);
  g_free (launch);
  if (pipeline == NULL)
    return NULL;
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (collect_faces), frames);
  gst_object_unref (sink);
  gboolean ok = gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *end = ok ? gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR) : NULL;
  if (end && GST_MESSAGE_TYPE (end) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (end, error, NULL);
    ok = FALSE;
  } else if (!ok) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "%s: the pipeline did not "
        "start", path);
  }
  if (end)
    gst_message_unref (end);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  if (!ok)
    g_clear_pointer (&frames, g_ptr_array_unref);
  return frames;
}

static double
rectangle_iou (GstVideoRectangle a, GstVideoRectangle b)
{
  return fer_box_iou ((FerBox) { a.x, a.y, a.w, a.h }, (FerBox) { b.x, b.y, b.w, b.h });
}

void
fer_clip_compare (GPtrArray *reference, GPtrArray *ours, FerClipComparison *result)
{
  *result = (FerClipComparison) { 0 };
  result->face_iou = g_array_new (FALSE, FALSE, sizeof (double));
  result->mouth_iou = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint frame = 0; frame < MIN (reference->len, ours->len); frame++) {
    GArray *want = g_ptr_array_index (reference, frame), *got = g_ptr_array_index (ours, frame);
    for (guint r = 0; r < want->len; r++) {
      const FerClipFace *w = &g_array_index (want, FerClipFace, r);
      const FerClipFace *best = NULL;
      double best_iou = 0;
      for (guint o = 0; o < got->len; o++) {
        const double iou = rectangle_iou (w->face, g_array_index (got, FerClipFace, o).face);
        if (iou > best_iou) {
          best_iou = iou;
          best = &g_array_index (got, FerClipFace, o);
        }
      }
      const double mouth_iou = best && best_iou >= 0.3 ? rectangle_iou (w->mouth, best->mouth)
          : 0;
      result->reference_faces++;
      result->matched += best_iou >= 0.5;
      result->same_label += best && best_iou >= 0.3 && best->label == w->label;
      g_array_append_val (result->face_iou, best_iou);
      g_array_append_val (result->mouth_iou, mouth_iou);
    }
    for (guint o = 0; o < got->len; o++) {
      double best_iou = 0;
      for (guint r = 0; r < want->len; r++)
        best_iou = MAX (best_iou, rectangle_iou (g_array_index (want, FerClipFace, r).face,
                g_array_index (got, FerClipFace, o).face));
      result->strays += best_iou < 0.3;
    }
  }
}

void
fer_clip_comparison_clear (FerClipComparison *result)
{
  g_clear_pointer (&result->face_iou, g_array_unref);
  g_clear_pointer (&result->mouth_iou, g_array_unref);
}
