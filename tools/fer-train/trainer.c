#include "trainer.h"
#include "base/fer-rng.h"
#include "nn/simpleconv3.h"
#include "nn/sgd.h"
#include "nn/step-lr.h"
#include "image/dataset.h"
#include "expression/evaluation.h"
#include "nn/cross-entropy.h"

#include <math.h>
#include <string.h>

#define IMAGE (3 * FER_SIMPLECONV3_INPUT_SIZE * FER_SIMPLECONV3_INPUT_SIZE)

FerTrainer *
fer_trainer_new (const FerTrainOptions *options, int num_classes)
{
  FerTrainer *trainer = g_new0 (FerTrainer, 1);
  trainer->options = *options;
  trainer->model = fer_simpleconv3_new (num_classes);
  const FerSgdOptions sgd = { .momentum = options->momentum,
    .weight_decay = options->weight_decay, .nesterov = options->nesterov };
  trainer->sgd = trainer->model ? fer_sgd_new (trainer->model->layout.n_params, &sgd) : NULL;
  if (trainer->sgd == NULL) {
    fer_trainer_free (trainer);
    return NULL;
  }
  fer_simpleconv3_init_weights (trainer->model, options->seed);
  fer_rng_init (&trainer->rng, options->seed ^ 0x5eed5eed5eedULL);
  trainer->history = g_array_new (FALSE, TRUE, sizeof (FerEpochRecord));
  return trainer;
}

void
fer_trainer_free (FerTrainer *trainer)
{
  if (trainer == NULL)
    return;
  fer_simpleconv3_free (trainer->model);
  fer_sgd_free (trainer->sgd);
  if (trainer->history)
    g_array_unref (trainer->history);
  g_free (trainer);
}

double
fer_trainer_lr (const FerTrainer *trainer, int epoch)
{
  const FerTrainOptions *o = &trainer->options;
  if (o->schedule == FER_SCHEDULE_COSINE)
    return o->lr * 0.5 * (1 + cos (G_PI * epoch / o->epochs));
  return fer_step_lr (o->lr, epoch, o->step_size, o->gamma);
}

void
fer_trainer_set_sources (FerTrainer *trainer, const int *sources)
{
  trainer->sources = sources;
}

/* count draws split between the sources by weight: source s gets its share of count images,
 * taken from shuffled passes over its own images (a new pass when one runs out). */
static void
weighted_draws (const FerTrainer *trainer, FerRng *rng, int *order, int count)
{
  const FerTrainOptions *o = &trainer->options;
  double total = 0;
  for (int s = 0; s < o->n_sources; s++)
    total += o->source_weights[s];
  int filled = 0;
  for (int s = 0; s < o->n_sources; s++) {
    const int quota = s == o->n_sources - 1 ? count - filled
        : (int) floor (count * o->source_weights[s] / total + 0.5);
    GArray *mine = g_array_new (FALSE, FALSE, sizeof (int));
    for (int i = 0; i < count; i++)
      if (trainer->sources[i] == s)
        g_array_append_val (mine, i);
    for (int taken = 0; mine->len > 0 && taken < quota && filled < count;) {
      fer_rng_shuffle (rng, mine->data, mine->len, sizeof (int));
      for (guint k = 0; k < mine->len && taken < quota && filled < count; k++, taken++)
        order[filled++] = g_array_index (mine, int, k);
    }
    g_array_unref (mine);
  }
  /* A source without images (cannot happen after loading checks) leaves its share to chance. */
  for (; filled < count; filled++)
    order[filled] = (int) fer_rng_below (rng, (uint32_t) count);
}

/* The epoch's shuffled order (count draws), a function of (seed, epoch) only. */
static int *
epoch_order (const FerTrainer *trainer, int count)
{
  FerRng rng;
  fer_rng_init (&rng, trainer->options.seed * 1000003ULL + trainer->epoch + 1);
  int *order = g_new (int, count);
  if (trainer->options.n_sources > 1 && trainer->sources)
    weighted_draws (trainer, &rng, order, count);
  else
    for (int i = 0; i < count; i++)
      order[i] = i;
  fer_rng_shuffle (&rng, order, count, sizeof *order);
  return order;
}

gboolean
fer_trainer_train_epoch (FerTrainer *trainer, const FerDataset *train, FerBatchProgress progress,
    gpointer user_data, volatile sig_atomic_t *stop)
{
  const int batch = trainer->options.batch_size, classes = trainer->model->layout.num_classes;
  const int batches = (train->count + batch - 1) / batch;
  const double lr = fer_trainer_lr (trainer, trainer->epoch);
  int *order = epoch_order (trainer, train->count);
  float *inputs = g_new (float, (size_t) batch * IMAGE);
  int *labels = g_new (int, batch);
  gboolean finished = TRUE;

  trainer->model->training = TRUE;
  for (int b = trainer->next_batch; b < batches; b++) {
    const gint64 start = g_get_monotonic_time ();
    const int first = b * batch, n = MIN (batch, train->count - first);
    /* Batchnorm cannot normalise a single image; PyTorch would fail on it, we skip it. */
    if (n >= 2) {
      fer_augment_batch (inputs, train, order + first, n, &trainer->options.augment,
          &trainer->rng);
      for (int i = 0; i < n; i++)
        labels[i] = train->labels[order[first + i]];
      fer_simpleconv3_zero_grad (trainer->model);
      const double loss = fer_simpleconv3_forward_backward (trainer->model, inputs, labels, n,
          trainer->options.label_smoothing);
      fer_sgd_step (trainer->sgd, trainer->model->params, trainer->model->grads, lr);
      const float *logits = fer_simpleconv3_logits (trainer->model);
      for (int i = 0; i < n; i++)
        trainer->correct += fer_argmax (logits + i * classes, classes) == labels[i];
      trainer->loss_sum += loss * n;
      trainer->seen += n;
    }
    trainer->next_batch = b + 1;
    trainer->seconds += (g_get_monotonic_time () - start) / 1e6;
    if (progress)
      progress (trainer, b + 1, batches, user_data);
    if (stop && *stop && b + 1 < batches) {
      finished = FALSE;
      break;
    }
  }
  g_free (order);
  g_free (inputs);
  g_free (labels);
  return finished;
}

gboolean
fer_trainer_finish_epoch (FerTrainer *trainer, const FerEvaluation *validation)
{
  FerEpochRecord record = {
    .epoch = trainer->epoch + 1,
    .lr = fer_trainer_lr (trainer, trainer->epoch),
    .train_loss = trainer->seen ? trainer->loss_sum / trainer->seen : 0,
    .train_accuracy = trainer->seen ? (double) trainer->correct / trainer->seen : 0,
    .val_loss = fer_evaluation_mean_loss (validation),
    .val_accuracy = fer_evaluation_accuracy (validation),
    .val_balanced_accuracy = fer_evaluation_balanced_accuracy (validation),
    .seconds = trainer->seconds,
    .images_per_second = trainer->seconds > 0 ? trainer->seen / trainer->seconds : 0,
  };
  g_array_append_val (trainer->history, record);
  const gboolean best = trainer->best_epoch == 0 || record.val_accuracy > trainer->best_val_accuracy;
  if (best) {
    trainer->best_val_accuracy = record.val_accuracy;
    trainer->best_epoch = record.epoch;
  }
  trainer->epoch++;
  trainer->next_batch = 0;
  trainer->loss_sum = 0;
  trainer->correct = trainer->seen = 0;
  trainer->seconds = 0;
  return best;
}
