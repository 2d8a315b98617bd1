#include "io/model-info.h"

#include <string.h>

#include "base/fer-error.h"

static const char *const seed_labels[] = { "none", "pouting", "smile", "openmouth", NULL };

FerModelInfo *
fer_model_info_new (int num_classes)
{
  FerModelInfo *info = g_new0 (FerModelInfo, 1);
  info->num_classes = num_classes;
  if (num_classes == 4)
    info->labels = g_strdupv ((char **) seed_labels);
  else {
    info->labels = g_new0 (char *, num_classes + 1);
    for (int i = 0; i < num_classes; i++)
      info->labels[i] = g_strdup_printf ("class%d", i);
  }
  info->input_size = FER_SIMPLECONV3_INPUT_SIZE;
  for (int c = 0; c < 3; c++) {
    info->mean[c] = 0.5f;
    info->std[c] = 0.5f;
  }
  info->crop = g_strdup (FER_MODEL_CROP_SEED);
  info->extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return info;
}

FerModelInfo *
fer_model_info_copy (const FerModelInfo *info)
{
  FerModelInfo *copy = g_memdup2 (info, sizeof *info);
  copy->labels = g_strdupv (info->labels);
  copy->crop = g_strdup (info->crop);
  copy->extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, info->extra);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->extra, g_strdup (key), g_strdup (value));
  return copy;
}

void
fer_model_info_free (FerModelInfo *info)
{
  if (info == NULL)
    return;
  g_strfreev (info->labels);
  g_free (info->crop);
  g_hash_table_unref (info->extra);
  g_free (info);
}

gboolean
fer_model_info_set_labels (FerModelInfo *info, const char *const *labels)
{
  if (labels == NULL || g_strv_length ((char **) labels) != (guint) info->num_classes)
    return FALSE;
  for (int i = 0; i < info->num_classes; i++) {
    if (labels[i][0] == '\0')
      return FALSE;
    for (int j = 0; j < i; j++)
      if (strcmp (labels[i], labels[j]) == 0)
        return FALSE;
  }
  g_strfreev (info->labels);
  info->labels = g_strdupv ((char **) labels);
  return TRUE;
}


gboolean
fer_model_info_check_transform (const FerModelInfo *info, const char *path, GError **error)
{
  if (g_strcmp0 (info->crop, FER_MODEL_CROP_SEED) == 0)
    return TRUE;
  g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: the model's inference crop rule '%s' is "
      "not one this version knows (only '%s')", path, info->crop ? info->crop : "(none)",
      FER_MODEL_CROP_SEED);
  return FALSE;
}
