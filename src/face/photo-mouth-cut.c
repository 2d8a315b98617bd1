#include "face/photo-mouth-cut.h"

#include <string.h>

#include "base/fer-error.h"
#include "face/mouth-box.h"
#include "face/mouth-geometry.h"

/* The photo centred on a mid-grey canvas, padding x its size wider on each side. */
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

/* The RGB pixels of rect (inside image). */
static FerImage *
crop (const FerImage *image, FerBox rect)
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

int
fer_cut_mouths (FerFaceModels *models, const FerImage *photo, double padding,
    FerMouth *mouths, int max_mouths, GError **error)
{
  return fer_cut_mouths_with (&fer_face_models_finder, models, photo, padding, mouths,
      max_mouths, error);
}

int
fer_cut_mouths_with (const FerFaceFinderFuncs *funcs, gpointer finder, const FerImage *photo,
    double padding, FerMouth *mouths, int max_mouths, GError **error)
{
  int dx, dy;
  FerImage *canvas = padded (photo, padding, &dx, &dy);
  uint8_t *gray = canvas ? g_try_malloc ((size_t) canvas->width * canvas->height) : NULL;
  if (gray == NULL) {
    fer_image_free (canvas);
    g_set_error_literal (error, FER_ERROR, FER_ERROR_ARGUMENT, "out of memory");
    return -1;
  }
  fer_image_luma (canvas, gray);
  const FerGrayView view = { gray, canvas->width, canvas->height, canvas->width };
  const FerFindOptions options = FER_FIND_OPTIONS_DEFAULT;
  FerBox faces[16];
  float scores[16];
  int n = funcs->search (finder, &view, &options, faces, scores, MIN (max_mouths, 16), error);
  int cut = 0;
  for (int i = 0; i < n; i++) {
    float points[2 * FER_LANDMARKS];
    FerMouth *m = &mouths[cut];
    if (!funcs->landmarks (finder, &view, faces[i], points, error)
        || !fer_mouth_box (points, FER_MOUTH_SCALE_SEED, canvas->width, canvas->height,
            &m->mouth)) {
      for (int k = 0; k < cut; k++)
        fer_image_free (mouths[k].crop);
      if (error && *error == NULL)
        g_set_error_literal (error, FER_ERROR, FER_ERROR_ARGUMENT, "landmarks are not finite");
      cut = n = -1;
      break;
    }
    m->crop = crop (canvas, m->mouth);
    m->opening = fer_mouth_opening (points);
    m->face = (FerBox) { faces[i].x - dx, faces[i].y - dy, faces[i].width, faces[i].height };
    m->mouth.x -= dx;
    m->mouth.y -= dy;
    for (int k = 0; k < FER_LANDMARKS; k++) {
      m->points[2 * k] = points[2 * k] - dx;
      m->points[2 * k + 1] = points[2 * k + 1] - dy;
    }
    if (m->crop != NULL)
      cut++;
  }
  g_free (gray);
  fer_image_free (canvas);
  return n < 0 ? -1 : cut;
}
