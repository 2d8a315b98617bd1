/* fer-train: train simpleconv3 on an ImageFolder, the seed's recipe by default.
 *
 *   fer-train DATA_DIR [MORE_DATA_DIR...] -o MODEL.safetensors [options]
 *
 * DATA_DIR holds train/<class>/ and val/<class>/, or just <class>/ folders split by --val-split.
 * More data folders are more sources: their class folders are matched by name with the first
 * one's (a source may lack classes, never add one), their validation images join the first's,
 * and --source-weights sets each one's share of an epoch so a small source is not drowned.
 * Writes, beside MODEL (the model with the best validation accuracy):
 *   STEM.last.safetensors    the model after the last epoch
 *   STEM.ckpt.safetensors    everything needed to --resume (also written on Ctrl-C)
 *   STEM.metrics.jsonl       one JSON object per epoch
 *   STEM.plot.svg            loss and accuracy per epoch
 *   STEM.data-report.txt     the files that were skipped, and why
 * where STEM is MODEL without ".safetensors".
 *
 * Exit status: 0 trained, 1 failed (message on stderr), 2 bad usage, 130 interrupted (the
 * checkpoint is saved: run again with --resume). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "command-line.h"
#include "training-outputs.h"
#include "base/exit-codes.h"
#include "history.h"
#include "training-data.h"
#include "progress.h"
#include "base/fer-error.h"
#include "nn/fer-threads.h"
#include "io/model-file.h"
#include "io/atomic-file.h"
#include "image/transforms.h"
#include "image/image-folder.h"
#include "image/dataset.h"
#include "expression/evaluation.h"


static volatile sig_atomic_t interrupted;

static void
on_interrupt (int signum)
{
  interrupted = 1;
}

/* Command line.  Options left at their "unset" value take the seed's defaults on a new run and
 * the checkpoint's values on --resume. */
static char *output;
static int epochs = -1, batch_size = -1, step_size = -1, threads, min_size = 48, cache_size = 256;
static double lr = NAN, momentum = NAN, weight_decay = NAN, gamma_ = NAN, smoothing = NAN;
static double scale_min = NAN, scale_max = NAN, ratio_min = NAN, ratio_max = NAN;
static double jitter = NAN, gray = NAN, val_split = 0.1, max_memory_gib = 8;
static double white_balance = NAN, blur = NAN, downscale = NAN, jpeg = NAN, rotate = NAN;
static double shift = NAN, noise = NAN;
static char *source_weights_option;
static gboolean nesterov, no_flip, resume, quiet;
static char *schedule_name, *labels_option;
static gint64 seed = -1;

static GOptionEntry entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Model to write (required)", "MODEL" },
  { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs (10)", "N" },
  { "batch-size", 'b', 0, G_OPTION_ARG_INT, &batch_size, "Images per step (64)", "N" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (0.1)", "LR" },
  { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &momentum, "SGD momentum (0.9)", "M" },
  { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &weight_decay, "L2 weight decay (0)", "W" },
  { "nesterov", 0, 0, G_OPTION_ARG_NONE, &nesterov, "Nesterov momentum", NULL },
  { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule_name, "Learning-rate schedule: step (StepLR, the seed's) or cosine", "NAME" },
  { "step-size", 0, 0, G_OPTION_ARG_INT, &step_size, "StepLR: epochs between decays (100)", "N" },
  { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma_, "StepLR: decay factor (0.1)", "G" },
  { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &smoothing, "Cross-entropy label smoothing (0)", "E" },
  { "scale-min", 0, 0, G_OPTION_ARG_DOUBLE, &scale_min, "RandomResizedCrop: smallest area fraction (0.08)", "S" },
  { "scale-max", 0, 0, G_OPTION_ARG_DOUBLE, &scale_max, "RandomResizedCrop: largest area fraction (1)", "S" },
  { "ratio-min", 0, 0, G_OPTION_ARG_DOUBLE, &ratio_min, "RandomResizedCrop: smallest aspect ratio (0.75)", "R" },
  { "ratio-max", 0, 0, G_OPTION_ARG_DOUBLE, &ratio_max, "RandomResizedCrop: largest aspect ratio (1.333)", "R" },
  { "no-flip", 0, 0, G_OPTION_ARG_NONE, &no_flip, "No random horizontal flips", NULL },
  { "jitter", 0, 0, G_OPTION_ARG_DOUBLE, &jitter, "Colour jitter: brightness, contrast, saturation in [1-J, 1+J] (0)", "J" },
  { "gray", 0, 0, G_OPTION_ARG_DOUBLE, &gray, "Probability of a grayscale copy (0)", "P" },
  { "white-balance", 0, 0, G_OPTION_ARG_DOUBLE, &white_balance, "Red and blue gains in [1-W, 1+W] (0)", "W" },
  { "blur", 0, 0, G_OPTION_ARG_DOUBLE, &blur, "Probability of a Gaussian blur, sigma 0.4-1.4 px (0)", "P" },
  { "downscale", 0, 0, G_OPTION_ARG_DOUBLE, &downscale, "Probability of scaling down to 25-70% and back up (0)", "P" },
  { "jpeg", 0, 0, G_OPTION_ARG_DOUBLE, &jpeg, "Probability of JPEG re-compression at quality 15-75 (0)", "P" },
  { "rotate", 0, 0, G_OPTION_ARG_DOUBLE, &rotate, "Random rotation in [-D, D] degrees (0)", "D" },
  { "shift", 0, 0, G_OPTION_ARG_DOUBLE, &shift, "Random shift in [-F, F] of the image's size, each axis (0)", "F" },
  { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &noise, "Gaussian noise, sigma drawn in [0, S] (0-255 scale) (0)", "S" },
  { "source-weights", 0, 0, G_OPTION_ARG_STRING, &source_weights_option, "With several DATA_DIRs: each one's share of an epoch's images, comma-separated (default: their sizes)", "W1,W2,..." },
  { "val-split", 0, 0, G_OPTION_ARG_DOUBLE, &val_split, "Validation share when DATA_DIR has no val/ (0.1)", "F" },
  { "labels", 0, 0, G_OPTION_ARG_STRING, &labels_option, "Class names in folder order, comma-separated (default: the folder names)", "A,B,..." },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for weights, split, order and augmentation (1)", "N" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
  { "min-size", 0, 0, G_OPTION_ARG_INT, &min_size, "Skip images smaller than this, in pixels (48)", "PX" },
  { "cache-size", 0, 0, G_OPTION_ARG_INT, &cache_size, "Keep images in memory with the shorter side at most this (256)", "PX" },
  { "max-memory", 0, 0, G_OPTION_ARG_DOUBLE, &max_memory_gib, "Memory for decoded images, GiB (8)", "GIB" },
  { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue the run saved in STEM.ckpt.safetensors", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only errors and the final summary", NULL },
  { NULL }
};

static void
fill_defaults (FerTrainOptions *o)
{
  o->epochs = epochs > 0 ? epochs : 10;
  o->batch_size = batch_size > 0 ? batch_size : 64;
  o->lr = !isnan (lr) ? lr : 0.1;
  o->momentum = !isnan (momentum) ? momentum : 0.9;
  o->weight_decay = !isnan (weight_decay) ? weight_decay : 0;
  o->nesterov = nesterov;
  o->schedule = schedule_name && strcmp (schedule_name, "cosine") == 0 ? FER_SCHEDULE_COSINE
      : FER_SCHEDULE_STEP;
  o->step_size = step_size > 0 ? step_size : 100;
  o->gamma = !isnan (gamma_) ? gamma_ : 0.1;
  o->label_smoothing = !isnan (smoothing) ? smoothing : 0;
  o->augment.scale_min = !isnan (scale_min) ? scale_min : 0.08;
  o->augment.scale_max = !isnan (scale_max) ? scale_max : 1;
  o->augment.ratio_min = !isnan (ratio_min) ? ratio_min : 3.0 / 4;
  o->augment.ratio_max = !isnan (ratio_max) ? ratio_max : 4.0 / 3;
  o->augment.flip = !no_flip;
  o->augment.jitter = !isnan (jitter) ? jitter : 0;
  o->augment.gray_probability = !isnan (gray) ? gray : 0;
  o->augment.white_balance = !isnan (white_balance) ? white_balance : 0;
  o->augment.blur_probability = !isnan (blur) ? blur : 0;
  o->augment.downscale_probability = !isnan (downscale) ? downscale : 0;
  o->augment.jpeg_probability = !isnan (jpeg) ? jpeg : 0;
  o->augment.rotate_degrees = !isnan (rotate) ? rotate : 0;
  o->augment.shift = !isnan (shift) ? shift : 0;
  o->augment.noise = !isnan (noise) ? noise : 0;
  o->seed = seed >= 0 ? (guint64) seed : 1;
  o->n_sources = 0;
  char **weights = source_weights_option ? g_strsplit (source_weights_option, ",", -1) : NULL;
  for (int s = 0; weights && weights[s] && s < FER_MAX_SOURCES; s++)
    o->source_weights[o->n_sources++] = g_ascii_strtod (weights[s], NULL);
  g_strfreev (weights);
}

/* --source-weights: NULL when good (argc - 1 data folders), else what is wrong. */
static char *
check_source_weights (int argc)
{
  if (source_weights_option == NULL)
    return NULL;
  char **weights = g_strsplit (source_weights_option, ",", -1);
  char *bad = NULL;
  if (g_strv_length (weights) != (guint) argc - 1 || argc - 1 < 2)
    bad = g_strdup_printf ("--source-weights needs one weight per DATA_DIR (%d given, %d "
        "folders; at least 2)", g_strv_length (weights), argc - 1);
  for (int s = 0; bad == NULL && weights[s]; s++) {
    char *end = NULL;
    const double w = g_ascii_strtod (weights[s], &end);
    if (end == weights[s] || *end || !(w > 0 && w < 1e6))
      bad = g_strdup_printf ("--source-weights: '%s' is not a weight > 0", weights[s]);
  }
  g_strfreev (weights);
  return bad;
}

/* The first bad option, named with what it must be; NULL when all are good. */
static char *
check_options (int argc)
{
  if (argc < 2)
    return g_strdup ("give a DATA_DIR");
  if (argc - 1 > FER_MAX_SOURCES)
    return g_strdup_printf ("at most %d DATA_DIRs, got %d", FER_MAX_SOURCES, argc - 1);
  char *bad_weights = check_source_weights (argc);
  if (bad_weights)
    return bad_weights;
  if (output == NULL)
    return g_strdup ("-o MODEL is required: where to write the trained model");
  if (epochs == 0 || epochs < -1)
    return g_strdup_printf ("--epochs must be >= 1, got %d", epochs);
  if (batch_size == 0 || batch_size == 1 || batch_size < -1)
    return g_strdup_printf ("--batch-size must be >= 2 (batchnorm), got %d", batch_size);
  if (!isnan (lr) && !(lr > 0))
    return g_strdup_printf ("--lr must be > 0, got %g", lr);
  if (!isnan (momentum) && (momentum < 0 || momentum >= 1))
    return g_strdup_printf ("--momentum must be in [0, 1), got %g", momentum);
  if (!isnan (weight_decay) && weight_decay < 0)
    return g_strdup_printf ("--weight-decay must be >= 0, got %g", weight_decay);
  if (nesterov && !isnan (momentum) && momentum == 0)
    return g_strdup ("--nesterov needs a --momentum > 0");
  if (schedule_name && strcmp (schedule_name, "step") != 0 && strcmp (schedule_name, "cosine") != 0)
    return g_strdup_printf ("--schedule must be step or cosine, got '%s'", schedule_name);
  if (step_size == 0 || step_size < -1)
    return g_strdup_printf ("--step-size must be >= 1, got %d", step_size);
  if (!isnan (gamma_) && !(gamma_ > 0))
    return g_strdup_printf ("--gamma must be > 0, got %g", gamma_);
  if (!isnan (smoothing) && (smoothing < 0 || smoothing >= 1))
    return g_strdup_printf ("--label-smoothing must be in [0, 1), got %g", smoothing);
  if (!isnan (scale_min) && !(scale_min > 0 && scale_min <= 1))
    return g_strdup_printf ("--scale-min must be in (0, 1], got %g", scale_min);
  if (!isnan (scale_max) && !(scale_max > 0 && scale_max <= 1))
    return g_strdup_printf ("--scale-max must be in (0, 1], got %g", scale_max);
  if (!isnan (scale_min) && !isnan (scale_max) && scale_min > scale_max)
    return g_strdup_printf ("--scale-min (%g) must not exceed --scale-max (%g)", scale_min,
        scale_max);
  if (!isnan (ratio_min) && !(ratio_min > 0))
    return g_strdup_printf ("--ratio-min must be > 0, got %g", ratio_min);
  if (!isnan (ratio_max) && !(ratio_max > 0))
    return g_strdup_printf ("--ratio-max must be > 0, got %g", ratio_max);
  if (!isnan (ratio_min) && !isnan (ratio_max) && ratio_min > ratio_max)
    return g_strdup_printf ("--ratio-min (%g) must not exceed --ratio-max (%g)", ratio_min,
        ratio_max);
  if (!isnan (jitter) && (jitter < 0 || jitter >= 1))
    return g_strdup_printf ("--jitter must be in [0, 1), got %g", jitter);
  if (!isnan (gray) && (gray < 0 || gray > 1))
    return g_strdup_printf ("--gray must be in [0, 1], got %g", gray);
  const struct { const char *name; double value, max; } chances[] = {
    { "white-balance", white_balance, 0.99 }, { "blur", blur, 1 }, { "downscale", downscale, 1 },
    { "jpeg", jpeg, 1 }, { "rotate", rotate, 180 }, { "shift", shift, 0.5 }, { "noise", noise, 128 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (chances); i++)
    if (!isnan (chances[i].value) && !(chances[i].value >= 0 && chances[i].value <= chances[i].max))
      return g_strdup_printf ("--%s must be from 0 to %g, got %g", chances[i].name,
          chances[i].max, chances[i].value);
  if (!(val_split > 0 && val_split < 1))
    return g_strdup_printf ("--val-split must be between 0 and 1, got %g", val_split);
  if (min_size < 0)
    return g_strdup_printf ("--min-size must be >= 0, got %d", min_size);
  if (cache_size < 0)
    return g_strdup_printf ("--cache-size must be >= 0, got %d", cache_size);
  if (!(max_memory_gib > 0))
    return g_strdup_printf ("--max-memory must be > 0, got %g", max_memory_gib);
  return NULL;
}

/* Training */

typedef struct {
  FerProgress bar;
  int epochs;
} TrainProgress;

static void
batch_progress (const FerTrainer *t, int batch, int batches, gpointer user_data)
{
  TrainProgress *p = user_data;
  char label[32], detail[96];
  g_snprintf (label, sizeof label, "epoch %d/%d", t->epoch + 1, p->epochs);
  g_snprintf (detail, sizeof detail, "loss %.4f acc %.1f%%  %.0f images/s",
      t->seen ? t->loss_sum / t->seen : 0, t->seen ? 100.0 * t->correct / t->seen : 0,
      t->seconds > 0 ? t->seen / t->seconds : 0);
  fer_progress_update (&p->bar, label, batch, batches, detail);
}

static gboolean
save_outputs (FerTrainer *t, FerModelInfo *info, const FerTrainingOutputs *o, gboolean best,
    GError **error)
{
  /* The effective options, not the command line: a resumed run and an uninterrupted one, or
   * two runs writing to different paths, then give identical files. */
  g_free (info->training.options);
  info->training.options = fer_train_options_to_json (&t->options);
  /* Both files hold this epoch's weights: they record this epoch and its own accuracy. */
  const FerEpochRecord *r = &g_array_index (t->history, FerEpochRecord, t->history->len - 1);
  info->training.epoch = r->epoch;
  info->training.val_accuracy = r->val_accuracy;
  if (best && !fer_model_save (t->model, info, o->model, error))
    return FALSE;
  char *title = g_strdup_printf ("fer-train %s: best validation accuracy %.2f%% (epoch %d)",
      o->model, 100 * t->best_val_accuracy, t->best_epoch);
  const gboolean ok = fer_model_save (t->model, info, o->last, error)
      && fer_checkpoint_save (t, info, o->checkpoint, error)
      && fer_history_write_jsonl (t->history, o->metrics, error)
      && fer_history_write_svg (t->history, title, o->plot, error);
  g_free (title);
  return ok;
}

/* One training run: what main parses, checks, runs and reports. */
typedef struct {
  char **data_dirs;        /* every source (borrowed from argv); the first names the classes */
  int n_sources;
  char *data_description;  /* the folders, as recorded in the model */
  FerTrainingOutputs out;
  FerTrainOptions options;
  FerTrainer *trainer;     /* new, or as the checkpoint left it */
  FerModelInfo *info;
  FerSplit *splits;        /* per source */
  GArray *train_samples, *val_samples;   /* every source's, labels as the first's folders */
  GHashTable *source_of;   /* training image path -> source + 1 */
  int *train_sources;      /* per loaded training image: its source */
  FerLoadReport report;
  FerDataset *train, *val;
  float *val_tensors;      /* the validation set, preprocessed once */
} Run;

static int
fail (GError *error)
{
  return fer_command_line_fail ("fer-train", error);
}

static int
parse_command_line (int *argc, char ***argv)
{
  const FerCommandLine command_line = {
    "fer-train", "DATA_DIR [MORE_DATA_DIR...] - train simpleconv3 on ImageFolders",
    "Trains the seed's simpleconv3 on DATA_DIR: train/<class>/ and val/<class>/ folders, or\n"
    "<class>/ folders split by --val-split.  More DATA_DIRs are more sources, classes matched\n"
    "by folder name; --source-weights sets each one's share of an epoch.  Defaults are the seed's recipe: 10 epochs, batch\n"
    "64, SGD lr 0.1 momentum 0.9, StepLR(100, 0.1), RandomResizedCrop(48) + flip.\n"
    "MODEL gets the best model on validation; STEM.last.safetensors, STEM.ckpt.safetensors,\n"
    "STEM.metrics.jsonl, STEM.plot.svg and STEM.data-report.txt go beside it.",
    "Exit status: 0 trained, 1 failed, 2 bad usage, 130 interrupted (checkpoint saved; rerun\n"
    "with --resume).  The same seed and threads give a byte-identical model.",
    entries, check_options, &threads,
  };
  return fer_command_line_parse (&command_line, argc, argv);
}

/* Before any work: the outputs can be written, and a resumed run has its checkpoint. */
static int
start_or_resume (Run *run)
{
  GError *error = NULL;
  fer_training_outputs_init (&run->out, output);
  /* Fails now, not after hours of training, when the model cannot be written. */
  if (!fer_atomic_file_check (run->out.model, &error)
      || !fer_atomic_file_check (run->out.checkpoint, &error))
    return fail (error);
  fill_defaults (&run->options);
  if (!resume)
    return FER_EXIT_OK;
  run->trainer = fer_checkpoint_load (run->out.checkpoint, &run->info, &error);
  if (run->trainer == NULL)
    return fail (error);
  if (epochs > 0)
    run->trainer->options.epochs = epochs;   /* a finished run can be taken further */
  run->options = run->trainer->options;
  if (run->trainer->epoch >= run->options.epochs) {
    g_printerr ("fer-train: %s already finished its %d epochs (give --epochs to go on)\n",
        run->out.checkpoint, run->options.epochs);
    return FER_EXIT_FAILED;
  }
  return FER_EXIT_OK;
}

/* The model's description: its classes and where it comes from (a resumed run has it). */
static int
describe_model (Run *run)
{
  const FerImageFolder *folder = run->splits[0].train_folder;
  const int n_classes = folder->n_classes;
  if (n_classes < 2)
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA, "'%s' has one class folder (%s): a "
            "classifier needs at least two", run->data_dirs[0], folder->classes[0]));
  if (run->info && run->info->num_classes != n_classes)
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA, "%s was trained on %d classes but "
            "'%s' has %d: resume needs the same data", run->out.checkpoint,
            run->info->num_classes, run->data_dirs[0], n_classes));
  if (run->info == NULL) {
    run->info = fer_model_info_new (n_classes);
    char **labels = labels_option ? g_strsplit (labels_option, ",", -1)
        : g_strdupv (folder->classes);
    const gboolean named = fer_model_info_set_labels (run->info, (const char *const *) labels);
    g_strfreev (labels);
    if (!named) {
      char *folders = g_strjoinv (", ", folder->classes);
      g_printerr ("fer-train: --labels needs %d distinct names, one per class folder (%s)\n",
          n_classes, folders);
      g_free (folders);
      return FER_EXIT_USAGE;
    }
    FerTrainingRecord *record = &run->info->training;
    record->class_folders = g_strdupv (folder->classes);
    record->training_data = g_strdup (run->data_description);
    record->trained_by = g_strdup ("fer-train " VERSION);
  }
  for (int c = 0; c < 3; c++) {
    run->options.augment.mean[c] = run->info->mean[c];
    run->options.augment.std[c] = run->info->std[c];
  }
  return FER_EXIT_OK;
}

/* Decodes every image once; a resumed run must see the same data. */
static int
load_data (Run *run)
{
  GError *error = NULL;
  FerLoadOptions load = { .min_size = min_size, .cache_size = cache_size,
    .max_bytes = (size_t) (max_memory_gib * 1073741824.0), .progress = fer_load_progress };
  FerLoadProgress load_bar = { .label = "loading" };
  fer_progress_init (&load_bar.bar);
  load.user_data = &load_bar;
  fer_load_report_init (&run->report);
  const gint64 start = g_get_monotonic_time ();
  run->train = fer_dataset_load ((FerSample *) run->train_samples->data,
      run->train_samples->len, &load, &run->report, &error);
  run->val = run->train ? fer_dataset_load ((FerSample *) run->val_samples->data,
      run->val_samples->len, &load, &run->report, &error) : NULL;
  fer_progress_clear (&load_bar.bar);
  if (run->val == NULL)
    return fail (error);
  fer_split_write_report (run->out.report, run->splits, run->n_sources, &run->report);
  run->train_sources = g_new (int, run->train->count);
  for (int i = 0; i < run->train->count; i++)
    run->train_sources[i] = GPOINTER_TO_INT (g_hash_table_lookup (run->source_of,
            run->train->paths[i])) - 1;
  FerModelInfo *info = run->info;
  if (!fer_check_classes_present (run->train, info->labels, info->num_classes, "training", &error)
      || !fer_check_classes_present (run->val, info->labels, info->num_classes, "validation",
          &error))
    return fail (error);
  if (resume && info->training.train_images != run->train->count)
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA, "'%s' now gives %d training images, "
            "the interrupted run had %d: resume needs the same data", run->data_description,
            run->train->count, info->training.train_images));
  info->training.train_images = run->train->count;
  info->training.val_images = run->val->count;
  if (!quiet) {
    char *names = g_strjoinv (", ", info->labels);
    g_print ("data: %s: %d classes (%s), %d training and %d validation images, %.0f MiB in "
        "memory, decoded in %.1f s\n", run->data_description, info->num_classes, names, run->train->count,
        run->val->count, (run->train->bytes + run->val->bytes) / 1048576.0,
        (g_get_monotonic_time () - start) / 1e6);
    g_free (names);
  }
  run->val_tensors = fer_preprocess_all (run->val, info);
  return FER_EXIT_OK;
}

/* Appends the samples of one source, relabelled to the first source's class folders. */
static gboolean
add_source (Run *run, int source, GError **error)
{
  const FerSplit *first = &run->splits[0], *split = &run->splits[source];
  const FerImageFolder *folder = split->train_folder;
  int *label_of = g_new (int, folder->n_classes);
  for (int f = 0; f < folder->n_classes; f++) {
    label_of[f] = -1;
    for (int k = 0; k < first->train_folder->n_classes; k++)
      if (strcmp (folder->classes[f], first->train_folder->classes[k]) == 0)
        label_of[f] = k;
    if (label_of[f] < 0) {
      char *known = g_strjoinv (", ", first->train_folder->classes);
      g_set_error (error, FER_ERROR, FER_ERROR_DATA, "class folder '%s' of '%s' is not one of "
          "the first DATA_DIR's (%s): every source uses the first one's class folders",
          folder->classes[f], run->data_dirs[source], known);
      g_free (known);
      g_free (label_of);
      return FALSE;
    }
  }
  for (int part = 0; part < 2; part++) {
    GArray *from = part == 0 ? split->train_samples : split->val_samples;
    GArray *to = part == 0 ? run->train_samples : run->val_samples;
    for (guint i = 0; i < from->len; i++) {
      FerSample sample = g_array_index (from, FerSample, i);
      sample.label = label_of[sample.label];
      g_array_append_val (to, sample);
      if (part == 0)
        g_hash_table_insert (run->source_of, sample.path, GINT_TO_POINTER (source + 1));
    }
  }
  g_free (label_of);
  return TRUE;
}

/* Every data folder scanned and split; their samples gathered. */
static gboolean
scan_sources (Run *run, GError **error)
{
  run->splits = g_new0 (FerSplit, run->n_sources);
  run->train_samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  run->val_samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  run->source_of = g_hash_table_new (g_str_hash, g_str_equal);
  run->data_description = g_strjoinv (" + ", run->data_dirs);
  for (int s = 0; s < run->n_sources; s++)
    if (!fer_split_scan (run->data_dirs[s], val_split, &run->splits[s], run->options.seed, error)
        || !add_source (run, s, error))
      return FALSE;
  if (run->options.n_sources > 1 && run->options.n_sources != run->n_sources) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA, "the run was started with %d data folders "
        "and has %d now: resume needs the same data", run->options.n_sources, run->n_sources);
    return FALSE;
  }
  return TRUE;
}

/* Checks the run can start and gathers what it trains on. */
static int
prepare (Run *run)
{
  GError *error = NULL;
  if (threads > 0)
    fer_threads_set (threads);
  else
    fer_threads_init ();
  int status = start_or_resume (run);
  if (status != FER_EXIT_OK)
    return status;
  if (!scan_sources (run, &error))
    return fail (error);
  if ((status = describe_model (run)) != FER_EXIT_OK || (status = load_data (run)) != FER_EXIT_OK)
    return status;
  if (run->trainer == NULL
      && (run->trainer = fer_trainer_new (&run->options, run->info->num_classes)) == NULL)
    return fail (g_error_new (FER_ERROR, FER_ERROR_IO, "out of memory"));
  fer_trainer_set_sources (run->trainer, run->train_sources);
  return FER_EXIT_OK;
}

/* The epochs left, each validated and saved; Ctrl-C saves the checkpoint and stops. */
static int
train (Run *run)
{
  GError *error = NULL;
  FerTrainer *trainer = run->trainer;
  const FerTrainOptions *options = &run->options;
  if (!quiet)
    g_print ("training: %d epochs from epoch %d, batch %d, SGD lr %g momentum %g%s, %d threads%s\n",
        options->epochs, trainer->epoch + 1, options->batch_size, options->lr, options->momentum,
        options->nesterov ? " (Nesterov)" : "", fer_threads_get (), resume ? " (resumed)" : "");
  struct sigaction action = { .sa_handler = on_interrupt, .sa_flags = SA_RESETHAND };
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);

  TrainProgress bar = { .epochs = options->epochs };
  fer_progress_init (&bar.bar);
  while (trainer->epoch < options->epochs) {
    const gboolean finished = fer_trainer_train_epoch (trainer, run->train, batch_progress, &bar,
        &interrupted);
    fer_progress_clear (&bar.bar);
    if (!finished) {
      if (!fer_checkpoint_save (trainer, run->info, run->out.checkpoint, &error))
        return fail (error);
      g_printerr ("fer-train: interrupted in epoch %d; saved %s: run the same command with "
          "--resume to continue\n", trainer->epoch + 1, run->out.checkpoint);
      return FER_EXIT_INTERRUPTED;
    }
    FerEvaluation *evaluation = fer_evaluation_new (run->info->num_classes);
    fer_evaluation_add_batch (evaluation, trainer->model, run->val_tensors, run->val->labels,
        run->val->count);
    const gboolean best = fer_trainer_finish_epoch (trainer, evaluation);
    fer_evaluation_free (evaluation);
    const FerEpochRecord *r = &g_array_index (trainer->history, FerEpochRecord,
        trainer->history->len - 1);
    if (!quiet)
      g_print ("epoch %d/%d  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  lr %g  "
          "%.1f s  %.0f images/s%s\n", r->epoch, options->epochs, r->train_loss,
          100 * r->train_accuracy, r->val_loss, 100 * r->val_accuracy, r->lr, r->seconds,
          r->images_per_second, best ? "  (best)" : "");
    if (!save_outputs (trainer, run->info, &run->out, best, &error))
      return fail (error);
    if (interrupted) {
      g_printerr ("fer-train: interrupted after epoch %d; saved %s: run the same command with "
          "--resume to continue\n", trainer->epoch, run->out.checkpoint);
      return FER_EXIT_INTERRUPTED;
    }
  }
  return FER_EXIT_OK;
}

static void
run_clear (Run *run)
{
  fer_training_outputs_clear (&run->out);
  g_free (run->val_tensors);
  fer_dataset_free (run->train);
  fer_dataset_free (run->val);
  if (run->report.corrupt)
    fer_load_report_clear (&run->report);
  for (int s = 0; run->splits && s < run->n_sources; s++)
    fer_split_clear (&run->splits[s]);
  g_free (run->splits);
  if (run->train_samples)
    g_array_unref (run->train_samples);
  if (run->val_samples)
    g_array_unref (run->val_samples);
  if (run->source_of)
    g_hash_table_unref (run->source_of);
  g_free (run->train_sources);
  g_free (run->data_description);
  fer_trainer_free (run->trainer);
  fer_model_info_free (run->info);
}

int
main (int argc, char **argv)
{
  /* Logs read by other programs see each epoch as it ends. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  int status = parse_command_line (&argc, &argv);
  if (status != FER_EXIT_OK)
    return status;
  Run run = { .data_dirs = argv + 1, .n_sources = argc - 1 };
  status = prepare (&run);
  if (status == FER_EXIT_OK)
    status = train (&run);
  if (status == FER_EXIT_OK)
    g_print ("best validation accuracy %.2f%% at epoch %d: %s (last epoch: %s; curves: %s)\n",
        100 * run.trainer->best_val_accuracy, run.trainer->best_epoch, run.out.model,
        run.out.last, run.out.plot);
  run_clear (&run);
  return status;
}
