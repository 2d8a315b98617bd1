/* frame-cut.h: the RGB pixels of a rectangle of a video frame in any format the elements take,
 * for the classifier, at its own size (no scaling: the model's transform does the resizing, as
 * fer-eval does on image files).  Packed RGB formats are copied (exact: the same bytes as the
 * frame); 8-bit YUV and gray are converted pixel by pixel with the frame's matrix and range. */
#ifndef FER_FRAME_CUT_H
#define FER_FRAME_CUT_H

#include <gst/video/video.h>
#include "box/box.h"
#include "face/mouth-box.h"
#include "image/image.h"

G_BEGIN_DECLS

/* Per-sample contributions to R, G, B of one frame colorimetry, in 1/65536ths of an 8-bit
 * level, and a clamp table; built once per format, matrix and range. */
typedef struct {
  GstVideoFormat format;
  GstVideoColorMatrix matrix;
  GstVideoColorRange range;
  gint y_of[256], vr[256], ug_vg_u[256], ug_vg_v[256], ub[256];
  guint8 clamp[1024];     /* clamp[v + CLAMP_OFFSET] = v limited to 0..255 */
} FerYuvTables;

typedef struct {
  GPtrArray *images;      /* FerImage *, reused from frame to frame */
  FerYuvTables *yuv;      /* NULL until a YUV frame is cut */
  gint *columns;          /* per column of a crop: its Y, U, V sample offsets in a row */
  gint n_columns;
} FerFrameCutter;

void fer_frame_cutter_init (FerFrameCutter *cropper);
void fer_frame_cutter_clear (FerFrameCutter *cropper);

/* The index-th reusable image, of rect's size, with the pixels of rect of frame (rect must lie
 * inside the frame) in its part `needed` (in the image's coordinates; the rest is left as it
 * was: the caller's transform does not read it); NULL when memory is short or the format is not
 * one of the elements' (8-bit RGB, YUV, gray). */
const FerImage *fer_frame_cutter_cut (FerFrameCutter *cropper, guint index,
    const GstVideoFrame *frame, const GstVideoRectangle *rect, const FerBox *needed);

G_END_DECLS

#endif /* FER_FRAME_CUT_H */
