#include "frame-luma.h"

void
fer_luma_scratch_clear (FerLumaScratch *scratch)
{
  g_clear_pointer (&scratch->data, g_free);
  scratch->size = 0;
}

static guint8 *
scratch_of_size (FerLumaScratch *scratch, gsize needed)
{
  if (scratch->size < needed) {
    g_free (scratch->data);
    scratch->data = g_malloc (needed);
    scratch->size = needed;
  }
  return scratch->data;
}

FerGrayView
fer_frame_luma (const GstVideoFrame *frame, FerLumaScratch *scratch)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const gint width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);
  const gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);

  if (!GST_VIDEO_FORMAT_INFO_IS_RGB (finfo) && ps == 1)
    return (FerGrayView) { GST_VIDEO_FRAME_COMP_DATA (frame, 0), width, height,
      GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) };

  guint8 *luma = scratch_of_size (scratch, (gsize) width * height);
  if (GST_VIDEO_FORMAT_INFO_IS_RGB (finfo)) {
    for (gint y = 0; y < height; y++) {
      const guint8 *r = GST_VIDEO_FRAME_COMP_DATA (frame, 0)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      const guint8 *g = GST_VIDEO_FRAME_COMP_DATA (frame, 1)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
      const guint8 *b = GST_VIDEO_FRAME_COMP_DATA (frame, 2)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2);
      guint8 *out = luma + (gsize) y * width;
      for (gint x = 0; x < width; x++)
        out[x] = (guint8) ((r[x * ps] * 299 + g[x * ps] * 587 + b[x * ps] * 114 + 500) / 1000);
    }
  } else {
    /* Packed YUV (YUY2, UYVY): every other byte is Y. */
    for (gint y = 0; y < height; y++) {
      const guint8 *in = GST_VIDEO_FRAME_COMP_DATA (frame, 0)
          + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      guint8 *out = luma + (gsize) y * width;
      for (gint x = 0; x < width; x++)
        out[x] = in[x * ps];
    }
  }
  return (FerGrayView) { luma, width, height, width };
}
