/* fer-train-detector: train our face detector (seed 004's network on anchors,
 * detector-design.h) from face boxes in the seed's annotation format.
 *
 *   fer-train-detector TRAIN.csv -o MODEL.safetensors [--dev DEV.csv] [options]
 *
 * TRAIN.csv: filename,width,height,x1,y1,x2,y2, a row per face (face-annotations.h).  Training
 * runs on patches cut from those photos with scale, tilt, mirror, light, blur and noise
 * changes (detector-samples.h); after every epoch the model runs on the DEV photos as
 * fermouthcrop would run it and is measured (recall and precision at IoU >= 0.5 at its score
 * threshold, average precision, mean IoU).  Writes, beside MODEL (the epoch with the best dev
 * average precision, or the last without --dev):
 *   STEM.last.safetensors    the model after the last epoch
 *   STEM.ckpt.safetensors    everything needed to --resume (also written on Ctrl-C)
 *   STEM.metrics.jsonl       one JSON object per epoch
 *   STEM.plot.svg            losses and dev metrics per epoch
 *   STEM.data-report.txt     rows and photos left out, and why
 *
 * Exit status: 0 trained, 1 failed (message on stderr), 2 bad usage, 130 interrupted (the
 * checkpoint is saved: run again with --resume). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "command-line.h"
#include "training-outputs.h"
#include "detector-run.h"
#include "progress.h"
#include "base/exit-codes.h"
#include "base/fer-error.h"
#include "detect/detection-eval.h"
#include "detect/face-detector.h"
#include "io/atomic-file.h"
#include "io/net-file.h"
#include "image/image.h"
#include <glib/gstdio.h>
#include "nn/fer-threads.h"

static volatile sig_atomic_t interrupted;

static void
on_interrupt (int signum)
{
  interrupted = 1;
}

static char *output, *dev_csv, *input_size = "320x240", *show_patches, *init_model;
static int epochs = 40, steps = 250, batch_size = 32, patch = 160, warmup = 300, threads;
static double lr = 2e-3, weight_decay = 1e-4, min_face = 14, max_face = 200, face_share = 0.8;
static double max_tilt = 30, framed_share = 0;
static gboolean resume, quiet;
static gint64 seed = 1;

static GOptionEntry entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Model to write (required)", "MODEL" },
  { "dev", 0, 0, G_OPTION_ARG_FILENAME, &dev_csv, "Photos and face boxes to measure each epoch on, never trained on", "DEV.csv" },
  { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs (40)", "N" },
  { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Steps per epoch (250)", "N" },
  { "batch-size", 'b', 0, G_OPTION_ARG_INT, &batch_size, "Patches per step (32)", "N" },
  { "patch", 0, 0, G_OPTION_ARG_INT, &patch, "Patch side in pixels, a multiple of 32 (160)", "PX" },
  { "input", 0, 0, G_OPTION_ARG_STRING, &input_size, "The model's run size, WxH, multiples of 16 (320x240)", "WxH" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam learning rate, cosine decay after the warm-up (0.002)", "LR" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Steps of linear warm-up (300)", "N" },
  { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &weight_decay, "L2 weight decay (0.0001)", "W" },
  { "min-face", 0, 0, G_OPTION_ARG_DOUBLE, &min_face, "Smallest face side in a patch, pixels (14)", "PX" },
  { "max-face", 0, 0, G_OPTION_ARG_DOUBLE, &max_face, "Largest face side in a patch, pixels (200)", "PX" },
  { "face-share", 0, 0, G_OPTION_ARG_DOUBLE, &face_share, "Share of patches placed on a face (0.8)", "F" },
  { "max-tilt", 0, 0, G_OPTION_ARG_DOUBLE, &max_tilt, "Largest tilt, degrees (30)", "DEG" },
  { "framed-share", 0, 0, G_OPTION_ARG_DOUBLE, &framed_share, "Share of face patches shown as a picture in a flat surround (a video call's tile, picture-in-picture, letterboxing) (0)", "F" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for weights and patches (1)", "N" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
  { "init", 0, 0, G_OPTION_ARG_FILENAME, &init_model, "Start from this model's weights (same network; e.g. a shipped model, to train on with new data) instead of random ones: a new run, its own schedule and optimiser; not its score threshold or landmark fit, which fer-eval --detector sets (with --resume, the checkpoint's weights are used)", "MODEL" },
  { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue the run saved in STEM.ckpt.safetensors (its options; --epochs may extend it)", NULL },
  { "show-patches", 0, 0, G_OPTION_ARG_FILENAME, &show_patches, "Write the first step's patches as PNGs into DIR (faces green, left-out faces red) and stop: to look at what training sees", "DIR" },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only errors and the final summary", NULL },
  { NULL }
};

static int input_width, input_height;
static gboolean epochs_given;

static char *
check_options (int argc)
{
  if (argc != 2)
    return g_strdup ("give exactly one TRAIN.csv");
  if (output == NULL)
    return g_strdup ("-o MODEL is required: where to write the trained model");
  if (epochs < 1)
    return g_strdup_printf ("--epochs must be >= 1, got %d", epochs);
  if (steps < 1)
    return g_strdup_printf ("--steps must be >= 1, got %d", steps);
  if (batch_size < 2 || batch_size > 4096)
    return g_strdup_printf ("--batch-size must be 2 to 4096 (batchnorm needs 2), got %d",
        batch_size);
  if (patch < 64 || patch > 1024 || patch % 32)
    return g_strdup_printf ("--patch must be a multiple of 32 from 64 to 1024, got %d", patch);
  if (sscanf (input_size, "%dx%d", &input_width, &input_height) != 2 || input_width % 16
      || input_height % 16 || input_width < 64 || input_height < 64 || input_width > 2048
      || input_height > 2048)
    return g_strdup_printf ("--input must be WxH, multiples of 16 from 64 to 2048, got '%s'",
        input_size);
  if (!(lr > 0 && lr <= 10))
    return g_strdup_printf ("--lr must be in (0, 10], got %g", lr);
  if (warmup < 1)
    return g_strdup_printf ("--warmup must be >= 1, got %d", warmup);
  if (!(weight_decay >= 0 && weight_decay <= 10))
    return g_strdup_printf ("--weight-decay must be in [0, 10], got %g", weight_decay);
  if (!(min_face >= 4 && min_face <= max_face && max_face <= 4096))
    return g_strdup_printf ("--min-face (%g) and --max-face (%g) must satisfy 4 <= min <= max "
        "<= 4096", min_face, max_face);
  if (!(face_share >= 0 && face_share <= 1))
    return g_strdup_printf ("--face-share must be in [0, 1], got %g", face_share);
  if (!(max_tilt >= 0 && max_tilt <= 180))
    return g_strdup_printf ("--max-tilt must be in [0, 180], got %g", max_tilt);
  if (!(framed_share >= 0 && framed_share <= 1))
    return g_strdup_printf ("--framed-share must be in [0, 1], got %g", framed_share);
  if (seed < 0)
    return g_strdup_printf ("--seed must be >= 0, got %" G_GINT64_FORMAT, seed);
  return NULL;
}

typedef struct {
  FerTrainingOutputs out;
  FerDetectorRun run;
  FerDetectorTrainer *trainer;
  FerDetectorPhotos *train, *dev;
  FerFaceAnnotations *dev_annotations;
  GString *report;
  FerProgress bar;
} Run;

static int
fail (GError *error)
{
  return fer_command_line_fail ("fer-train-detector", error);
}

/* ---- data ---- */

static void
report_line (const char *message, gpointer user_data)
{
  Run *r = user_data;
  g_string_append_printf (r->report, "%s\n", message);
}

static void
load_progress (int done, int total, gpointer user_data)
{
  Run *r = user_data;
  fer_progress_update (&r->bar, "reading photos", done, total, NULL);
}

static FerDetectorPhotos *
load_photos (Run *r, const char *csv, const char *what, FerFaceAnnotations **keep,
    GError **error)
{
  FerFaceAnnotations *a = fer_face_annotations_load (csv, error);
  if (a == NULL)
    return NULL;
  for (guint i = 0; i < a->problems->len; i++)
    g_string_append_printf (r->report, "%s: %s: row left out\n", csv,
        (char *) a->problems->pdata[i]);
  if (a->problems->len && !quiet)
    g_printerr ("fer-train-detector: %s: %u rows left out (see %s)\n", csv, a->problems->len,
        r->out.report);
  fer_progress_init (&r->bar);
  FerDetectorPhotos *photos = fer_detector_photos_load (a, report_line, load_progress, r);
  fer_progress_clear (&r->bar);
  const int left_out = a->photos->len - photos->photos->len;
  if (left_out && !quiet)
    g_printerr ("fer-train-detector: %s: %d photos left out (see %s)\n", csv, left_out,
        r->out.report);
  if (photos->photos->len == 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA, "%s: no usable photos for the %s set%s",
        csv, what, a->problems->len ? " (every row was left out: see the data report)" : "");
    fer_detector_photos_free (photos);
    fer_face_annotations_free (a);
    return NULL;
  }
  if (!quiet)
    g_print ("%s: %u photos, %d faces (%.0f MB in memory)\n", csv, photos->photos->len,
        photos->faces, photos->bytes / 1e6);
  if (keep)
    *keep = a;
  else
    fer_face_annotations_free (a);
  return photos;
}

/* ---- measuring on the dev photos ---- */

static void
measure (Run *r, FerDetectorEpoch *e)
{
  e->dev_recall = e->dev_precision = e->dev_average_precision = e->dev_mean_iou = NAN;
  if (r->dev == NULL)
    return;
  GError *error = NULL;
  FerFaceDetector *detector = fer_face_detector_new (&r->trainer->design, r->trainer->net,
      r->run.options.input_width, r->run.options.input_height, &error);
  if (detector == NULL) {
    g_printerr ("fer-train-detector: cannot measure: %s\n", error->message);
    g_error_free (error);
    return;
  }
  const double threshold = r->trainer->design.score_threshold;
  FerDetectionEval all, kept;
  fer_detection_eval_init (&all, 0.5);
  fer_detection_eval_init (&kept, 0.5);
  FerDetection faces[256], above[256];
  for (guint i = 0; i < r->dev->photos->len; i++) {
    const FerLumaPhoto *p = r->dev->photos->pdata[i];
    const int n = fer_face_detector_detect (detector, p->luma, p->width, p->height, p->width,
        0.05, faces, 256);
    int n_above = 0;
    for (int k = 0; k < n; k++)
      if (faces[k].score >= threshold)
        above[n_above++] = faces[k];
    fer_detection_eval_add (&all, faces, MAX (n, 0), p->faces, p->n_faces);
    fer_detection_eval_add (&kept, above, n_above, p->faces, p->n_faces);
  }
  e->dev_recall = fer_detection_eval_recall (&kept);
  e->dev_precision = fer_detection_eval_precision (&kept);
  e->dev_mean_iou = fer_detection_eval_mean_iou (&kept);
  e->dev_average_precision = fer_detection_eval_average_precision (&all);
  fer_detection_eval_clear (&all);
  fer_detection_eval_clear (&kept);
  fer_face_detector_free (detector);
}

/* ---- saving ---- */

static gboolean
save_model (Run *r, const char *path, GError **error)
{
  FerNet *net = fer_detector_net_resized (r->trainer->net, r->run.options.input_width,
      r->run.options.input_height, 1, error);
  if (net == NULL)
    return FALSE;
  GHashTable *extra = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (extra, "detector", fer_detector_heads_to_json (&r->trainer->design));
  g_hash_table_insert (extra, "task", g_strdup ("face-detection"));
  g_hash_table_insert (extra, "input_normalisation", g_strdup ("(luma - 127.5) / 64"));
  g_hash_table_insert (extra, "training_options",
      fer_detector_options_to_json (&r->run.options));
  g_hash_table_insert (extra, "epochs_trained", g_strdup_printf ("%d", r->run.history->len));
  const gboolean ok = fer_net_save (net, extra, path, error);
  g_hash_table_unref (extra);
  fer_net_free (net);
  return ok;
}

/* ---- looking at the patches ---- */

static void
draw_box (FerImage *image, FerBoxF box, const uint8_t colour[3])
{
  const int x1 = floor (box.x), y1 = floor (box.y);
  const int x2 = floor (box.x + box.width), y2 = floor (box.y + box.height);
  for (int y = y1; y <= y2; y++)
    for (int x = x1; x <= x2; x++) {
      if (x < 0 || y < 0 || x >= image->width || y >= image->height
          || (x != x1 && x != x2 && y != y1 && y != y2))
        continue;
      memcpy (image->pixels + 3 * ((size_t) y * image->width + x), colour, 3);
    }
}

static int
write_patches (Run *r, const char *dir)
{
  GError *error = NULL;
  if (!fer_output_folder_check (dir, &error))
    return fail (error);
  g_mkdir (dir, 0755);
  const FerDetectorOptions *o = &r->run.options;
  FerRng rng;
  fer_rng_init (&rng, o->seed);
  float *patch = g_new (float, (size_t) o->patch * o->patch);
  FerImage *image = fer_image_new (o->patch, o->patch);
  for (int i = 0; i < o->batch_size; i++) {
    FerSampleTruth truth;
    fer_detector_sample (r->train, &o->samples, o->patch, &rng, patch, &truth);
    for (int p = 0; p < o->patch * o->patch; p++)
      memset (image->pixels + 3 * p, CLAMP ((int) lrintf (patch[p] * 64 + 127.5f), 0, 255), 3);
    for (int f = 0; f < truth.n_faces; f++)
      draw_box (image, truth.faces[f], (const uint8_t[3]) { 0, 255, 0 });
    for (int f = 0; f < truth.n_ignored; f++)
      draw_box (image, truth.ignored[f], (const uint8_t[3]) { 255, 0, 0 });
    char *path = g_strdup_printf ("%s/patch-%03d.png", dir, i);
    const gboolean ok = fer_image_save_png (image, path, &error);
    g_free (path);
    if (!ok) {
      g_free (patch);
      fer_image_free (image);
      return fail (error);
    }
  }
  g_print ("%d patches written to %s\n", o->batch_size, dir);
  g_free (patch);
  fer_image_free (image);
  return FER_EXIT_OK;
}

/* ---- the run ---- */

static int
start_or_resume (Run *r)
{
  GError *error = NULL;
  r->run.history = g_array_new (FALSE, FALSE, sizeof (FerDetectorEpoch));
  if (resume) {
    if (!fer_detector_checkpoint_load (r->out.checkpoint, &r->run, &r->trainer, &error))
      return fail (error);
    if (epochs_given && epochs > r->run.options.epochs)
      r->run.options.epochs = epochs;
    if (r->run.step >= (gint64) r->run.options.epochs * r->run.options.steps_per_epoch) {
      g_printerr ("fer-train-detector: %s: the run is already done (%d epochs); give a larger "
          "--epochs to train on\n", r->out.checkpoint, r->run.options.epochs);
      return FER_EXIT_FAILED;
    }
    return FER_EXIT_OK;
  }
  FerDetectorOptions *o = &r->run.options;
  *o = (FerDetectorOptions) { .epochs = epochs, .steps_per_epoch = steps,
    .batch_size = batch_size, .patch = patch, .input_width = input_width,
    .input_height = input_height, .lr = lr, .weight_decay = weight_decay,
    .warmup_steps = warmup, .seed = seed,
    .samples = { .min_face = min_face, .max_face = max_face, .face_share = face_share,
      .max_tilt = max_tilt, .framed_share = framed_share, .augment = TRUE } };
  r->run.best_score = -INFINITY;
  FerDetectorDesign *design = g_new (FerDetectorDesign, 1);
  fer_detector_design_default (design);
  FerNet *net = fer_net_new (design->layers, design->n_layers, 1, patch, patch, batch_size, 0,
      &error);
  if (net == NULL) {
    g_free (design);
    return fail (error);
  }
  fer_net_init_weights (net, seed);
  if (init_model && !fer_net_load_weights (net, init_model, &error)) {
    fer_net_free (net);
    g_free (design);
    return fail (error);
  }
  size_t count;
  fer_net_params (net, &count);
  const FerAdamOptions adam_options = { 0.9, 0.999, 1e-8, weight_decay, FALSE };
  r->trainer = fer_detector_trainer_new (design, net, fer_adam_new (count, &adam_options), patch,
      batch_size, &error);
  g_free (design);
  if (r->trainer == NULL)
    return fail (error);
  return FER_EXIT_OK;
}

static void
step_progress (Run *r, int epoch, int done)
{
  char label[32], detail[96];
  const double n = MAX (1, r->run.sum_steps);
  g_snprintf (label, sizeof label, "epoch %d/%d", epoch + 1, r->run.options.epochs);
  g_snprintf (detail, sizeof detail, "loss %.4f  %.0f patches/s", r->run.sums[0] / n,
      r->run.seconds > 0 ? r->run.sum_steps * r->run.options.batch_size / r->run.seconds : 0);
  fer_progress_update (&r->bar, label, done, r->run.options.steps_per_epoch, detail);
}

static gboolean
finish_epoch (Run *r, int epoch, GError **error)
{
  FerDetectorRun *run = &r->run;
  const double n = MAX (1, run->sum_steps);
  FerDetectorEpoch e = { .epoch = epoch + 1, .lr = fer_detector_run_lr (&run->options,
        run->step - 1), .loss = run->sums[0] / n, .positive_ce = run->sums[1] / n,
    .negative_ce = run->sums[2] / n, .offset = run->sums[3] / n,
    .positives_per_patch = run->sums[4] / n / run->options.batch_size,
    .seconds = run->seconds,
    .patches_per_second = run->seconds > 0 ? n * run->options.batch_size / run->seconds : 0 };
  measure (r, &e);
  g_array_append_val (run->history, e);
  memset (run->sums, 0, sizeof run->sums);
  run->sum_steps = 0;
  run->seconds = 0;
  const double score = r->dev ? e.dev_average_precision : -e.loss;
  const gboolean best = score > run->best_score;
  if (best) {
    run->best_score = score;
    run->best_epoch = e.epoch;
  }
  if (!quiet) {
    g_print ("epoch %d/%d  loss %.4f (faces %.3f, background %.3f, offsets %.3f)  lr %.2g  "
        "%.0f patches/s", e.epoch, run->options.epochs, e.loss, e.positive_ce, e.negative_ce,
        e.offset, e.lr, e.patches_per_second);
    if (r->dev)
      g_print ("  dev recall %.1f%% precision %.1f%% AP %.3f IoU %.3f", 100 * e.dev_recall,
          100 * e.dev_precision, e.dev_average_precision, e.dev_mean_iou);
    g_print ("%s\n", best ? "  (best)" : "");
  }
  return save_model (r, r->out.last, error)
      && (!best || save_model (r, r->out.model, error))
      && fer_detector_checkpoint_save (run, r->trainer, r->out.checkpoint, error)
      && fer_detector_history_write (run, r->out.metrics, r->out.plot, error);
}

static int
train (Run *r)
{
  GError *error = NULL;
  FerDetectorRun *run = &r->run;
  const FerDetectorOptions *o = &run->options;
  const gint64 total = (gint64) o->epochs * o->steps_per_epoch;
  if (!quiet)
    g_print ("training: %d epochs of %d steps from step %" G_GINT64_FORMAT ", %d patches of "
        "%dx%d, %d anchors each, Adam lr %g, %d threads%s\n", o->epochs, o->steps_per_epoch,
        run->step, o->batch_size, o->patch, o->patch, r->trainer->n_anchors, o->lr,
        fer_threads_get (), resume ? " (resumed)" : "");
  struct sigaction action = { .sa_handler = on_interrupt, .sa_flags = SA_RESETHAND };
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  fer_progress_init (&r->bar);
  while (run->step < total) {
    const int epoch = run->step / o->steps_per_epoch;
    const gint64 started = g_get_monotonic_time ();
    FerDetectionLoss loss;
    fer_detector_trainer_step (r->trainer, r->train, &o->samples, o->seed, run->step,
        fer_detector_run_lr (o, run->step), &loss);
    if (!isfinite (loss.total)) {
      fer_progress_clear (&r->bar);
      g_printerr ("fer-train-detector: the loss became %g at step %" G_GINT64_FORMAT ": "
          "training diverged; try a lower --lr (the last checkpoint, %s, is from before)\n",
          loss.total, run->step, r->out.checkpoint);
      return FER_EXIT_FAILED;
    }
    run->step++;
    const double values[5] = { loss.total, loss.positive_ce, loss.negative_ce, loss.offset,
      loss.positives };
    for (int i = 0; i < 5; i++)
      run->sums[i] += values[i];
    run->sum_steps++;
    run->seconds += (g_get_monotonic_time () - started) / 1e6;
    step_progress (r, epoch, run->step - (gint64) epoch * o->steps_per_epoch);
    if (run->step % o->steps_per_epoch == 0) {
      fer_progress_clear (&r->bar);
      if (!finish_epoch (r, epoch, &error))
        return fail (error);
    }
    if (interrupted) {
      fer_progress_clear (&r->bar);
      if (!fer_detector_checkpoint_save (run, r->trainer, r->out.checkpoint, &error))
        return fail (error);
      g_printerr ("fer-train-detector: interrupted at step %" G_GINT64_FORMAT "; saved %s: run "
          "the same command with --resume to continue\n", run->step, r->out.checkpoint);
      return FER_EXIT_INTERRUPTED;
    }
  }
  return FER_EXIT_OK;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--epochs") || strcmp (argv[i], "-e") == 0)
      epochs_given = TRUE;
  static const FerCommandLine command_line = {
    .tool = "fer-train-detector",
    .parameters = "TRAIN.csv - train the face detector on annotated photos",
    .summary = "TRAIN.csv: filename,width,height,x1,y1,x2,y2 (a row per face; empty box: a photo "
        "without faces).\nWrites MODEL (best dev average precision), STEM.last.safetensors, "
        "STEM.ckpt.safetensors,\nSTEM.metrics.jsonl, STEM.plot.svg and STEM.data-report.txt.",
    .description = "Exit status: 0 trained, 1 failed, 2 bad usage, 130 interrupted (checkpoint "
        "saved: --resume).",
    .entries = entries,
    .check = check_options,
    .threads = &threads,
  };
  int status = fer_command_line_parse (&command_line, &argc, &argv);
  if (status != FER_EXIT_OK)
    return status;
  if (threads > 0)
    fer_threads_set (threads);
  else
    fer_threads_init ();
  Run r = { .report = g_string_new (NULL) };
  fer_training_outputs_init (&r.out, output);
  GError *error = NULL;
  if (!fer_atomic_file_check (r.out.model, &error)
      || !fer_atomic_file_check (r.out.checkpoint, &error)) {
    status = fail (error);
    goto out;
  }
  if ((status = start_or_resume (&r)) != FER_EXIT_OK)
    goto out;
  if ((r.train = load_photos (&r, argv[1], "training", NULL, &error)) == NULL
      || (dev_csv && (r.dev = load_photos (&r, dev_csv, "dev", &r.dev_annotations,
                  &error)) == NULL)) {
    /* The report says why each row or photo was left out: written even when none is left. */
    fer_atomic_write_file (r.out.report, r.report->str, r.report->len, NULL);
    status = fail (error);
    goto out;
  }
  if (!fer_atomic_write_file (r.out.report, r.report->str, r.report->len, &error)) {
    status = fail (error);
    goto out;
  }
  status = show_patches ? write_patches (&r, show_patches) : train (&r);
  if (status == FER_EXIT_OK && !show_patches)
    g_print ("best epoch %d (%s %.3f): %s (last epoch: %s; curves: %s)\n", r.run.best_epoch,
        r.dev ? "dev average precision" : "training loss",
        r.dev ? r.run.best_score : -r.run.best_score, r.out.model, r.out.last, r.out.plot);

out:
  fer_detector_trainer_free (r.trainer);
  fer_detector_photos_free (r.train);
  fer_detector_photos_free (r.dev);
  fer_face_annotations_free (r.dev_annotations);
  if (r.run.history)
    g_array_unref (r.run.history);
  g_string_free (r.report, TRUE);
  fer_training_outputs_clear (&r.out);
  return status;
}
