/* GStreamer fermouthcrop: faces, landmarks and mouth boxes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-fermouthcrop
 * @title: fermouthcrop
 *
 * Finds every face of the video (OpenCV's Haar cascade on the luma, downscaled to
 * #GstFerMouthCrop:detect-width), places dlib's 68 landmarks on each at full resolution, and
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
 * face is followed from its landmarks and looked for again near its box every 10 frames.
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

#include <math.h>
#include <string.h>

#include "gstfermeta.h"
#include "box/box.h"
#include "face/mouth-box.h"
#include "face/face-landmarks.h"
#include "face/face-finder.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_mouth_crop_debug);
#define GST_CAT_DEFAULT gst_fer_mouth_crop_debug

#define DEFAULT_PROP_CASCADE FER_DEFAULT_CASCADE
#define DEFAULT_PROP_LANDMARK_MODEL FER_DEFAULT_LANDMARK_MODEL
#define DEFAULT_PROP_SCALE_FACTOR 1.3
#define DEFAULT_PROP_MIN_NEIGHBORS 5
#define DEFAULT_PROP_MIN_FACE_SIZE 48
#define DEFAULT_PROP_DETECT_WIDTH 480
#define DEFAULT_PROP_DETECT_INTERVAL 30
#define DEFAULT_PROP_MAX_FACES 8
#define DEFAULT_PROP_MOUTH_SCALE FER_MOUTH_SCALE_SEED
#define DEFAULT_PROP_POST_MESSAGES FALSE

/* A detection and a tracked face are the same face above this overlap.  Between whole-frame
 * detections, each followed face is looked for again near its box every CHECK_INTERVAL frames
 * (and on a detection frame that missed it: Haar cascades miss a face now and then); once it is
 * missed it is looked for on every frame, and a face the detector has not seen in MAX_MISSED
 * checks in a row is gone. */
#define TRACK_IOU 0.3
#define CHECK_INTERVAL 10
/* A whole-frame search skipped because nothing changed (scene-watch.h) runs all the same after
 * this many detect-intervals. */
#define SEARCH_AT_LEAST_EVERY 10
#define MAX_MISSED 3
/* A face expected at a place needs less evidence than a new one. */
#define CHECK_MIN_NEIGHBORS 3
/* The mouth's ROI id: the face's id with this bit set, so ids stay unique in a buffer. */
#define MOUTH_ROI_ID_BIT (1u << 30)

enum
{
  PROP_0,
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

static void
gst_fer_mouth_crop_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
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
  GST_OBJECT_UNLOCK (self);
  self->models = fer_face_models_acquire (cascade, landmarks, &error);
  g_free (cascade);
  g_free (landmarks);
  if (self->models == NULL)
    goto no_models;
  fer_face_tracker_reset (&self->tracker);
  fer_scene_watch_reset (&self->scene);
  self->frames = 0;
  self->last_search = 0;
  return TRUE;

  /* ERRORS */
no_models:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
      ("set the cascade and landmark-model properties to valid files"));
  g_error_free (error);
  return FALSE;
}

static gboolean
gst_fer_mouth_crop_stop (GstBaseTransform * trans)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (trans);
  g_clear_pointer (&self->models, fer_face_models_release);
  g_clear_pointer (&self->luma, g_free);
  fer_scene_watch_reset (&self->scene);
  self->luma_size = 0;
  return TRUE;
}

/* New caps (size or format) mid-stream: tracked boxes belong to the old frames. */
static gboolean
gst_fer_mouth_crop_set_info (GstVideoFilter * filter, GstCaps * incaps, GstVideoInfo * in_info,
    GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstFerMouthCrop *self = GST_FER_MOUTH_CROP (filter);
  fer_face_tracker_reset (&self->tracker);
  fer_scene_watch_reset (&self->scene);
  self->frames = 0;
  self->last_search = 0;
  return TRUE;
}

static guint8 *
scratch (guint8 ** buffer, gsize * size, gsize needed)
{
  if (*size < needed) {
    g_free (*buffer);
    *buffer = g_malloc (needed);
    *size = needed;
  }
  return *buffer;
}

/* The frame's luma: the Y (or gray) plane itself when its samples are contiguous, else computed
 * (ITU-R 601 weights for RGB) into a scratch buffer. */
static FerGrayView
frame_luma (GstFerMouthCrop * self, GstVideoFrame * frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const gint width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);

  if (!GST_VIDEO_FORMAT_INFO_IS_RGB (finfo) && GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0) == 1)
    return (FerGrayView) { GST_VIDEO_FRAME_COMP_DATA (frame, 0), width, height,
      GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) };

  guint8 *luma = scratch (&self->luma, &self->luma_size, (gsize) width * height);
  if (GST_VIDEO_FORMAT_INFO_IS_RGB (finfo)) {
    const gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
    for (gint y = 0; y < height; y++) {
      const guint8 *r = GST_VIDEO_FRAME_COMP_DATA (frame, 0)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      const guint8 *g = GST_VIDEO_FRAME_COMP_DATA (frame, 1)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
      const guint8 *b = GST_VIDEO_FRAME_COMP_DATA (frame, 2)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2);
      guint8 *out = luma + (gsize) y * width;
      for (gint x = 0; x < width; x++)
        out[x] = (guint8) ((r[x * ps] * 299 + g[x * ps] * 587 + b[x * ps] * 114 + 500) / 1000);
    }
  } else {
    /* Packed YUV (YUY2, UYVY): every other byte is Y. */
    const gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
    for (gint y = 0; y < height; y++) {
      const guint8 *in = GST_VIDEO_FRAME_COMP_DATA (frame, 0)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      guint8 *out = luma + (gsize) y * width;
      for (gint x = 0; x < width; x++)
        out[x] = in[x * ps];
    }
  }
  return (FerGrayView) { luma, width, height, width };
}

typedef struct {
  gdouble scale_factor, mouth_scale;
  gint min_neighbors, min_face_size, detect_width, detect_interval, max_faces;
  gboolean post_messages;
} Settings;

static void
read_settings (GstFerMouthCrop * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  s->scale_factor = self->scale_factor;
  s->mouth_scale = self->mouth_scale;
  s->min_neighbors = self->min_neighbors;
  s->min_face_size = self->min_face_size;
  s->detect_width = self->detect_width;
  s->detect_interval = self->detect_interval;
  s->max_faces = self->max_faces;
  s->post_messages = self->post_messages;
  GST_OBJECT_UNLOCK (self);
}

/* Finds the faces of the frame and updates the tracker with them. */
static void
detect (GstFerMouthCrop * self, const FerGrayView * luma, const Settings * s)
{
  const FerFindOptions options = { s->scale_factor, s->min_neighbors, s->min_face_size,
    s->detect_width };
  FerBox faces[64];
  GError *error = NULL;
  gint n = fer_find_faces (self->models, luma, &options, faces,
      MIN (s->max_faces, (gint) G_N_ELEMENTS (faces)), &error);
  if (n < 0) {
    GST_WARNING_OBJECT (self, "%s", error->message);
    g_error_free (error);
    n = 0;
  }
  GST_LOG_OBJECT (self, "detection on frame %" G_GUINT64_FORMAT ": %d faces", self->frames, n);
  fer_face_tracker_match (&self->tracker, faces, n, TRACK_IOU, s->max_faces);
}

static void
add_rois (GstBuffer * buffer, const FerTrackedFace * f, gint width, gint height)
{
  /* ROI coordinates are unsigned: a face followed partly out of the frame is clipped to it. */
  const gint x0 = CLAMP (f->face.x, 0, width), x1 = CLAMP (f->face.x + f->face.width, 0, width);
  const gint y0 = CLAMP (f->face.y, 0, height), y1 = CLAMP (f->face.y + f->face.height, 0, height);
  GstVideoRegionOfInterestMeta *face = gst_buffer_add_video_region_of_interest_meta (buffer,
      "face", x0, y0, x1 - x0, y1 - y0);
  face->id = f->id;
  gst_video_region_of_interest_meta_add_param (face, gst_structure_new ("detection",
          "x_min", G_TYPE_DOUBLE, CLAMP ((gdouble) f->face.x / width, 0, 1),
          "y_min", G_TYPE_DOUBLE, CLAMP ((gdouble) f->face.y / height, 0, 1),
          "x_max", G_TYPE_DOUBLE, CLAMP ((gdouble) (f->face.x + f->face.width) / width, 0, 1),
          "y_max", G_TYPE_DOUBLE, CLAMP ((gdouble) (f->face.y + f->face.height) / height, 0, 1),
          "confidence", G_TYPE_DOUBLE, 1.0, NULL));
  gst_video_region_of_interest_meta_add_param (face, gst_structure_new ("object_id",
          "id", G_TYPE_UINT, f->id, NULL));
  GstVideoRegionOfInterestMeta *mouth = gst_buffer_add_video_region_of_interest_meta (buffer,
      "mouth", f->mouth.x, f->mouth.y, f->mouth.width, f->mouth.height);
  mouth->id = f->id | MOUTH_ROI_ID_BIT;
  mouth->parent_id = f->id;
}

static GstStructure *
face_structure (const FerTrackedFace * f)
{
  return gst_structure_new ("face", "id", G_TYPE_UINT, f->id,
      "x", G_TYPE_INT, f->face.x, "y", G_TYPE_INT, f->face.y,
      "width", G_TYPE_INT, f->face.width, "height", G_TYPE_INT, f->face.height,
      "mouth-x", G_TYPE_INT, f->mouth.x, "mouth-y", G_TYPE_INT, f->mouth.y,
      "mouth-width", G_TYPE_INT, f->mouth.width, "mouth-height", G_TYPE_INT, f->mouth.height,
      NULL);
}

static void
post_message (GstFerMouthCrop * self, GstBuffer * buffer, gboolean searched, GValue * faces)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstSegment *segment = &trans->segment;
  const GstClockTime ts = GST_BUFFER_TIMESTAMP (buffer);
  GstStructure *s = gst_structure_new ("fermouthcrop",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (segment, GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64, gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buffer),
      "searched", G_TYPE_BOOLEAN, searched, NULL);
  gst_structure_take_value (s, "faces", faces);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Whether a face that was not detected this frame is still to be followed: its box moved with
 * its landmarks, and, on a check frame, the detector asked whether a face is still there. */
static gboolean
keep_following (GstFerMouthCrop * self, FerTrackedFace * f, const FerGrayView * luma,
    const Settings * s, gboolean detection_frame)
{
  if (!fer_tracked_face_follow (f, luma->width, luma->height))
    return FALSE;   /* walked out of the frame */
  if (!detection_frame && f->missed == 0 && (self->frames + f->id) % CHECK_INTERVAL != 0)
    return TRUE;
  FerBox found;
  GError *error = NULL;
  const gint seen = fer_find_face_near (self->models, luma, f->face,
      MIN (s->min_neighbors, CHECK_MIN_NEIGHBORS), TRACK_IOU,
      &found, &error);
  if (seen < 0) {
    GST_WARNING_OBJECT (self, "%s", error->message);
    g_error_free (error);
  }
  f->missed = seen > 0 ? 0 : f->missed + 1;
  if (f->missed > 0)
    GST_LOG_OBJECT (self, "face %u not seen near its box (%d checks in a row)", f->id, f->missed);
  return f->missed < MAX_MISSED;
}

/* Forgets tracked face i.  The scene kept at the last search is forgotten too: whatever made
 * the face go (or the detector lose it), the next due search must run. */
static void
drop_face (GstFerMouthCrop * self, guint i)
{
  GST_LOG_OBJECT (self, "face %u dropped", g_array_index (self->tracker.faces, FerTrackedFace,
          i).id);
  g_array_remove_index (self->tracker.faces, i);
  fer_scene_watch_reset (&self->scene);
}

/* Whether to search the whole frame: every detect-interval frames (on every frame while no face
 * is tracked), unless nothing has changed outside the tracked faces since the last search (a
 * face's box is widened by a quarter of its side each way: head and hair move with it; the
 * shoulders, further out, trigger a search when they move, which only costs time); at least
 * every SEARCH_AT_LEAST_EVERY intervals all the same. */
static gboolean
search_due (GstFerMouthCrop * self, const FerGrayView * luma, const Settings * s)
{
  GArray *tracked = self->tracker.faces;
  if (tracked->len > 0 && self->frames % (guint64) s->detect_interval != 0)
    return FALSE;
  if (self->frames - self->last_search >= (guint64) s->detect_interval * SEARCH_AT_LEAST_EVERY)
    return TRUE;
  FerBox around[64];
  const gint n = MIN (tracked->len, G_N_ELEMENTS (around));
  for (gint i = 0; i < n; i++) {
    const FerBox f = g_array_index (tracked, FerTrackedFace, i).face;
    around[i] = (FerBox) { f.x - f.width / 4, f.y - f.height / 4, f.width + f.width / 2,
      f.height + f.height / 2 };
  }
  if (fer_scene_watch_changed (&self->scene, luma, around, n))
    return TRUE;
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": search skipped, nothing changed outside "
      "the %d tracked faces", self->frames, n);
  return FALSE;
}

/* The faces of one frame: a whole-frame detection every detect-interval frames (and on every
 * frame while no face is tracked) if the scene changed, the other faces followed; then
 * landmarks and mouth box. */
static void
find_faces (GstFerMouthCrop * self, GstVideoFrame * frame, const Settings * s)
{
  const FerGrayView luma = frame_luma (self, frame);
  GArray *tracked = self->tracker.faces;
  fer_face_tracker_limit (&self->tracker, s->max_faces);
  const gboolean detection_frame = search_due (self, &luma, s);
  if (detection_frame) {
    detect (self, &luma, s);
    fer_scene_watch_keep (&self->scene, &luma);
    self->last_search = self->frames;
  }

  GstBuffer *buffer = frame->buffer;
  GstFerMeta *meta = gst_buffer_add_fer_meta (buffer);
  GValue faces = G_VALUE_INIT;
  if (s->post_messages)
    g_value_init (&faces, GST_TYPE_LIST);
  for (guint i = 0; i < tracked->len;) {
    FerTrackedFace *f = &g_array_index (tracked, FerTrackedFace, i);
    GError *error = NULL;
    if (!f->detected && !keep_following (self, f, &luma, s, detection_frame)) {
      drop_face (self, i);
      continue;
    }
    if (!fer_face_landmarks (self->models, &luma, f->face, f->landmarks, &error)
        || !fer_mouth_box (f->landmarks, s->mouth_scale, luma.width, luma.height, &f->mouth)) {
      GST_DEBUG_OBJECT (self, "no landmarks for face %u: %s", f->id,
          error ? error->message : "not finite");
      g_clear_error (&error);
      drop_face (self, i);
      continue;
    }
    if (f->detected)
      fer_tracked_face_calibrate (f);
    f->detected = FALSE;
    i++;
    const GstVideoRectangle face = { f->face.x, f->face.y, f->face.width, f->face.height };
    const GstVideoRectangle mouth = { f->mouth.x, f->mouth.y, f->mouth.width, f->mouth.height };
    gst_fer_meta_add_face (meta, f->id, &face, f->landmarks, &mouth);
    add_rois (buffer, f, luma.width, luma.height);
    if (s->post_messages) {
      GValue value = G_VALUE_INIT;
      g_value_init (&value, GST_TYPE_STRUCTURE);
      gst_value_set_structure (&value, face_structure (f));
      gst_value_list_append_and_take_value (&faces, &value);
    }
  }
  self->frames++;
  if (s->post_messages)
    post_message (self, buffer, detection_frame, &faces);
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
  g_free (self->cascade);
  g_free (self->landmark_model);
  fer_face_tracker_clear (&self->tracker);
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
          "Search the whole frame for faces every N frames (and on every frame while no face is "
          "tracked).  In between, each face is followed from its landmarks (box moved and "
          "resized with them) and the detector looks for it again near its box every 10 "
          "frames: a face that walks out, or is not seen 3 checks in a row, is dropped (within "
          "~12 frames).  The whole-frame search is the costly step (~20 ms at detect-width 480, "
          "landmarks <1 ms per face, a check ~1.3 ms); a new face shows up on the next search, "
          "up to N-1 frames late",
          1, 300, DEFAULT_PROP_DETECT_INTERVAL, flags | GST_PARAM_MUTABLE_PLAYING));
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
}

static void
gst_fer_mouth_crop_init (GstFerMouthCrop * self)
{
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
  fer_face_tracker_init (&self->tracker);
  fer_scene_watch_init (&self->scene);
  /* Late frames from a live source are dropped instead of growing the latency. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
