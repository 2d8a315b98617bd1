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
} FerTrainer;

/* A fresh run: weights initialised from options->seed.  NULL when memory is short. */
FerTrainer *fer_trainer_new (const FerTrainOptions *options, int num_classes);
void fer_trainer_free (FerTrainer *trainer);

double fer_trainer_lr (const FerTrainer *trainer, int epoch);

typedef void (*FerBatchProgress) (const FerTrainer *trainer, int batch, int batches,
    gpointer user_data);

/* Trains the rest of the current epoch.  Returns FALSE when *stop became non-zero (checked after
 * each batch): the state then points at the next batch, ready to be checkpointed. */
gboolean fer_trainer_train_epoch (FerTrainer *trainer, const FerDataset *train,
    FerBatchProgress progress, gpointer user_data, volatile sig_atomic_t *stop);

/* Closes the current epoch: records it with its validation, moves to the next.  Returns TRUE
 * when this epoch is the best so far on validation accuracy. */
gboolean fer_trainer_finish_epoch (FerTrainer *trainer, const FerEvaluation *validation);

#endif /* FER_TRAINER_H */
