/* GStreamer mouth-expression metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstfermeta
 * @title: GstFerMeta
 * @short_description: faces, landmarks, mouth boxes and mouth expressions of a video frame
 *
 * fermouthcrop attaches one #GstFerMeta to each frame it processes, with a #GstFerFace per face
 * found; ferclassify fills in each face's classification and the model's class names; feroverlay
 * draws them.  Applications read it with gst_buffer_get_fer_meta() after linking
 * gstreamer-fer-1.0 (pkg-config), or from Python through GObject introspection
 * (`gi.require_version ("GstFer", "1.0")`).  The meta is copied with its buffer and, like
 * #GstVideoRegionOfInterestMeta, rescaled when the video is (videoscale); transforms that move
 * pixels otherwise drop it.
 *
 * It is the one source of a frame's results: the "face" and "mouth" region-of-interest metas
 * (gst_fer_meta_export_rois()) and the elements' bus messages
 * (gst_fer_meta_face_to_structure()) are written from it, for applications that read those.
 */
#include "gstfermeta.h"

#include <math.h>
#include <string.h>

/* The mouth's ROI id: the face's id with this bit set, so ids stay unique in a buffer. */
#define MOUTH_ROI_ID_BIT (1u << 30)

static gboolean
gst_fer_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstFerMeta *fer = (GstFerMeta *) meta;
  fer->faces = g_array_new (FALSE, TRUE, sizeof (GstFerFace));
  /* A meta's memory comes uninitialised: no classes until ferclassify (or the application)
   * names them. */
  fer->n_classes = 0;
  memset (fer->class_names, 0, sizeof fer->class_names);
  return TRUE;
}

static void
gst_fer_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstFerMeta *fer = (GstFerMeta *) meta;
  g_array_unref (fer->faces);
}

/* [x, x + w) scaled by s, rounded so neighbouring rectangles stay neighbours. */
static void
scale_span (gint * x, gint * w, gdouble s)
{
  const gint x0 = (gint) lround (*x * s), x1 = (gint) lround ((*x + *w) * s);
  *x = x0;
  *w = x1 - x0;
}

/* dest: a new, empty meta; the same faces and class names as source. */
static void
copy_contents (GstFerMeta * dest, const GstFerMeta * source)
{
  g_array_append_vals (dest->faces, source->faces->data, source->faces->len);
  dest->n_classes = source->n_classes;
  memcpy (dest->class_names, source->class_names, sizeof dest->class_names);
}

static gboolean
gst_fer_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstFerMeta *source = (GstFerMeta *) meta;

  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstFerMeta *copy = gst_buffer_add_fer_meta (dest);
    if (copy == NULL)
      return FALSE;
    copy_contents (copy, source);
    return TRUE;
  }

  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    GstVideoMetaTransform *trans = data;
    const gint in_width = GST_VIDEO_INFO_WIDTH (trans->in_info);
    const gint in_height = GST_VIDEO_INFO_HEIGHT (trans->in_info);
    if (in_width <= 0 || in_height <= 0)
      return FALSE;
    const gdouble sx = (gdouble) GST_VIDEO_INFO_WIDTH (trans->out_info) / in_width;
    const gdouble sy = (gdouble) GST_VIDEO_INFO_HEIGHT (trans->out_info) / in_height;
    GstFerMeta *scaled = gst_buffer_add_fer_meta (dest);
    if (scaled == NULL)
      return FALSE;
    copy_contents (scaled, source);
    for (guint i = 0; i < scaled->faces->len; i++) {
      GstFerFace *f = &g_array_index (scaled->faces, GstFerFace, i);
      scale_span (&f->face.x, &f->face.w, sx);
      scale_span (&f->face.y, &f->face.h, sy);
      scale_span (&f->mouth.x, &f->mouth.w, sx);
      scale_span (&f->mouth.y, &f->mouth.h, sy);
      for (gint p = 0; p < GST_FER_N_LANDMARKS; p++) {
        f->landmarks[2 * p] *= sx;
        f->landmarks[2 * p + 1] *= sy;
      }
    }
    return TRUE;
  }
  /* Any other transform may have moved the pixels: the faces no longer apply. */
  return FALSE;
}

GType
gst_fer_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR,
    GST_META_TAG_VIDEO_ORIENTATION_STR, GST_META_TAG_VIDEO_SIZE_STR, NULL
  };
  if (g_once_init_enter (&type)) {
    GType api = gst_meta_api_type_register ("GstFerMetaAPI", tags);
    g_once_init_leave (&type, api);
  }
  return type;
}

const GstMetaInfo *
gst_fer_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *registered = gst_meta_register (GST_FER_META_API_TYPE,
        "GstFerMeta", sizeof (GstFerMeta), gst_fer_meta_init,
        gst_fer_meta_free, gst_fer_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) registered);
  }
  return info;
}

/**
 * gst_buffer_get_fer_meta:
 * @buffer: a #GstBuffer
 *
 * Returns: (transfer none) (nullable): the #GstFerMeta of @buffer, or %NULL
 */
GstFerMeta *
gst_buffer_get_fer_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstFerMeta *) gst_buffer_get_meta (buffer, GST_FER_META_API_TYPE);
}

/**
 * gst_buffer_add_fer_meta:
 * @buffer: a writable #GstBuffer
 *
 * Attaches an empty #GstFerMeta to @buffer.
 *
 * Returns: (transfer none): the meta
 */
GstFerMeta *
gst_buffer_add_fer_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstFerMeta *) gst_buffer_add_meta (buffer, GST_FER_META_INFO, NULL);
}

/**
 * gst_fer_meta_get_n_faces:
 * @meta: a #GstFerMeta
 *
 * Returns: the number of faces
 */
guint
gst_fer_meta_get_n_faces (const GstFerMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->faces->len;
}

/**
 * gst_fer_meta_get_face:
 * @meta: a #GstFerMeta
 * @index: from 0 to gst_fer_meta_get_n_faces() - 1
 *
 * Returns: (transfer none) (nullable): the face, or %NULL when @index is out of range; valid
 * until a face is added
 */
GstFerFace *
gst_fer_meta_get_face (GstFerMeta * meta, guint index)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return index < meta->faces->len ? &g_array_index (meta->faces, GstFerFace, index) : NULL;
}

/**
 * gst_fer_meta_add_face:
 * @meta: a #GstFerMeta
 * @id: the face's tracking id
 * @face: the face rectangle
 * @landmarks: (array fixed-size=136) (nullable): the 68 landmarks, or %NULL for none yet (zeros)
 * @mouth: the mouth box
 *
 * Adds an unclassified face.
 *
 * Returns: (transfer none): the new face, valid until the next face is added
 */
GstFerFace *
gst_fer_meta_add_face (GstFerMeta * meta, guint id, const GstVideoRectangle * face,
    const gfloat * landmarks, const GstVideoRectangle * mouth)
{
  g_return_val_if_fail (meta != NULL && face != NULL && mouth != NULL, NULL);
  GstFerFace entry = { 0 };
  entry.id = id;
  entry.face = *face;
  entry.mouth = *mouth;
  if (landmarks)
    memcpy (entry.landmarks, landmarks, sizeof entry.landmarks);
  entry.label_index = -1;
  entry.face_confidence = 1.0f;
  g_array_append_val (meta->faces, entry);
  return &g_array_index (meta->faces, GstFerFace, meta->faces->len - 1);
}

/**
 * gst_fer_meta_set_class_names:
 * @meta: a #GstFerMeta
 * @n_classes: 1 to %GST_FER_MAX_CLASSES
 * @names: (array length=n_classes): the classifier's class names, in the order of its outputs
 *
 * Records the names of the classes the faces of @meta are classified into (once per frame, by
 * ferclassify).
 *
 * Returns: %FALSE (and @meta unchanged) when @n_classes is out of range or a name is %NULL
 */
gboolean
gst_fer_meta_set_class_names (GstFerMeta * meta, guint n_classes, const gchar * const *names)
{
  g_return_val_if_fail (meta != NULL && names != NULL, FALSE);
  if (n_classes < 1 || n_classes > GST_FER_MAX_CLASSES)
    return FALSE;
  for (guint k = 0; k < n_classes; k++)
    if (names[k] == NULL)
      return FALSE;
  memset (meta->class_names, 0, sizeof meta->class_names);
  for (guint k = 0; k < n_classes; k++)
    meta->class_names[k] = g_intern_string (names[k]);
  meta->n_classes = n_classes;
  return TRUE;
}

/**
 * gst_fer_meta_get_class_name:
 * @meta: a #GstFerMeta
 * @index: a class, from 0 to @meta's n_classes - 1
 *
 * Returns: (transfer none) (nullable): the name of class @index, or %NULL when out of range
 */
const gchar *
gst_fer_meta_get_class_name (const GstFerMeta * meta, guint index)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return index < meta->n_classes ? meta->class_names[index] : NULL;
}

/**
 * gst_fer_meta_set_classification:
 * @meta: a #GstFerMeta whose class names are set (gst_fer_meta_set_class_names())
 * @face: a face of @meta
 * @probabilities: (array): the probability of each of @meta's classes
 *
 * Records the classification of @face: the label index is the most probable class (the first,
 * on ties), the label its name and the confidence its probability.
 *
 * Returns: %FALSE (and @face unchanged) when @meta has no class names or a probability is not
 * a number between 0 and 1
 */
gboolean
gst_fer_meta_set_classification (GstFerMeta * meta, GstFerFace * face,
    const gfloat * probabilities)
{
  g_return_val_if_fail (meta != NULL && face != NULL && probabilities != NULL, FALSE);
  const guint n_classes = meta->n_classes;
  if (n_classes < 1 || n_classes > GST_FER_MAX_CLASSES)
    return FALSE;
  gint best = 0;
  for (guint k = 0; k < n_classes; k++) {
    if (!(probabilities[k] >= 0 && probabilities[k] <= 1))
      return FALSE;
    if (probabilities[k] > probabilities[best])
      best = k;
  }
  face->classified = TRUE;
  face->n_classes = n_classes;
  memset (face->probabilities, 0, sizeof face->probabilities);
  memcpy (face->probabilities, probabilities, n_classes * sizeof (gfloat));
  face->label_index = best;
  face->label = meta->class_names[best];
  face->confidence = probabilities[best];
  return TRUE;
}

/**
 * gst_fer_face_get_landmarks:
 * @face: a #GstFerFace
 * @n_values: (out): 2 * %GST_FER_N_LANDMARKS
 *
 * Returns: (transfer none) (array length=n_values): x0, y0, x1, y1, ... of the 68 landmarks
 */
const gfloat *
gst_fer_face_get_landmarks (const GstFerFace * face, guint * n_values)
{
  g_return_val_if_fail (face != NULL && n_values != NULL, NULL);
  *n_values = 2 * GST_FER_N_LANDMARKS;
  return face->landmarks;
}

/**
 * gst_fer_face_get_probabilities:
 * @face: a #GstFerFace
 * @n_classes: (out): the number of classes, 0 before classification
 *
 * Returns: (transfer none) (array length=n_classes): the probability of each class
 */
const gfloat *
gst_fer_face_get_probabilities (const GstFerFace * face, guint * n_classes)
{
  g_return_val_if_fail (face != NULL && n_classes != NULL, NULL);
  *n_classes = face->classified ? face->n_classes : 0;
  return face->probabilities;
}

/**
 * gst_fer_face_get_face_box:
 * @face: a #GstFerFace
 * @box: (out caller-allocates): the face rectangle, in frame pixels
 */
void
gst_fer_face_get_face_box (const GstFerFace * face, GstVideoRectangle * box)
{
  g_return_if_fail (face != NULL && box != NULL);
  *box = face->face;
}

/**
 * gst_fer_face_get_mouth_box:
 * @face: a #GstFerFace
 * @box: (out caller-allocates): the mouth box, in frame pixels
 */
void
gst_fer_face_get_mouth_box (const GstFerFace * face, GstVideoRectangle * box)
{
  g_return_if_fail (face != NULL && box != NULL);
  *box = face->mouth;
}

/**
 * gst_buffer_get_fer_mouth_roi:
 * @buffer: a #GstBuffer
 * @face: a face of @buffer's #GstFerMeta
 *
 * The "mouth" #GstVideoRegionOfInterestMeta fermouthcrop attached for @face (its parent_id is
 * the face's id); ferclassify adds its "expression" param there.
 *
 * Returns: (transfer none) (nullable): the region of interest, or %NULL when there is none
 */
GstVideoRegionOfInterestMeta *
gst_buffer_get_fer_mouth_roi (GstBuffer * buffer, const GstFerFace * face)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer) && face != NULL, NULL);
  const GQuark mouth = g_quark_from_static_string ("mouth");
  gpointer state = NULL;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    if (roi->roi_type == mouth && roi->parent_id == (gint) face->id)
      return roi;
  }
  return NULL;
}

/* The ROI of type roi_type and id on buffer, or NULL. */
static GstVideoRegionOfInterestMeta *
find_roi (GstBuffer * buffer, const gchar * roi_type, gint id)
{
  const GQuark type = g_quark_from_string (roi_type);
  gpointer state = NULL;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    if (roi->roi_type == type && roi->id == id)
      return roi;
  }
  return NULL;
}

static GValue
string_array (const gchar * const *strings, guint n)
{
  GValue array = G_VALUE_INIT;
  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, strings[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  return array;
}

static GValue
double_array (const gfloat * values, guint n)
{
  GValue array = G_VALUE_INIT;
  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, values[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  return array;
}

/* label, label_id, confidence, labels and probabilities of a classified face. */
static void
set_expression_fields (GstStructure * s, const GstFerMeta * meta, const GstFerFace * face)
{
  gst_structure_set (s, "label", G_TYPE_STRING, face->label,
      "label_id", G_TYPE_UINT, (guint) face->label_index,
      "confidence", G_TYPE_DOUBLE, (gdouble) face->confidence, NULL);
  GValue labels = string_array (meta->class_names, face->n_classes);
  gst_structure_take_value (s, "labels", &labels);
  GValue probabilities = double_array (face->probabilities, face->n_classes);
  gst_structure_take_value (s, "probabilities", &probabilities);
}

/* The "face" region of interest (with "detection" and "object_id" params) and the "mouth" one
 * (its parent the face) of face f: fermouthcrop's view. */
static void
add_face_rois (GstBuffer * buffer, const GstFerFace * f, gint width, gint height)
{
  /* ROI coordinates are unsigned: a face followed partly out of the frame is clipped to it. */
  const gint x0 = CLAMP (f->face.x, 0, width), x1 = CLAMP (f->face.x + f->face.w, x0, width);
  const gint y0 = CLAMP (f->face.y, 0, height), y1 = CLAMP (f->face.y + f->face.h, y0, height);
  GstVideoRegionOfInterestMeta *face = gst_buffer_add_video_region_of_interest_meta (buffer,
      "face", x0, y0, x1 - x0, y1 - y0);
  face->id = f->id;
  gst_video_region_of_interest_meta_add_param (face, gst_structure_new ("detection",
          "x_min", G_TYPE_DOUBLE, CLAMP ((gdouble) f->face.x / width, 0, 1),
          "y_min", G_TYPE_DOUBLE, CLAMP ((gdouble) f->face.y / height, 0, 1),
          "x_max", G_TYPE_DOUBLE, CLAMP ((gdouble) (f->face.x + f->face.w) / width, 0, 1),
          "y_max", G_TYPE_DOUBLE, CLAMP ((gdouble) (f->face.y + f->face.h) / height, 0, 1),
          "confidence", G_TYPE_DOUBLE, (gdouble) f->face_confidence, NULL));
  gst_video_region_of_interest_meta_add_param (face, gst_structure_new ("object_id",
          "id", G_TYPE_UINT, f->id, NULL));
  /* fermouthcrop's mouth boxes lie inside the frame; an application's may not. */
  const gint mx0 = CLAMP (f->mouth.x, 0, width), mx1 = CLAMP (f->mouth.x + f->mouth.w, mx0, width);
  const gint my0 = CLAMP (f->mouth.y, 0, height);
  const gint my1 = CLAMP (f->mouth.y + f->mouth.h, my0, height);
  GstVideoRegionOfInterestMeta *mouth = gst_buffer_add_video_region_of_interest_meta (buffer,
      "mouth", mx0, my0, mx1 - mx0, my1 - my0);
  mouth->id = f->id | MOUTH_ROI_ID_BIT;
  mouth->parent_id = f->id;
}

/**
 * gst_fer_meta_export_rois:
 * @meta: the #GstFerMeta of @buffer
 * @buffer: a writable #GstBuffer
 * @frame_width: the video's width
 * @frame_height: the video's height
 *
 * Writes @meta's faces as standard #GstVideoRegionOfInterestMeta, for applications that read
 * those: per face a "face" region (id: the face's id; params "detection", with the box in
 * 0..1 of the frame, and "object_id") and a "mouth" region (parent_id: the face's id); a
 * classified face's mouth region gets an "expression" param (label, label_id, confidence,
 * labels, probabilities).  Regions already on @buffer are kept and completed: fermouthcrop
 * exports its faces, ferclassify adds their expressions.
 */
void
gst_fer_meta_export_rois (GstFerMeta * meta, GstBuffer * buffer, guint frame_width,
    guint frame_height)
{
  g_return_if_fail (meta != NULL && GST_IS_BUFFER (buffer));
  for (guint i = 0; i < meta->faces->len; i++) {
    const GstFerFace *face = &g_array_index (meta->faces, GstFerFace, i);
    GstVideoRegionOfInterestMeta *mouth = gst_buffer_get_fer_mouth_roi (buffer, face);
    if (mouth == NULL && find_roi (buffer, "face", face->id) == NULL) {
      add_face_rois (buffer, face, frame_width, frame_height);
      mouth = gst_buffer_get_fer_mouth_roi (buffer, face);
    }
    if (mouth && face->classified
        && gst_video_region_of_interest_meta_get_param (mouth, "expression") == NULL) {
      GstStructure *expression = gst_structure_new_empty ("expression");
      set_expression_fields (expression, meta, face);
      gst_video_region_of_interest_meta_add_param (mouth, expression);
    }
  }
}

/**
 * gst_fer_meta_face_to_structure:
 * @meta: a #GstFerMeta
 * @face: one of its faces
 * @with_face_box: whether to include the face box
 *
 * A "face" structure as the elements' bus messages carry it: id, the face box (x, y, width,
 * height, face-confidence) when asked, the mouth box (mouth-x, mouth-y, mouth-width,
 * mouth-height) and, once classified, label, label_id, confidence, labels and probabilities.
 *
 * Returns: (transfer full): the structure
 */
GstStructure *
gst_fer_meta_face_to_structure (const GstFerMeta * meta, const GstFerFace * face,
    gboolean with_face_box)
{
  g_return_val_if_fail (meta != NULL && face != NULL, NULL);
  GstStructure *s = gst_structure_new ("face", "id", G_TYPE_UINT, face->id, NULL);
  if (with_face_box)
    gst_structure_set (s, "x", G_TYPE_INT, face->face.x, "y", G_TYPE_INT, face->face.y,
        "width", G_TYPE_INT, face->face.w, "height", G_TYPE_INT, face->face.h,
        "face-confidence", G_TYPE_DOUBLE, (gdouble) face->face_confidence, NULL);
  gst_structure_set (s, "mouth-x", G_TYPE_INT, face->mouth.x, "mouth-y", G_TYPE_INT,
      face->mouth.y, "mouth-width", G_TYPE_INT, face->mouth.w, "mouth-height", G_TYPE_INT,
      face->mouth.h, NULL);
  if (face->classified)
    set_expression_fields (s, meta, face);
  return s;
}
