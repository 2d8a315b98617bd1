/* svg-plot.h: training curves as an SVG, panels side by side, each with a few series over
 * epochs 1..n (the curves the seed watched in TensorBoard).  fer-train and fer-train-detector
 * draw theirs with it. */
#ifndef FER_SVG_PLOT_H
#define FER_SVG_PLOT_H

#include <glib.h>

#define FER_PLOT_MAX_SERIES 4

typedef struct {
  const char *label;
  const char *colour;      /* "#1f77b4" */
  const double *values;    /* n of them */
} FerPlotSeries;

typedef struct {
  const char *title;
  gboolean percent;        /* 0..1 shown as 0-100%; else 0 to the largest value, rounded up */
  int n_series;
  FerPlotSeries series[FER_PLOT_MAX_SERIES];
} FerPlotPanel;

/* The SVG text (g_free it). */
char *fer_plot_svg (const char *title, int n, const FerPlotPanel *panels, int n_panels);

#endif /* FER_SVG_PLOT_H */
