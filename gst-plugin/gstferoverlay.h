/* GStreamer feroverlay: mouth boxes, labels and probabilities drawn on the video
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_FER_OVERLAY_H__
#define __GST_FER_OVERLAY_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_OVERLAY (gst_fer_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstFerOverlay, gst_fer_overlay, GST, FER_OVERLAY, GstVideoFilter)

#define GST_FER_OVERLAY_MAX_COLORS 16

struct _GstFerOverlay {
  GstVideoFilter parent;

  /* properties, under the object lock */
  gboolean show_face;
  gboolean show_landmarks;
  gboolean show_probabilities;
  gboolean show_label;
  gint line_width;          /* 0: scaled with the frame */
  gint font_size;           /* 0: scaled with the frame */
  gchar *font_desc;
  gchar *class_colors;      /* as set */
  guint32 colors[GST_FER_OVERLAY_MAX_COLORS];   /* 0xRRGGBB per class, parsed */
  guint n_colors;
};

GST_ELEMENT_REGISTER_DECLARE (feroverlay);

G_END_DECLS

#endif /* __GST_FER_OVERLAY_H__ */
