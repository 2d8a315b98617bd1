#include "box/letterbox.h"

#include <math.h>

gboolean
fer_letterbox_init (FerLetterbox *l, int source_width, int source_height, int input_width,
    int input_height)
{
  if (source_width <= 0 || source_height <= 0 || input_width <= 0 || input_height <= 0)
    return FALSE;
  *l = (FerLetterbox) { source_width, source_height, source_width, source_height, 0, 0,
    input_width, input_height, 0, 0 };
  /* Compare the aspect ratios exactly, in integers. */
  if ((gint64) source_width * input_height < (gint64) source_height * input_width) {
    /* Narrower than the input: pad left and right. */
    l->padded_width = MAX (source_width, (int) lround ((double) input_width / input_height
            * source_height));
    l->pad_x = (l->padded_width - source_width) / 2;
  } else {
    l->padded_height = MAX (source_height, (int) lround ((double) input_height / input_width
            * source_width));
    l->pad_y = (l->padded_height - source_height) / 2;
  }
  l->scale_x = (double) input_width / l->padded_width;
  l->scale_y = (double) input_height / l->padded_height;
  return TRUE;
}

/* box clipped to [x0, x1) x [y0, y1); FALSE when nothing is left. */
static gboolean
clip (FerBoxF box, double x0, double y0, double x1, double y1, FerBoxF *out)
{
  const double left = fmax (box.x, x0), top = fmax (box.y, y0);
  const double right = fmin (box.x + box.width, x1), bottom = fmin (box.y + box.height, y1);
  if (!(right > left && bottom > top))
    return FALSE;
  *out = (FerBoxF) { left, top, right - left, bottom - top };
  return TRUE;
}

gboolean
fer_letterbox_to_input (const FerLetterbox *l, FerBoxF box, FerBoxF *mapped)
{
  FerBoxF inside;
  if (!clip (box, 0, 0, l->source_width, l->source_height, &inside))
    return FALSE;
  *mapped = (FerBoxF) { (inside.x + l->pad_x) * l->scale_x, (inside.y + l->pad_y) * l->scale_y,
    inside.width * l->scale_x, inside.height * l->scale_y };
  return TRUE;
}

gboolean
fer_letterbox_to_source (const FerLetterbox *l, FerBoxF box, FerBoxF *mapped)
{
  const FerBoxF source = { box.x / l->scale_x - l->pad_x, box.y / l->scale_y - l->pad_y,
    box.width / l->scale_x, box.height / l->scale_y };
  return clip (source, 0, 0, l->source_width, l->source_height, mapped);
}
