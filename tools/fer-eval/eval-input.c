#include "eval-input.h"
#include "io/model-file.h"
#include "image/image.h"
#include "expression/classifier.h"
#include "face/photo-mouth-cut.h"

#include <string.h>

/* The mouth of the largest face of photo, or NULL (outcome->no_face or ->error set). */
static FerImage *
mouth_of (const FerEvalInput *input, const FerImage *photo, FerEvalOutcome *outcome)
{
  FerMouth mouth;
  GError *error = NULL;
  const int n = input->finder_funcs
      ? fer_cut_mouths_with (input->finder_funcs, input->finder, photo, input->padding, &mouth, 1,
          &error)
      : fer_cut_mouths (input->models, photo, input->padding, &mouth, 1, &error);
  if (n < 0) {
    outcome->error = g_strdup (error->message);
    g_error_free (error);
    return NULL;
  }
  if (n == 0) {
    outcome->no_face = TRUE;
    return NULL;
  }
  outcome->face = mouth.face;
  outcome->mouth = mouth.mouth;
  outcome->has_points = TRUE;
  memcpy (outcome->points, mouth.points, sizeof mouth.points);
  return mouth.crop;
}

/* The image's luma (as fermouthcrop computes it) in all three channels: a grey camera. */
static void
to_gray (FerImage *image)
{
  const size_t pixels = (size_t) image->width * image->height;
  uint8_t *luma = g_malloc (pixels);
  fer_image_luma (image, luma);
  for (size_t i = 0; i < pixels; i++)
    image->pixels[3 * i] = image->pixels[3 * i + 1] = image->pixels[3 * i + 2] = luma[i];
  g_free (luma);
}

gboolean
fer_eval_input_prepare (const FerEvalInput *input, const FerModelInfo *info, const char *path,
    float *tensor, FerImage **scratch, FerEvalOutcome *outcome)
{
  memset (outcome, 0, sizeof *outcome);
  GError *error = NULL;
  FerImage *image = fer_image_load (path, &error);
  if (image == NULL) {
    outcome->error = g_strdup (error->message);
    g_error_free (error);
    return FALSE;
  }
  if (input->models) {
    FerImage *mouth = mouth_of (input, image, outcome);
    fer_image_free (image);
    image = mouth;
    if (image == NULL)
      return FALSE;
  }
  if (input->gray)
    to_gray (image);
  fer_classifier_preprocess (info, image, tensor, scratch);
  fer_image_free (image);
  return TRUE;
}
