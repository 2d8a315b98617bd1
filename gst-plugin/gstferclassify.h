/* GStreamer ferclassify: the mouth expression of every face
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_CLASSIFY_H__
#define __GST_FER_CLASSIFY_H__

#include <gst/video/gstvideofilter.h>
#include "expression/classifier.h"
#include "frame-cut.h"

G_BEGIN_DECLS

#define GST_TYPE_FER_CLASSIFY (gst_fer_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstFerClassify, gst_fer_classify, GST, FER_CLASSIFY, GstVideoFilter)

struct _GstFerClassify {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gchar *model;            /* as set; NULL: the default model */
  gdouble smoothing;
  gint interval;
  gboolean post_messages;
  gint threads;
  gboolean geometry;

  /* The model in use: replaced (model set while running) under model_lock, which the streaming
   * thread holds for a whole frame, so a swap falls between frames. */
  GMutex model_lock;
  FerClassifier *classifier;

  /* streaming state */
  GHashTable *history;     /* face id -> FaceHistory */
  guint64 frame;
  gboolean warned_no_meta;
  FerFrameCutter cutter;
};

GST_ELEMENT_REGISTER_DECLARE (ferclassify);

G_END_DECLS

#endif /* __GST_FER_CLASSIFY_H__ */
