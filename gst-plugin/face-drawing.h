/* face-drawing.h: what feroverlay draws for one face, as an ARGB overlay rectangle.
 *
 * Everything for a face (mouth box, label, face box, landmarks, probability bars) is drawn with
 * cairo and pango on one transparent surface covering just those items, turned into a
 * GstVideoOverlayRectangle placed on the frame; GstVideoOverlayComposition blends it into any
 * raw format.  Pixels the surface does not cover are never touched. */
#ifndef FER_FACE_DRAWING_H
#define FER_FACE_DRAWING_H

#include <gst/video/video.h>
#include "gstfermeta.h"

G_BEGIN_DECLS

typedef struct {
  gboolean show_face, show_landmarks, show_probabilities, show_label;
  gdouble line_width;       /* pixels */
  gdouble font_size;        /* pixels */
  const gchar *font_family; /* a Pango font description without size, e.g. "Sans Bold" */
  const guint32 *colors;    /* 0xRRGGBB per class, cycled */
  guint n_colors;
  const gchar *const *labels;   /* class names for the bars, NULL: "class N" */
} FerDrawStyle;

/* The line width and font size that keep drawings legible from 320x240 to 4K. */
gdouble fer_draw_auto_line_width (gint frame_width, gint frame_height);
gdouble fer_draw_auto_font_size (gint frame_width, gint frame_height);

/* The rectangle of face's drawings on a frame_width x frame_height frame, or NULL when nothing
 * of it falls in the frame. */
GstVideoOverlayRectangle *fer_draw_face (const GstFerFace * face, const FerDrawStyle * style,
    gint frame_width, gint frame_height);

G_END_DECLS

#endif /* FER_FACE_DRAWING_H */
