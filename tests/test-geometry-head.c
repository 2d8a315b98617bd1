/* The geometry head (src/expression/geometry-head.h): what it does to probabilities, that a fit
 * finds a feature the network misses, leaves alone the classes it saw no example of and learns
 * from mouths known only to be one of several classes, and its metadata: written and read back the same, refused when it is not one. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "expression/geometry-head.h"
#include "expression/geometry-head-fit.h"
#include "io/model-info.h"

/* A head of 4 classes with scale 1 and no weights leaves probabilities as they are; a bias
 * multiplies its class's odds by e^bias; a weight by e^(weight * feature); a class the head does
 * not weigh keeps its probability, the others share the rest. */
static void
test_apply (void)
{
  FerModelInfo *info = fer_model_info_new (4);
  g_hash_table_insert (info->extra, g_strdup (FER_GEOMETRY_HEAD_KEY), g_strdup ("{\"features\": "
          "[\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [0, 1, 2, 3], "
          "\"range\": [[0, 0.5], [-0.2, 0.2], [0.6, 1.3]], \"cnn_scale\": 1, \"weight\": "
          "[[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], \"bias\": [0, 0, 0, 0]}"));
  GError *error = NULL;
  FerGeometryHead *head = fer_geometry_head_from_info (info, "m.safetensors", &error);
  g_assert_no_error (error);
  g_assert_nonnull (head);
  const double f[FER_MOUTH_FEATURES] = { 0.3, 0.05, 0.9 };
  float p[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
  fer_geometry_head_apply (head, f, p);
  g_assert_cmpfloat_with_epsilon (p[0], 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[3], 0.4, 1e-6);
  head->bias[3] = log (2);           /* openmouth's odds doubled */
  head->weight[0 * FER_MOUTH_FEATURES + 0] = -log (3) / 0.3;   /* none's divided by 3 */
  fer_geometry_head_apply (head, f, p);
  const double sum = 0.1 / 3 + 0.2 + 0.3 + 0.8;
  g_assert_cmpfloat_with_epsilon (p[0], 0.1 / 3 / sum, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], 0.2 / sum, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[3], 0.8 / sum, 1e-6);
  /* Pouting not weighed: it keeps 0.2, the others share 0.8 as the head says. */
  head->weighs[1] = FALSE;
  float r[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
  fer_geometry_head_apply (head, f, r);
  const double rest = 0.1 / 3 + 0.3 + 0.8;
  g_assert_cmpfloat_with_epsilon (r[1], 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (r[0], 0.8 * (0.1 / 3) / rest, 1e-6);
  g_assert_cmpfloat_with_epsilon (r[3], 0.8 * 0.8 / rest, 1e-6);
  /* An opening past the range (0.5) counts as 0.5; within it, as itself. */
  const double wide[FER_MOUTH_FEATURES] = { 3.0, 0.05, 0.9 }, edge[FER_MOUTH_FEATURES] =
      { 0.5, 0.05, 0.9 };
  float a[4] = { 0.1f, 0.2f, 0.3f, 0.4f }, b[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
  fer_geometry_head_apply (head, wide, a);
  fer_geometry_head_apply (head, edge, b);
  for (int c = 0; c < 4; c++)
    g_assert_cmpfloat (a[c], ==, b[c]);
  g_assert_cmpfloat (b[0], <, r[0]);   /* and the opening did count: none's odds fell */
  fer_geometry_head_free (head);
  fer_model_info_free (info);
}

/* Written into metadata and read back: the same numbers. */
static void
test_round_trip (void)
{
  FerModelInfo *info = fer_model_info_new (4);
  FerGeometryHead head = { 4, 1.375, (double[12]) { 0 }, (double[4]) { 0 },
    (gboolean[4]) { TRUE, FALSE, TRUE, TRUE }, { 0.0025, -0.15, 0.61 }, { 0.45, 0.21, 1.25 } };
  for (int i = 0; i < 12; i++)
    head.weight[i] = (i - 5) * 0.3125 + 1e-9 * i;
  for (int i = 0; i < 4; i++)
    head.bias[i] = -2.5 + i / 3.0;
  fer_geometry_head_to_info (&head, info);
  GError *error = NULL;
  FerGeometryHead *back = fer_geometry_head_from_info (info, "m.safetensors", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (back->cnn_scale, ==, head.cnn_scale);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (back->weight[i], ==, head.weight[i]);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpfloat (back->bias[i], ==, head.bias[i]);
    g_assert_cmpint (back->weighs[i], ==, head.weighs[i]);
  }
  for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
    g_assert_cmpfloat (back->low[k], ==, head.low[k]);
    g_assert_cmpfloat (back->high[k], ==, head.high[k]);
  }
  fer_geometry_head_free (back);
  /* Without the entry: no head and no error. */
  g_hash_table_remove (info->extra, FER_GEOMETRY_HEAD_KEY);
  g_assert_null (fer_geometry_head_from_info (info, "m.safetensors", &error));
  g_assert_no_error (error);
  fer_model_info_free (info);
}

/* Entries that are not a head of this model are refused, naming the file and the entry. */
static void
test_refused (void)
{
  static const char *const bad[] = {
    "not json",
    "[1, 2]",
    /* features in another order */
    "{\"features\": [\"corner_lift\", \"opening\", \"width_ratio\"], \"cnn_scale\": 1, "
    "\"weight\": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    /* three rows for four classes */
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"cnn_scale\": 1, "
    "\"weight\": [[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    /* a string for a number */
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"cnn_scale\": \"1\", "
    "\"weight\": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    /* a range whose low is above its high, and one pair short */
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [0, 2], "
    "\"range\": [[0, 1], [0.3, -0.3], [0, 2]], \"cnn_scale\": 1, \"weight\": "
    "[[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [0, 2], "
    "\"range\": [[0, 1], [0, 2]], \"cnn_scale\": 1, \"weight\": "
    "[[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    /* classes out of order, or only one */
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [2, 0], "
    "\"cnn_scale\": 1, \"weight\": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [3], "
    "\"cnn_scale\": 1, \"weight\": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0,0]}",
    /* a short bias */
    "{\"features\": [\"opening\", \"corner_lift\", \"width_ratio\"], \"classes\": [0, 2], "
    "\"cnn_scale\": 1, \"weight\": [[0,0,0],[0,0,0],[0,0,0],[0,0,0]], \"bias\": [0,0,0]}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    FerModelInfo *info = fer_model_info_new (4);
    g_hash_table_insert (info->extra, g_strdup (FER_GEOMETRY_HEAD_KEY), g_strdup (bad[i]));
    GError *error = NULL;
    g_assert_null (fer_geometry_head_from_info (info, "bad.safetensors", &error));
    g_assert_error (error, FER_ERROR, FER_ERROR_MODEL);
    g_assert_nonnull (strstr (error->message, "bad.safetensors"));
    g_assert_nonnull (strstr (error->message, FER_GEOMETRY_HEAD_KEY));
    g_error_free (error);
    fer_model_info_free (info);
  }
}

/* Mouths whose network is sure of the wrong class between none and openmouth, where the opening
 * tells them apart: the fitted head corrects them; pouting, never seen, is not weighed (weight
 * and bias 0); too few classes are refused. */
static void
test_fit (void)
{
  enum { N = 400 };
  float probs[N * 4];
  double features[N * FER_MOUTH_FEATURES];
  guint32 labels[N];
  GRand *rand = g_rand_new_with_seed (7);
  for (int i = 0; i < N; i++) {
    const int open = i % 2;
    const int truth = open ? 3 : i % 4 == 0 ? 0 : 2;
    labels[i] = 1u << truth;
    /* The network: smile right, none and openmouth swapped half of the time. */
    const int said = truth == 2 ? 2 : g_rand_boolean (rand) ? 3 - truth : truth;
    for (int c = 0; c < 4; c++)
      probs[i * 4 + c] = c == said ? 0.85f : 0.05f;
    features[i * FER_MOUTH_FEATURES + FER_MOUTH_OPENING] = open
        ? g_rand_double_range (rand, 0.12, 0.4) : g_rand_double_range (rand, 0, 0.08);
    features[i * FER_MOUTH_FEATURES + FER_MOUTH_CORNER_LIFT] = g_rand_double_range (rand, -.1, .1);
    features[i * FER_MOUTH_FEATURES + FER_MOUTH_WIDTH_RATIO] = g_rand_double_range (rand, .7, 1.1);
  }
  GError *error = NULL;
  FerGeometryHead *head = fer_geometry_head_fit (4, N, probs, features, labels, 1e-4, &error);
  g_assert_no_error (error);
  int right = 0, network_right = 0;
  for (int i = 0; i < N; i++) {
    float p[4];
    memcpy (p, probs + i * 4, sizeof p);
    int best = 0;
    for (int c = 1; c < 4; c++)
      best = probs[i * 4 + c] > probs[i * 4 + best] ? c : best;
    network_right += 1u << best == labels[i];
    fer_geometry_head_apply (head, features + i * FER_MOUTH_FEATURES, p);
    best = 0;
    for (int c = 1; c < 4; c++)
      best = p[c] > p[best] ? c : best;
    right += 1u << best == labels[i];
  }
  g_test_message ("network right on %d of %d, with the fitted head %d", network_right, N, right);
  g_assert_cmpint (network_right, <, N * 8 / 10);
  g_assert_cmpint (right, >=, N * 98 / 100);
  /* Openmouth's weight on the opening above none's; pouting untouched. */
  g_assert_cmpfloat (head->weight[3 * FER_MOUTH_FEATURES + FER_MOUTH_OPENING], >,
      head->weight[0 * FER_MOUTH_FEATURES + FER_MOUTH_OPENING] + 10);
  for (int k = 0; k < FER_MOUTH_FEATURES; k++)
    g_assert_cmpfloat (head->weight[1 * FER_MOUTH_FEATURES + k], ==, 0);
  g_assert_cmpfloat (head->bias[1], ==, 0);
  g_assert_false (head->weighs[1]);
  g_assert_true (head->weighs[0] && head->weighs[2] && head->weighs[3]);
  /* Its ranges: the openings' 0.5th and 99.5th percentiles (drawn from 0..0.08 and 0.12..0.4). */
  g_assert_cmpfloat (head->low[FER_MOUTH_OPENING], >=, 0);
  g_assert_cmpfloat (head->low[FER_MOUTH_OPENING], <, 0.01);
  g_assert_cmpfloat (head->high[FER_MOUTH_OPENING], >, 0.38);
  g_assert_cmpfloat (head->high[FER_MOUTH_OPENING], <=, 0.4);
  fer_geometry_head_free (head);
  /* Only openmouth mouths: nothing to tell apart. */
  for (int i = 0; i < N; i++)
    labels[i] = 1u << 3;
  g_assert_null (fer_geometry_head_fit (4, N, probs, features, labels, 1e-2, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_ARGUMENT);
  g_error_free (error);
  g_rand_free (rand);
}

/* Mouths known only to be none or openmouth (lips between clearly closed and clearly open, a
 * face labelled "not smiling"): with them in the fit as that set, the head learns they are not
 * smiles; left out, the only mouths it saw at such openings were smiles, and it calls them so.
 * The network here knows nothing (the same probabilities for every mouth). */
static void
test_fit_label_sets (void)
{
  enum { N = 600 };
  float probs[N * 4];
  double features[N * FER_MOUTH_FEATURES];
  guint32 labels[N];
  GRand *rand = g_rand_new_with_seed (11);
  int middle[N], n_middle = 0;
  for (int i = 0; i < N; i++) {
    for (int c = 0; c < 4; c++)
      probs[i * 4 + c] = 0.25f;
    double *f = features + i * FER_MOUTH_FEATURES;
    f[FER_MOUTH_WIDTH_RATIO] = g_rand_double_range (rand, .7, 1.1);
    switch (i % 4) {
      case 0:   /* none: closed, level */
        labels[i] = 1u << 0;
        f[FER_MOUTH_OPENING] = g_rand_double_range (rand, 0, 0.05);
        f[FER_MOUTH_CORNER_LIFT] = g_rand_double_range (rand, -.05, .05);
        break;
      case 1:   /* openmouth: wide, level */
        labels[i] = 1u << 3;
        f[FER_MOUTH_OPENING] = g_rand_double_range (rand, 0.25, 0.4);
        f[FER_MOUTH_CORNER_LIFT] = g_rand_double_range (rand, -.05, .05);
        break;
      case 2:   /* smile: parted, lifted corners */
        labels[i] = 1u << 2;
        f[FER_MOUTH_OPENING] = g_rand_double_range (rand, 0.05, 0.25);
        f[FER_MOUTH_CORNER_LIFT] = g_rand_double_range (rand, .02, .12);
        break;
      default:  /* none or openmouth: parted, level */
        labels[i] = 1u << 0 | 1u << 3;
        f[FER_MOUTH_OPENING] = g_rand_double_range (rand, 0.05, 0.25);
        f[FER_MOUTH_CORNER_LIFT] = g_rand_double_range (rand, -.05, .05);
        middle[n_middle++] = i;
    }
  }
  /* Each fit: the mean probability of smile the head gives the middle mouths. */
  double smile_given[2];
  for (int with_sets = 0; with_sets < 2; with_sets++) {
    guint32 kept[N];
    float kept_probs[N * 4];
    double kept_features[N * FER_MOUTH_FEATURES];
    int n = 0;
    for (int i = 0; i < N; i++)
      if (with_sets || (labels[i] & (labels[i] - 1)) == 0) {
        kept[n] = labels[i];
        memcpy (kept_probs + n * 4, probs + i * 4, 4 * sizeof (float));
        memcpy (kept_features + n * FER_MOUTH_FEATURES, features + i * FER_MOUTH_FEATURES,
            sizeof (double) * FER_MOUTH_FEATURES);
        n++;
      }
    GError *error = NULL;
    FerGeometryHead *head = fer_geometry_head_fit (4, n, kept_probs, kept_features, kept, 1e-3,
        &error);
    g_assert_no_error (error);
    smile_given[with_sets] = 0;
    for (int k = 0; k < n_middle; k++) {
      float p[4] = { 0.25f, 0.25f, 0.25f, 0.25f };
      fer_geometry_head_apply (head, features + middle[k] * FER_MOUTH_FEATURES, p);
      smile_given[with_sets] += p[2] / n_middle;
    }
    fer_geometry_head_free (head);
  }
  g_test_message ("middle mouths' mean probability of smile: %.3f fitted without them, %.3f "
      "with them as none-or-openmouth", smile_given[0], smile_given[1]);
  g_assert_cmpfloat (smile_given[1], <, 0.2);
  g_assert_cmpfloat (smile_given[0], >, smile_given[1] + 0.15);
  /* An empty set, or one naming a class the model does not have, is refused. */
  GError *error = NULL;
  labels[5] = 0;
  g_assert_null (fer_geometry_head_fit (4, N, probs, features, labels, 1e-3, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_ARGUMENT);
  g_clear_error (&error);
  labels[5] = 1u << 4;
  g_assert_null (fer_geometry_head_fit (4, N, probs, features, labels, 1e-3, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_rand_free (rand);
}

/* The fit's objective: its gradient against central differences of its loss, at random
 * parameters, on mouths of single classes and of sets, with a class that is not weighed (its
 * numbers change nothing: gradient 0). */
static void
test_fit_gradient (void)
{
  enum { N = 24, C = 4, F = FER_MOUTH_FEATURES, NP = 1 + C * F + C };
  GRand *rand = g_rand_new_with_seed (5);
  double x[N * F], logp[N * C], weight[N];
  guint32 sets[N];
  static const guint32 kinds[] = { 1u << 0, 1u << 2, 1u << 3, 1u << 0 | 1u << 3,
    1u << 0 | 1u << 2 | 1u << 3 };
  const gboolean weighs[C] = { TRUE, FALSE, TRUE, TRUE };
  for (int i = 0; i < N; i++) {
    for (int k = 0; k < F; k++)
      x[i * F + k] = g_rand_double_range (rand, -2, 2);
    double p[C], sum = 0;
    for (int c = 0; c < C; c++)
      sum += p[c] = g_rand_double_range (rand, 0.01, 1);
    for (int c = 0; c < C; c++)
      logp[i * C + c] = log (p[c] / sum);
    sets[i] = kinds[i % G_N_ELEMENTS (kinds)];
    weight[i] = g_rand_double_range (rand, 0.5, 2) / N;
  }
  const FerGeometryFitData data = { N, C, x, logp, sets, weight, weighs, 0.03 };
  double param[NP], grad[NP], unused[NP];
  for (int j = 0; j < NP; j++)
    param[j] = g_rand_double_range (rand, -1, 1);
  fer_geometry_fit_objective (&data, param, grad);
  double worst = 0;
  for (int j = 0; j < NP; j++) {
    const double keep = param[j], h = 1e-6;
    param[j] = keep + h;
    const double up = fer_geometry_fit_objective (&data, param, unused);
    param[j] = keep - h;
    const double down = fer_geometry_fit_objective (&data, param, unused);
    param[j] = keep;
    const double numeric = (up - down) / (2 * h);
    worst = MAX (worst, fabs (grad[j] - numeric) / MAX (1e-3, fabs (numeric)));
  }
  g_test_message ("largest relative difference from central differences: %.2g", worst);
  g_assert_cmpfloat (worst, <, 1e-6);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/geometry-head/apply", test_apply);
  g_test_add_func ("/geometry-head/round-trip", test_round_trip);
  g_test_add_func ("/geometry-head/refused", test_refused);
  g_test_add_func ("/geometry-head/fit-gradient", test_fit_gradient);
  g_test_add_func ("/geometry-head/fit", test_fit);
  g_test_add_func ("/geometry-head/fit-label-sets", test_fit_label_sets);
  return g_test_run ();
}
