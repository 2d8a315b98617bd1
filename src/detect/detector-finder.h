/* detector-finder.h: our face detector in the face tracking's place of the Haar cascade
 * (face-tracking.h's finder table): whole-frame search, a look near a followed face (the
 * detector on a window around it, at a small input: a fraction of a whole-frame pass), and
 * dlib's landmarks from the models the cascade path loads.
 *
 * dlib's landmark predictor was fitted to boxes of another shape than ours (which follow the
 * teacher's: forehead to chin), so every box handed on is the model's landmark box
 * (fer_face_detector_landmark_box): the same square the landmarks are best from. */
#ifndef FER_DETECTOR_FINDER_H
#define FER_DETECTOR_FINDER_H

#include <glib.h>
#include "detect/face-detector.h"
#include "face/face-tracking.h"

G_BEGIN_DECLS

typedef struct _FerDetectorFinder FerDetectorFinder;

/* A finder running the detector model at path (input_width x input_height; 0 x 0: the model's
 * own) with models for the landmarks (a reference is taken).  Errors name the file. */
FerDetectorFinder *fer_detector_finder_new (const char *path, int input_width,
    int input_height, FerFaceModels *models, GError **error);
void fer_detector_finder_free (FerDetectorFinder *finder);

/* New faces above threshold (0..1; 0 or less: the model's own); checks near a followed face
 * accept from 0.5 (or threshold when lower). */
void fer_detector_finder_set_threshold (FerDetectorFinder *finder, double threshold);

extern const FerFaceFinderFuncs fer_detector_finder_funcs;

G_END_DECLS

#endif /* FER_DETECTOR_FINDER_H */
