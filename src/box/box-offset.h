/* box-offset.h: seed 004's box offsets, how far a candidate box is from the true box, in terms
 * that do not depend on where the box is or how large:
 *
 *   x: (x2 - x1) / w1    y: (y2 - y1) / h1    w: log (w2 / w1)    h: log (h2 / h1)
 *
 * for a candidate (x1, y1, w1, h1) and the truth (x2, y2, w2, h2) (left, top, width, height, as
 * the seed's calc_box_offset and adjust_box_by_offset).  The detector's offset head learns these
 * for positive candidates; decoding its output moves each candidate onto the face. */
#ifndef FER_BOX_OFFSET_H
#define FER_BOX_OFFSET_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

/* The offsets of truth from candidate; FALSE (offsets untouched) when either box is empty or not
 * finite (the logarithms would not be). */
gboolean fer_box_offset_encode (FerBoxF candidate, FerBoxF truth, float offsets[4]);

/* The box candidate moved by offsets: the inverse of fer_box_offset_encode.  The size offsets are
 * clamped to +-FER_BOX_OFFSET_MAX_LOG first, so an untrained head cannot overflow exp (). */
#define FER_BOX_OFFSET_MAX_LOG 8.0
FerBoxF fer_box_offset_decode (FerBoxF candidate, const float offsets[4]);

G_END_DECLS

#endif /* FER_BOX_OFFSET_H */
