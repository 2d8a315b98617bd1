/* mouth-box.h: the seed's mouth crop, done right at the edges.
 *
 * The bounding box of landmarks 48..67 (the lips, in dlib's 68-point order), grown to a square
 * of scale (the seed: 1.5) times its larger side around the same centre.  The tutorial clamped
 * that square badly at the right and bottom edges; here it is shifted to lie inside the frame,
 * and shrunk only if the frame is smaller than the square: never a negative or overflowing
 * coordinate. */
#ifndef FER_MOUTH_BOX_H
#define FER_MOUTH_BOX_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

#define FER_LANDMARKS 68
#define FER_MOUTH_FIRST 48
#define FER_MOUTH_LAST 67
#define FER_MOUTH_SCALE_SEED 1.5

/* points: x0, y0, ..., x67, y67 in frame pixels.  FALSE (box untouched) when the lip points
 * are not finite or the frame is empty. */
gboolean fer_mouth_box (const float points[2 * FER_LANDMARKS], double scale, int frame_width,
    int frame_height, FerBox *box);

G_END_DECLS

#endif /* FER_MOUTH_BOX_H */
