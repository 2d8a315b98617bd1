/* GStreamer fermouthcrop: faces, landmarks and mouth boxes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_MOUTH_CROP_H__
#define __GST_FER_MOUTH_CROP_H__

#include <gst/video/gstvideofilter.h>
#include "face/face-tracker.h"
#include "face/scene-watch.h"

G_BEGIN_DECLS

#define GST_TYPE_FER_MOUTH_CROP (gst_fer_mouth_crop_get_type ())
G_DECLARE_FINAL_TYPE (GstFerMouthCrop, gst_fer_mouth_crop, GST, FER_MOUTH_CROP, GstVideoFilter)

struct _GstFerMouthCrop {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar *cascade;
  gchar *landmark_model;
  gdouble scale_factor;
  gint min_neighbors;
  gint min_face_size;
  gint detect_width;
  gint detect_interval;
  gint max_faces;
  gdouble mouth_scale;
  gboolean post_messages;

  /* streaming state */
  FerFaceModels *models;
  FerFaceTracker tracker;
  FerSceneWatch scene;   /* the luma at the last whole-frame search */
  guint64 frames;
  guint64 last_search;   /* frame number */
  guint8 *luma;          /* luma of formats that interleave it, width x height */
  gsize luma_size;
};

GST_ELEMENT_REGISTER_DECLARE (fermouthcrop);

G_END_DECLS

#endif /* __GST_FER_MOUTH_CROP_H__ */
