/* classifier.h: a model file applied to RGB images, the way fer-eval and ferclassify both do it.
 *
 * One path from pixels to probabilities: the model's inference transform (its metadata's crop
 * rule, mean and std; fer_classifier_preprocess), a forward pass in evaluation mode, a softmax.
 * fer-eval runs it on image files, ferclassify on mouth boxes cut from video frames; the same
 * crop gives the same probabilities in both. */
#ifndef FER_CLASSIFIER_H
#define FER_CLASSIFIER_H

#include <glib.h>
#include "image/image.h"
#include "io/model-file.h"
#include "image/transforms.h"
#include "expression/geometry-head.h"

G_BEGIN_DECLS

typedef struct _FerClassifier FerClassifier;

/* Loads a model file (fer_model_load's checks) and checks that its inference transform is one
 * this version implements.  Errors name the file. */
FerClassifier *fer_classifier_load (const char *path, GError **error);
void fer_classifier_free (FerClassifier *classifier);

const FerModelInfo *fer_classifier_info (const FerClassifier *classifier);
const char *fer_classifier_path (const FerClassifier *classifier);
int fer_classifier_num_classes (const FerClassifier *classifier);
/* Floats of one preprocessed input: 3 x input_size x input_size. */
size_t fer_classifier_input_floats (const FerClassifier *classifier);

/* The model's inference transform of an RGB image (any size) into out
 * (3 x input_size x input_size floats).  scratch as for fer_preprocess_center. */
void fer_classifier_preprocess (const FerModelInfo *info, const FerImage *image, float *out,
    FerImage **scratch);

/* The pixels of a width x height image that fer_classifier_preprocess reads (the rest do not
 * matter: fer_preprocess_center_source). */
FerBox fer_classifier_source_rect (const FerClassifier *classifier, int width, int height);

/* Probabilities [n][num_classes] of n preprocessed inputs, the classifier's buffer (the caller
 * may change them in place: fer_classifier_apply_geometry), valid until the next call; NULL when
 * memory is short.  Not reentrant: one thread at a time per classifier. */
float *fer_classifier_run (FerClassifier *classifier, const float *inputs, int n);

/* fer_classifier_preprocess of each image, then fer_classifier_run, as one batch. */
float *fer_classifier_classify (FerClassifier *classifier, const FerImage *const *images,
    int n);

/* The model's geometry head (geometry-head.h); NULL when it has none. */
const FerGeometryHead *fer_classifier_geometry (const FerClassifier *classifier);

/* Applies the geometry head to one mouth's probabilities (num_classes floats, from
 * fer_classifier_run) given the 68 landmarks of its face; FALSE, probabilities unchanged, when
 * the model has no head, points is NULL or the landmarks give no features. */
gboolean fer_classifier_apply_geometry (const FerClassifier *classifier,
    const float points[2 * FER_LANDMARKS], float *probabilities);

G_END_DECLS

#endif /* FER_CLASSIFIER_H */
