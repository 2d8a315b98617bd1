/* eval-input.h: one image file as fer-eval's model input.  Either the whole image (an
 * ImageFolder of mouth crops, as fer-train reads them), or, with --faces, the mouth of the
 * largest face of a photo, found and cut by the code fermouthcrop runs (fer_cut_mouths: face
 * finder, landmarks and mouth box at their defaults), then the model's inference transform. */
#ifndef FER_EVAL_INPUT_H
#define FER_EVAL_INPUT_H

#include "box/box.h"
#include "face/face-landmarks.h"
#include "face/photo-mouth-cut.h"
#include "image/image.h"
#include "image/transforms.h"
#include "io/model-file.h"

typedef struct {
  FerFaceModels *models;   /* NULL: the images are mouth crops already */
  const FerFaceFinderFuncs *finder_funcs;   /* NULL: the models' Haar cascade finds faces */
  gpointer finder;
  double padding;          /* --faces: border added around the photo, a fraction of its size */
  gboolean gray;           /* the model sees the crop in greyscale (its luma in R, G and B) */
} FerEvalInput;

typedef struct {
  char *error;             /* the file could not be read: why (free it) */
  gboolean no_face;        /* --faces: no face found */
  FerBox face, mouth;     /* --faces: where, in the photo's pixels */
  gboolean has_points;     /* --faces: the face's landmarks are in points */
  float points[2 * FER_LANDMARKS];
} FerEvalOutcome;

/* Fills tensor (the model's input) from the file at path; FALSE when there is no input (the
 * outcome says why).  scratch as for fer_preprocess_center.  Safe from several threads. */
gboolean fer_eval_input_prepare (const FerEvalInput *input, const FerModelInfo *info,
    const char *path, float *tensor, FerImage **scratch, FerEvalOutcome *outcome);

#endif /* FER_EVAL_INPUT_H */
