/* GStreamer ferclassify: the mouth expression of every face
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-ferclassify
 * @title: ferclassify
 *
 * Classifies the mouth of every face that #fermouthcrop found (its #GstFerMeta on the buffer):
 * each mouth box is cut from the frame, turned into the model's 48x48 input by the very code
 * `fer-eval` uses (so both give the same probabilities for the same crop), and all mouths of the
 * frame go through the model as one batch.  The probabilities, label index, label and
 * confidence are written into each face's #GstFerFace; the face's "mouth"
 * #GstVideoRegionOfInterestMeta gets an "expression" param (label, label_id, confidence,
 * labels, probabilities); with #GstFerClassify:post-messages an element message "ferclassify"
 * lists every face.  Pixels are not touched.  Labels come from the model file.
 *
 * The model is `fer-train`'s safetensors file.  Without #GstFerClassify:model, the environment
 * variable `GST_FER_MODEL` names it, else the bundled default model is used (the installed copy,
 * or the source tree's `models/` when running from a build tree).  Setting #GstFerClassify:model
 * while running loads the new file on the calling thread and swaps it in between two frames; a
 * file that does not load is refused with a warning and the current model stays.
 *
 * Buffers without #GstFerMeta pass through untouched, with one warning: fermouthcrop must come
 * first.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! fermouthcrop ! ferclassify ! feroverlay ! autovideosink
 * ]| Mouth expressions of everybody in front of the camera.
 * |[
 * gst-launch-1.0 -m filesrc location=face.mp4 ! decodebin ! fermouthcrop ! ferclassify post-messages=true smoothing=0.6 ! fakesink
 * ]| Prints every face's expression, smoothed over frames.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstferclassify.h"

#include "fer-formats.h"

#include <string.h>

#include "gstfermeta.h"
#include "box/box.h"
#include "base/fer-error.h"
#include "nn/fer-threads.h"
#include "io/model-file.h"
#include "image/image.h"
#include "expression/classifier.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_classify_debug);
#define GST_CAT_DEFAULT gst_fer_classify_debug

#define DEFAULT_PROP_SMOOTHING 0.0
#define DEFAULT_PROP_INTERVAL 1
#define DEFAULT_PROP_POST_MESSAGES FALSE
#define DEFAULT_PROP_THREADS 1
#define DEFAULT_PROP_GEOMETRY TRUE
#define MODEL_ENV "GST_FER_MODEL"
/* A face unseen for this many frames is forgotten (its smoothed probabilities too). */
#define FORGET_AFTER_FRAMES 30

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_SMOOTHING,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
  PROP_THREADS,
  PROP_GEOMETRY,
};

/* What is remembered of a face between frames. */
typedef struct {
  gfloat probabilities[GST_FER_MAX_CLASSES];
  guint64 classified_frame;   /* when the model last ran on it */
  guint64 seen_frame;
} FaceHistory;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));

#define gst_fer_classify_parent_class parent_class
G_DEFINE_TYPE (GstFerClassify, gst_fer_classify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (ferclassify, "ferclassify", GST_RANK_NONE, GST_TYPE_FER_CLASSIFY);

/* The model file to load: the property, else $GST_FER_MODEL, else the bundled default model
 * (installed, else the source tree's when running from a build tree). */
static gchar *
resolve_model_path (GstFerClassify * self)
{
  GST_OBJECT_LOCK (self);
  gchar *path = g_strdup (self->model);
  GST_OBJECT_UNLOCK (self);
  if (path != NULL && *path != '\0')
    return path;
  g_free (path);
  const gchar *env = g_getenv (MODEL_ENV);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (!g_file_test (FER_INSTALLED_MODEL, G_FILE_TEST_EXISTS)
      && g_file_test (FER_SOURCE_TREE_MODEL, G_FILE_TEST_EXISTS))
    return g_strdup (FER_SOURCE_TREE_MODEL);
  return g_strdup (FER_INSTALLED_MODEL);
}

/* Loads path; NULL with error when it is no usable model. */
static FerClassifier *
load_classifier (const gchar * path, GError ** error)
{
  FerClassifier *classifier = fer_classifier_load (path, error);
  if (classifier && fer_classifier_num_classes (classifier) > GST_FER_MAX_CLASSES) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %d classes; GstFerMeta holds at most "
        "%d", path, fer_classifier_num_classes (classifier), GST_FER_MAX_CLASSES);
    g_clear_pointer (&classifier, fer_classifier_free);
  }
  return classifier;
}

/* model set while running: the new model is loaded here and swapped in between frames. */
static void
swap_model (GstFerClassify * self)
{
  gchar *path = resolve_model_path (self);
  GError *error = NULL;
  FerClassifier *classifier = load_classifier (path, &error);
  if (classifier == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ, ("%s", error->message),
        ("the model was not changed; still using %s", fer_classifier_path (self->classifier)));
    g_error_free (error);
    GST_OBJECT_LOCK (self);
    g_free (self->model);
    self->model = g_strdup (fer_classifier_path (self->classifier));
    GST_OBJECT_UNLOCK (self);
  } else {
    g_mutex_lock (&self->model_lock);
    fer_classifier_free (self->classifier);
    self->classifier = classifier;
    g_hash_table_remove_all (self->history);   /* other labels, maybe */
    g_mutex_unlock (&self->model_lock);
    GST_INFO_OBJECT (self, "now using the model %s", path);
  }
  g_free (path);
}

static void
gst_fer_classify_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstFerClassify *self = GST_FER_CLASSIFY (object);

  switch (prop_id) {
    case PROP_MODEL:{
      GST_OBJECT_LOCK (self);
      g_free (self->model);
      self->model = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      g_mutex_lock (&self->model_lock);
      const gboolean running = self->classifier != NULL;
      g_mutex_unlock (&self->model_lock);
      if (running)
        swap_model (self);
      return;
    }
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SMOOTHING:
      self->smoothing = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_int (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_int (value);
      break;
    case PROP_GEOMETRY:
      self->geometry = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_classify_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstFerClassify *self = GST_FER_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_INTERVAL:
      g_value_set_int (value, self->interval);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_THREADS:
      g_value_set_int (value, self->threads);
      break;
    case PROP_GEOMETRY:
      g_value_set_boolean (value, self->geometry);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The model is loaded here, on the state change, not on the streaming thread. */
static gboolean
gst_fer_classify_start (GstBaseTransform * trans)
{
  GstFerClassify *self = GST_FER_CLASSIFY (trans);
  gchar *path = resolve_model_path (self);
  GError *error = NULL;
  FerClassifier *classifier = load_classifier (path, &error);
  if (classifier == NULL)
    goto no_model;
  g_mutex_lock (&self->model_lock);
  self->classifier = classifier;
  g_mutex_unlock (&self->model_lock);
  g_hash_table_remove_all (self->history);
  self->frame = 0;
  self->warned_no_meta = FALSE;
  GST_INFO_OBJECT (self, "model %s", path);
  g_free (path);
  return TRUE;

  /* ERRORS */
no_model:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
      ("set the model property (or %s) to a model file written by fer-train", MODEL_ENV));
  g_error_free (error);
  g_free (path);
  return FALSE;
}

static gboolean
gst_fer_classify_stop (GstBaseTransform * trans)
{
  GstFerClassify *self = GST_FER_CLASSIFY (trans);
  g_mutex_lock (&self->model_lock);
  g_clear_pointer (&self->classifier, fer_classifier_free);
  g_mutex_unlock (&self->model_lock);
  g_hash_table_remove_all (self->history);
  return TRUE;
}

typedef struct {
  gdouble smoothing;
  gint interval, threads;
  gboolean post_messages, geometry;
} Settings;

static void
read_settings (GstFerClassify * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  s->smoothing = self->smoothing;
  s->interval = self->interval;
  s->threads = self->threads;
  s->post_messages = self->post_messages;
  s->geometry = self->geometry;
  GST_OBJECT_UNLOCK (self);
}

/* The mouth box, kept inside the frame (a rescaled meta may round past an edge). */
static gboolean
mouth_in_frame (const GstFerFace * face, const GstVideoFrame * frame, GstVideoRectangle * r)
{
  const gint width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);
  const gint x0 = CLAMP (face->mouth.x, 0, width), y0 = CLAMP (face->mouth.y, 0, height);
  const gint x1 = CLAMP (face->mouth.x + face->mouth.w, 0, width);
  const gint y1 = CLAMP (face->mouth.y + face->mouth.h, 0, height);
  *r = (GstVideoRectangle) { x0, y0, x1 - x0, y1 - y0 };
  return r->w > 0 && r->h > 0;
}

static void
post_message (GstFerClassify * self, GstBuffer * buffer, GValue * faces)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  const GstClockTime ts = GST_BUFFER_TIMESTAMP (buffer);
  GstStructure *s = gst_structure_new ("ferclassify",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (segment, GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64, gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buffer), NULL);
  gst_structure_take_value (s, "faces", faces);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static FaceHistory *
history_of (GstFerClassify * self, guint id)
{
  FaceHistory *h = g_hash_table_lookup (self->history, GUINT_TO_POINTER (id));
  if (h == NULL) {
    h = g_new0 (FaceHistory, 1);
    h->classified_frame = G_MAXUINT64;   /* never */
    g_hash_table_insert (self->history, GUINT_TO_POINTER (id), h);
  }
  return h;
}

static gboolean
forgotten (gpointer key, gpointer value, gpointer user_data)
{
  const FaceHistory *h = value;
  return h->seen_frame + FORGET_AFTER_FRAMES < *(const guint64 *) user_data;
}

/* Classifies the faces of meta (those due: see interval) as one batch and writes their
 * results; call with model_lock held. */
static void
classify_faces (GstFerClassify * self, GstVideoFrame * frame, GstFerMeta * meta,
    const Settings * s)
{
  FerClassifier *classifier = self->classifier;
  const FerModelInfo *info = fer_classifier_info (classifier);
  const gint classes = info->num_classes;
  const guint n = gst_fer_meta_get_n_faces (meta);
  const FerImage **crops = g_newa (const FerImage *, MAX (n, 1));
  guint *due = g_newa (guint, MAX (n, 1));
  guint n_due = 0;

  for (guint i = 0; i < n; i++) {
    const GstFerFace *face = gst_fer_meta_get_face (meta, i);
    FaceHistory *h = history_of (self, face->id);
    h->seen_frame = self->frame;
    const gboolean fresh = h->classified_frame != G_MAXUINT64
        && self->frame - h->classified_frame < (guint64) s->interval;
    GstVideoRectangle r;
    if (fresh || !mouth_in_frame (face, frame, &r))
      continue;
    /* Only the pixels the model's transform reads are converted. */
    const FerBox needed = fer_classifier_source_rect (classifier, r.w, r.h);
    crops[n_due] = fer_frame_cutter_cut (&self->cutter, n_due, frame, &r, &needed);
    if (crops[n_due] == NULL) {
      GST_WARNING_OBJECT (self, "cannot cut the mouth of face %u", face->id);
      continue;
    }
    due[n_due++] = i;
  }

  float *probabilities = NULL;
  if (n_due > 0) {
    fer_threads_set (s->threads);   /* this (streaming) thread's OpenMP team size */
    probabilities = fer_classifier_classify (classifier, crops, (gint) n_due);
    if (probabilities == NULL)
      GST_WARNING_OBJECT (self, "out of memory: %u mouths not classified", n_due);
  }
  for (guint k = 0; probabilities && k < n_due; k++) {
    const GstFerFace *face = gst_fer_meta_get_face (meta, due[k]);
    FaceHistory *h = history_of (self, face->id);
    float *p = probabilities + (gsize) k * classes;
    /* The mouth's shape from the face's landmarks, when the model weighs it (a face added
     * without landmarks has none: its probabilities stay the network's). */
    if (s->geometry)
      fer_classifier_apply_geometry (classifier, face->landmarks, p);
    /* Exponential moving average per face id; the first result is taken as it is. */
    const gboolean first = h->classified_frame == G_MAXUINT64;
    for (gint c = 0; c < classes; c++)
      h->probabilities[c] = first || s->smoothing <= 0 ? p[c]
          : (gfloat) (s->smoothing * h->probabilities[c] + (1 - s->smoothing) * p[c]);
    h->classified_frame = self->frame;
  }

  gst_fer_meta_set_class_names (meta, classes, (const gchar * const *) info->labels);
  for (guint i = 0; i < n; i++) {
    GstFerFace *face = gst_fer_meta_get_face (meta, i);
    const FaceHistory *h = g_hash_table_lookup (self->history, GUINT_TO_POINTER (face->id));
    if (h == NULL || h->classified_frame == G_MAXUINT64)
      continue;   /* mouth outside the frame, or not cut */
    gst_fer_meta_set_classification (meta, face, h->probabilities);
  }
  gst_fer_meta_export_rois (meta, frame->buffer, GST_VIDEO_FRAME_WIDTH (frame),
      GST_VIDEO_FRAME_HEIGHT (frame));
  g_hash_table_foreach_remove (self->history, forgotten, &self->frame);
}

static void
report (GstFerClassify * self, GstBuffer * buffer, GstFerMeta * meta)
{
  GValue faces = G_VALUE_INIT;
  g_value_init (&faces, GST_TYPE_LIST);
  for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
    const GstFerFace *face = gst_fer_meta_get_face (meta, i);
    if (!face->classified)
      continue;
    GValue value = G_VALUE_INIT;
    g_value_init (&value, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&value, gst_fer_meta_face_to_structure (meta, face, FALSE));
    gst_value_list_append_and_take_value (&faces, &value);
  }
  post_message (self, buffer, &faces);
}

/* transform_ip rather than GstVideoFilter's transform_frame_ip: the frame is mapped for reading
 * only (no copy of a shared buffer), without a reference so the buffer stays writable for the
 * metadata. */
static GstFlowReturn
gst_fer_classify_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstFerClassify *self = GST_FER_CLASSIFY (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  if (!filter->negotiated)
    goto not_negotiated;

  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  if (meta == NULL) {
    if (!self->warned_no_meta) {
      GST_ELEMENT_WARNING (self, STREAM, FAILED, ("frames arrive without face metadata"),
          ("put fermouthcrop before ferclassify; frames pass through unclassified"));
      self->warned_no_meta = TRUE;
    }
    return GST_FLOW_OK;
  }

  Settings s;
  read_settings (self, &s);
  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &filter->in_info, buffer,
          GST_MAP_READ | GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
    goto map_failed;
  g_mutex_lock (&self->model_lock);
  classify_faces (self, &frame, meta, &s);
  if (s.post_messages)
    report (self, buffer, meta);
  g_mutex_unlock (&self->model_lock);
  gst_video_frame_unmap (&frame);
  self->frame++;
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unknown format"));
  return GST_FLOW_NOT_NEGOTIATED;
map_failed:
  GST_ELEMENT_ERROR (self, CORE, FAILED, (NULL), ("cannot map the video frame for reading"));
  return GST_FLOW_ERROR;
}

static void
gst_fer_classify_finalize (GObject * object)
{
  GstFerClassify *self = GST_FER_CLASSIFY (object);
  g_free (self->model);
  g_clear_pointer (&self->classifier, fer_classifier_free);
  g_hash_table_unref (self->history);
  fer_frame_cutter_clear (&self->cutter);
  g_mutex_clear (&self->model_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_classify_class_init (GstFerClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_fer_classify_set_property;
  gobject_class->get_property = gst_fer_classify_get_property;
  gobject_class->finalize = gst_fer_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file (safetensors, written by fer-train).  Unset: $" MODEL_ENV ", else the "
          "bundled default model (" FER_INSTALLED_MODEL ").  Set while running: loaded at once "
          "and swapped in between frames; a file that does not load is refused with a warning "
          "and the current model stays", NULL, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_double ("smoothing", "Smoothing",
          "Weight of a face's past probabilities in an exponential moving average over its "
          "classifications (by face id), to stop labels flickering: 0 = off, 0.8 = slow",
          0.0, 0.99, DEFAULT_PROP_SMOOTHING, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_int ("interval", "Interval",
          "Classify each face every N frames and reuse its result in between", 1, 300,
          DEFAULT_PROP_INTERVAL, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message \"ferclassify\" with the faces and expressions of each frame",
          DEFAULT_PROP_POST_MESSAGES, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "Threads running the model (a frame's few mouths are fastest on one)", 1, 64,
          DEFAULT_PROP_THREADS, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_GEOMETRY,
      g_param_spec_boolean ("geometry", "Geometry",
          "When the model has a geometry head (fer-eval --fit-geometry), weigh each mouth's "
          "shape from its face's landmarks (lip opening, corner lift, width) beside the "
          "network's reading of its pixels; off: the network's probabilities alone",
          DEFAULT_PROP_GEOMETRY, flags | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class, "Mouth expression classifier",
      "Filter/Analyzer/Video",
      "Classifies the mouth of every face fermouthcrop found (none, pouting, smile, "
      "openmouth with the default model) into GstFerMeta and region-of-interest metadata",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fer_classify_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_fer_classify_transform_ip);

  GST_DEBUG_CATEGORY_INIT (gst_fer_classify_debug, "ferclassify", 0, "ferclassify");
}

static void
gst_fer_classify_init (GstFerClassify * self)
{
  self->smoothing = DEFAULT_PROP_SMOOTHING;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->threads = DEFAULT_PROP_THREADS;
  self->geometry = DEFAULT_PROP_GEOMETRY;
  g_mutex_init (&self->model_lock);
  self->history = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  fer_frame_cutter_init (&self->cutter);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
