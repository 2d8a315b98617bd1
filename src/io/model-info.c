#include "io/model-info.h"

#include <math.h>
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
  info->training = (FerTrainingRecord) { .train_images = -1, .val_images = -1, .epoch = -1,
    .val_accuracy = NAN };
  info->extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return info;
}

FerModelInfo *
fer_model_info_copy (const FerModelInfo *info)
{
  FerModelInfo *copy = g_memdup2 (info, sizeof *info);
  copy->labels = g_strdupv (info->labels);
  copy->crop = g_strdup (info->crop);
  copy->training.trained_by = g_strdup (info->training.trained_by);
  copy->training.training_data = g_strdup (info->training.training_data);
  copy->training.class_folders = g_strdupv (info->training.class_folders);
  copy->training.options = g_strdup (info->training.options);
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
  g_free (info->training.trained_by);
  g_free (info->training.training_data);
  g_strfreev (info->training.class_folders);
  g_free (info->training.options);
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

static const char *const training_keys[] = {
  "trained_by", "training_data", "class_folders", "training_options", "train_images",
  "val_images", "epoch", "val_accuracy", NULL,
};

gboolean
fer_training_record_has_key (const char *key)
{
  return g_strv_contains (training_keys, key);
}

/* *out = the whole number text, if it is one from min up. */
static gboolean
read_count (GHashTable *metadata, const char *key, int min, int *out, const char *path,
    GError **error)
{
  const char *text = g_hash_table_lookup (metadata, key);
  gint64 value;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, min, G_MAXINT, &value, NULL)) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata '%s' must be a whole number "
        "from %d, got '%s'", path, key, min, text);
    return FALSE;
  }
  *out = (int) value;
  return TRUE;
}

gboolean
fer_training_record_read (FerTrainingRecord *r, GHashTable *metadata, const char *path,
    GError **error)
{
  const char *text;
  if ((text = g_hash_table_lookup (metadata, "trained_by")))
    r->trained_by = g_strdup (text);
  if ((text = g_hash_table_lookup (metadata, "training_data")))
    r->training_data = g_strdup (text);
  if ((text = g_hash_table_lookup (metadata, "class_folders")))
    r->class_folders = g_strsplit (text, ",", -1);
  if ((text = g_hash_table_lookup (metadata, "training_options")))
    r->options = g_strdup (text);
  if (!read_count (metadata, "train_images", 0, &r->train_images, path, error)
      || !read_count (metadata, "val_images", 0, &r->val_images, path, error)
      || !read_count (metadata, "epoch", 1, &r->epoch, path, error))
    return FALSE;
  if ((text = g_hash_table_lookup (metadata, "val_accuracy"))) {
    char *end;
    r->val_accuracy = g_ascii_strtod (text, &end);
    if (*end != '\0' || end == text || !(r->val_accuracy >= 0 && r->val_accuracy <= 1)) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata 'val_accuracy' must be a "
          "number from 0 to 1, got '%s'", path, text);
      return FALSE;
    }
  }
  return TRUE;
}

void
fer_training_record_write (const FerTrainingRecord *r, GHashTable *metadata)
{
  if (r->trained_by)
    g_hash_table_insert (metadata, g_strdup ("trained_by"), g_strdup (r->trained_by));
  if (r->training_data)
    g_hash_table_insert (metadata, g_strdup ("training_data"), g_strdup (r->training_data));
  if (r->class_folders)
    g_hash_table_insert (metadata, g_strdup ("class_folders"),
        g_strjoinv (",", r->class_folders));
  if (r->options)
    g_hash_table_insert (metadata, g_strdup ("training_options"), g_strdup (r->options));
  if (r->train_images >= 0)
    g_hash_table_insert (metadata, g_strdup ("train_images"),
        g_strdup_printf ("%d", r->train_images));
  if (r->val_images >= 0)
    g_hash_table_insert (metadata, g_strdup ("val_images"),
        g_strdup_printf ("%d", r->val_images));
  if (r->epoch >= 1)
    g_hash_table_insert (metadata, g_strdup ("epoch"), g_strdup_printf ("%d", r->epoch));
  if (!isnan (r->val_accuracy)) {
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    g_hash_table_insert (metadata, g_strdup ("val_accuracy"),
        g_strdup (g_ascii_dtostr (buffer, sizeof buffer, r->val_accuracy)));
  }
}
