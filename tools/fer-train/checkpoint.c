#include "checkpoint.h"
#include "base/fer-error.h"
#include "nn/simpleconv3.h"
#include "io/safetensors.h"
#include "io/model-file.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define STATE_KEY "fer_train_state"
#define STATE_VERSION 1
#define VELOCITY "sgd.velocity"

static void
add_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* Augmentations added after the first checkpoints: written only when used, so that the options
 * recorded by a run without them (and its model file) stay as they were. */
static void
add_later_augmentations (JsonBuilder *b, const FerAugmentOptions *a)
{
  const struct { const char *name; double value; } later[] = {
    { "white_balance", a->white_balance }, { "blur_probability", a->blur_probability },
    { "downscale_probability", a->downscale_probability },
    { "jpeg_probability", a->jpeg_probability }, { "rotate_degrees", a->rotate_degrees },
    { "shift", a->shift }, { "noise", a->noise },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (later); i++)
    if (later[i].value != 0)
      add_double (b, later[i].name, later[i].value);
}

static void
add_options (JsonBuilder *b, const FerTrainOptions *o)
{
  json_builder_set_member_name (b, "options");
  json_builder_begin_object (b);
  add_int (b, "epochs", o->epochs);
  add_int (b, "batch_size", o->batch_size);
  add_double (b, "lr", o->lr);
  add_double (b, "momentum", o->momentum);
  add_double (b, "weight_decay", o->weight_decay);
  add_int (b, "nesterov", o->nesterov);
  add_int (b, "schedule", o->schedule);
  add_int (b, "step_size", o->step_size);
  add_double (b, "gamma", o->gamma);
  add_double (b, "label_smoothing", o->label_smoothing);
  add_double (b, "scale_min", o->augment.scale_min);
  add_double (b, "scale_max", o->augment.scale_max);
  add_double (b, "ratio_min", o->augment.ratio_min);
  add_double (b, "ratio_max", o->augment.ratio_max);
  add_int (b, "flip", o->augment.flip);
  add_double (b, "jitter", o->augment.jitter);
  add_double (b, "gray_probability", o->augment.gray_probability);
  add_later_augmentations (b, &o->augment);
  if (o->n_sources > 1) {
    json_builder_set_member_name (b, "source_weights");
    json_builder_begin_array (b);
    for (int s = 0; s < o->n_sources; s++)
      json_builder_add_double_value (b, o->source_weights[s]);
    json_builder_end_array (b);
  }
  /* The seed as a string: JSON numbers cannot hold every 64-bit value. */
  json_builder_set_member_name (b, "seed");
  char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, o->seed);
  json_builder_add_string_value (b, seed);
  g_free (seed);
  json_builder_end_object (b);
}

char *
fer_train_options_to_json (const FerTrainOptions *options)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  add_options (b, options);
  json_builder_end_object (b);
  JsonNode *root = json_builder_get_root (b);
  JsonNode *inner = json_object_dup_member (json_node_get_object (root), "options");
  char *json = json_to_string (inner, FALSE);
  json_node_unref (inner);
  json_node_unref (root);
  g_object_unref (b);
  return json;
}

static void
add_history (JsonBuilder *b, GArray *history)
{
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; i < history->len; i++) {
    const FerEpochRecord *r = &g_array_index (history, FerEpochRecord, i);
    json_builder_begin_object (b);
    add_int (b, "epoch", r->epoch);
    add_double (b, "lr", r->lr);
    add_double (b, "train_loss", r->train_loss);
    add_double (b, "train_accuracy", r->train_accuracy);
    add_double (b, "val_loss", r->val_loss);
    add_double (b, "val_accuracy", r->val_accuracy);
    add_double (b, "val_balanced_accuracy", r->val_balanced_accuracy);
    add_double (b, "seconds", r->seconds);
    add_double (b, "images_per_second", r->images_per_second);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

static char *
state_json (const FerTrainer *t)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "version", STATE_VERSION);
  add_int (b, "epoch", t->epoch);
  add_int (b, "next_batch", t->next_batch);
  add_int (b, "sgd_steps", t->sgd->steps);
  json_builder_set_member_name (b, "rng");
  json_builder_begin_array (b);
  for (int i = 0; i < 4; i++)
    json_builder_add_int_value (b, t->rng.s[i]);
  json_builder_end_array (b);
  add_double (b, "loss_sum", t->loss_sum);
  add_int (b, "correct", t->correct);
  add_int (b, "seen", t->seen);
  add_double (b, "seconds", t->seconds);
  add_double (b, "best_val_accuracy", t->best_val_accuracy);
  add_int (b, "best_epoch", t->best_epoch);
  add_options (b, &t->options);
  add_history (b, t->history);
  json_builder_end_object (b);
  JsonNode *root = json_builder_get_root (b);
  char *json = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return json;
}

gboolean
fer_checkpoint_save (const FerTrainer *trainer, const FerModelInfo *info, const char *path,
    GError **error)
{
  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  gboolean ok = fer_model_add_to_writer (trainer->model, info, writer, path, error);
  if (ok) {
    const int64_t shape[1] = { (int64_t) trainer->sgd->n };
    fer_safetensors_writer_add (writer, VELOCITY, FER_DTYPE_F32, 1, shape,
        trainer->sgd->velocity);
    char *state = state_json (trainer);
    fer_safetensors_writer_set_metadata (writer, STATE_KEY, state);
    g_free (state);
    ok = fer_safetensors_writer_save (writer, path, error);
  }
  fer_safetensors_writer_free (writer);
  return ok;
}

/* Reading: every member is checked; a missing or mistyped one names itself. */

typedef struct {
  JsonObject *object;
  const char *path;
  const char *missing;   /* the first member found missing or mistyped */
} Reader;

static gint64
get_int (Reader *r, JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64) {
    r->missing = r->missing ? r->missing : name;
    return 0;
  }
  return json_node_get_int (n);
}

static double
get_double (Reader *r, JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || (json_node_get_value_type (n) != G_TYPE_DOUBLE
          && json_node_get_value_type (n) != G_TYPE_INT64)) {
    r->missing = r->missing ? r->missing : name;
    return 0;
  }
  return json_node_get_double (n);
}

/* An option newer than the checkpoint format: absent means off. */
static double
get_optional_double (Reader *r, JsonObject *o, const char *name)
{
  return json_object_has_member (o, name) ? get_double (r, o, name) : 0;
}

/* "source_weights": absent for one data folder; else a weight > 0 per folder. */
static void
read_source_weights (Reader *r, JsonObject *o, FerTrainOptions *opt)
{
  opt->n_sources = 0;
  if (!json_object_has_member (o, "source_weights"))
    return;
  JsonNode *n = json_object_get_member (o, "source_weights");
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (a == NULL || json_array_get_length (a) < 2 || json_array_get_length (a) > FER_MAX_SOURCES) {
    r->missing = r->missing ? r->missing : "source_weights";
    return;
  }
  opt->n_sources = json_array_get_length (a);
  for (int s = 0; s < opt->n_sources; s++) {
    JsonNode *e = json_array_get_element (a, s);
    const GType type = JSON_NODE_HOLDS_VALUE (e) ? json_node_get_value_type (e) : G_TYPE_NONE;
    opt->source_weights[s] = type == G_TYPE_DOUBLE || type == G_TYPE_INT64
        ? json_node_get_double (e) : -1;
  }
}

static void
read_options (Reader *r, JsonObject *o, FerTrainOptions *opt)
{
  opt->epochs = get_int (r, o, "epochs");
  opt->batch_size = get_int (r, o, "batch_size");
  opt->lr = get_double (r, o, "lr");
  opt->momentum = get_double (r, o, "momentum");
  opt->weight_decay = get_double (r, o, "weight_decay");
  opt->nesterov = get_int (r, o, "nesterov");
  opt->schedule = get_int (r, o, "schedule");
  opt->step_size = get_int (r, o, "step_size");
  opt->gamma = get_double (r, o, "gamma");
  opt->label_smoothing = get_double (r, o, "label_smoothing");
  opt->augment.scale_min = get_double (r, o, "scale_min");
  opt->augment.scale_max = get_double (r, o, "scale_max");
  opt->augment.ratio_min = get_double (r, o, "ratio_min");
  opt->augment.ratio_max = get_double (r, o, "ratio_max");
  opt->augment.flip = get_int (r, o, "flip");
  opt->augment.jitter = get_double (r, o, "jitter");
  opt->augment.gray_probability = get_double (r, o, "gray_probability");
  opt->augment.white_balance = get_optional_double (r, o, "white_balance");
  opt->augment.blur_probability = get_optional_double (r, o, "blur_probability");
  opt->augment.downscale_probability = get_optional_double (r, o, "downscale_probability");
  opt->augment.jpeg_probability = get_optional_double (r, o, "jpeg_probability");
  opt->augment.rotate_degrees = get_optional_double (r, o, "rotate_degrees");
  opt->augment.shift = get_optional_double (r, o, "shift");
  opt->augment.noise = get_optional_double (r, o, "noise");
  read_source_weights (r, o, opt);
  const char *seed = json_object_get_string_member_with_default (o, "seed", NULL);
  if (seed == NULL || !g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &opt->seed, NULL))
    r->missing = r->missing ? r->missing : "seed";
}

static void
read_history (Reader *r, JsonArray *array, GArray *history)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      r->missing = r->missing ? r->missing : "history";
      return;
    }
    JsonObject *o = json_node_get_object (node);
    FerEpochRecord e = {
      .epoch = get_int (r, o, "epoch"), .lr = get_double (r, o, "lr"),
      .train_loss = get_double (r, o, "train_loss"),
      .train_accuracy = get_double (r, o, "train_accuracy"),
      .val_loss = get_double (r, o, "val_loss"),
      .val_accuracy = get_double (r, o, "val_accuracy"),
      .val_balanced_accuracy = get_double (r, o, "val_balanced_accuracy"),
      .seconds = get_double (r, o, "seconds"),
      .images_per_second = get_double (r, o, "images_per_second"),
    };
    g_array_append_val (history, e);
  }
}

/* The name of the first option out of the range fer-train accepts, or NULL: a damaged state
 * must not reach the trainer (a batch size of 0 divides by it, a NaN rate trains garbage). */
static const char *
invalid_option (const FerTrainOptions *o)
{
  const FerAugmentOptions *a = &o->augment;
  if (o->epochs < 1 || o->epochs > 1000000)
    return "epochs";
  if (o->batch_size < 2 || o->batch_size > 1000000)
    return "batch_size";
  if (!(o->lr > 0 && o->lr < 1e6))
    return "lr";
  if (!(o->momentum >= 0 && o->momentum < 1))
    return "momentum";
  if (!(o->weight_decay >= 0 && o->weight_decay < 1e6))
    return "weight_decay";
  if (o->nesterov != FALSE && o->nesterov != TRUE)
    return "nesterov";
  if (o->schedule != FER_SCHEDULE_STEP && o->schedule != FER_SCHEDULE_COSINE)
    return "schedule";
  if (o->step_size < 1)
    return "step_size";
  if (!(o->gamma > 0 && o->gamma < 1e6))
    return "gamma";
  if (!(o->label_smoothing >= 0 && o->label_smoothing < 1))
    return "label_smoothing";
  if (!(a->scale_min > 0 && a->scale_min <= a->scale_max && a->scale_max <= 1))
    return "scale_min";
  if (!(a->ratio_min > 0 && a->ratio_min <= a->ratio_max && a->ratio_max < 1e6))
    return "ratio_min";
  if (a->flip != FALSE && a->flip != TRUE)
    return "flip";
  if (!(a->jitter >= 0 && a->jitter < 1))
    return "jitter";
  if (!(a->gray_probability >= 0 && a->gray_probability <= 1))
    return "gray_probability";
  if (!(a->white_balance >= 0 && a->white_balance < 1))
    return "white_balance";
  if (!(a->blur_probability >= 0 && a->blur_probability <= 1))
    return "blur_probability";
  if (!(a->downscale_probability >= 0 && a->downscale_probability <= 1))
    return "downscale_probability";
  if (!(a->jpeg_probability >= 0 && a->jpeg_probability <= 1))
    return "jpeg_probability";
  if (!(a->rotate_degrees >= 0 && a->rotate_degrees <= 180))
    return "rotate_degrees";
  if (!(a->shift >= 0 && a->shift <= 0.5))
    return "shift";
  if (!(a->noise >= 0 && a->noise <= 128))
    return "noise";
  for (int s = 0; s < o->n_sources; s++)
    if (!(o->source_weights[s] > 0 && o->source_weights[s] < 1e6))
      return "source_weights";
  return NULL;
}

/* Where the run stood, as read from the state: copied into the trainer once the tensors are
 * read too. */
typedef struct {
  FerTrainOptions options;
  int epoch, next_batch;
  gint64 sgd_steps, correct, seen;
  uint32_t rng[4];
  double loss_sum, seconds, best_val_accuracy;
  int best_epoch;
  GArray *history;
} SavedState;

/* Reads and checks the "fer_train_state" JSON; FALSE with r->missing naming the bad member. */
static gboolean
read_state (Reader *r, SavedState *saved)
{
  JsonObject *saved_options = json_object_get_object_member (r->object, "options");
  if (saved_options == NULL) {
    r->missing = "options";
    return FALSE;
  }
  read_options (r, saved_options, &saved->options);
  if (r->missing)
    return FALSE;
  r->missing = invalid_option (&saved->options);
  saved->epoch = get_int (r, r->object, "epoch");
  saved->next_batch = get_int (r, r->object, "next_batch");
  saved->sgd_steps = get_int (r, r->object, "sgd_steps");
  JsonArray *rng = json_object_get_array_member (r->object, "rng");
  if (rng == NULL || json_array_get_length (rng) != 4)
    r->missing = r->missing ? r->missing : "rng";
  for (int i = 0; rng && i < 4 && !r->missing; i++)
    saved->rng[i] = (uint32_t) json_array_get_int_element (rng, i);
  saved->loss_sum = get_double (r, r->object, "loss_sum");
  saved->correct = get_int (r, r->object, "correct");
  saved->seen = get_int (r, r->object, "seen");
  saved->seconds = get_double (r, r->object, "seconds");
  saved->best_val_accuracy = get_double (r, r->object, "best_val_accuracy");
  saved->best_epoch = get_int (r, r->object, "best_epoch");
  read_history (r, json_object_get_array_member (r->object, "history"), saved->history);
  if (!r->missing && (saved->epoch < 0 || saved->epoch > saved->options.epochs))
    r->missing = "epoch";
  if (!r->missing && (saved->next_batch < 0 || saved->sgd_steps < 0))
    r->missing = "next_batch";
  if (!r->missing && (saved->correct < 0 || saved->seen < saved->correct))
    r->missing = "seen";
  return r->missing == NULL;
}

FerTrainer *
fer_checkpoint_load (const char *path, FerModelInfo **info, GError **error)
{
  static const char *const also_allowed[] = { VELOCITY, NULL };
  FerSafetensors *file = fer_safetensors_load (path, error);
  if (file == NULL)
    return NULL;
  FerTrainer *trainer = NULL;
  FerSimpleConv3 *model = NULL;
  FerModelInfo *model_info = NULL;
  SavedState saved = { .history = g_array_new (FALSE, FALSE, sizeof (FerEpochRecord)) };

  /* The state first: small and cheap to check, the tensors are not. */
  const char *state = g_hash_table_lookup (file->metadata, STATE_KEY);
  JsonNode *root = state ? json_from_string (state, NULL) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
        "%s: not a fer-train checkpoint (no valid \"" STATE_KEY "\" metadata)", path);
    goto failed;
  }
  Reader r = { json_node_get_object (root), path, NULL };
  if (get_int (&r, r.object, "version") != STATE_VERSION) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
        "%s: checkpoint version is not %d: it was written by another gst-fer", path,
        STATE_VERSION);
    goto failed;
  }
  if (!read_state (&r, &saved))
    goto bad_state;

  model = fer_model_from_safetensors (file, also_allowed, &model_info, error);
  if (model == NULL)
    goto failed;
  for (int c = 0; c < 3; c++) {
    saved.options.augment.mean[c] = model_info->mean[c];
    saved.options.augment.std[c] = model_info->std[c];
  }
  trainer = fer_trainer_new (&saved.options, model->layout.num_classes);
  if (trainer == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: out of memory", path);
    goto failed;
  }

  /* The saved model and momentum replace the fresh ones. */
  fer_simpleconv3_free (trainer->model);
  trainer->model = model;
  model = NULL;
  const FerSafetensorsTensor *velocity = fer_safetensors_find (file, VELOCITY);
  if (velocity == NULL || !fer_safetensors_read_f32 (file, velocity, trainer->sgd->velocity,
          trainer->sgd->n, NULL)) {
    r.missing = VELOCITY;
    goto bad_state;
  }
  trainer->epoch = saved.epoch;
  trainer->next_batch = saved.next_batch;
  trainer->sgd->steps = saved.sgd_steps;
  memcpy (trainer->rng.s, saved.rng, sizeof saved.rng);
  trainer->loss_sum = saved.loss_sum;
  trainer->correct = saved.correct;
  trainer->seen = saved.seen;
  trainer->seconds = saved.seconds;
  trainer->best_val_accuracy = saved.best_val_accuracy;
  trainer->best_epoch = saved.best_epoch;
  g_array_append_vals (trainer->history, saved.history->data, saved.history->len);

  g_array_unref (saved.history);
  json_node_unref (root);
  fer_safetensors_free (file);
  /* The state belongs to the checkpoint, not to the models the run goes on to write. */
  g_hash_table_remove (model_info->extra, STATE_KEY);
  *info = model_info;
  return trainer;

  /* ERRORS */
bad_state:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: the checkpoint's training state is damaged ('%s' missing or invalid)", path,
      r.missing ? r.missing : "options");
failed:
  g_array_unref (saved.history);
  if (root)
    json_node_unref (root);
  fer_trainer_free (trainer);
  fer_simpleconv3_free (model);
  fer_model_info_free (model_info);
  fer_safetensors_free (file);
  return NULL;
}
