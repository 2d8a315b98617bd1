#include "box/box-offset.h"

#include <math.h>

static gboolean
usable (FerBoxF b)
{
  return isfinite (b.x) && isfinite (b.y) && isfinite (b.width) && isfinite (b.height)
      && b.width > 0 && b.height > 0;
}

gboolean
fer_box_offset_encode (FerBoxF candidate, FerBoxF truth, float offsets[4])
{
  if (!usable (candidate) || !usable (truth))
    return FALSE;
  offsets[0] = (float) ((truth.x - candidate.x) / candidate.width);
  offsets[1] = (float) ((truth.y - candidate.y) / candidate.height);
  offsets[2] = (float) log (truth.width / candidate.width);
  offsets[3] = (float) log (truth.height / candidate.height);
  return TRUE;
}

FerBoxF
fer_box_offset_decode (FerBoxF candidate, const float offsets[4])
{
  const double dw = fmin (fmax (offsets[2], -FER_BOX_OFFSET_MAX_LOG), FER_BOX_OFFSET_MAX_LOG);
  const double dh = fmin (fmax (offsets[3], -FER_BOX_OFFSET_MAX_LOG), FER_BOX_OFFSET_MAX_LOG);
  return (FerBoxF) {
    candidate.x + candidate.width * offsets[0],
    candidate.y + candidate.height * offsets[1],
    candidate.width * exp (dw),
    candidate.height * exp (dh),
  };
}
