#include "expression/classifier.h"

#include <string.h>

#include "nn/cross-entropy.h"
#include "base/fer-error.h"
#include "image/transforms.h"
#include "expression/geometry-head.h"

/* FER_MODEL_CROP_SEED: Resize (shorter side 64), CenterCrop (input_size). */
#define SEED_RESIZE_TO 64

struct _FerClassifier {
  char *path;
  FerSimpleConv3 *model;
  FerModelInfo *info;
  FerGeometryHead *geometry;   /* NULL: the model has none */
  int capacity;            /* images the buffers below hold */
  float *inputs;           /* capacity x input floats */
  float *probabilities;    /* capacity x num_classes */
  FerImage *scratch;
};

FerClassifier *
fer_classifier_load (const char *path, GError **error)
{
  FerModelInfo *info = NULL;
  FerSimpleConv3 *model = fer_model_load (path, &info, error);
  if (model == NULL)
    return NULL;
  GError *head_error = NULL;
  const gboolean transform_ok = fer_model_info_check_transform (info, path, error);
  FerGeometryHead *geometry = transform_ok
      ? fer_geometry_head_from_info (info, path, &head_error) : NULL;
  if (!transform_ok || head_error) {
    if (head_error)
      g_propagate_error (error, head_error);
    fer_simpleconv3_free (model);
    fer_model_info_free (info);
    return NULL;
  }
  FerClassifier *classifier = g_new0 (FerClassifier, 1);
  classifier->geometry = geometry;
  classifier->path = g_strdup (path);
  classifier->model = model;
  classifier->info = info;
  if (!fer_simpleconv3_freeze (model))
    model->training = FALSE;   /* short of memory: dense products, same results to ~1e-7 */
  return classifier;
}

void
fer_classifier_free (FerClassifier *classifier)
{
  if (classifier == NULL)
    return;
  fer_simpleconv3_free (classifier->model);
  fer_model_info_free (classifier->info);
  fer_geometry_head_free (classifier->geometry);
  fer_image_free (classifier->scratch);
  g_free (classifier->inputs);
  g_free (classifier->probabilities);
  g_free (classifier->path);
  g_free (classifier);
}

const FerModelInfo *
fer_classifier_info (const FerClassifier *classifier)
{
  return classifier->info;
}

const char *
fer_classifier_path (const FerClassifier *classifier)
{
  return classifier->path;
}

int
fer_classifier_num_classes (const FerClassifier *classifier)
{
  return classifier->info->num_classes;
}

size_t
fer_classifier_input_floats (const FerClassifier *classifier)
{
  return 3 * (size_t) classifier->info->input_size * classifier->info->input_size;
}

void
fer_classifier_preprocess (const FerModelInfo *info, const FerImage *image, float *out,
    FerImage **scratch)
{
  fer_preprocess_center (out, image, SEED_RESIZE_TO, info->input_size, info->mean, info->std,
      scratch);
}

FerBox
fer_classifier_source_rect (const FerClassifier *classifier, int width, int height)
{
  return fer_preprocess_center_source (width, height, SEED_RESIZE_TO,
      classifier->info->input_size);
}

static gboolean
reserve (FerClassifier *classifier, int n)
{
  if (n <= classifier->capacity)
    return TRUE;
  if (!fer_simpleconv3_reserve (classifier->model, n))
    return FALSE;
  float *inputs = g_try_renew (float, classifier->inputs, n * fer_classifier_input_floats (classifier));
  if (inputs == NULL)
    return FALSE;
  classifier->inputs = inputs;
  float *probabilities = g_try_renew (float, classifier->probabilities,
      (size_t) n * classifier->info->num_classes);
  if (probabilities == NULL)
    return FALSE;
  classifier->probabilities = probabilities;
  classifier->capacity = n;
  return TRUE;
}

float *
fer_classifier_run (FerClassifier *classifier, const float *inputs, int n)
{
  if (n <= 0 || !reserve (classifier, n))
    return NULL;
  const float *logits = fer_simpleconv3_forward (classifier->model, inputs, n);
  if (logits == NULL)
    return NULL;
  fer_softmax (classifier->probabilities, logits, n, classifier->info->num_classes);
  return classifier->probabilities;
}

float *
fer_classifier_classify (FerClassifier *classifier, const FerImage *const *images, int n)
{
  if (n <= 0 || !reserve (classifier, n))
    return NULL;
  const size_t floats = fer_classifier_input_floats (classifier);
  for (int i = 0; i < n; i++)
    fer_classifier_preprocess (classifier->info, images[i], classifier->inputs + i * floats,
        &classifier->scratch);
  return fer_classifier_run (classifier, classifier->inputs, n);
}

const FerGeometryHead *
fer_classifier_geometry (const FerClassifier *classifier)
{
  return classifier->geometry;
}

gboolean
fer_classifier_apply_geometry (const FerClassifier *classifier,
    const float points[2 * FER_LANDMARKS], float *probabilities)
{
  double features[FER_MOUTH_FEATURES];
  if (classifier->geometry == NULL || points == NULL || !fer_mouth_features (points, features))
    return FALSE;
  fer_geometry_head_apply (classifier->geometry, features, probabilities);
  return TRUE;
}
