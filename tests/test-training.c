/* Training end to end: simpleconv3 with SGD learns the generated mouth glyphs
 * (src/image/synthetic-mouths.h) to high held-out accuracy, and the same seed gives the same
 * weights bit for bit. */
#include <string.h>

#include "nn/sgd.h"
#include "nn/simpleconv3.h"
#include "image/synthetic-mouths.h"
#include "fer-test-util.h"
#include "nn/cross-entropy.h"

#define IMAGE (3 * 48 * 48)
#define TRAIN 2048
#define VAL 512
#define BATCH 64

static float *train_images, *val_images;
static int train_labels[TRAIN], val_labels[VAL];

/* epochs passes in a fixed order (the generator already shuffled), lr 0.02, momentum 0.9. */
static FerSimpleConv3 *
train (int epochs, uint64_t seed, double *first_loss, double *last_loss)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, seed);
  const FerSgdOptions options = { .momentum = 0.9 };
  FerSgd *sgd = fer_sgd_new (model->layout.n_params, &options);
  for (int epoch = 0; epoch < epochs; epoch++) {
    double total = 0;
    for (int start = 0; start < TRAIN; start += BATCH) {
      fer_simpleconv3_zero_grad (model);
      total += fer_simpleconv3_forward_backward (model, train_images + (size_t) start * IMAGE,
          train_labels + start, BATCH, 0);
      fer_sgd_step (sgd, model->params, model->grads, 0.02);
    }
    if (epoch == 0 && first_loss)
      *first_loss = total / (TRAIN / BATCH);
    if (last_loss)
      *last_loss = total / (TRAIN / BATCH);
  }
  fer_sgd_free (sgd);
  return model;
}

static void
test_learns_glyphs (void)
{
  double first = 0, last = 0;
  FerSimpleConv3 *model = train (6, 1, &first, &last);
  model->training = FALSE;
  const float *logits = fer_simpleconv3_forward (model, val_images, VAL);
  int correct = 0;
  for (int i = 0; i < VAL; i++)
    correct += fer_argmax (logits + i * 4, 4) == val_labels[i];
  const double accuracy = (double) correct / VAL;
  g_test_message ("train loss %.4f -> %.4f, held-out accuracy %.1f%%", first, last,
      100 * accuracy);
  g_assert_cmpfloat (last, <, first / 4);
  g_assert_cmpfloat (accuracy, >=, 0.95);
  fer_simpleconv3_free (model);
}

static void
test_same_seed_same_weights (void)
{
  FerSimpleConv3 *a = train (1, 9, NULL, NULL), *b = train (1, 9, NULL, NULL);
  g_assert_cmpmem (a->params, a->layout.n_params * 4, b->params, b->layout.n_params * 4);
  g_assert_cmpmem (a->buffers, a->layout.n_buffers * 4, b->buffers, b->layout.n_buffers * 4);
  fer_simpleconv3_free (a);
  fer_simpleconv3_free (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  train_images = g_new (float, (size_t) TRAIN * IMAGE);
  val_images = g_new (float, (size_t) VAL * IMAGE);
  fer_synthetic_mouths (train_images, train_labels, TRAIN, 1);
  fer_synthetic_mouths (val_images, val_labels, VAL, 2);
  g_test_add_func ("/training/learns-glyphs", test_learns_glyphs);
  g_test_add_func ("/training/same-seed-same-weights", test_same_seed_same_weights);
  int status = g_test_run ();
  g_free (train_images);
  g_free (val_images);
  return status;
}
