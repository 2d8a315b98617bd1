#include "face-detector-option.h"

#include <string.h>
#include "detect/default-detector.h"

char *
fer_face_detector_option_check (const char *name)
{
  if (strcmp (name, "cnn") == 0 || strcmp (name, "haar") == 0)
    return NULL;
  return g_strdup_printf ("--face-detector must be cnn or haar, got '%s'", name);
}

gboolean
fer_face_detector_choice_open (FerFaceDetectorChoice *c, const char *name,
    const char *model_path, FerFaceModels *models, GError **error)
{
  memset (c, 0, sizeof *c);
  if (strcmp (name, "haar") == 0) {
    c->funcs = &fer_face_models_finder;
    c->finder = models;
    return TRUE;
  }
  char *path = model_path ? g_strdup (model_path) : fer_default_detector_path ();
  c->detector = fer_detector_finder_new (path, 0, 0, models, error);
  g_free (path);
  if (c->detector == NULL)
    return FALSE;
  c->funcs = &fer_detector_finder_funcs;
  c->finder = c->detector;
  return TRUE;
}

void
fer_face_detector_choice_close (FerFaceDetectorChoice *c)
{
  g_clear_pointer (&c->detector, fer_detector_finder_free);
  c->funcs = NULL;
  c->finder = NULL;
}
