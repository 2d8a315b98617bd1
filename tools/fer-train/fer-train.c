/* fer-train: train simpleconv3 on an ImageFolder, the seed's recipe by default.
 *
 *   fer-train DATA_DIR -o MODEL.safetensors [options]
 *
 * DATA_DIR holds train/<class>/ and val/<class>/, or just <class>/ folders split by --val-split.
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

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

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

typedef struct {
  char *stem, *model, *last, *checkpoint, *metrics, *plot, *report;
} Outputs;

static void
outputs_init (Outputs *o, const char *path)
{
  o->model = g_strdup (path);
  o->stem = g_str_has_suffix (path, ".safetensors")
      ? g_strndup (path, strlen (path) - strlen (".safetensors")) : g_strdup (path);
  o->last = g_strconcat (o->stem, ".last.safetensors", NULL);
  o->checkpoint = g_strconcat (o->stem, ".ckpt.safetensors", NULL);
  o->metrics = g_strconcat (o->stem, ".metrics.jsonl", NULL);
  o->plot = g_strconcat (o->stem, ".plot.svg", NULL);
  o->report = g_strconcat (o->stem, ".data-report.txt", NULL);
}

/* Fails now, not after hours of training, when the model cannot be written. */
static gboolean
check_writable (const char *path, GError **error)
{
  FerAtomicFile probe;
  if (!fer_atomic_file_open (&probe, path, error))
    return FALSE;
  fer_atomic_file_abort (&probe);
  return TRUE;
}

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
  o->seed = seed >= 0 ? (guint64) seed : 1;
}

/* Usage errors print and exit 2. */
static const char *
check_options (void)
{
  if (output == NULL)
    return "-o MODEL is required: where to write the trained model";
  if (epochs == 0 || epochs < -1 || batch_size == 0 || batch_size == 1 || batch_size < -1)
    return "--epochs must be >= 1 and --batch-size >= 2";
  if ((!isnan (lr) && !(lr > 0)) || (!isnan (momentum) && (momentum < 0 || momentum >= 1)))
    return "--lr must be > 0 and --momentum in [0, 1)";
  if (!isnan (weight_decay) && weight_decay < 0)
    return "--weight-decay must be >= 0";
  if (nesterov && !isnan (momentum) && momentum == 0)
    return "--nesterov needs a momentum > 0";
  if (schedule_name && strcmp (schedule_name, "step") != 0 && strcmp (schedule_name, "cosine") != 0)
    return "--schedule must be step or cosine";
  if (!isnan (smoothing) && (smoothing < 0 || smoothing >= 1))
    return "--label-smoothing must be in [0, 1)";
  if ((!isnan (scale_min) && !(scale_min > 0)) || (!isnan (scale_max) && !(scale_max <= 1))
      || (!isnan (scale_min) && !isnan (scale_max) && scale_min > scale_max))
    return "--scale-min and --scale-max must satisfy 0 < min <= max <= 1";
  if ((!isnan (ratio_min) && !(ratio_min > 0))
      || (!isnan (ratio_min) && !isnan (ratio_max) && ratio_min > ratio_max))
    return "--ratio-min and --ratio-max must satisfy 0 < min <= max";
  if ((!isnan (jitter) && (jitter < 0 || jitter >= 1)) || (!isnan (gray) && (gray < 0 || gray > 1)))
    return "--jitter must be in [0, 1) and --gray in [0, 1]";
  if (!(val_split > 0 && val_split < 1))
    return "--val-split must be between 0 and 1";
  if (threads < 0 || min_size < 0 || cache_size < 0 || !(max_memory_gib > 0))
    return "--threads, --min-size and --cache-size must be >= 0 and --max-memory > 0";
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
save_outputs (FerTrainer *t, FerModelInfo *info, const Outputs *o, gboolean best, GError **error)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  /* The effective options, not the command line: a resumed run and an uninterrupted one, or
   * two runs writing to different paths, then give identical files. */
  g_hash_table_insert (info->extra, g_strdup ("training_options"),
      fer_train_options_to_json (&t->options));
  /* Both files hold this epoch's weights: they record this epoch and its own accuracy. */
  const FerEpochRecord *r = &g_array_index (t->history, FerEpochRecord, t->history->len - 1);
  g_hash_table_insert (info->extra, g_strdup ("epoch"), g_strdup_printf ("%d", r->epoch));
  g_hash_table_insert (info->extra, g_strdup ("val_accuracy"),
      g_strdup (g_ascii_dtostr (buffer, sizeof buffer, r->val_accuracy)));
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

static int
fail (GError *error)
{
  g_printerr ("fer-train: %s\n", error->message);
  g_error_free (error);
  return 1;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  /* Logs read by other programs see each epoch as it ends. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  GOptionContext *context = g_option_context_new ("DATA_DIR - train simpleconv3 on an ImageFolder");
  g_option_context_set_summary (context,
      "Trains the seed's simpleconv3 on DATA_DIR: train/<class>/ and val/<class>/ folders, or\n"
      "<class>/ folders split by --val-split.  Defaults are the seed's recipe: 10 epochs, batch\n"
      "64, SGD lr 0.1 momentum 0.9, StepLR(100, 0.1), RandomResizedCrop(48) + flip.\n"
      "MODEL gets the best model on validation; STEM.last.safetensors, STEM.ckpt.safetensors,\n"
      "STEM.metrics.jsonl, STEM.plot.svg and STEM.data-report.txt go beside it.");
  g_option_context_set_description (context,
      "Exit status: 0 trained, 1 failed, 2 bad usage, 130 interrupted (checkpoint saved; rerun\n"
      "with --resume).  The same seed and threads give a byte-identical model.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("fer-train: %s (see --help)\n", error->message);
    return EXIT_USAGE;
  }
  g_option_context_free (context);
  const char *problem = argc != 2 ? "give exactly one DATA_DIR" : check_options ();
  if (problem) {
    g_printerr ("fer-train: %s (see --help)\n", problem);
    return EXIT_USAGE;
  }
  const char *data_dir = argv[1];
  if (threads > 0)
    fer_threads_set (threads);
  else
    fer_threads_init ();

  Outputs out;
  outputs_init (&out, output);
  if (!check_writable (out.model, &error) || !check_writable (out.checkpoint, &error))
    return fail (error);

  /* The trainer: new, or as the checkpoint left it. */
  FerTrainer *trainer = NULL;
  FerModelInfo *info = NULL;
  FerTrainOptions options = { 0 };
  fill_defaults (&options);
  if (resume) {
    trainer = fer_checkpoint_load (out.checkpoint, &info, &error);
    if (trainer == NULL)
      return fail (error);
    if (epochs > 0)
      trainer->options.epochs = epochs;   /* a finished run can be taken further */
    options = trainer->options;
    if (trainer->epoch >= options.epochs) {
      g_printerr ("fer-train: %s already finished its %d epochs (give --epochs to go on)\n",
          out.checkpoint, options.epochs);
      return 1;
    }
  }

  FerSplit split = { 0 };
  if (!fer_split_scan (data_dir, val_split, &split, options.seed, &error))
    return fail (error);
  const int n_classes = split.train_folder->n_classes;
  if (n_classes < 2)
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA,
            "'%s' has one class folder (%s): a classifier needs at least two", data_dir,
            split.train_folder->classes[0]));
  if (info == NULL) {
    info = fer_model_info_new (n_classes);
    char **labels = labels_option ? g_strsplit (labels_option, ",", -1)
        : g_strdupv (split.train_folder->classes);
    if (!fer_model_info_set_labels (info, (const char *const *) labels)) {
      g_printerr ("fer-train: --labels needs %d distinct names, one per class folder (%s)\n",
          n_classes, g_strjoinv (", ", split.train_folder->classes));
      return EXIT_USAGE;
    }
    g_strfreev (labels);
    g_hash_table_insert (info->extra, g_strdup ("class_folders"),
        g_strjoinv (",", split.train_folder->classes));
    g_hash_table_insert (info->extra, g_strdup ("training_data"), g_strdup (data_dir));
    g_hash_table_insert (info->extra, g_strdup ("trained_by"), g_strdup ("fer-train " VERSION));
  } else if (info->num_classes != n_classes) {
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA,
            "%s was trained on %d classes but '%s' has %d: resume needs the same data",
            out.checkpoint, info->num_classes, data_dir, n_classes));
  }
  for (int c = 0; c < 3; c++) {
    options.augment.mean[c] = info->mean[c];
    options.augment.std[c] = info->std[c];
  }

  /* Decode everything once. */
  FerLoadOptions load = { .min_size = min_size, .cache_size = cache_size,
    .max_bytes = (size_t) (max_memory_gib * 1073741824.0), .progress = fer_load_progress };
  FerLoadProgress load_bar = { .label = "loading" };
  fer_progress_init (&load_bar.bar);
  load.user_data = &load_bar;
  FerLoadReport report;
  fer_load_report_init (&report);
  const gint64 load_start = g_get_monotonic_time ();
  FerDataset *train = fer_dataset_load ((FerSample *) split.train_samples->data,
      split.train_samples->len, &load, &report, &error);
  FerDataset *val = train ? fer_dataset_load ((FerSample *) split.val_samples->data,
      split.val_samples->len, &load, &report, &error) : NULL;
  fer_progress_clear (&load_bar.bar);
  if (val == NULL)
    return fail (error);
  fer_split_write_report (out.report, &split, &report);
  if (!fer_check_classes_present (train, info->labels, n_classes, "training", &error)
      || !fer_check_classes_present (val, info->labels, n_classes, "validation", &error))
    return fail (error);
  char *counts = g_strdup_printf ("%d", train->count);
  if (resume && g_strcmp0 (g_hash_table_lookup (info->extra, "train_images"), counts) != 0)
    return fail (g_error_new (FER_ERROR, FER_ERROR_DATA,
            "'%s' now gives %d training images, the interrupted run had %s: resume needs the "
            "same data", data_dir, train->count,
            (char *) g_hash_table_lookup (info->extra, "train_images")));
  g_hash_table_insert (info->extra, g_strdup ("train_images"), counts);
  g_hash_table_insert (info->extra, g_strdup ("val_images"), g_strdup_printf ("%d", val->count));
  if (!quiet)
    g_print ("data: %s: %d classes (%s), %d training and %d validation images, %.0f MiB in "
        "memory, decoded in %.1f s\n", data_dir, n_classes, g_strjoinv (", ", info->labels),
        train->count, val->count, (train->bytes + val->bytes) / 1048576.0,
        (g_get_monotonic_time () - load_start) / 1e6);
  float *val_tensors = fer_preprocess_all (val, info);

  if (trainer == NULL) {
    trainer = fer_trainer_new (&options, n_classes);
    if (trainer == NULL)
      return fail (g_error_new (FER_ERROR, FER_ERROR_IO, "out of memory"));
  }
  if (!quiet)
    g_print ("training: %d epochs from epoch %d, batch %d, SGD lr %g momentum %g%s, %d threads%s\n",
        options.epochs, trainer->epoch + 1, options.batch_size, options.lr, options.momentum,
        options.nesterov ? " (Nesterov)" : "", fer_threads_get (),
        resume ? " (resumed)" : "");

  struct sigaction action = { .sa_handler = on_interrupt, .sa_flags = SA_RESETHAND };
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);

  TrainProgress bar = { .epochs = options.epochs };
  fer_progress_init (&bar.bar);
  while (trainer->epoch < options.epochs) {
    if (!fer_trainer_train_epoch (trainer, train, batch_progress, &bar, &interrupted)) {
      fer_progress_clear (&bar.bar);
      if (!fer_checkpoint_save (trainer, info, out.checkpoint, &error))
        return fail (error);
      g_printerr ("fer-train: interrupted in epoch %d; saved %s: run the same command with "
          "--resume to continue\n", trainer->epoch + 1, out.checkpoint);
      return EXIT_INTERRUPTED;
    }
    fer_progress_clear (&bar.bar);
    FerEvaluation *evaluation = fer_evaluation_new (n_classes);
    fer_evaluation_add_batch (evaluation, trainer->model, val_tensors, val->labels, val->count);
    const gboolean best = fer_trainer_finish_epoch (trainer, evaluation);
    fer_evaluation_free (evaluation);
    const FerEpochRecord *r = &g_array_index (trainer->history, FerEpochRecord,
        trainer->history->len - 1);
    if (!quiet)
      g_print ("epoch %d/%d  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  lr %g  "
          "%.1f s  %.0f images/s%s\n", r->epoch, options.epochs, r->train_loss,
          100 * r->train_accuracy, r->val_loss, 100 * r->val_accuracy, r->lr, r->seconds,
          r->images_per_second, best ? "  (best)" : "");
    if (!save_outputs (trainer, info, &out, best, &error))
      return fail (error);
    if (interrupted) {
      g_printerr ("fer-train: interrupted after epoch %d; saved %s: run the same command with "
          "--resume to continue\n", trainer->epoch, out.checkpoint);
      return EXIT_INTERRUPTED;
    }
  }
  g_print ("best validation accuracy %.2f%% at epoch %d: %s (last epoch: %s; curves: %s)\n",
      100 * trainer->best_val_accuracy, trainer->best_epoch, out.model, out.last, out.plot);

  g_free (val_tensors);
  fer_dataset_free (train);
  fer_dataset_free (val);
  fer_load_report_clear (&report);
  fer_split_clear (&split);
  fer_trainer_free (trainer);
  fer_model_info_free (info);
  return 0;
}
