/* GStreamer fermouthcrop: faces, landmarks and mouth boxes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_MOUTH_CROP_H__
#define __GST_FER_MOUTH_CROP_H__

#include <gst/video/gstvideofilter.h>
#include "face/face-tracking.h"
#include "frame-luma.h"

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
  FerFaceTracking *tracking;   /* while started: follows the faces of the models */
  FerLumaScratch luma;   /* luma of formats that interleave it */
};

GST_ELEMENT_REGISTER_DECLARE (fermouthcrop);

G_END_DECLS

#endif /* __GST_FER_MOUTH_CROP_H__ */
