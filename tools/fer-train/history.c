#include "history.h"

#include "io/atomic-file.h"
#include "json-writer.h"

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

/* One panel of the plot: two series over the epochs, axes from 0 to the largest value. */
typedef struct {
  const char *title;
  double x, y, width, height;   /* plot area in the SVG */
  double max;                   /* top of the value axis */
  gboolean percent;
} Panel;

static double
px (const Panel *p, int epoch, int epochs)
{
  return p->x + (epochs > 1 ? (double) (epoch - 1) / (epochs - 1) : 0.5) * p->width;
}

static double
py (const Panel *p, double value)
{
  return p->y + p->height - (value / p->max) * p->height;
}

static void
axes (GString *svg, const Panel *p, int epochs)
{
  g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='14' font-weight='bold'>%s</text>\n",
      p->x, p->y - 10, p->title);
  g_string_append_printf (svg, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
      "fill='none' stroke='#999'/>\n", p->x, p->y, p->width, p->height);
  for (int i = 0; i <= 4; i++) {
    const double v = p->max * i / 4, y = py (p, v);
    g_string_append_printf (svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#eee'/>\n",
        p->x, y, p->x + p->width, y);
    g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='end'>",
        p->x - 5, y + 4);
    if (p->percent)
      g_string_append_printf (svg, "%.0f%%</text>\n", 100 * v);
    else
      g_string_append_printf (svg, "%.2f</text>\n", v);
  }
  const int step = MAX (1, epochs / 10);
  for (int e = 1; e <= epochs; e += step)
    g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>%d</text>\n",
        px (p, e, epochs), p->y + p->height + 15, e);
  g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>epoch</text>\n",
      p->x + p->width / 2, p->y + p->height + 30);
}

static void
series (GString *svg, const Panel *p, GArray *history, size_t field, const char *colour,
    const char *label, int legend_row)
{
  g_string_append_printf (svg, "<polyline fill='none' stroke='%s' stroke-width='2' points='",
      colour);
  for (guint i = 0; i < history->len; i++) {
    const FerEpochRecord *r = &g_array_index (history, FerEpochRecord, i);
    const double v = *(const double *) ((const char *) r + field);
    g_string_append_printf (svg, "%.1f,%.1f ", px (p, r->epoch, history->len), py (p, v));
  }
  g_string_append (svg, "'/>\n");
  /* Loss falls and accuracy rises: the legend goes where the curves are not. */
  const double lx = p->x + p->width - 110;
  const double ly = p->percent ? p->y + p->height - 40 + 16 * legend_row : p->y + 15 + 16 * legend_row;
  g_string_append_printf (svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' "
      "stroke-width='2'/><text x='%.1f' y='%.1f' font-size='11'>%s</text>\n", lx, ly - 4,
      lx + 20, ly - 4, colour, lx + 25, ly, label);
}

gboolean
fer_history_write_svg (GArray *history, const char *title, const char *path, GError **error)
{
  double max_loss = 0;
  for (guint i = 0; i < history->len; i++) {
    const FerEpochRecord *r = &g_array_index (history, FerEpochRecord, i);
    max_loss = fmax (max_loss, fmax (r->train_loss, r->val_loss));
  }
  max_loss = max_loss > 0 ? ceil (max_loss * 4) / 4 : 1;
  Panel loss = { "loss (cross-entropy)", 60, 50, 380, 260, max_loss, FALSE };
  Panel accuracy = { "accuracy", 540, 50, 380, 260, 1, TRUE };

  GString *svg = g_string_new (NULL);
  g_string_append (svg, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' "
      "width='960' height='360' font-family='sans-serif'>\n<rect width='960' height='360' fill='white'/>\n");
  char *escaped = g_markup_escape_text (title, -1);
  g_string_append_printf (svg, "<text x='480' y='22' font-size='15' text-anchor='middle'>%s</text>\n",
      escaped);
  g_free (escaped);
  const int epochs = history->len;
  axes (svg, &loss, epochs);
  axes (svg, &accuracy, epochs);
  series (svg, &loss, history, G_STRUCT_OFFSET (FerEpochRecord, train_loss), "#1f77b4", "train", 0);
  series (svg, &loss, history, G_STRUCT_OFFSET (FerEpochRecord, val_loss), "#d62728", "validation", 1);
  series (svg, &accuracy, history, G_STRUCT_OFFSET (FerEpochRecord, train_accuracy), "#1f77b4",
      "train", 0);
  series (svg, &accuracy, history, G_STRUCT_OFFSET (FerEpochRecord, val_accuracy), "#d62728",
      "validation", 1);
  g_string_append (svg, "</svg>\n");
  const gboolean ok = fer_atomic_write_file (path, svg->str, svg->len, error);
  g_string_free (svg, TRUE);
  return ok;
}
