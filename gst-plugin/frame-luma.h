/* frame-luma.h: the luma (8-bit grey) of a video frame in any format the elements take, as the
 * face finders want it: the Y or GRAY plane itself when its samples are contiguous (no copy),
 * else computed into a scratch buffer (ITU-R 601 weights for RGB; every other byte of packed
 * YUV). */
#ifndef FER_FRAME_LUMA_H
#define FER_FRAME_LUMA_H

#include <gst/video/video.h>
#include "face/face-landmarks.h"

G_BEGIN_DECLS

/* Reused from frame to frame; zero-initialised, emptied with fer_luma_scratch_clear. */
typedef struct {
  guint8 *data;
  gsize size;
} FerLumaScratch;

void fer_luma_scratch_clear (FerLumaScratch *scratch);

/* The luma of frame, valid while the frame is mapped and scratch unchanged. */
FerGrayView fer_frame_luma (const GstVideoFrame *frame, FerLumaScratch *scratch);

G_END_DECLS

#endif /* FER_FRAME_LUMA_H */
