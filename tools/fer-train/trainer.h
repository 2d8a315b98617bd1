/* trainer.h: simpleconv3 training as the seed does it (SGD, cross-entropy, per-epoch schedule),
 * with every piece of state needed to stop after any batch and carry on to exactly the same
 * model: weights, momentum, the augmentation generator, the position in the epoch and the
 * epoch's partial sums.  The epoch's order comes from a generator seeded by (seed, epoch). */
#ifndef FER_TRAINER_H
#define FER_TRAINER_H

#include <signal.h>
#include "augment.h"
#include "base/fer-rng.h"
#include "nn/simpleconv3.h"
#include "nn/sgd.h"
#include "image/dataset.h"
#include "expression/evaluation.h"

typedef enum {
  FER_SCHEDULE_STEP,     /* StepLR (step_size, gamma): the seed's */
  FER_SCHEDULE_COSINE,   /* CosineAnnealingLR (T_max = epochs, eta_min = 0), per epoch */
} FerSchedule;

#define FER_MAX_SOURCES 16

typedef struct {
  int epochs;
  int batch_size;
  double lr, momentum, weight_decay;
  gboolean nesterov;
  FerSchedule schedule;
  int step_size;
  double gamma;
  double label_smoothing;
  FerAugmentOptions augment;
  guint64 seed;
  /* Several data folders: each one's share of an epoch's draws (0 sources: every image once
   * an epoch, the plain shuffle). */
  int n_sources;
  double source_weights[FER_MAX_SOURCES];
} FerTrainOptions;

typedef struct {
  int epoch;             /* 1-based, as printed */
  double lr;
  double train_loss, train_accuracy;
  double val_loss, val_accuracy, val_balanced_accuracy;
  double seconds, images_per_second;
} FerEpochRecord;

typedef struct {
  FerTrainOptions options;
  FerSimpleConv3 *model;
  FerSgd *sgd;
  FerRng rng;            /* augmentation draws */
  int epoch;             /* 0-based epoch in progress, or epochs when done */
  int next_batch;        /* next batch of that epoch */
  double loss_sum;       /* the epoch's partial sums */
  gint64 correct, seen;
  double seconds;        /* spent on the epoch so far */
  GArray *history;       /* FerEpochRecord of finished epochs */
  double best_val_accuracy;
  int best_epoch;        /* 1-based; 0 before any */
  const int *sources;    /* per training image: its data folder (borrowed), with n_sources */
} FerTrainer;

/* A fresh run: weights initialised from options->seed.  NULL when memory is short. */
FerTrainer *fer_trainer_new (const FerTrainOptions *options, int num_classes);
void fer_trainer_free (FerTrainer *trainer);

double fer_trainer_lr (const FerTrainer *trainer, int epoch);

typedef void (*FerBatchProgress) (const FerTrainer *trainer, int batch, int batches,
    gpointer user_data);

/* With options.n_sources: the data folder of each training image (kept, not copied), so that an
 * epoch draws from folder s its weight's share of the images (a small folder is then seen
 * several times an epoch, a large one partly). */
void fer_trainer_set_sources (FerTrainer *trainer, const int *sources);

/* Trains the rest of the current epoch.  Returns FALSE when *stop became non-zero (checked after
 * each batch): the state then points at the next batch, ready to be checkpointed. */
gboolean fer_trainer_train_epoch (FerTrainer *trainer, const FerDataset *train,
    FerBatchProgress progress, gpointer user_data, volatile sig_atomic_t *stop);

/* Closes the current epoch: records it with its validation, moves to the next.  Returns TRUE
 * when this epoch is the best so far on validation accuracy. */
gboolean fer_trainer_finish_epoch (FerTrainer *trainer, const FerEvaluation *validation);

#endif /* FER_TRAINER_H */
