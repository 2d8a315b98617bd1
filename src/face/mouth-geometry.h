/* mouth-geometry.h: how open a mouth is, from dlib's 68 landmarks.
 *
 * The opening is the inner-lip gap (the mean distance of the three inner-lip pairs 61-67, 62-66,
 * 63-65) over the mouth's width (outer corners 48-54): 0 for closed lips, about 0.1 for parted
 * lips, 0.3 and more for a wide-open mouth; it does not depend on the face's size or position.
 * fer-prep sorts data by it, and fer-eval and the elements would share it as a model feature. */
#ifndef FER_MOUTH_GEOMETRY_H
#define FER_MOUTH_GEOMETRY_H

#include <glib.h>
#include "face/mouth-box.h"

G_BEGIN_DECLS

/* points: x0, y0, ..., x67, y67.  NAN when a point is not finite or the mouth has no width. */
double fer_mouth_opening (const float points[2 * FER_LANDMARKS]);

G_END_DECLS

#endif /* FER_MOUTH_GEOMETRY_H */
