/* detector-run.h: a detector training run's options, progress and history, and its checkpoint:
 * one safetensors file (written atomically) with the network's tensors (net-file.h), Adam's
 * moments as "adam.exp_avg" and "adam.exp_avg_sq", and in the metadata "detector" (the heads)
 * and "fer_train_detector_state" (JSON: options, steps done, Adam's step count, the current
 * epoch's partial sums, the history, the best epoch).  Since each step's patches are drawn
 * from (seed, step), a resumed run continues exactly as the uninterrupted one. */
#ifndef FER_DETECTOR_RUN_H
#define FER_DETECTOR_RUN_H

#include "detector-training.h"

typedef struct {
  int epochs, steps_per_epoch, batch_size, patch;
  int input_width, input_height;     /* the shipped model's run size */
  double lr, weight_decay;           /* Adam; cosine decay after a linear warm-up */
  int warmup_steps;
  FerSampleOptions samples;
  guint64 seed;
} FerDetectorOptions;

typedef struct {
  int epoch;                                  /* 1-based */
  double lr;                                  /* at the epoch's last step */
  double loss, positive_ce, negative_ce, offset, positives_per_patch;   /* means over steps */
  double dev_recall, dev_precision, dev_average_precision, dev_mean_iou;  /* NAN without dev */
  double seconds, patches_per_second;
} FerDetectorEpoch;

typedef struct {
  FerDetectorOptions options;
  gint64 step;                 /* steps done */
  double sums[5];              /* the epoch so far: loss, positive, negative, offset, positives */
  int sum_steps;
  double seconds;              /* the epoch so far */
  GArray *history;             /* FerDetectorEpoch */
  double best_score;           /* dev average precision of the best epoch (or -loss) */
  int best_epoch;
} FerDetectorRun;

double fer_detector_run_lr (const FerDetectorOptions *options, gint64 step);

char *fer_detector_options_to_json (const FerDetectorOptions *options);

gboolean fer_detector_checkpoint_save (const FerDetectorRun *run,
    const FerDetectorTrainer *trainer, const char *path, GError **error);

/* The run and a trainer as saved (net for batches of the saved batch size).  Errors name the
 * file and the member at fault. */
gboolean fer_detector_checkpoint_load (const char *path, FerDetectorRun *run,
    FerDetectorTrainer **trainer, GError **error);

gboolean fer_detector_history_write (const FerDetectorRun *run, const char *jsonl_path,
    const char *svg_path, GError **error);

#endif /* FER_DETECTOR_RUN_H */
