/* fer-bench-engine: times the engine's simpleconv3 the way bench_engine_torch.py times PyTorch's,
 * so that tests/bench/bench-engine.sh can set them side by side.
 *
 * Prints one line per measure: "name value unit", medians over repeated timed blocks.
 *   forward_b1_ms     evaluation forward pass of one image
 *   forward_b64_ms    evaluation forward pass of 64 images
 *   train_b64_ips     training steps at batch 64 (forward, cross-entropy, backward, SGD
 *                     with momentum), in images per second */
#include <stdio.h>
#include <stdlib.h>

#include "base/fer-rng.h"
#include "base/sorting.h"
#include "nn/fer-threads.h"
#include "nn/sgd.h"
#include "nn/simpleconv3.h"

#define IMAGE (3 * 48 * 48)

typedef void (*Work) (void *ctx);

/* Median seconds per call of work, over blocks of calls lasting about block_seconds each. */
static double
median_seconds (Work work, void *ctx, int blocks, double block_seconds)
{
  /* Warm up, and find how many calls fill a block. */
  int calls = 1;
  for (;;) {
    const gint64 start = g_get_monotonic_time ();
    for (int i = 0; i < calls; i++)
      work (ctx);
    const double elapsed = (g_get_monotonic_time () - start) / 1e6;
    if (elapsed >= block_seconds / 4)
      break;
    calls *= 2;
  }
  calls = MAX (1, calls * 4);
  double *times = g_new (double, blocks);
  for (int b = 0; b < blocks; b++) {
    const gint64 start = g_get_monotonic_time ();
    for (int i = 0; i < calls; i++)
      work (ctx);
    times[b] = (g_get_monotonic_time () - start) / 1e6 / calls;
  }
  qsort (times, blocks, sizeof *times, fer_compare_doubles);
  const double median = times[blocks / 2];
  g_free (times);
  return median;
}

typedef struct {
  FerSimpleConv3 *model;
  FerSgd *sgd;
  float *images;
  int *labels;
  int batch;
} Bench;

static void
forward (void *ctx)
{
  Bench *b = ctx;
  fer_simpleconv3_forward (b->model, b->images, b->batch);
}

static void
train_step (void *ctx)
{
  Bench *b = ctx;
  fer_simpleconv3_zero_grad (b->model);
  fer_simpleconv3_forward_backward (b->model, b->images, b->labels, b->batch, 0);
  fer_sgd_step (b->sgd, b->model->params, b->model->grads, 0.01);
}

int
main (int argc, char **argv)
{
  const int threads = argc > 1 ? atoi (argv[1]) : 2;
  const double block_seconds = argc > 2 ? atof (argv[2]) : 0.5;
  fer_threads_set (threads);

  FerRng rng;
  fer_rng_init (&rng, 1);
  float *images = g_new (float, (size_t) 64 * IMAGE);
  int labels[64];
  for (size_t i = 0; i < (size_t) 64 * IMAGE; i++)
    images[i] = (float) fer_rng_normal (&rng);
  for (int i = 0; i < 64; i++)
    labels[i] = i % 4;

  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 1);
  const FerSgdOptions options = { .momentum = 0.9 };
  Bench b = { model, fer_sgd_new (model->layout.n_params, &options), images, labels, 1 };

  model->training = FALSE;
  printf ("forward_b1_ms %.4f ms\n", 1e3 * median_seconds (forward, &b, 7, block_seconds));
  b.batch = 64;
  printf ("forward_b64_ms %.4f ms\n", 1e3 * median_seconds (forward, &b, 7, block_seconds));
  model->training = TRUE;
  printf ("train_b64_ips %.1f images/s\n", 64 / median_seconds (train_step, &b, 7, block_seconds));

  fer_sgd_free (b.sgd);
  fer_simpleconv3_free (model);
  g_free (images);
  return 0;
}
