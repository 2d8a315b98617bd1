#include "training-outputs.h"

#include <glib.h>
#include <string.h>

void
fer_training_outputs_init (FerTrainingOutputs *o, const char *path)
{
  o->model = g_strdup (path);
  o->stem = g_str_has_suffix (path, ".safetensors")
      ? g_strndup (path, strlen (path) - strlen (".safetensors")) : g_strdup (path);
  o->last = g_strconcat (o->stem, ".last.safetensors", NULL);
  o->checkpoint = g_strconcat (o->stem, ".ckpt.safetensors", NULL);
  o->metrics = g_strconcat (o->stem, ".metrics.jsonl", NULL);
  o->plot = g_strconcat (o->stem, ".plot.svg", NULL);
  o->report = g_strconcat (o->stem, ".data-report.txt", NULL);
}

void
fer_training_outputs_clear (FerTrainingOutputs *o)
{
  g_free (o->stem);
  g_free (o->model);
  g_free (o->last);
  g_free (o->checkpoint);
  g_free (o->metrics);
  g_free (o->plot);
  g_free (o->report);
}
