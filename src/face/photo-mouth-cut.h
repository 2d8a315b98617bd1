/* photo-mouth-cut.h: the mouths of a photo, cut as fermouthcrop cuts them from video frames.
 *
 * The photo is padded (a mid-grey border, so tight face crops leave the cascade room), faces are
 * found (fer_find_faces, fermouthcrop's defaults), landmarks placed, the tutorial's mouth box
 * derived (fer_mouth_box, scale 1.5) and its pixels cut.  fer-eval --faces and fer-prep use it. */
#ifndef FER_PHOTO_MOUTH_CUT_H
#define FER_PHOTO_MOUTH_CUT_H

#include <glib.h>
#include "face/face-finder.h"
#include "face/face-tracking.h"
#include "face/mouth-box.h"
#include "image/image.h"

G_BEGIN_DECLS

typedef struct {
  FerBox face, mouth;   /* in the photo's pixels (a box may reach into the padding) */
  FerImage *crop;        /* the mouth's RGB pixels, mouth.width x mouth.height */
  double opening;        /* inner-lip gap / mouth width (fer_mouth_opening) */
  float points[2 * FER_LANDMARKS];   /* the 68 landmarks, in the photo's pixels */
} FerMouth;

/* Up to max_mouths mouths of photo, largest face first; returns their number (0: no face), or -1
 * with error set.  padding: border added on each side, a fraction of the photo's size.  Free each
 * crop with fer_image_free. */
int fer_cut_mouths (FerFaceModels *models, const FerImage *photo, double padding,
    FerMouth *mouths, int max_mouths, GError **error);

/* The same with another finder than the models' Haar cascade (our detector: detector-finder.h). */
int fer_cut_mouths_with (const FerFaceFinderFuncs *funcs, gpointer finder,
    const FerImage *photo, double padding, FerMouth *mouths, int max_mouths, GError **error);

G_END_DECLS

#endif /* FER_PHOTO_MOUTH_CUT_H */
