/* GStreamer fermouthcrop: faces, landmarks and mouth boxes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-fermouthcrop
 * @title: fermouthcrop
 *
 * Finds every face of the video (by default with our own detector, a small network trained
 * by fer-train-detector that runs on the luma in a few milliseconds, takes a second look at each
 * face it reports, and finds the close-up, tilted and dim faces the tutorial's cascade misses;
 * or, with detector=haar, the tutorial's OpenCV Haar cascade on the luma downscaled to
 * #GstFerMouthCrop:detect-width),
 * places dlib's 68 landmarks on each at full resolution, and
 * derives the mouth box the tutorial crops (landmarks 48-67, a square 1.5 times their larger
 * side, kept inside the frame).  Each frame leaves with a #GstFerMeta listing the faces (an id
 * that stays the same while a face is tracked, face box, landmarks, mouth box), the same faces
 * and mouths as #GstVideoRegionOfInterestMeta ("face" with "detection" and "object_id" params,
 * "mouth" whose parent_id is the face's id), and, with #GstFerMouthCrop:post-messages, an
 * element message "fermouthcrop" on the bus.  Pixels are not touched, and no videoconvert is
 * needed: raw video in any common format goes in.
 *
 * The whole frame is searched every #GstFerMouthCrop:detect-interval frames, unless nothing has
 * changed outside the tracked faces since the last search (a fixed camera); in between, each
 * face is followed from its landmarks and looked for again near its box every 10 frames, and at
 * once when its landmarks move fast (a swaying head outruns them).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! fermouthcrop post-messages=true ! ferclassify ! feroverlay ! autovideosink
 * ]| Mouth expressions of everybody in front of the camera.
 * |[
 * gst-launch-1.0 -m filesrc location=face.mp4 ! decodebin ! fermouthcrop post-messages=true ! fakesink
 * ]| Prints the faces and mouth boxes of every frame of a file.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstfermouthcrop.h"

#include "fer-formats.h"
#include "frame-luma.h"

#include <math.h>
#include <string.h>

#include "gstfermeta.h"
#include "box/box.h"
#include "face/mouth-box.h"
#include "face/face-landmarks.h"
#include "face/face-finder.h"
#include "detect/default-detector.h"
#include "nn/fer-threads.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_mouth_crop_debug);
#define GST_CAT_DEFAULT gst_fer_mouth_crop_debug

#define DEFAULT_PROP_DETECTOR GST_FER_DETECTOR_CNN
#define DEFAULT_PROP_DETECTOR_THRESHOLD 0.0
/* 0: the model's own input (320x240 for the bundled one: faces from ~16 px of it, so from
 * ~64 px of a 1280-wide frame).  Larger finds smaller faces, at a cost growing with its area. */
#define DEFAULT_PROP_DETECTOR_WIDTH 0
/* One: the decoder and the elements after this one have the other cores, and a team of
 * threads spinning between the detector's layers would take them (measured: 0.6x the frame rate
 * with two on two cores). */
#define DEFAULT_PROP_THREADS 1
#define DEFAULT_PROP_CASCADE FER_DEFAULT_CASCADE
#define DEFAULT_PROP_LANDMARK_MODEL FER_DEFAULT_LANDMARK_MODEL
#define DEFAULT_PROP_SCALE_FACTOR 1.3
#define DEFAULT_PROP_MIN_NEIGHBORS 5
#define DEFAULT_PROP_MIN_FACE_SIZE 48
#define DEFAULT_PROP_DETECT_WIDTH 480
/* 0: the detector's own interval.  Haar's search costs ~20 ms, so every 30th frame; ours 2.5-4
 * ms, so every CNN_DETECT_INTERVAL-th: a new face shows up within 10 frames (a third of a second
 * at 30 fps), at a tenth of a search per frame (every 5th frame made the search the largest
 * part of fermouthcrop's time on a 480x480 close-up: tests/bench/bench-mouthcrop.sh). */
#define DEFAULT_PROP_DETECT_INTERVAL 0
#define HAAR_DETECT_INTERVAL 30
#define CNN_DETECT_INTERVAL 10
#define DEFAULT_PROP_MAX_FACES 8
#define DEFAULT_PROP_MOUTH_SCALE FER_MOUTH_SCALE_SEED
#define DEFAULT_PROP_POST_MESSAGES FALSE

enum
{
  PROP_0,
  PROP_DETECTOR,
  PROP_DETECTOR_MODEL,
  PROP_DETECTOR_THRESHOLD,
  PROP_DETECTOR_WIDTH,
  PROP_THREADS,
  PROP_CASCADE,
  PROP_LANDMARK_MODEL,
  PROP_SCALE_FACTOR,
  PROP_MIN_NEIGHBORS,
  PROP_MIN_FACE_SIZE,
  PROP_DETECT_WIDTH,
  PROP_DETECT_INTERVAL,
  PROP_MAX_FACES,
  PROP_MOUTH_SCALE,
  PROP_POST_MESSAGES,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));

#define gst_fer_mouth_crop_parent_class parent_class
G_DEFINE_TYPE (GstFerMouthCrop, gst_fer_mouth_crop, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (fermouthcrop, "fermouthcrop", GST_RANK_NONE,
    GST_TYPE_FER_MOUTH_CROP);

GType
gst_fer_detector_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_FER_DETECTOR_CNN, "Our face detector (fer-train-detector)", "cnn" },
    { GST_FER_DETECTOR_HAAR, "OpenCV's Haar cascade (the tutorial's)", "haar" },
    { 0, NULL, NULL }
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstFerDetector", values));
  return type;
}

static void
gst_fer_mouth_crop_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DETECTOR:
      self->detector = g_value_get_enum (value);
      break;
    case PROP_DETECTOR_MODEL:
      g_free (self->detector_model);
      self->detector_model = g_value_dup_string (value);
      break;
    case PROP_DETECTOR_THRESHOLD:
      self->detector_threshold = g_value_get_double (value);
      break;
    case PROP_DETECTOR_WIDTH:
      self->detector_width = g_value_get_int (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_int (value);
      break;
    case PROP_CASCADE:
      g_free (self->cascade);
      self->cascade = g_value_dup_string (value);
      break;
    case PROP_LANDMARK_MODEL:
      g_free (self->landmark_model);
      self->landmark_model = g_value_dup_string (value);
      break;
    case PROP_SCALE_FACTOR:
      self->scale_factor = g_value_get_double (value);
      break;
    case PROP_MIN_NEIGHBORS:
      self->min_neighbors = g_value_get_int (value);
      break;
    case PROP_MIN_FACE_SIZE:
      self->min_face_size = g_value_get_int (value);
      break;
    case PROP_DETECT_WIDTH:
      self->detect_width = g_value_get_int (value);
      break;
    case PROP_DETECT_INTERVAL:
      self->detect_interval = g_value_get_int (value);
      break;
    case PROP_MAX_FACES:
      self->max_faces = g_value_get_int (value);
      break;
    case PROP_MOUTH_SCALE:
      self->mouth_scale = g_value_get_double (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_mouth_crop_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DETECTOR:
      g_value_set_enum (value, self->detector);
      break;
    case PROP_DETECTOR_MODEL:
      g_value_set_string (value, self->detector_model);
      break;
    case PROP_DETECTOR_THRESHOLD:
      g_value_set_double (value, self->detector_threshold);
      break;
    case PROP_DETECTOR_WIDTH:
      g_value_set_int (value, self->detector_width);
      break;
    case PROP_THREADS:
      g_value_set_int (value, self->threads);
      break;
    case PROP_CASCADE:
      g_value_set_string (value, self->cascade);
      break;
    case PROP_LANDMARK_MODEL:
      g_value_set_string (value, self->landmark_model);
      break;
    case PROP_SCALE_FACTOR:
      g_value_set_double (value, self->scale_factor);
      break;
    case PROP_MIN_NEIGHBORS:
      g_value_set_int (value, self->min_neighbors);
      break;
    case PROP_MIN_FACE_SIZE:
      g_value_set_int (value, self->min_face_size);
      break;
    case PROP_DETECT_WIDTH:
      g_value_set_int (value, self->detect_width);
      break;
    case PROP_DETECT_INTERVAL:
      g_value_set_int (value, self->detect_interval);
      break;
    case PROP_MAX_FACES:
      g_value_set_int (value, self->max_faces);
      break;
    case PROP_MOUTH_SCALE:
      g_value_set_double (value, self->mouth_scale);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Models are loaded here, on the state change, not on the streaming thread. */
static gboolean
gst_fer_mouth_crop_start (GstBaseTransform * trans)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (trans);
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  gchar *cascade = g_strdup (self->cascade), *landmarks = g_strdup (self->landmark_model);
  const GstFerDetector detector = self->detector;
  const int detector_width = self->detector_width;
  gchar *detector_model = self->detector_model ? g_strdup (self->detector_model)
      : fer_default_detector_path ();
  GST_OBJECT_UNLOCK (self);
  self->models = fer_face_models_acquire (cascade, landmarks, &error);
  g_free (cascade);
  g_free (landmarks);
  if (self->models == NULL)
    goto no_models;
  if (detector == GST_FER_DETECTOR_CNN && detector_width != 0 && detector_width < 96) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("detector-width %d is too small for the "
            "face detector", detector_width), ("set it to 0 (the model's own) or 96 to 2048"));
    g_free (detector_model);
    g_clear_pointer (&self->models, fer_face_models_release);
    return FALSE;
  }
  if (detector == GST_FER_DETECTOR_CNN) {
    /* A 4:3 box, both sides multiples of 16 (what the network's strides need); each frame
     * runs at the part of it its shape fills. */
    const int width = detector_width / 16 * 16, height = detector_width * 3 / 4 / 16 * 16;
    self->finder = fer_detector_finder_new (detector_model, width, height, self->models,
        &error);
    if (self->finder == NULL)
      goto no_detector;
    self->tracking = fer_face_tracking_new (&fer_detector_finder_funcs, self->finder);
  } else
    self->tracking = fer_face_tracking_new (&fer_face_models_finder, self->models);
  GST_INFO_OBJECT (self, "faces found by %s", detector == GST_FER_DETECTOR_CNN ? detector_model
      : "the Haar cascade");
  g_free (detector_model);
  return TRUE;

  /* ERRORS */
no_models:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
      ("set the cascade and landmark-model properties to valid files"));
  g_error_free (error);
  g_free (detector_model);
  return FALSE;
no_detector:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
      ("set detector-model to a face detector written by fer-train-detector, or "
          "detector=haar"));
  g_error_free (error);
  g_free (detector_model);
  g_clear_pointer (&self->models, fer_face_models_release);
  return FALSE;
}

static gboolean
gst_fer_mouth_crop_stop (GstBaseTransform * trans)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (trans);
  g_clear_pointer (&self->tracking, fer_face_tracking_free);
  g_clear_pointer (&self->finder, fer_detector_finder_free);
  g_clear_pointer (&self->models, fer_face_models_release);
  fer_luma_scratch_clear (&self->luma);
  return TRUE;
}

/* New caps (size or format) mid-stream: tracked boxes belong to the old frames. */
static gboolean
gst_fer_mouth_crop_set_info (GstVideoFilter * filter, GstCaps * incaps, GstVideoInfo * in_info,
    GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (filter);
  if (self->tracking)
    fer_face_tracking_reset (self->tracking);
  return TRUE;
}

typedef struct {
  FerTrackingSettings tracking;
  gboolean post_messages;
  gdouble detector_threshold;
  gint threads;
} Settings;

static void
read_settings (GstFerMouthCrop * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  s->tracking = (FerTrackingSettings) {
    .find = { self->scale_factor, self->min_neighbors, self->min_face_size, self->detect_width },
    .detect_interval = self->detect_interval > 0 ? self->detect_interval
        : self->finder ? CNN_DETECT_INTERVAL : HAAR_DETECT_INTERVAL,
    .max_faces = self->max_faces,
    .mouth_scale = self->mouth_scale,
  };
  s->post_messages = self->post_messages;
  s->detector_threshold = self->detector_threshold;
  s->threads = self->threads;
  GST_OBJECT_UNLOCK (self);
}

static void
post_message (GstFerMouthCrop * self, GstBuffer * buffer, const GstFerMeta * meta,
    gboolean searched)
{
  GValue faces = G_VALUE_INIT;
  g_value_init (&faces, GST_TYPE_LIST);
  for (guint i = 0; i < meta->faces->len; i++) {
    GValue value = G_VALUE_INIT;
    g_value_init (&value, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&value, gst_fer_meta_face_to_structure (meta,
            &g_array_index (meta->faces, GstFerFace, i), TRUE));
    gst_value_list_append_and_take_value (&faces, &value);
  }
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstSegment *segment = &trans->segment;
  const GstClockTime ts = GST_BUFFER_TIMESTAMP (buffer);
  GstStructure *s = gst_structure_new ("fermouthcrop",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (segment, GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64, gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buffer),
      "searched", G_TYPE_BOOLEAN, searched, NULL);
  gst_structure_take_value (s, "faces", &faces);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* The faces of one frame, from the tracking, as GstFerMeta, region-of-interest metas and, when
 * asked, a message. */
static void
find_faces (GstFerMouthCrop * self, GstVideoFrame * frame, const Settings * s)
{
  const FerGrayView luma = fer_frame_luma (frame, &self->luma);
  const guint64 frame_number = fer_face_tracking_frames (self->tracking);
  FerTrackingStep step;
  GError *warning = NULL;
  gint n = 0;
  const FerTrackedFace *faces = fer_face_tracking_step (self->tracking, &luma, &s->tracking, &n,
      &step, &warning);
  if (warning) {
    GST_WARNING_OBJECT (self, "%s", warning->message);
    g_error_free (warning);
  }
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %d faces (%s, %d dropped, %d caught up)",
      frame_number, n, step.searched ? "searched" : "followed", step.dropped, step.caught_up);

  GstBuffer *buffer = frame->buffer;
  GstFerMeta *meta = gst_buffer_add_fer_meta (buffer);
  for (gint i = 0; i < n; i++) {
    const FerTrackedFace *f = &faces[i];
    const GstVideoRectangle face = { f->face.x, f->face.y, f->face.width, f->face.height };
    const GstVideoRectangle mouth = { f->mouth.x, f->mouth.y, f->mouth.width, f->mouth.height };
    gst_fer_meta_add_face (meta, f->id, &face, f->landmarks, &mouth)->face_confidence = f->score;
  }
  gst_fer_meta_export_rois (meta, buffer, luma.width, luma.height);
  if (s->post_messages)
    post_message (self, buffer, meta, step.searched);
}

/* Instead of GstVideoFilter's transform_frame_ip, which maps the frame for writing: the pixels
 * are only read, and a read mapping of a buffer whose memory is shared (a decoder's reference
 * frame) does not copy it.  The buffer itself is writable here (in place, not passthrough) and
 * is mapped without taking a reference, as GstVideoFilter does, so it stays writable for the
 * metadata. */
static GstFlowReturn
gst_fer_mouth_crop_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  if (!filter->negotiated)
    goto not_negotiated;

  Settings s;
  read_settings (self, &s);
  if (self->finder) {
    fer_detector_finder_set_threshold (self->finder, s.detector_threshold);
    fer_threads_set (s.threads);   /* this (streaming) thread's OpenMP team size */
  }
  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &filter->in_info, buffer,
          GST_MAP_READ | GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
    goto map_failed;
  find_faces (self, &frame, &s);
  gst_video_frame_unmap (&frame);
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
gst_fer_mouth_crop_finalize (GObject * object)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (object);
  g_free (self->detector_model);
  g_free (self->cascade);
  g_free (self->landmark_model);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_mouth_crop_class_init (GstFerMouthCropClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_fer_mouth_crop_set_property;
  gobject_class->get_property = gst_fer_mouth_crop_get_property;
  gobject_class->finalize = gst_fer_mouth_crop_finalize;

  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Face detector",
          "What finds the faces: cnn (ours: a small network on the luma, finds close, tilted and "
          "dim faces, in a few ms) or haar (the tutorial's OpenCV cascade; scale-factor, "
          "min-neighbors and detect-width are its settings); read when the element starts",
          GST_TYPE_FER_DETECTOR, DEFAULT_PROP_DETECTOR, flags | GST_PARAM_MUTABLE_READY));
  char *blurb = g_strdup_printf ("Face detector model for detector=cnn (safetensors, written "
      "by fer-train-detector).  Unset: $" FER_DETECTOR_MODEL_ENV ", else the bundled one (%s); "
      "read when the element starts", fer_installed_detector_path ());
  g_object_class_install_property (gobject_class, PROP_DETECTOR_MODEL,
      g_param_spec_string ("detector-model", "Detector model", g_intern_string (blurb), NULL,
          flags | GST_PARAM_MUTABLE_READY));
  g_free (blurb);
  g_object_class_install_property (gobject_class, PROP_DETECTOR_THRESHOLD,
      g_param_spec_double ("detector-threshold", "Detector threshold",
          "detector=cnn: a new face is reported above this probability (0: the model's own, "
          "chosen on its dev set; lower finds more, with more false faces); a face already "
          "followed is kept from 0.5", 0.0, 1.0,
          DEFAULT_PROP_DETECTOR_THRESHOLD, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DETECTOR_WIDTH,
      g_param_spec_int ("detector-width", "Detector width",
          "detector=cnn: width of the box each frame is fitted into before the detector runs "
          "(rounded down to a multiple of 16; its height 3/4 of it), as detect-width is for "
          "haar.  Faces smaller than ~16 px there are not found: raise it for small faces in "
          "large frames (the time grows with its area).  0: the model's own (320 for the "
          "bundled one); read when the element starts", 0, 2048, DEFAULT_PROP_DETECTOR_WIDTH,
          flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "detector=cnn: threads running the detector (one leaves the other cores to the "
          "decoder and the elements downstream)", 1, 64,
          DEFAULT_PROP_THREADS, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CASCADE,
      g_param_spec_string ("cascade", "Face cascade",
          "OpenCV Haar cascade file of frontal faces (Debian package opencv-data); read when "
          "the element starts", DEFAULT_PROP_CASCADE, flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LANDMARK_MODEL,
      g_param_spec_string ("landmark-model", "Landmark model",
          "dlib 68-point shape predictor file (Debian package libdlib-data); read when the "
          "element starts", DEFAULT_PROP_LANDMARK_MODEL, flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SCALE_FACTOR,
      g_param_spec_double ("scale-factor", "Scale factor",
          "Step between the detector's scales (the tutorial: 1.3; smaller finds more, slower)",
          1.05, 2.0, DEFAULT_PROP_SCALE_FACTOR, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_NEIGHBORS,
      g_param_spec_int ("min-neighbors", "Minimum neighbours",
          "Overlapping hits a face needs (the tutorial: 5; smaller finds more, with more "
          "false faces)", 0, 50, DEFAULT_PROP_MIN_NEIGHBORS, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_FACE_SIZE,
      g_param_spec_int ("min-face-size", "Minimum face size",
          "Smallest face to find, in pixels of the full frame", 8, 4096,
          DEFAULT_PROP_MIN_FACE_SIZE, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DETECT_WIDTH,
      g_param_spec_int ("detect-width", "Detection width",
          "Width the luma is downscaled to for face detection (landmarks always use the full "
          "frame); larger finds smaller faces, slower", 64, 4096, DEFAULT_PROP_DETECT_WIDTH,
          flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int ("detect-interval", "Detection interval",
          "Search the whole frame for faces every N frames (on every frame while no face is "
          "tracked; skipped while nothing changes outside the tracked faces).  In between, each "
          "face is followed from its landmarks and looked for again near its box every 10 "
          "frames (at once when its landmarks move fast); a face that walks out, or is not seen "
          "3 checks in a row, is dropped.  The whole-frame search is the costly step; a new face "
          "shows up on the next search, up to N-1 frames late.  0: the detector's own (cnn: 10, "
          "haar: 30)",
          0, 300, DEFAULT_PROP_DETECT_INTERVAL, flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_FACES,
      g_param_spec_int ("max-faces", "Maximum faces",
          "Most faces tracked at once (a search keeps the largest new ones while there is room)",
          1, 64, DEFAULT_PROP_MAX_FACES,
          flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MOUTH_SCALE,
      g_param_spec_double ("mouth-scale", "Mouth scale",
          "Side of the mouth box over the larger side of the lips' bounding box (the "
          "tutorial: 1.5)", 1.0, 4.0, DEFAULT_PROP_MOUTH_SCALE,
          flags | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message \"fermouthcrop\" with the faces of each frame (and "
          "\"searched\": whether the whole frame was searched for faces)",
          DEFAULT_PROP_POST_MESSAGES, flags | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class, "Mouth crop", "Filter/Analyzer/Video",
      "Finds faces, their 68 landmarks and mouth boxes, as GstFerMeta and region-of-interest "
      "metadata", "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_mouth_crop_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fer_mouth_crop_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_fer_mouth_crop_set_info);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_fer_mouth_crop_transform_ip);

  GST_DEBUG_CATEGORY_INIT (gst_fer_mouth_crop_debug, "fermouthcrop", 0, "fermouthcrop");
  gst_type_mark_as_plugin_api (GST_TYPE_FER_DETECTOR, 0);
}

static void
gst_fer_mouth_crop_init (GstFerMouthCrop * self)
{
  self->detector = DEFAULT_PROP_DETECTOR;
  self->detector_threshold = DEFAULT_PROP_DETECTOR_THRESHOLD;
  self->detector_width = DEFAULT_PROP_DETECTOR_WIDTH;
  self->threads = DEFAULT_PROP_THREADS;
  self->cascade = g_strdup (DEFAULT_PROP_CASCADE);
  self->landmark_model = g_strdup (DEFAULT_PROP_LANDMARK_MODEL);
  self->scale_factor = DEFAULT_PROP_SCALE_FACTOR;
  self->min_neighbors = DEFAULT_PROP_MIN_NEIGHBORS;
  self->min_face_size = DEFAULT_PROP_MIN_FACE_SIZE;
  self->detect_width = DEFAULT_PROP_DETECT_WIDTH;
  self->detect_interval = DEFAULT_PROP_DETECT_INTERVAL;
  self->max_faces = DEFAULT_PROP_MAX_FACES;
  self->mouth_scale = DEFAULT_PROP_MOUTH_SCALE;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  /* Late frames from a live source are dropped instead of growing the latency. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
