#include "eval-geometry.h"

#include <string.h>

#include "landmarks-csv.h"
#include "base/fer-error.h"
#include "expression/geometry-head.h"
#include "io/model-file.h"

/* The L2 penalty of fitted heads (on standardised features): a few thousand mouths pin the 13
 * numbers down; the penalty only keeps a feature that separates the fit's classes perfectly
 * from getting an unbounded weight. */
#define FIT_L2 1e-3

gboolean
fer_eval_geometry_init (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *data_dir, gboolean faces, gboolean no_head, gboolean fit, GError **error)
{
  memset (g, 0, sizeof *g);
  g->use_head = !no_head && !fit && fer_classifier_geometry (classifier) != NULL;
  g->fit = fit;
  g->fit_probs = g_array_new (FALSE, FALSE, sizeof (float));
  g->fit_features = g_array_new (FALSE, FALSE, sizeof (double));
  g->fit_labels = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (faces)
    return TRUE;
  GError *csv_error = NULL;
  g->landmarks = fer_landmarks_csv_load (data_dir, &csv_error);
  if (csv_error) {
    g_propagate_error (error, csv_error);
    return FALSE;
  }
  return TRUE;
}

void
fer_eval_geometry_clear (FerEvalGeometry *g)
{
  if (g->landmarks)
    g_hash_table_unref (g->landmarks);
  if (g->fit_probs) {
    g_array_unref (g->fit_probs);
    g_array_unref (g->fit_features);
    g_array_unref (g->fit_labels);
  }
  memset (g, 0, sizeof *g);
}

const float *
fer_eval_geometry_points (const FerEvalGeometry *g, const char *path,
    const FerEvalOutcome *outcome)
{
  return outcome->has_points ? outcome->points
      : g->landmarks ? g_hash_table_lookup (g->landmarks, path) : NULL;
}

void
fer_eval_geometry_mouth (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *path, const FerEvalOutcome *outcome, guint32 label_set, float *row)
{
  const float *points = fer_eval_geometry_points (g, path, outcome);
  double features[FER_MOUTH_FEATURES];
  g->classified++;
  if (points == NULL || !fer_mouth_features (points, features))
    return;
  g->with_features++;
  if (g->fit && label_set) {
    g_array_append_vals (g->fit_probs, row, fer_classifier_num_classes (classifier));
    g_array_append_vals (g->fit_features, features, FER_MOUTH_FEATURES);
    g_array_append_val (g->fit_labels, label_set);
  }
  if (g->use_head)
    fer_classifier_apply_geometry (classifier, points, row);
}

static gint
compare_sets (gconstpointer a, gconstpointer b)
{
  const guint32 x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);
  return x < y ? -1 : x > y;
}

gboolean
fer_eval_geometry_write_fit (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *model_path, FILE *out, GError **error)
{
  const int classes = fer_classifier_num_classes (classifier);
  const int n = (int) g->fit_labels->len;
  FerGeometryHead *head = fer_geometry_head_fit (classes, n, (const float *) g->fit_probs->data,
      (const double *) g->fit_features->data, (const guint32 *) g->fit_labels->data, FIT_L2, error);
  if (head == NULL) {
    g_prefix_error (error, "--fit-geometry on %d mouths with landmarks: ", n);
    return FALSE;
  }
  FerModelInfo *info = NULL;
  FerSimpleConv3 *model = fer_model_load (model_path, &info, error);
  gboolean ok = model != NULL;
  if (ok) {
    fer_geometry_head_to_info (head, info);
    ok = fer_model_save (model, info, model_path, error);
  }
  if (ok) {
    /* How many mouths of each class, and of each set of several. */
    const FerModelInfo *labels = fer_classifier_info (classifier);
    GHashTable *seen = g_hash_table_new (g_direct_hash, g_direct_equal);
    for (int i = 0; i < n; i++) {
      gpointer key = GUINT_TO_POINTER (g_array_index (g->fit_labels, guint32, i));
      g_hash_table_insert (seen, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (
                  g_hash_table_lookup (seen, key)) + 1));
    }
    GString *counts = g_string_new (NULL);
    GList *sets = g_list_sort (g_hash_table_get_keys (seen), compare_sets);
    for (GList *l = sets; l; l = l->next) {
      const guint32 set = GPOINTER_TO_UINT (l->data);
      const guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, l->data));
      g_string_append (counts, counts->len ? ", " : "");
      for (int c = 0, first = 1; c < classes; c++)
        if ((set >> c) & 1) {
          g_string_append_printf (counts, "%s%s", first ? "" : "+", labels->labels[c]);
          first = 0;
        }
      g_string_append_printf (counts, " %u", count);
    }
    g_list_free (sets);
    g_hash_table_unref (seen);
    fprintf (out, "fer-eval: wrote a geometry head into %s, fitted on %d mouths (%s); network "
        "scale %.3f\n", model_path, n, counts->str, head->cnn_scale);
    g_string_free (counts, TRUE);
  }
  fer_geometry_head_free (head);
  if (model)
    fer_simpleconv3_free (model);
  if (info)
    fer_model_info_free (info);
  return ok;
}
