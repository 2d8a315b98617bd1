/* GStreamer fermouthcrop: faces, landmarks and mouth boxes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_MOUTH_CROP_H__
#define __GST_FER_MOUTH_CROP_H__

#include <gst/video/gstvideofilter.h>
#include "detect/detector-finder.h"
#include "face/face-tracking.h"
#include "frame-luma.h"

G_BEGIN_DECLS

#define GST_TYPE_FER_MOUTH_CROP (gst_fer_mouth_crop_get_type ())
G_DECLARE_FINAL_TYPE (GstFerMouthCrop, gst_fer_mouth_crop, GST, FER_MOUTH_CROP, GstVideoFilter)

/* Which face detector runs the search. */
typedef enum {
  GST_FER_DETECTOR_CNN,    /* ours (seed 004's network on anchors, trained by fer-train-detector) */
  GST_FER_DETECTOR_HAAR,   /* the tutorial's: OpenCV's Haar cascade */
} GstFerDetector;

#define GST_TYPE_FER_DETECTOR (gst_fer_detector_get_type ())
GType gst_fer_detector_get_type (void);

struct _GstFerMouthCrop {
  GstVideoFilter parent;

  /* properties, under the object lock */
  GstFerDetector detector;
  gchar *detector_model;       /* NULL: the default (default-detector.h) */
  gdouble detector_threshold;  /* 0: the model's own */
  gint detector_width;         /* 0: the model's own input size */
  gint threads;                /* the detector's OpenMP team */
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
  FerDetectorFinder *finder;   /* detector=cnn: our detector, with the models' landmarks */
  FerFaceTracking *tracking;   /* while started: follows the faces */
  FerLumaScratch luma;   /* luma of formats that interleave it */
};

GST_ELEMENT_REGISTER_DECLARE (fermouthcrop);

G_END_DECLS

#endif /* __GST_FER_MOUTH_CROP_H__ */
