/* face-detector-option.h: the --face-detector and --face-detector-model options of the tools
 * that find faces in photos (fer-eval --faces, fer-prep), resolved as fermouthcrop resolves its
 * detector and detector-model properties, so their crops are cut as the element cuts them. */
#ifndef FER_FACE_DETECTOR_OPTION_H
#define FER_FACE_DETECTOR_OPTION_H

#include <glib.h>
#include "detect/default-detector.h"
#include "detect/detector-finder.h"
#include "face/face-tracking.h"

/* The default, fermouthcrop's. */
#define FER_FACE_DETECTOR_DEFAULT "cnn"

#define FER_FACE_DETECTOR_OPTION_ENTRIES(name, model) \
  { "face-detector", 0, 0, G_OPTION_ARG_STRING, &(name), "What finds the faces: cnn (our " \
    "detector; the default, as fermouthcrop's) or haar (the tutorial's cascade)", "NAME" }, \
  { "face-detector-model", 0, 0, G_OPTION_ARG_FILENAME, &(model), "With cnn: the detector " \
    "model (default: $" FER_DETECTOR_MODEL_ENV ", else the bundled one)", "FILE" }

typedef struct {
  const FerFaceFinderFuncs *funcs;
  gpointer finder;
  FerDetectorFinder *detector;   /* cnn: owned */
} FerFaceDetectorChoice;

/* NULL when name is cnn or haar, else the message for a bad command line. */
char *fer_face_detector_option_check (const char *name);

/* The finder for name (cnn: the model at model_path, or the default), landmarks from models. */
gboolean fer_face_detector_choice_open (FerFaceDetectorChoice *choice, const char *name,
    const char *model_path, FerFaceModels *models, GError **error);
void fer_face_detector_choice_close (FerFaceDetectorChoice *choice);

#endif /* FER_FACE_DETECTOR_OPTION_H */
