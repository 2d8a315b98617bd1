/* fer-engine-demo: the engine end to end, with no data set needed.  Trains the seed's simpleconv3
 * on generated mouth glyphs (synthetic-mouths.h) with the seed's optimiser, saves the model as
 * safetensors, loads it back and classifies held-out images with it.
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 bad usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exit-codes.h"
#include "base/fer-rng.h"
#include "expression/evaluation.h"
#include "io/model-file.h"
#include "nn/cross-entropy.h"
#include "nn/fer-threads.h"
#include "nn/sgd.h"
#include "nn/simpleconv3.h"
#include "image/synthetic-mouths.h"

#define IMAGE_SIZE (3 * 48 * 48)

static int epochs = 6;
static int train_count = 2048;
static int val_count = 512;
static int batch_size = 64;
static double learning_rate = 0.02;
static int threads = 2;
static gint64 seed = 1;
static char *output_path = "fer-engine-demo.safetensors";

static GOptionEntry options[] = {
  { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Passes over the training images (default 6)", "N" },
  { "train-images", 0, 0, G_OPTION_ARG_INT, &train_count, "Generated training images (default 2048)", "N" },
  { "batch", 'b', 0, G_OPTION_ARG_INT, &batch_size, "Batch size (default 64)", "N" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &learning_rate, "SGD learning rate, momentum 0.9 (default 0.02)", "LR" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "OpenBLAS threads (default 2)", "N" },
  { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed for data and weights (default 1)", "N" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output_path, "Where to save the model (default ./fer-engine-demo.safetensors)", "FILE" },
  { NULL }
};

/* Loss and accuracy of model on images, in evaluation mode. */
static void
evaluate (FerSimpleConv3 *model, const float *images, const int *labels, int count,
    double *loss, double *accuracy)
{
  FerEvaluation *evaluation = fer_evaluation_new (FER_SYNTHETIC_CLASSES);
  fer_evaluation_add_batch (evaluation, model, images, labels, count);
  *loss = fer_evaluation_mean_loss (evaluation);
  *accuracy = fer_evaluation_accuracy (evaluation);
  fer_evaluation_free (evaluation);
}

static void
train_epoch (FerSimpleConv3 *model, FerSgd *sgd, const float *images, const int *labels,
    FerRng *rng, double lr, double *loss, double *accuracy)
{
  int *order = g_new (int, train_count);
  float *batch = g_new (float, (size_t) batch_size * IMAGE_SIZE);
  int *batch_labels = g_new (int, batch_size);
  double total = 0;
  int correct = 0, seen = 0;

  for (int i = 0; i < train_count; i++)
    order[i] = i;
  fer_rng_shuffle (rng, order, train_count, sizeof *order);
  model->training = TRUE;
  /* The last partial batch is kept, as PyTorch's DataLoader does by default; batchnorm needs at
   * least two images, so a single leftover image is dropped. */
  for (int start = 0; start + 1 < train_count; start += batch_size) {
    const int n = MIN (batch_size, train_count - start);
    for (int i = 0; i < n; i++) {
      memcpy (batch + (size_t) i * IMAGE_SIZE, images + (size_t) order[start + i] * IMAGE_SIZE,
          IMAGE_SIZE * sizeof (float));
      batch_labels[i] = labels[order[start + i]];
    }
    fer_simpleconv3_zero_grad (model);
    total += n * fer_simpleconv3_forward_backward (model, batch, batch_labels, n, 0);
    const float *logits = fer_simpleconv3_logits (model);
    for (int i = 0; i < n; i++)
      correct += fer_argmax (logits + i * FER_SYNTHETIC_CLASSES, FER_SYNTHETIC_CLASSES) == batch_labels[i];
    seen += n;
    fer_sgd_step (sgd, model->params, model->grads, lr);
  }
  *loss = total / seen;
  *accuracy = (double) correct / seen;
  g_free (order);
  g_free (batch);
  g_free (batch_labels);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GOptionContext *context = g_option_context_new ("- train simpleconv3 on generated mouths");
  g_option_context_set_summary (context,
      "Trains the seed's simpleconv3 on generated mouth glyphs (a line, a ring, an arc, an\n"
      "ellipse: none, pouting, smile, openmouth) with SGD (momentum 0.9), saves the model as\n"
      "safetensors, loads it back and classifies held-out images with it.");
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("fer-engine-demo: %s (see --help)\n", error->message);
    return FER_EXIT_USAGE;
  }
  g_option_context_free (context);
  if (epochs < 1 || train_count < 2 || batch_size < 2 || threads < 1 || !(learning_rate > 0)) {
    g_printerr ("fer-engine-demo: --epochs, --threads must be >= 1, --train-images and --batch "
        ">= 2, --lr > 0\n");
    return FER_EXIT_USAGE;
  }
  fer_threads_set (threads);

  float *train = g_new (float, (size_t) train_count * IMAGE_SIZE);
  float *val = g_new (float, (size_t) val_count * IMAGE_SIZE);
  int *train_labels = g_new (int, train_count), *val_labels = g_new (int, val_count);
  fer_synthetic_mouths (train, train_labels, train_count, seed);
  fer_synthetic_mouths (val, val_labels, val_count, seed + 1000003);

  FerSimpleConv3 *model = fer_simpleconv3_new (FER_SYNTHETIC_CLASSES);
  fer_simpleconv3_init_weights (model, seed);
  const FerSgdOptions sgd_options = { .momentum = 0.9 };
  FerSgd *sgd = fer_sgd_new (model->layout.n_params, &sgd_options);
  FerRng rng;
  fer_rng_init (&rng, seed);

  g_print ("simpleconv3: %zu parameters; %d generated training images, %d held out; batch %d, "
      "SGD lr %g momentum 0.9, %d thread%s\n", model->layout.n_params, train_count, val_count,
      batch_size, learning_rate, threads, threads > 1 ? "s" : "");
  for (int epoch = 0; epoch < epochs; epoch++) {
    double train_loss, train_acc, val_loss, val_acc;
    gint64 start = g_get_monotonic_time ();
    train_epoch (model, sgd, train, train_labels, &rng, learning_rate, &train_loss, &train_acc);
    const double seconds = (g_get_monotonic_time () - start) / 1e6;
    evaluate (model, val, val_labels, val_count, &val_loss, &val_acc);
    g_print ("epoch %d/%d  train loss %.4f acc %5.1f%%  val loss %.4f acc %5.1f%%  %.2f s  "
        "%.0f images/s\n", epoch + 1, epochs, train_loss, 100 * train_acc, val_loss,
        100 * val_acc, seconds, train_count / seconds);
  }

  FerModelInfo *info = fer_model_info_new (FER_SYNTHETIC_CLASSES);
  info->training.training_data =
      g_strdup ("generated mouth glyphs (src/image/synthetic-mouths.c), not faces");
  if (!fer_model_save (model, info, output_path, &error)) {
    g_printerr ("fer-engine-demo: %s\n", error->message);
    return FER_EXIT_FAILED;
  }
  g_print ("saved %s\n", output_path);

  FerModelInfo *loaded_info = NULL;
  FerSimpleConv3 *loaded = fer_model_load (output_path, &loaded_info, &error);
  if (loaded == NULL) {
    g_printerr ("fer-engine-demo: %s\n", error->message);
    return FER_EXIT_FAILED;
  }
  g_print ("loaded it back: %d classes (%s)\n", loaded_info->num_classes,
      g_strjoinv (", ", loaded_info->labels));
  const int shown = 8;
  const float *logits = fer_simpleconv3_forward (loaded, val, shown);
  float probs[8 * FER_SYNTHETIC_CLASSES];
  fer_softmax (probs, logits, shown, FER_SYNTHETIC_CLASSES);
  for (int i = 0; i < shown; i++) {
    const float *p = probs + i * FER_SYNTHETIC_CLASSES;
    const int best = fer_argmax (p, FER_SYNTHETIC_CLASSES);
    g_print ("  held-out image %d: drawn as %-9s -> %-9s %5.1f%%  [", i,
        loaded_info->labels[val_labels[i]], loaded_info->labels[best], 100 * p[best]);
    for (int k = 0; k < FER_SYNTHETIC_CLASSES; k++)
      g_print ("%s%s %.3f", k ? ", " : "", loaded_info->labels[k], p[k]);
    g_print ("]\n");
  }
  double val_loss, val_acc;
  evaluate (loaded, val, val_labels, val_count, &val_loss, &val_acc);
  g_print ("reloaded model on all %d held-out images: accuracy %.1f%%\n", val_count, 100 * val_acc);

  fer_model_info_free (loaded_info);
  fer_model_info_free (info);
  fer_simpleconv3_free (loaded);
  fer_simpleconv3_free (model);
  fer_sgd_free (sgd);
  g_free (train); g_free (val); g_free (train_labels); g_free (val_labels);
  return FER_EXIT_OK;
}
