#include "face-finder.h"

int
fer_merge_overlapping (FerRect *rects, int n, double max_iou)
{
  int kept = 0;
  /* Largest first, so each rectangle only has to be checked against those already kept. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && (double) rects[j].width * rects[j].height
        > (double) rects[j - 1].width * rects[j - 1].height; j--) {
      const FerRect t = rects[j];
      rects[j] = rects[j - 1];
      rects[j - 1] = t;
    }
  for (int i = 0; i < n; i++) {
    gboolean overlaps = FALSE;
    for (int k = 0; k < kept && !overlaps; k++)
      overlaps = fer_rect_iou (rects[i], rects[k]) > max_iou;
    if (!overlaps)
      rects[kept++] = rects[i];
  }
  return kept;
}

int
fer_find_faces (FerFaceModels *models, const FerGrayView *gray, const FerFindOptions *options,
    FerRect *faces, int max_faces, GError **error)
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
    (int) MAX (1, options->min_face_size / scale) };
  int n = fer_face_detect (models, &small, &detect, faces, max_faces, error);
  g_free (pixels);
  if (n < 0)
    return -1;
  for (int i = 0; i < n; i++)
    faces[i] = (FerRect) { (int) (faces[i].x * scale), (int) (faces[i].y * scale),
      (int) (faces[i].width * scale), (int) (faces[i].height * scale) };
  return fer_merge_overlapping (faces, n, FER_MERGE_IOU);
}
