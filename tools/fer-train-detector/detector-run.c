#include "detector-run.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include "base/fer-error.h"
#include "io/atomic-file.h"
#include "io/net-file.h"
#include "json-writer.h"
#include "svg-plot.h"

#define STATE_KEY "fer_train_detector_state"

double
fer_detector_run_lr (const FerDetectorOptions *o, gint64 step)
{
  const gint64 total = (gint64) o->epochs * o->steps_per_epoch;
  if (step < o->warmup_steps)
    return o->lr * (step + 1) / o->warmup_steps;
  const double t = (double) (step - o->warmup_steps) / MAX (1, total - o->warmup_steps);
  return o->lr * 0.5 * (1 + cos (G_PI * MIN (t, 1.0)));
}

/* ---- options and state as JSON ---- */

typedef struct {
  const char *name;
  size_t offset;
  gboolean integer;
  double min, max;
  gboolean optional;   /* absent from older runs' files: 0 */
} Field;

#define OPT(field, integer, min, max) { #field, G_STRUCT_OFFSET (FerDetectorOptions, field), \
    integer, min, max, FALSE }
#define SAMPLE_FIELD(field, min, max, optional) { "samples_" #field, \
    G_STRUCT_OFFSET (FerDetectorOptions, samples) + G_STRUCT_OFFSET (FerSampleOptions, field), \
    FALSE, min, max, optional }
#define SAMPLE(field, min, max) SAMPLE_FIELD (field, min, max, FALSE)

static const Field option_fields[] = {
  OPT (epochs, TRUE, 1, 1e6), OPT (steps_per_epoch, TRUE, 1, 1e7), OPT (batch_size, TRUE, 2, 4096),
  OPT (patch, TRUE, 64, 1024), OPT (input_width, TRUE, 64, 2048), OPT (input_height, TRUE, 64, 2048),
  OPT (lr, FALSE, 1e-12, 10), OPT (weight_decay, FALSE, 0, 10), OPT (warmup_steps, TRUE, 1, 1e9),
  SAMPLE (min_face, 1, 4096), SAMPLE (max_face, 1, 4096), SAMPLE (face_share, 0, 1),
  SAMPLE (max_tilt, 0, 180),
  SAMPLE_FIELD (framed_share, 0, 1, TRUE),   /* since 2026-12-03 */
};

static void
add_number (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  if (isnan (value))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, value);
}

static void
add_options (JsonBuilder *b, const FerDetectorOptions *o)
{
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (option_fields); i++) {
    const Field *f = &option_fields[i];
    const char *at = (const char *) o + f->offset;
    json_builder_set_member_name (b, f->name);
    if (f->integer)
      json_builder_add_int_value (b, *(const int *) at);
    else
      json_builder_add_double_value (b, *(const double *) at);
  }
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) o->seed);
  json_builder_end_object (b);
}

char *
fer_detector_options_to_json (const FerDetectorOptions *o)
{
  JsonBuilder *b = json_builder_new ();
  add_options (b, o);
  return fer_json_builder_finish (b, FALSE);
}

static const char *epoch_names[] = { "epoch", "lr", "loss", "positive_ce", "negative_ce",
  "offset", "positives_per_patch", "dev_recall", "dev_precision", "dev_average_precision",
  "dev_mean_iou", "seconds", "patches_per_second" };

static void
epoch_values (const FerDetectorEpoch *e, double v[13])
{
  const double values[13] = { e->epoch, e->lr, e->loss, e->positive_ce, e->negative_ce,
    e->offset, e->positives_per_patch, e->dev_recall, e->dev_precision,
    e->dev_average_precision, e->dev_mean_iou, e->seconds, e->patches_per_second };
  memcpy (v, values, sizeof values);
}

static void
epoch_from_values (FerDetectorEpoch *e, const double v[13])
{
  *e = (FerDetectorEpoch) { (int) v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
    v[10], v[11], v[12] };
}

static void
add_epoch (JsonBuilder *b, const FerDetectorEpoch *e)
{
  double v[13];
  epoch_values (e, v);
  json_builder_begin_object (b);
  for (int i = 0; i < 13; i++)
    add_number (b, epoch_names[i], v[i]);
  json_builder_end_object (b);
}

static char *
state_to_json (const FerDetectorRun *run, gint64 adam_steps)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "options");
  add_options (b, &run->options);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, run->step);
  json_builder_set_member_name (b, "adam_steps");
  json_builder_add_int_value (b, adam_steps);
  json_builder_set_member_name (b, "sums");
  json_builder_begin_array (b);
  for (int i = 0; i < 5; i++)
    json_builder_add_double_value (b, run->sums[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "sum_steps");
  json_builder_add_int_value (b, run->sum_steps);
  add_number (b, "seconds", run->seconds);
  add_number (b, "best_score", run->best_score);
  json_builder_set_member_name (b, "best_epoch");
  json_builder_add_int_value (b, run->best_epoch);
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; i < run->history->len; i++)
    add_epoch (b, &g_array_index (run->history, FerDetectorEpoch, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return fer_json_builder_finish (b, FALSE);
}

gboolean
fer_detector_checkpoint_save (const FerDetectorRun *run, const FerDetectorTrainer *t,
    const char *path, GError **error)
{
  GHashTable *extra = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (extra, "detector", fer_detector_heads_to_json (&t->design));
  g_hash_table_insert (extra, STATE_KEY, state_to_json (run, t->adam->steps));
  const FerNetExtraTensor moments[2] = {
    { "adam.exp_avg", t->adam->n, t->adam->exp_avg },
    { "adam.exp_avg_sq", t->adam->n, t->adam->exp_avg_sq },
  };
  const gboolean ok = fer_net_save_with (t->net, extra, moments, 2, path, error);
  g_hash_table_unref (extra);
  return ok;
}

/* ---- reading a checkpoint back ---- */

/* A number member in [min, max] (integers when asked); null reads as NAN when allowed. */
static gboolean
read_number (JsonObject *o, const char *name, gboolean integer, double min, double max,
    gboolean null_ok, double *out)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n && null_ok && JSON_NODE_HOLDS_NULL (n)) {
    *out = NAN;
    return TRUE;
  }
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  const GType type = json_node_get_value_type (n);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double (n);
  return *out >= min && *out <= max && (!integer || *out == floor (*out));
}

static const char *
read_options (JsonObject *o, FerDetectorOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->samples.augment = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (option_fields); i++) {
    const Field *f = &option_fields[i];
    double v = 0;
    if (!(f->optional && !json_object_has_member (o, f->name))
        && !read_number (o, f->name, f->integer, f->min, f->max, FALSE, &v))
      return f->name;
    char *at = (char *) opts + f->offset;
    if (f->integer)
      *(int *) at = v;
    else
      *(double *) at = v;
  }
  double seed;
  if (!read_number (o, "seed", TRUE, 0, 9007199254740992.0, FALSE, &seed))
    return "seed";
  opts->seed = seed;
  if (opts->samples.min_face > opts->samples.max_face)
    return "samples_min_face";
  if (opts->patch % 32 || opts->input_width % 16 || opts->input_height % 16)
    return "patch";
  return NULL;
}

static const char *
read_state (const char *text, FerDetectorRun *run, gint64 *adam_steps)
{
  JsonParser *parser = json_parser_new ();
  const char *bad = "the JSON object itself";
  double v;
  if (!json_parser_load_from_data (parser, text, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto out;
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonNode *options = json_object_get_member (o, "options");
  bad = "options";
  if (options == NULL || !JSON_NODE_HOLDS_OBJECT (options)
      || read_options (json_node_get_object (options), &run->options))
    goto out;
  const double max_steps = (double) run->options.epochs * run->options.steps_per_epoch;
  bad = "step";
  if (!read_number (o, "step", TRUE, 0, max_steps, FALSE, &v))
    goto out;
  run->step = v;
  bad = "adam_steps";
  if (!read_number (o, "adam_steps", TRUE, 0, 1e15, FALSE, &v))
    goto out;
  *adam_steps = v;
  bad = "sums";
  JsonNode *sums = json_object_get_member (o, "sums");
  if (sums == NULL || !JSON_NODE_HOLDS_ARRAY (sums)
      || json_array_get_length (json_node_get_array (sums)) != 5)
    goto out;
  for (int i = 0; i < 5; i++) {
    JsonNode *e = json_array_get_element (json_node_get_array (sums), i);
    if (!JSON_NODE_HOLDS_VALUE (e) || (json_node_get_value_type (e) != G_TYPE_DOUBLE
            && json_node_get_value_type (e) != G_TYPE_INT64)
        || !isfinite (json_node_get_double (e)))
      goto out;
    run->sums[i] = json_node_get_double (e);
  }
  bad = "sum_steps";
  if (!read_number (o, "sum_steps", TRUE, 0, run->options.steps_per_epoch, FALSE, &v))
    goto out;
  run->sum_steps = v;
  bad = "seconds";
  if (!read_number (o, "seconds", FALSE, 0, 1e12, FALSE, &run->seconds))
    goto out;
  bad = "best_score";
  if (!read_number (o, "best_score", FALSE, -1e30, 1e30, TRUE, &run->best_score))
    goto out;
  bad = "best_epoch";
  if (!read_number (o, "best_epoch", TRUE, 0, run->options.epochs, FALSE, &v))
    goto out;
  run->best_epoch = v;
  bad = "history";
  JsonNode *history = json_object_get_member (o, "history");
  if (history == NULL || !JSON_NODE_HOLDS_ARRAY (history))
    goto out;
  JsonArray *a = json_node_get_array (history);
  const guint epochs_done = run->step / run->options.steps_per_epoch;
  if (json_array_get_length (a) != epochs_done)
    goto out;
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (!JSON_NODE_HOLDS_OBJECT (e))
      goto out;
    double values[13];
    for (int k = 0; k < 13; k++)
      if (!read_number (json_node_get_object (e), epoch_names[k], k == 0, -1e30, 1e30, TRUE,
              &values[k]))
        goto out;
    FerDetectorEpoch epoch;
    epoch_from_values (&epoch, values);
    g_array_append_val (run->history, epoch);
  }
  bad = NULL;

out:
  g_object_unref (parser);
  return bad;
}

gboolean
fer_detector_checkpoint_load (const char *path, FerDetectorRun *run,
    FerDetectorTrainer **trainer, GError **error)
{
  GHashTable *extra = NULL;
  FerSafetensors *file = NULL;
  FerDetectorDesign *design = g_new0 (FerDetectorDesign, 1);
  FerNet *net = NULL;
  FerAdam *adam = NULL;
  gboolean ok = FALSE;
  GError *inner = NULL;
  gint64 adam_steps = 0;
  /* The state first: it says the batch size the net must be made for. */
  FerSafetensors *peek = fer_safetensors_load (path, error);
  if (peek == NULL)
    goto out;
  const char *state = g_hash_table_lookup (peek->metadata, STATE_KEY);
  const char *bad = state ? read_state (state, run, &adam_steps) : "(missing)";
  fer_safetensors_free (peek);
  if (bad) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata '%s': member '%s' is missing "
        "or out of range: not a fer-train-detector checkpoint, or a damaged one", path,
        STATE_KEY, bad);
    goto out;
  }
  net = fer_net_load_with (path, run->options.batch_size, 0, &extra, "adam.", &file, error);
  if (net == NULL)
    goto out;
  int n_layers, c, h, w;
  const FerLayerSpec *layers = fer_net_layers (net, &n_layers);
  fer_net_input_shape (net, &c, &h, &w);
  if (n_layers > FER_DETECTOR_MAX_LAYERS || h != run->options.patch || w != run->options.patch) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: the network's input (%dx%d) is not the "
        "run's patch (%d)", path, w, h, run->options.patch);
    goto out;
  }
  design->n_layers = n_layers;
  memcpy (design->layers, layers, n_layers * sizeof *layers);
  if (!fer_detector_heads_from_json (design, g_hash_table_lookup (extra, "detector"), &inner)) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %s", path, inner->message);
    g_error_free (inner);
    goto out;
  }
  size_t count;
  fer_net_params (net, &count);
  const FerAdamOptions adam_options = { 0.9, 0.999, 1e-8, run->options.weight_decay, FALSE };
  adam = fer_adam_new (count, &adam_options);
  adam->steps = adam_steps;
  const char *names[2] = { "adam.exp_avg", "adam.exp_avg_sq" };
  float *into[2] = { adam->exp_avg, adam->exp_avg_sq };
  for (int i = 0; i < 2; i++) {
    const FerSafetensorsTensor *t = fer_safetensors_find (file, names[i]);
    if (t == NULL || t->ndim != 1 || t->numel != count) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: tensor '%s' is missing or not %zu "
          "values (one per parameter)", path, names[i], count);
      goto out;
    }
    if (!fer_safetensors_read_f32 (file, t, into[i], count, error))
      goto out;
    for (size_t k = 0; k < count; k++)
      if (!isfinite (into[i][k]) || (i == 1 && into[i][k] < 0)) {
        g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: tensor '%s' holds a value that "
            "cannot be (element %zu)", path, names[i], k);
        goto out;
      }
  }
  *trainer = fer_detector_trainer_new (design, net, adam, run->options.patch,
      run->options.batch_size, error);
  if (*trainer == NULL) {
    net = NULL;   /* freed with the trainer */
    adam = NULL;
    goto out;
  }
  net = NULL;
  adam = NULL;
  ok = TRUE;

out:
  fer_net_free (net);
  fer_adam_free (adam);
  fer_safetensors_free (file);
  if (extra)
    g_hash_table_unref (extra);
  g_free (design);
  return ok;
}

/* ---- metrics files ---- */

gboolean
fer_detector_history_write (const FerDetectorRun *run, const char *jsonl_path,
    const char *svg_path, GError **error)
{
  GString *text = g_string_new (NULL);
  const int n = run->history->len;
  for (int i = 0; i < n; i++) {
    JsonBuilder *b = json_builder_new ();
    add_epoch (b, &g_array_index (run->history, FerDetectorEpoch, i));
    char *line = fer_json_builder_finish (b, FALSE);
    g_string_append_printf (text, "%s\n", line);
    g_free (line);
  }
  gboolean ok = fer_atomic_write_file (jsonl_path, text->str, text->len, error);
  g_string_free (text, TRUE);
  if (!ok)
    return FALSE;
  double *v[7];
  for (int k = 0; k < 7; k++)
    v[k] = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++) {
    const FerDetectorEpoch *e = &g_array_index (run->history, FerDetectorEpoch, i);
    const double values[7] = { e->loss, e->positive_ce, e->negative_ce, e->offset,
      e->dev_recall, e->dev_precision, e->dev_average_precision };
    for (int k = 0; k < 7; k++)
      v[k][i] = values[k];
  }
  const FerPlotPanel panels[2] = {
    { "training loss", FALSE, 4, { { "total", "#1f77b4", v[0] }, { "CE faces", "#2ca02c", v[1] },
          { "CE background", "#d62728", v[2] }, { "offsets", "#9467bd", v[3] } } },
    { "dev set (IoU >= 0.5)", TRUE, 3, { { "recall", "#1f77b4", v[4] },
          { "precision", "#d62728", v[5] }, { "average precision", "#2ca02c", v[6] } } },
  };
  char *svg = fer_plot_svg ("fer-train-detector", n, panels, 2);
  ok = fer_atomic_write_file (svg_path, svg, strlen (svg), error);
  g_free (svg);
  for (int k = 0; k < 7; k++)
    g_free (v[k]);
  return ok;
}
