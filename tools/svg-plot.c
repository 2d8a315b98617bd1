#include "svg-plot.h"

#include <math.h>

#define PANEL_WIDTH 380
#define PANEL_HEIGHT 260

typedef struct {
  const FerPlotPanel *panel;
  double x, y;     /* plot area's corner */
  double max;      /* top of the value axis */
} Frame;

static double
px (const Frame *f, int epoch, int n)
{
  return f->x + (n > 1 ? (double) (epoch - 1) / (n - 1) : 0.5) * PANEL_WIDTH;
}

static double
py (const Frame *f, double value)
{
  return f->y + PANEL_HEIGHT - (value / f->max) * PANEL_HEIGHT;
}

static void
axes (GString *svg, const Frame *f, int n)
{
  char *title = g_markup_escape_text (f->panel->title, -1);
  g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='14' font-weight='bold'>%s</text>\n",
      f->x, f->y - 10, title);
  g_free (title);
  g_string_append_printf (svg, "<rect x='%.1f' y='%.1f' width='%d' height='%d' "
      "fill='none' stroke='#999'/>\n", f->x, f->y, PANEL_WIDTH, PANEL_HEIGHT);
  for (int i = 0; i <= 4; i++) {
    const double v = f->max * i / 4, y = py (f, v);
    g_string_append_printf (svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#eee'/>\n",
        f->x, y, f->x + PANEL_WIDTH, y);
    g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='end'>",
        f->x - 5, y + 4);
    if (f->panel->percent)
      g_string_append_printf (svg, "%.0f%%</text>\n", 100 * v);
    else
      g_string_append_printf (svg, "%.2f</text>\n", v);
  }
  const int step = MAX (1, n / 10);
  for (int e = 1; e <= n; e += step)
    g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>%d</text>\n",
        px (f, e, n), f->y + PANEL_HEIGHT + 15, e);
  g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>epoch</text>\n",
      f->x + PANEL_WIDTH / 2.0, f->y + PANEL_HEIGHT + 30);
}

static void
series (GString *svg, const Frame *f, const FerPlotSeries *s, int n, int legend_row)
{
  g_string_append_printf (svg, "<polyline fill='none' stroke='%s' stroke-width='2' points='",
      s->colour);
  for (int i = 0; i < n; i++)
    if (isfinite (s->values[i]))   /* a value not measured (no dev set): no point */
      g_string_append_printf (svg, "%.1f,%.1f ", px (f, i + 1, n), py (f, s->values[i]));
  g_string_append (svg, "'/>\n");
  /* Losses fall and rates rise: the legend goes where the curves are not. */
  const double lx = f->x + PANEL_WIDTH - 130;
  const double ly = f->panel->percent ? f->y + PANEL_HEIGHT - 16 * f->panel->n_series + 16 * legend_row
      : f->y + 15 + 16 * legend_row;
  char *label = g_markup_escape_text (s->label, -1);
  g_string_append_printf (svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' "
      "stroke-width='2'/><text x='%.1f' y='%.1f' font-size='11'>%s</text>\n", lx, ly - 4,
      lx + 20, ly - 4, s->colour, lx + 25, ly, label);
  g_free (label);
}

char *
fer_plot_svg (const char *title, int n, const FerPlotPanel *panels, int n_panels)
{
  const int width = 100 + 480 * n_panels - 40, height = 360;
  GString *svg = g_string_new (NULL);
  g_string_append_printf (svg, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' "
      "width='%d' height='%d' font-family='sans-serif'>\n<rect width='%d' height='%d' fill='white'/>\n",
      width, height, width, height);
  char *escaped = g_markup_escape_text (title, -1);
  g_string_append_printf (svg, "<text x='%d' y='22' font-size='15' text-anchor='middle'>%s</text>\n",
      width / 2, escaped);
  g_free (escaped);
  for (int p = 0; p < n_panels; p++) {
    Frame f = { &panels[p], 60 + 480 * p, 50, 1 };
    if (!panels[p].percent) {
      double max = 0;
      for (int s = 0; s < panels[p].n_series; s++)
        for (int i = 0; i < n; i++)
          if (isfinite (panels[p].series[s].values[i]))
            max = fmax (max, panels[p].series[s].values[i]);
      f.max = max > 0 ? ceil (max * 4) / 4 : 1;
    }
    axes (svg, &f, n);
    for (int s = 0; s < panels[p].n_series; s++)
      series (svg, &f, &panels[p].series[s], n, s);
  }
  g_string_append (svg, "</svg>\n");
  return g_string_free (svg, FALSE);
}
