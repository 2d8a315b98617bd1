#include "face/scene-watch.h"

#include <stdlib.h>

void
fer_scene_watch_init (FerSceneWatch *watch)
{
  *watch = (FerSceneWatch) { 0 };
}

void
fer_scene_watch_reset (FerSceneWatch *watch)
{
  g_clear_pointer (&watch->samples, g_free);
}

static int
step_for (int width)
{
  return MAX (1, width / SCENE_COLUMNS);
}

static guint8
sample (const FerGrayView *gray, int step, int column, int row)
{
  return gray->data[(size_t) row * step * gray->stride + (size_t) column * step];
}

/* Whether block (bx, by) of the sample grid touches one of the boxes. */
static gboolean
touches_box (int step, int bx, int by, const FerBox *boxes, int n_boxes)
{
  const int x0 = bx * SCENE_BLOCK * step, y0 = by * SCENE_BLOCK * step;
  const int x1 = x0 + SCENE_BLOCK * step, y1 = y0 + SCENE_BLOCK * step;
  for (int i = 0; i < n_boxes; i++)
    if (x0 < boxes[i].x + boxes[i].width && boxes[i].x < x1
        && y0 < boxes[i].y + boxes[i].height && boxes[i].y < y1)
      return TRUE;
  return FALSE;
}

gboolean
fer_scene_watch_changed (const FerSceneWatch *watch, const FerGrayView *gray,
    const FerBox *boxes, int n_boxes)
{
  if (watch->samples == NULL || gray->width != watch->frame_width
      || gray->height != watch->frame_height)
    return TRUE;
  const int step = watch->step, blocks_x = watch->columns / SCENE_BLOCK;
  const int blocks_y = watch->rows / SCENE_BLOCK;
  int watched = 0;
  for (int by = 0; by < blocks_y; by++)
    for (int bx = 0; bx < blocks_x; bx++) {
      if (touches_box (step, bx, by, boxes, n_boxes))
        continue;
      watched++;
      int difference = 0;
      for (int row = by * SCENE_BLOCK; row < (by + 1) * SCENE_BLOCK; row++)
        for (int column = bx * SCENE_BLOCK; column < (bx + 1) * SCENE_BLOCK; column++)
          difference += abs (sample (gray, step, column, row)
              - watch->samples[(size_t) row * watch->columns + column]);
      if (difference > SCENE_THRESHOLD * SCENE_BLOCK * SCENE_BLOCK)
        return TRUE;
    }
  /* Faces filling most of the picture leave too little to watch to say that nobody came in. */
  return watched < blocks_x * blocks_y / 2;
}

void
fer_scene_watch_keep (FerSceneWatch *watch, const FerGrayView *gray)
{
  const int step = step_for (gray->width);
  const int columns = gray->width / step, rows = gray->height / step;
  if (watch->samples == NULL || columns != watch->columns || rows != watch->rows) {
    g_free (watch->samples);
    watch->samples = g_malloc ((size_t) MAX (columns * rows, 1));
  }
  for (int row = 0; row < rows; row++)
    for (int column = 0; column < columns; column++)
      watch->samples[(size_t) row * columns + column] = sample (gray, step, column, row);
  *watch = (FerSceneWatch) { watch->samples, columns, rows, step, gray->width, gray->height };
}
