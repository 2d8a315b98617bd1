#include "expression/geometry-head.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/fer-error.h"
#include "base/sorting.h"
#include "expression/geometry-head-fit.h"
#include "io/json-numbers.h"

/* Probabilities below this count as this: log 0 would make one class's vote infinite. */
#define MIN_PROBABILITY 1e-6

static FerGeometryHead *
head_new (int num_classes)
{
  FerGeometryHead *head = g_new0 (FerGeometryHead, 1);
  head->num_classes = num_classes;
  head->cnn_scale = 1;
  head->weight = g_new0 (double, (size_t) num_classes * FER_MOUTH_FEATURES);
  head->bias = g_new0 (double, num_classes);
  head->weighs = g_new0 (gboolean, num_classes);
  for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
    head->low[k] = -G_MAXDOUBLE;
    head->high[k] = G_MAXDOUBLE;
  }
  return head;
}

void
fer_geometry_head_free (FerGeometryHead *head)
{
  if (head == NULL)
    return;
  g_free (head->weight);
  g_free (head->bias);
  g_free (head->weighs);
  g_free (head);
}

/* "classes": the indices of at least two distinct classes, in increasing order. */
static gboolean
read_classes (JsonNode *node, FerGeometryHead *head)
{
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  const guint n = a ? json_array_get_length (a) : 0;
  gint64 last = -1;
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64)
      return FALSE;
    const gint64 c = json_node_get_int (e);
    if (c <= last || c >= head->num_classes)
      return FALSE;
    head->weighs[c] = TRUE;
    last = c;
  }
  return n >= 2;
}

/* "range": a [low, high] pair of finite numbers, low <= high, per feature. */
static gboolean
read_ranges (JsonNode *node, FerGeometryHead *head)
{
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (a == NULL || json_array_get_length (a) != FER_MOUTH_FEATURES)
    return FALSE;
  for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
    double pair[2];
    if (!fer_json_numbers (json_array_get_element (a, k), 2, pair) || pair[0] > pair[1])
      return FALSE;
    head->low[k] = pair[0];
    head->high[k] = pair[1];
  }
  return TRUE;
}

static gboolean
features_match (JsonNode *node)
{
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (a == NULL || json_array_get_length (a) != FER_MOUTH_FEATURES)
    return FALSE;
  for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
    const char *name = json_array_get_string_element (a, k);
    if (name == NULL || strcmp (name, fer_mouth_feature_names[k]) != 0)
      return FALSE;
  }
  return TRUE;
}

FerGeometryHead *
fer_geometry_head_from_info (const FerModelInfo *info, const char *path, GError **error)
{
  const char *text = g_hash_table_lookup (info->extra, FER_GEOMETRY_HEAD_KEY);
  if (text == NULL)
    return NULL;
  JsonParser *parser = json_parser_new ();
  JsonNode *root = json_parser_load_from_data (parser, text, -1, NULL)
      ? json_parser_get_root (parser) : NULL;
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  FerGeometryHead *head = head_new (info->num_classes);
  gboolean ok = o && features_match (json_object_get_member (o, "features"))
      && fer_json_numbers (json_object_get_member (o, "bias"), info->num_classes, head->bias);
  ok = ok && fer_json_number (json_object_get_member (o, "cnn_scale"), &head->cnn_scale);
  JsonNode *rows_node = o ? json_object_get_member (o, "weight") : NULL;
  JsonArray *rows = rows_node && JSON_NODE_HOLDS_ARRAY (rows_node)
      ? json_node_get_array (rows_node) : NULL;
  ok = ok && rows && json_array_get_length (rows) == (guint) info->num_classes;
  for (int c = 0; ok && c < info->num_classes; c++)
    ok = fer_json_numbers (json_array_get_element (rows, c), FER_MOUTH_FEATURES,
        head->weight + (size_t) c * FER_MOUTH_FEATURES);
  ok = ok && read_classes (o ? json_object_get_member (o, "classes") : NULL, head)
      && read_ranges (o ? json_object_get_member (o, "range") : NULL, head);
  g_object_unref (parser);
  if (ok)
    return head;
  fer_geometry_head_free (head);
  g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata '%s' is not a geometry head "
      "this version reads: it needs \"features\": [\"opening\", \"corner_lift\", "
      "\"width_ratio\"], \"classes\" (two or more class indices, increasing), \"range\" (a "
      "[low, high] pair per feature), a finite \"cnn_scale\", \"weight\" (%d rows of %d) "
      "and \"bias\" (%d)",
      path, FER_GEOMETRY_HEAD_KEY, info->num_classes, FER_MOUTH_FEATURES, info->num_classes);
  return NULL;
}

static void
add_numbers (JsonBuilder *b, const double *v, int n)
{
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

void
fer_geometry_head_to_info (const FerGeometryHead *head, FerModelInfo *info)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "features");
  json_builder_begin_array (b);
  for (int k = 0; k < FER_MOUTH_FEATURES; k++)
    json_builder_add_string_value (b, fer_mouth_feature_names[k]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < head->num_classes; c++)
    if (head->weighs[c])
      json_builder_add_int_value (b, c);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "range");
  json_builder_begin_array (b);
  for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
    const double pair[2] = { head->low[k], head->high[k] };
    add_numbers (b, pair, 2);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "cnn_scale");
  json_builder_add_double_value (b, head->cnn_scale);
  json_builder_set_member_name (b, "weight");
  json_builder_begin_array (b);
  for (int c = 0; c < head->num_classes; c++)
    add_numbers (b, head->weight + (size_t) c * FER_MOUTH_FEATURES, FER_MOUTH_FEATURES);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "bias");
  add_numbers (b, head->bias, head->num_classes);
  json_builder_end_object (b);
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  g_hash_table_insert (info->extra, g_strdup (FER_GEOMETRY_HEAD_KEY),
      json_generator_to_data (gen, NULL));
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
}

/* z (n logits) turned into probabilities in p, over the classes in weighs only (p 0 for the
 * others). */
static void
softmax (const double *z, const gboolean *weighs, int n, double *p)
{
  double top = -INFINITY, sum = 0;
  for (int c = 0; c < n; c++)
    if (weighs[c])
      top = MAX (top, z[c]);
  for (int c = 0; c < n; c++)
    sum += p[c] = weighs[c] ? exp (z[c] - top) : 0;
  for (int c = 0; c < n; c++)
    p[c] /= sum;
}

void
fer_geometry_head_apply (const FerGeometryHead *head, const double features[FER_MOUTH_FEATURES],
    float *p)
{
  const int n = head->num_classes;
  if (n < 2)
    return;   /* fer_geometry_head_from_info and _fit make none such */
  double f[FER_MOUTH_FEATURES], z[n], q[n], mass = 0;
  for (int k = 0; k < FER_MOUTH_FEATURES; k++)
    f[k] = CLAMP (features[k], head->low[k], head->high[k]);
  for (int c = 0; c < n; c++) {
    z[c] = head->cnn_scale * log (MAX (p[c], MIN_PROBABILITY)) + head->bias[c];
    for (int k = 0; k < FER_MOUTH_FEATURES; k++)
      z[c] += head->weight[(size_t) c * FER_MOUTH_FEATURES + k] * f[k];
    mass += head->weighs[c] ? p[c] : 0;
  }
  softmax (z, head->weighs, n, q);
  /* The weighed classes share what the network gave them together; the others keep theirs. */
  for (int c = 0; c < n; c++)
    if (head->weighs[c])
      p[c] = (float) (mass * q[c]);
}

double
fer_geometry_fit_objective (const FerGeometryFitData *d, const double *param, double *grad)
{
  enum { F = FER_MOUTH_FEATURES };
  const int C = d->classes, np = 1 + C * F + C;
  const double *w = param + 1, *b = param + 1 + C * F;
  double z[C], q[C], loss = 0;
  memset (grad, 0, np * sizeof *grad);
  for (int i = 0; i < d->n; i++) {
    const double *xi = d->x + (size_t) i * F, *li = d->logp + (size_t) i * C;
    const guint32 set = d->label_sets[i];
    for (int c = 0; c < C; c++) {
      z[c] = param[0] * li[c] + b[c];
      for (int k = 0; k < F; k++)
        z[c] += w[c * F + k] * xi[k];
    }
    softmax (z, d->weighs, C, q);
    /* -log (sum of q over the set): d/dz_c = q_c - [c in set] q_c / (sum over the set). */
    double in_set = 0;
    for (int c = 0; c < C; c++)
      in_set += (set >> c) & 1 ? q[c] : 0;
    loss -= d->weight[i] * log (in_set);
    for (int c = 0; c < C; c++) {
      if (!d->weighs[c])
        continue;
      const double g = d->weight[i] * (q[c] - ((set >> c) & 1 ? q[c] / in_set : 0));
      grad[0] += g * li[c];
      grad[1 + C * F + c] += g;
      for (int k = 0; k < F; k++)
        grad[1 + c * F + k] += g * xi[k];
    }
  }
  for (int c = 0; c < C; c++)
    for (int k = 0; k < F; k++) {
      loss += d->weighs[c] ? d->l2 / 2 * w[c * F + k] * w[c * F + k] : 0;
      grad[1 + c * F + k] += d->l2 * w[c * F + k];
    }
  /* A class without examples keeps its weights and bias (at 0: it is not weighed). */
  for (int c = 0; c < C; c++)
    if (!d->weighs[c]) {
      grad[1 + C * F + c] = 0;
      for (int k = 0; k < F; k++)
        grad[1 + c * F + k] = 0;
    }
  return loss;
}

/* One Adam step (PyTorch's defaults but the rate) on n parameters at step t (from 1). */
static void
adam_step (double *param, const double *grad, double *m, double *v, int n, int t, double rate)
{
  for (int i = 0; i < n; i++) {
    m[i] = 0.9 * m[i] + 0.1 * grad[i];
    v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
    param[i] -= rate * (m[i] / (1 - pow (0.9, t))) / (sqrt (v[i] / (1 - pow (0.999, t))) + 1e-8);
  }
}

FerGeometryHead *
fer_geometry_head_fit (int num_classes, int n, const float *probs, const double *features,
    const guint32 *label_sets, double l2, GError **error)
{
  enum { F = FER_MOUTH_FEATURES, STEPS = 4000 };
  const double rate = 0.05;
  const int C = num_classes;
  if (C < 2 || C > 32) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "a geometry head is fitted for 2 to 32 "
        "classes, not %d", C);
    return NULL;
  }
  /* Each class's mass: its mouths, a mouth of a set of k classes counting 1/k in each. */
  const guint32 all = C == 32 ? G_MAXUINT32 : (1u << C) - 1;
  double mass[C];
  memset (mass, 0, sizeof mass);
  for (int i = 0; i < n; i++) {
    if (label_sets[i] == 0 || (label_sets[i] & ~all)) {
      g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "geometry head fit: mouth %d's label "
          "set 0x%x is empty or names a class past %d", i, label_sets[i], C - 1);
      return NULL;
    }
    const int k = __builtin_popcount (label_sets[i]);
    for (int c = 0; c < C; c++)
      mass[c] += (label_sets[i] >> c) & 1 ? 1.0 / k : 0;
  }
  gboolean weighs[C];
  int present = 0;
  for (int c = 0; c < C; c++)
    present += weighs[c] = mass[c] > 0;
  if (present < 2) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "a geometry head needs mouths of at "
        "least two classes with landmarks; got %d class%s", present, present == 1 ? "" : "es");
    return NULL;
  }
  /* Each class weighs the same in the loss (the targets are balanced accuracies): a mouth weighs
   * 1 / (present * mass) of its class, shared out over its set's classes. */
  double *weight_of = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++) {
    const int k = __builtin_popcount (label_sets[i]);
    weight_of[i] = 0;
    for (int c = 0; c < C; c++)
      weight_of[i] += (label_sets[i] >> c) & 1 ? 1.0 / (k * present * mass[c]) : 0;
  }
  /* The features clamped to their 0.5th-99.5th percentiles, then standardised, so that one
   * rate and one penalty suit them all. */
  double low[F], high[F];
  double *x = g_new (double, (size_t) n * F), *logp = g_new (double, (size_t) n * C);
  for (int k = 0; k < F; k++) {
    for (int i = 0; i < n; i++)
      x[i] = features[(size_t) i * F + k];
    qsort (x, n, sizeof *x, fer_compare_doubles);
    low[k] = x[(int) floor (0.005 * (n - 1))];
    high[k] = x[(int) ceil (0.995 * (n - 1))];
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < F; k++)
      x[(size_t) i * F + k] = CLAMP (features[(size_t) i * F + k], low[k], high[k]);
  double mean[F] = { 0 }, sd[F] = { 0 };
  for (int i = 0; i < n; i++)
    for (int k = 0; k < F; k++)
      mean[k] += x[(size_t) i * F + k] / n;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < F; k++)
      sd[k] += pow (x[(size_t) i * F + k] - mean[k], 2) / n;
  for (int k = 0; k < F; k++)
    sd[k] = sd[k] > 0 ? sqrt (sd[k]) : 1;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < F; k++)
      x[(size_t) i * F + k] = (x[(size_t) i * F + k] - mean[k]) / sd[k];
    for (int c = 0; c < C; c++)
      logp[(size_t) i * C + c] = log (MAX (probs[(size_t) i * C + c], MIN_PROBABILITY));
  }
  /* Parameters in one vector: the scale, then weights (C x F), then biases (C). */
  const int np = 1 + C * F + C;
  double *param = g_new0 (double, np), *grad = g_new (double, np);
  double *m = g_new0 (double, np), *v = g_new0 (double, np);
  double *w = param + 1, *b = param + 1 + C * F;
  param[0] = 1;
  const FerGeometryFitData data = { n, C, x, logp, label_sets, weight_of, weighs, l2 };
  for (int t = 1; t <= STEPS; t++) {
    fer_geometry_fit_objective (&data, param, grad);
    adam_step (param, grad, m, v, np, t, rate);
  }
  /* Back to raw features: w x~ + b = (w / sd) x + (b - sum w mean / sd). */
  FerGeometryHead *head = head_new (C);
  head->cnn_scale = param[0];
  memcpy (head->low, low, sizeof low);
  memcpy (head->high, high, sizeof high);
  for (int c = 0; c < C; c++) {
    head->weighs[c] = weighs[c];
    head->bias[c] = b[c];
    for (int k = 0; k < F; k++) {
      head->weight[c * F + k] = w[c * F + k] / sd[k];
      head->bias[c] -= w[c * F + k] * mean[k] / sd[k];
    }
  }
  g_free (weight_of);
  g_free (x);
  g_free (logp);
  g_free (param);
  g_free (grad);
  g_free (m);
  g_free (v);
  return head;
}
