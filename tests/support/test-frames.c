#include "test-frames.h"

#include <gst/video/video.h>
#include <string.h>

#include "fer-test-util.h"
#include "image/image.h"

FerImage *
fer_test_astronaut (void)
{
  char *path = fer_test_source_path ("data/astronaut.jpg");
  GError *error = NULL;
  FerImage *image = fer_image_load (path, &error);
  g_assert_no_error (error);
  g_free (path);
  return image;
}

GstBuffer *
fer_test_rgb_buffer (const FerImage *image, int width, int height, int x, int y)
{
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, width, height);
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  GstMapInfo map;
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  memset (map.data, 128, map.size);
  const int stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
  for (int row = 0; image && row < image->height; row++) {
    const int ty = y + row;
    if (ty < 0 || ty >= height)
      continue;
    for (int col = 0; col < image->width; col++) {
      const int tx = x + col;
      if (tx >= 0 && tx < width)
        memcpy (map.data + (size_t) ty * stride + tx * 3,
            image->pixels + ((size_t) row * image->width + col) * 3, 3);
    }
  }
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = GST_SECOND / 30;
  return buffer;
}

GstBuffer *
fer_test_row_of_faces (const FerImage *image, int count, int *width, int *height)
{
  *width = count * image->width + 10 * (count + 1);
  *height = image->height + 40;
  GstBuffer *buffer = fer_test_rgb_buffer (NULL, *width, *height, 0, 0);
  GstMapInfo map;
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, *width, *height);
  for (int copy = 0; copy < count; copy++)
    for (int row = 0; row < image->height; row++)
      memcpy (map.data + (size_t) (row + 20) * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0)
          + (size_t) (10 + copy * (image->width + 10)) * 3,
          image->pixels + (size_t) row * image->width * 3, (size_t) image->width * 3);
  gst_buffer_unmap (buffer, &map);
  return buffer;
}
