/* second-look.h: a second look at each face the detector reports in a whole frame.
 *
 * A whole-frame pass sees a face at 16-200 px of its input; a face-like thing there (an animal
 * looking into the camera, a badge, a pattern in a painting) can score as high as a face.  The
 * second look runs the same network on a window FER_SECOND_LOOK_WINDOW times the box's larger
 * side around it, fitted into a FER_SECOND_LOOK_INPUT-pixel square (the box ~50 px there: the
 * middle of the anchors' range, with its surroundings in view), and the reported score becomes
 * the smaller of the two: a face must be seen at both scales.  Measured on the shipped model
 * (models/DETECTOR.md): recall unchanged on the dev frames, dlib's, helen-dev's and the stills'
 * photos, false reports 94 -> 67 there and on the animal stills (12 -> 7); helen-dev's tight
 * crops on fer-eval --faces' canvas lose 7 of 433 faces.  fermouthcrop's checks near a
 * followed face use the same window. */
#ifndef FER_SECOND_LOOK_H
#define FER_SECOND_LOOK_H

#include <glib.h>
#include <stdint.h>
#include "detect/face-detector.h"

G_BEGIN_DECLS

#define FER_SECOND_LOOK_WINDOW 2.5
#define FER_SECOND_LOOK_INPUT 128
/* A detection of the second look is the same face as the first from this overlap. */
#define FER_SECOND_LOOK_IOU 0.3

/* The window around box, clamped to a width x height image: [x0, x1) x [y0, y1), never empty. */
void fer_second_look_window (FerBoxF box, int width, int height, int *x0, int *y0, int *x1,
    int *y1);

/* Lowers each of the n faces scoring at least from to the best score the second look gives it
 * (0 when it sees no face there); the others are left as they are.  near: a detector at
 * FER_SECOND_LOOK_INPUT x FER_SECOND_LOOK_INPUT (not thread-safe, as every detector). */
void fer_second_look (FerFaceDetector *near, const uint8_t *grey, int width, int height,
    int stride, FerDetection *faces, int n, double from);

G_END_DECLS

#endif /* FER_SECOND_LOOK_H */
