#include "mouth-crop.h"

#include <string.h>

void
fer_mouth_cropper_init (FerMouthCropper *cropper)
{
  cropper->images = g_ptr_array_new_with_free_func ((GDestroyNotify) fer_image_free);
}

void
fer_mouth_cropper_clear (FerMouthCropper *cropper)
{
  g_clear_pointer (&cropper->images, g_ptr_array_unref);
}

/* The image slot index, resized to width x height. */
static FerImage *
slot (FerMouthCropper *cropper, guint index, int width, int height)
{
  while (cropper->images->len <= index)
    g_ptr_array_add (cropper->images, NULL);
  FerImage *image = g_ptr_array_index (cropper->images, index);
  if (image == NULL || image->width != width || image->height != height) {
    fer_image_free (image);
    image = fer_image_new (width, height);
    g_ptr_array_index (cropper->images, index) = image;
  }
  return image;
}

/* Packed 8-bit RGB formats: the components are copied as they are. */
static gboolean
copy_packed_rgb (FerImage *image, const GstVideoFrame *frame, const GstVideoRectangle *r)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  if (!GST_VIDEO_FORMAT_INFO_IS_RGB (finfo) || GST_VIDEO_FORMAT_INFO_N_PLANES (finfo) != 1
      || GST_VIDEO_FORMAT_INFO_DEPTH (finfo, 0) != 8)
    return FALSE;
  const gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
  const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  const guint8 *base = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  const gint off[3] = { GST_VIDEO_FRAME_COMP_OFFSET (frame, 0),
    GST_VIDEO_FRAME_COMP_OFFSET (frame, 1), GST_VIDEO_FRAME_COMP_OFFSET (frame, 2) };
  for (gint y = 0; y < r->h; y++) {
    const guint8 *row = base + (gsize) (r->y + y) * stride + (gsize) r->x * ps;
    guint8 *out = image->pixels + (gsize) y * r->w * 3;
    for (gint x = 0; x < r->w; x++) {
      out[3 * x] = row[x * ps + off[0]];
      out[3 * x + 1] = row[x * ps + off[1]];
      out[3 * x + 2] = row[x * ps + off[2]];
    }
  }
  return TRUE;
}

/* Everything else (YUV, gray): GstVideoConverter from the rectangle to RGB of the same size,
 * written straight into the image (its rows are packed: the output stride is set to match). */
static gboolean
convert (FerImage *image, const GstVideoFrame *frame, const GstVideoRectangle *r)
{
  GstVideoInfo out_info;
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, r->w, r->h);
  out_info.stride[0] = 3 * r->w;
  out_info.size = fer_image_bytes (image);
  /* The converter neither changes the frame rate nor deinterlaces: both must match. */
  out_info.fps_n = frame->info.fps_n;
  out_info.fps_d = frame->info.fps_d;
  out_info.interlace_mode = frame->info.interlace_mode;
  GstVideoConverter *converter = gst_video_converter_new ((GstVideoInfo *) & frame->info,
      &out_info, gst_structure_new ("config",
          GST_VIDEO_CONVERTER_OPT_SRC_X, G_TYPE_INT, r->x,
          GST_VIDEO_CONVERTER_OPT_SRC_Y, G_TYPE_INT, r->y,
          GST_VIDEO_CONVERTER_OPT_SRC_WIDTH, G_TYPE_INT, r->w,
          GST_VIDEO_CONVERTER_OPT_SRC_HEIGHT, G_TYPE_INT, r->h,
          GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT, 1, NULL));
  if (converter == NULL)
    return FALSE;
  GstBuffer *buffer = gst_buffer_new_wrapped_full (0, image->pixels, out_info.size, 0,
      out_info.size, NULL, NULL);
  GstVideoFrame out;
  const gboolean mapped = gst_video_frame_map (&out, &out_info, buffer, GST_MAP_WRITE);
  if (mapped) {
    gst_video_converter_frame (converter, frame, &out);
    gst_video_frame_unmap (&out);
  }
  gst_buffer_unref (buffer);
  gst_video_converter_free (converter);
  return mapped;
}

const FerImage *
fer_mouth_cropper_crop (FerMouthCropper *cropper, guint index, const GstVideoFrame *frame,
    const GstVideoRectangle *rect)
{
  FerImage *image = slot (cropper, index, rect->w, rect->h);
  if (image == NULL)
    return NULL;
  if (copy_packed_rgb (image, frame, rect) || convert (image, frame, rect))
    return image;
  return NULL;
}
