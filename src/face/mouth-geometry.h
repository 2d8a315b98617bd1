/* mouth-geometry.h: how open a mouth is, from dlib's 68 landmarks.
 *
 * The opening is the inner-lip gap (the mean distance of the three inner-lip pairs 61-67, 62-66,
 * 63-65) over the mouth's width (outer corners 48-54): 0 for closed lips, about 0.1 for parted
 * lips, 0.3 and more for a wide-open mouth; it does not depend on the face's size or position.
 * fer-prep sorts data by it.
 *
 * The mouth's features (fer_mouth_features) are what an expression model's geometry head reads
 * beside the crop's pixels (src/expression/geometry-head.h); fer-eval and ferclassify compute
 * them here, from the same landmarks the crop was cut by:
 *   opening       as above;
 *   corner lift   how far the lip corners (48, 54) sit above the inner lips' middle (62, 66),
 *                 along the face's up direction (square to the line through the eyes' centres),
 *                 over the mouth's width: about 0 for a neutral mouth, 0.1 and more in a smile,
 *                 negative for drooping corners; a tilted head does not change it;
 *   width ratio   the mouth's width over the distance between the eyes' centres (36-41,
 *                 42-47): about 0.8 for a neutral mouth, 1 and more when a smile stretches it.
 * None depends on the face's size, position or roll. */
#ifndef FER_MOUTH_GEOMETRY_H
#define FER_MOUTH_GEOMETRY_H

#include <glib.h>
#include "face/mouth-box.h"

G_BEGIN_DECLS

/* points: x0, y0, ..., x67, y67.  NAN when a point is not finite or the mouth has no width. */
double fer_mouth_opening (const float points[2 * FER_LANDMARKS]);

enum { FER_MOUTH_OPENING, FER_MOUTH_CORNER_LIFT, FER_MOUTH_WIDTH_RATIO, FER_MOUTH_FEATURES };

/* The names of the features in that order, as model files list them:
 * "opening", "corner_lift", "width_ratio". */
extern const char *const fer_mouth_feature_names[FER_MOUTH_FEATURES];

/* The features of the face whose 68 landmarks are points; FALSE (features NAN) when a point is
 * not finite or the mouth or the eye distance has no length. */
gboolean fer_mouth_features (const float points[2 * FER_LANDMARKS],
    double features[FER_MOUTH_FEATURES]);

G_END_DECLS

#endif /* FER_MOUTH_GEOMETRY_H */
