#include "face/face-finder.h"

#include <math.h>

int
fer_find_faces (FerFaceModels *models, const FerGrayView *gray, const FerFindOptions *options,
    FerBox *faces, int max_faces, GError **error)
{
  if (gray->width <= 0 || gray->height <= 0 || max_faces <= 0)
    return 0;
  const int width = MIN (MAX (options->detect_width, 1), gray->width);
  const int height = MAX (1, (int) ((gint64) gray->height * width / gray->width));
  FerGrayView small = *gray;
  uint8_t *pixels = NULL;
  if (width < gray->width) {
    pixels = g_malloc ((size_t) width * height);
    if (fer_gray_resize (gray, pixels, width, height))
      small = (FerGrayView) { pixels, width, height, width };
  }
  const double scale = (double) gray->width / small.width;
  const FerDetectOptions detect = { options->scale_factor, options->min_neighbors,
    (int) MAX (1, options->min_face_size / scale), 0 };
  int n = fer_face_detect (models, &small, &detect, faces, max_faces, error);
  g_free (pixels);
  if (n < 0)
    return -1;
  for (int i = 0; i < n; i++)
    faces[i] = (FerBox) { (int) (faces[i].x * scale), (int) (faces[i].y * scale),
      (int) (faces[i].width * scale), (int) (faces[i].height * scale) };
  return fer_boxes_merge_overlapping (faces, n, FER_MERGE_IOU);
}

int
fer_find_face_near (FerFaceModels *models, const FerGrayView *gray, FerBox expected,
    int min_neighbors, double min_iou, FerBox *found, GError **error)
{
  if (expected.width <= 0 || expected.height <= 0)
    return FALSE;
  /* Shrunk by a whole factor (OpenCV's area resize is several times faster then) so that the
   * face is about FER_NEAR_FACE_PX wide; the window, a quarter of the side around the expected
   * box, inside the frame and a whole number of factors wide and high. */
  const int factor = MAX (1, expected.width / FER_NEAR_FACE_PX);
  const int margin = expected.width / 4;
  const int x0 = MAX (expected.x - margin, 0), y0 = MAX (expected.y - margin, 0);
  const int x1 = MIN (expected.x + expected.width + margin, gray->width);
  const int y1 = MIN (expected.y + expected.height + margin, gray->height);
  const int width = (x1 - x0) / factor, height = (y1 - y0) / factor;
  if (width < FER_NEAR_FACE_PX / 2 || height < FER_NEAR_FACE_PX / 2)
    return FALSE;
  const FerGrayView window = { gray->data + (size_t) y0 * gray->stride + x0, width * factor,
    height * factor, gray->stride };
  FerGrayView small = window;
  uint8_t *pixels = NULL;
  if (factor > 1) {
    pixels = g_malloc ((size_t) width * height);
    if (!fer_gray_resize (&window, pixels, width, height)) {
      g_free (pixels);
      return FALSE;
    }
    small = (FerGrayView) { pixels, width, height, width };
  }
  const double side = (double) expected.width / factor;
  const FerDetectOptions detect = { FER_NEAR_SCALE_STEP, min_neighbors, (int) (side / FER_NEAR_SIZE_RANGE),
    (int) ceil (side * FER_NEAR_SIZE_RANGE) };
  FerBox faces[8];
  const int n = fer_face_detect (models, &small, &detect, faces, G_N_ELEMENTS (faces), error);
  g_free (pixels);
  if (n < 0)
    return -1;
  double best = min_iou;
  gboolean seen = FALSE;
  for (int i = 0; i < n; i++) {
    const FerBox face = { x0 + faces[i].x * factor, y0 + faces[i].y * factor,
      faces[i].width * factor, faces[i].height * factor };
    const double iou = fer_box_iou (face, expected);
    if (iou >= best) {
      best = iou;
      *found = face;
      seen = TRUE;
    }
  }
  return seen;
}
