/* GStreamer mouth-expression metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_META_H__
#define __GST_FER_META_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_FER_META_API_TYPE (gst_fer_meta_api_get_type ())
#define GST_FER_META_INFO (gst_fer_meta_get_info ())

/**
 * GST_FER_N_LANDMARKS:
 *
 * Landmarks per face: dlib's 68-point layout (the lips are points 48 to 67).
 */
#define GST_FER_N_LANDMARKS 68

/**
 * GST_FER_MAX_CLASSES:
 *
 * The most expression classes a face can carry probabilities for.
 */
#define GST_FER_MAX_CLASSES 16

/**
 * GstFerFace:
 * @id: stays the same while the face is tracked from frame to frame
 * @face: the face rectangle, in frame pixels
 * @landmarks: x0, y0, x1, y1, ... x67, y67 in frame pixels
 * @mouth: the mouth crop: a square around landmarks 48-67, inside the frame
 * @classified: whether the fields below were filled (by ferclassify)
 * @n_classes: how many of @probabilities are used
 * @probabilities: the probability of each class, summing to 1
 * @label_index: the most probable class, or -1 before classification
 * @label: its name (an interned string), or %NULL before classification
 * @confidence: its probability
 * @face_confidence: how sure the face detector was of the face the last time it saw it (0..1;
 *   1 from the Haar cascade, which has no score, and from gst_fer_meta_add_face())
 *
 * One face of a frame.
 */
typedef struct {
  guint id;
  GstVideoRectangle face;
  gfloat landmarks[2 * GST_FER_N_LANDMARKS];
  GstVideoRectangle mouth;
  gboolean classified;
  guint n_classes;
  gfloat probabilities[GST_FER_MAX_CLASSES];
  gint label_index;
  const gchar *label;
  gfloat confidence;
  gfloat face_confidence;
} GstFerFace;

/**
 * GstFerMeta:
 * @meta: parent #GstMeta
 * @faces: (type gpointer): the faces of the frame (#GstFerFace; from introspected languages:
 *   gst_fer_meta_get_n_faces() and gst_fer_meta_get_face())
 * @n_classes: how many classes the classifier tells (0 before classification)
 * @class_names: (array fixed-size=16): their names (interned strings; %NULL past @n_classes),
 *   the model's labels
 *
 * The faces of a video frame, their landmarks and mouth boxes (set by fermouthcrop) and their
 * mouth expression (set by ferclassify): the one source of a frame's results, which the
 * region-of-interest metas and bus messages are views of.  Copied with the buffer; rescaled with
 * the video (videoscale).
 */
typedef struct {
  GstMeta meta;
  GArray *faces;
  guint n_classes;
  const gchar *class_names[GST_FER_MAX_CLASSES];
} GstFerMeta;

GType gst_fer_meta_api_get_type (void);
const GstMetaInfo *gst_fer_meta_get_info (void);

GstFerMeta *gst_buffer_get_fer_meta (GstBuffer * buffer);
GstFerMeta *gst_buffer_add_fer_meta (GstBuffer * buffer);

guint gst_fer_meta_get_n_faces (const GstFerMeta * meta);
GstFerFace *gst_fer_meta_get_face (GstFerMeta * meta, guint index);
GstFerFace *gst_fer_meta_add_face (GstFerMeta * meta, guint id,
    const GstVideoRectangle * face, const gfloat * landmarks,
    const GstVideoRectangle * mouth);

GstVideoRegionOfInterestMeta *gst_buffer_get_fer_mouth_roi (GstBuffer * buffer,
    const GstFerFace * face);

gboolean gst_fer_meta_set_class_names (GstFerMeta * meta, guint n_classes,
    const gchar * const * names);
const gchar *gst_fer_meta_get_class_name (const GstFerMeta * meta, guint index);
gboolean gst_fer_meta_set_classification (GstFerMeta * meta, GstFerFace * face,
    const gfloat * probabilities);

const gfloat *gst_fer_face_get_landmarks (const GstFerFace * face, guint * n_values);
const gfloat *gst_fer_face_get_probabilities (const GstFerFace * face, guint * n_classes);
void gst_fer_face_get_face_box (const GstFerFace * face, GstVideoRectangle * box);
void gst_fer_face_get_mouth_box (const GstFerFace * face, GstVideoRectangle * box);

void gst_fer_meta_export_rois (GstFerMeta * meta, GstBuffer * buffer, guint frame_width,
    guint frame_height);
GstStructure *gst_fer_meta_face_to_structure (const GstFerMeta * meta, const GstFerFace * face,
    gboolean with_face_box);

G_END_DECLS

#endif /* __GST_FER_META_H__ */
