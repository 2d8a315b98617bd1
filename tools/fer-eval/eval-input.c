#include "eval-input.h"

#include <string.h>

/* The photo centred on a mid-grey canvas padding x its size wider on each side: tight face crops
 * need room around the face for the cascade to find it. */
static FerImage *
padded (const FerImage *photo, double padding, int *dx, int *dy)
{
  *dx = (int) (photo->width * padding);
  *dy = (int) (photo->height * padding);
  FerImage *canvas = fer_image_new (photo->width + 2 * *dx, photo->height + 2 * *dy);
  if (canvas == NULL)
    return NULL;
  memset (canvas->pixels, 128, fer_image_bytes (canvas));
  for (int y = 0; y < photo->height; y++)
    memcpy (canvas->pixels + ((size_t) (y + *dy) * canvas->width + *dx) * 3,
        photo->pixels + (size_t) y * photo->width * 3, (size_t) photo->width * 3);
  return canvas;
}

/* The RGB pixels of rect (inside image): what ferclassify cuts from an RGB frame. */
static FerImage *
crop (const FerImage *image, FerRect rect)
{
  FerImage *out = fer_image_new (rect.width, rect.height);
  if (out == NULL)
    return NULL;
  for (int y = 0; y < rect.height; y++)
    memcpy (out->pixels + (size_t) y * rect.width * 3,
        image->pixels + ((size_t) (rect.y + y) * image->width + rect.x) * 3,
        (size_t) rect.width * 3);
  return out;
}

/* The mouth of the largest face of photo, or NULL (outcome->no_face or ->error set). */
static FerImage *
mouth_of (const FerEvalInput *input, const FerImage *photo, FerEvalOutcome *outcome)
{
  int dx, dy;
  FerImage *canvas = padded (photo, input->padding, &dx, &dy);
  uint8_t *gray = canvas ? g_try_malloc ((size_t) canvas->width * canvas->height) : NULL;
  if (gray == NULL) {
    fer_image_free (canvas);
    outcome->error = g_strdup ("out of memory");
    return NULL;
  }
  fer_image_luma (canvas, gray);
  const FerGrayView view = { gray, canvas->width, canvas->height, canvas->width };
  const FerFindOptions options = FER_FIND_OPTIONS_DEFAULT;
  FerRect faces[8];
  float points[2 * FER_LANDMARKS];
  GError *error = NULL;
  FerImage *mouth = NULL;
  const int n = fer_find_faces (input->models, &view, &options, faces, G_N_ELEMENTS (faces),
      &error);
  if (n == 0)
    outcome->no_face = TRUE;
  else if (n > 0 && fer_face_landmarks (input->models, &view, faces[0], points, &error)
      && fer_mouth_box (points, FER_MOUTH_SCALE_SEED, canvas->width, canvas->height,
          &outcome->mouth)) {
    mouth = crop (canvas, outcome->mouth);
    if (mouth == NULL)
      outcome->error = g_strdup ("out of memory");
    outcome->face = (FerRect) { faces[0].x - dx, faces[0].y - dy, faces[0].width,
      faces[0].height };
    outcome->mouth.x -= dx;
    outcome->mouth.y -= dy;
  } else
    outcome->error = g_strdup (error ? error->message : "landmarks are not finite");
  g_clear_error (&error);
  g_free (gray);
  fer_image_free (canvas);
  return mouth;
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
  fer_classifier_preprocess (info, image, tensor, scratch);
  fer_image_free (image);
  return TRUE;
}
