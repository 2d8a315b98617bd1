#include "training-data.h"

#include "io/atomic-file.h"
#include "base/fer-rng.h"
#include "base/fer-error.h"
#include "nn/simpleconv3.h"
#include "io/model-file.h"
#include "image/image.h"
#include "image/transforms.h"
#include "image/image-folder.h"
#include "image/dataset.h"

#include <math.h>
#include <stdio.h>

#define IMAGE (3 * FER_SIMPLECONV3_INPUT_SIZE * FER_SIMPLECONV3_INPUT_SIZE)

void
fer_split_clear (FerSplit *s)
{
  fer_image_folder_free (s->train_folder);
  fer_image_folder_free (s->val_folder);
  if (s->train_samples)
    g_array_unref (s->train_samples);
  if (s->val_samples)
    g_array_unref (s->val_samples);
}

/* Per class, a seeded shuffle puts round (n * share) images (at least one, and never all) in
 * validation: a stratified split. */
static void
stratified_split (FerSplit *s, double share, guint64 split_seed)
{
  FerRng rng;
  fer_rng_init (&rng, split_seed);
  const FerImageFolder *f = s->train_folder;
  for (int label = 0; label < f->n_classes; label++) {
    GArray *mine = g_array_new (FALSE, FALSE, sizeof (FerSample));
    for (guint i = 0; i < f->samples->len; i++)
      if (g_array_index (f->samples, FerSample, i).label == label)
        g_array_append_val (mine, g_array_index (f->samples, FerSample, i));
    fer_rng_shuffle (&rng, mine->data, mine->len, sizeof (FerSample));
    int n_val = (int) floor (mine->len * share + 0.5);
    n_val = CLAMP (n_val, mine->len > 1 ? 1 : 0, (int) mine->len - 1);
    for (guint i = 0; i < mine->len; i++)
      g_array_append_val ((int) i < n_val ? s->val_samples : s->train_samples,
          g_array_index (mine, FerSample, i));
    g_array_unref (mine);
  }
}

gboolean
fer_split_scan (const char *root, double val_split, FerSplit *s, guint64 split_seed,
    GError **error)
{
  char *train_dir = g_build_filename (root, "train", NULL);
  char *val_dir = g_build_filename (root, "val", NULL);
  const gboolean has_split = g_file_test (train_dir, G_FILE_TEST_IS_DIR)
      && g_file_test (val_dir, G_FILE_TEST_IS_DIR);
  gboolean ok = FALSE;
  s->train_samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  s->val_samples = g_array_new (FALSE, FALSE, sizeof (FerSample));

  if (has_split) {
    s->train_folder = fer_image_folder_scan (train_dir, error);
    s->val_folder = s->train_folder ? fer_image_folder_scan (val_dir, error) : NULL;
    if (s->val_folder == NULL)
      goto out;
    if (!g_strv_equal ((const char *const *) s->train_folder->classes,
            (const char *const *) s->val_folder->classes)) {
      char *a = g_strjoinv (", ", s->train_folder->classes);
      char *b = g_strjoinv (", ", s->val_folder->classes);
      g_set_error (error, FER_ERROR, FER_ERROR_DATA,
          "train/ and val/ of '%s' have different class folders (%s) vs (%s): give both the "
          "same", root, a, b);
      g_free (a);
      g_free (b);
      goto out;
    }
    g_array_append_vals (s->train_samples, s->train_folder->samples->data,
        s->train_folder->samples->len);
    g_array_append_vals (s->val_samples, s->val_folder->samples->data,
        s->val_folder->samples->len);
  } else {
    s->train_folder = fer_image_folder_scan (root, error);
    if (s->train_folder == NULL)
      goto out;
    stratified_split (s, val_split, split_seed);
  }
  ok = TRUE;
out:
  g_free (train_dir);
  g_free (val_dir);
  return ok;
}

void
fer_load_progress (int done, int total, gpointer user_data)
{
  FerLoadProgress *p = user_data;
  char detail[64];
  g_snprintf (detail, sizeof detail, "%d/%d images", done, total);
  fer_progress_update (&p->bar, p->label, done, total, detail);
}

static void
report_list (GString *out, const char *title, GPtrArray *items)
{
  if (items->len == 0)
    return;
  g_string_append_printf (out, "%s (%u):\n", title, items->len);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (out, "  %s\n", (const char *) items->pdata[i]);
}

/* Writes the data report and says on stderr what was skipped. */
void
fer_split_write_report (const char *path, const FerSplit *splits, int n,
    const FerLoadReport *report)
{
  GPtrArray *ignored = g_ptr_array_new ();
  for (int i = 0; i < n; i++) {
    g_ptr_array_extend (ignored, splits[i].train_folder->ignored, NULL, NULL);
    if (splits[i].val_folder)
      g_ptr_array_extend (ignored, splits[i].val_folder->ignored, NULL, NULL);
  }
  GString *out = g_string_new ("fer-train data report\n");
  report_list (out, "files without an image extension, not read", ignored);
  report_list (out, "not images", report->not_images);
  report_list (out, "corrupt or truncated", report->corrupt);
  report_list (out, "unreadable", report->unreadable);
  report_list (out, "too small", report->too_small);
  GError *error = NULL;
  if (!fer_atomic_write_file (path, out->str, out->len, &error)) {
    g_printerr ("fer-train: warning: %s\n", error->message);
    g_error_free (error);
  }
  g_string_free (out, TRUE);
  const int skipped = fer_load_report_skipped (report) + ignored->len;
  if (skipped > 0) {
    for (guint i = 0; i < report->corrupt->len && i < 10; i++)
      g_printerr ("fer-train: warning: skipped %s\n", (const char *) report->corrupt->pdata[i]);
    g_printerr ("fer-train: skipped %d files (%u without an image extension, %u not images, "
        "%u corrupt, %u unreadable, %u too small): listed in %s\n", skipped, ignored->len,
        report->not_images->len, report->corrupt->len, report->unreadable->len,
        report->too_small->len, path);
  }
  g_ptr_array_unref (ignored);
}

/* Each class must keep at least one training image after skipping bad files. */
gboolean
fer_check_classes_present (const FerDataset *data, char **classes, int n_classes,
    const char *what, GError **error)
{
  int *counts = g_new0 (int, n_classes);
  for (int i = 0; i < data->count; i++)
    counts[data->labels[i]]++;
  for (int k = 0; k < n_classes; k++)
    if (counts[k] == 0) {
      g_set_error (error, FER_ERROR, FER_ERROR_DATA,
          "class '%s' has no usable %s images (all were skipped: see the data report)",
          classes[k], what);
      g_free (counts);
      return FALSE;
    }
  g_free (counts);
  return TRUE;
}

/* Validation images, preprocessed once with the inference transform. */
float *
fer_preprocess_all (const FerDataset *data, const FerModelInfo *info)
{
  float *tensors = g_new (float, (size_t) data->count * IMAGE);
#pragma omp parallel
  {
    FerImage *scratch = NULL;
#pragma omp for schedule (dynamic, 16)
    for (int i = 0; i < data->count; i++)
      fer_preprocess_center (tensors + (size_t) i * IMAGE, data->images[i], 64,
          info->input_size, info->mean, info->std, &scratch);
    fer_image_free (scratch);
  }
  return tensors;
}
