#include "history.h"

#include "io/atomic-file.h"
#include "json-writer.h"
#include "svg-plot.h"

#include <math.h>
#include <string.h>

gboolean
fer_history_write_jsonl (GArray *history, const char *path, GError **error)
{
  GString *text = g_string_new (NULL);
  for (guint i = 0; i < history->len; i++) {
    const FerEpochRecord *r = &g_array_index (history, FerEpochRecord, i);
    char lr[FER_JSON_NUMBER_SIZE];
    fer_json_format_number (lr, r->lr);
    g_string_append_printf (text, "{\"epoch\": %d, \"lr\": %s, \"train_loss\": %.6f, "
        "\"train_accuracy\": %.6f, \"val_loss\": %.6f, \"val_accuracy\": %.6f, "
        "\"val_balanced_accuracy\": %.6f, \"seconds\": %.3f, \"images_per_second\": %.1f}\n",
        r->epoch, lr, r->train_loss, r->train_accuracy,
        r->val_loss, r->val_accuracy, r->val_balanced_accuracy, r->seconds,
        r->images_per_second);
  }
  const gboolean ok = fer_atomic_write_file (path, text->str, text->len, error);
  g_string_free (text, TRUE);
  return ok;
}

gboolean
fer_history_write_svg (GArray *history, const char *title, const char *path, GError **error)
{
  const int n = history->len;
  double *v[4];
  for (int k = 0; k < 4; k++)
    v[k] = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++) {
    const FerEpochRecord *r = &g_array_index (history, FerEpochRecord, i);
    v[0][i] = r->train_loss;
    v[1][i] = r->val_loss;
    v[2][i] = r->train_accuracy;
    v[3][i] = r->val_accuracy;
  }
  const FerPlotPanel panels[2] = {
    { "loss (cross-entropy)", FALSE, 2, { { "train", "#1f77b4", v[0] },
          { "validation", "#d62728", v[1] } } },
    { "accuracy", TRUE, 2, { { "train", "#1f77b4", v[2] }, { "validation", "#d62728", v[3] } } },
  };
  char *svg = fer_plot_svg (title, n, panels, 2);
  const gboolean ok = fer_atomic_write_file (path, svg, strlen (svg), error);
  g_free (svg);
  for (int k = 0; k < 4; k++)
    g_free (v[k]);
  return ok;
}
