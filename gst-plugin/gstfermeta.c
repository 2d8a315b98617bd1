/* GStreamer mouth-expression metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstfermeta
 * @title: GstFerMeta
 * @short_description: faces, landmarks, mouth boxes and mouth expressions of a video frame
 *
 * fermouthcrop attaches one #GstFerMeta to each frame it processes, with a #GstFerFace per face
 * found; ferclassify fills in each face's classification; feroverlay draws them.  Applications
 * read it with gst_buffer_get_fer_meta() after linking gstreamer-fer-1.0 (pkg-config).  The
 * meta is copied with its buffer and, like #GstVideoRegionOfInterestMeta, rescaled when the
 * video is (videoscale); transforms that move pixels otherwise drop it.
 */
#include "gstfermeta.h"

#include <math.h>
#include <string.h>

static gboolean
gst_fer_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstFerMeta *fer = (GstFerMeta *) meta;
  fer->faces = g_array_new (FALSE, TRUE, sizeof (GstFerFace));
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

static gboolean
gst_fer_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstFerMeta *source = (GstFerMeta *) meta;

  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstFerMeta *copy = gst_buffer_add_fer_meta (dest);
    if (copy == NULL)
      return FALSE;
    g_array_append_vals (copy->faces, source->faces->data, source->faces->len);
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
    g_array_append_vals (scaled->faces, source->faces->data, source->faces->len);
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
  g_array_append_val (meta->faces, entry);
  return &g_array_index (meta->faces, GstFerFace, meta->faces->len - 1);
}

/**
 * gst_fer_face_set_classification:
 * @face: a #GstFerFace
 * @n_classes: 1 to %GST_FER_MAX_CLASSES
 * @probabilities: (array length=n_classes): each class's probability
 * @label: (nullable): the name of the most probable class
 *
 * Records the classification of @face: the label index is the most probable class (the first,
 * on ties) and the confidence its probability.
 *
 * Returns: %FALSE (and @face unchanged) when @n_classes is out of range or a probability is not
 * a number between 0 and 1
 */
gboolean
gst_fer_face_set_classification (GstFerFace * face, guint n_classes,
    const gfloat * probabilities, const gchar * label)
{
  g_return_val_if_fail (face != NULL && probabilities != NULL, FALSE);
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
  face->label = label ? g_intern_string (label) : NULL;
  face->confidence = probabilities[best];
  return TRUE;
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
