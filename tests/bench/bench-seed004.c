/* fer-bench-seed004: seed 004's networks run by the engine's generic driver, timed as
 * tests/bench/bench_seed004_torch.py times them in PyTorch (bench-seed004.sh runs both):
 *   mymodel   the seed's MyModel at its 88x128 input, 8 regions per image
 *   detector  a detector-sized network on 320x240: strided BasicBlocks down to a 20x15 map and
 *             1x1 convolution heads (2 anchors: 4 class and 8 offset outputs per cell)
 * Each: forward in evaluation mode at batch 1 and 16, and a training step (forward, the seed's
 * loss or a fixed output gradient, backward, Adam) at batch 1 and 16; the median of timed
 * blocks, in milliseconds per call, one "name value" line each.
 *
 *   fer-bench-seed004 [THREADS] [BLOCK_SECONDS] [MEASURE [--layers]]
 * MEASURE (e.g. detector_train_b16) times that one alone, for a profiler; --layers then also
 * prints each layer's forward and backward microseconds per call (fer_net_set_layer_timer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fer-rng.h"
#include "base/sorting.h"
#include "nn/adam.h"
#include "nn/big-buffer.h"
#include "nn/detection-loss.h"
#include "nn/fer-threads.h"
#include "nn/seed004-net.h"

typedef struct {
  FerNet *net;
  float *images;
  FerRoi *rois;
  int *labels;
  float *targets, *scratch;
  int batch, n_rois, outputs[2];
  gboolean detector;
  FerAdam *adam;
  FerRng rng;
  int calls;                         /* forward passes so far */
  double *forward_us, *backward_us;  /* per layer, with --layers */
} Bench;

static void
setup (Bench *b, gboolean detector, int batch)
{
  memset (b, 0, sizeof *b);
  b->detector = detector;
  b->batch = batch;
  fer_rng_init (&b->rng, 1);
  FerLayerSpec layers[FER_SEED004_MAX_LAYERS];
  const int height = detector ? 240 : 88, width = detector ? 320 : 128;
  const int n = detector ? fer_seed004_detector_sized (layers, &b->outputs[0], &b->outputs[1])
      : fer_seed004_my_model (layers, 0.1, &b->outputs[0], &b->outputs[1]);
  b->n_rois = detector ? 0 : 8 * batch;
  GError *error = NULL;
  b->net = fer_net_new (layers, n, 3, height, width, batch, MAX (b->n_rois, 1), &error);
  if (b->net == NULL) {
    fprintf (stderr, "%s\n", error->message);
    exit (1);
  }
  fer_net_init_weights (b->net, 1);
  const size_t pixels = (size_t) batch * 3 * height * width;
  b->images = fer_big_buffer_try_new (pixels * sizeof (float), FALSE);   /* as fer-train's */
  g_assert_nonnull (b->images);
  for (size_t i = 0; i < pixels; i++)
    b->images[i] = (float) fer_rng_uniform (&b->rng);
  b->rois = g_new (FerRoi, MAX (b->n_rois, 1));
  b->labels = g_new (int, MAX (b->n_rois, 1));
  b->targets = g_new0 (float, 4 * MAX (b->n_rois, 1));
  b->scratch = g_new (float, 8 * MAX (b->n_rois, 1));
  for (int r = 0; r < b->n_rois; r++) {
    const int w = 8 + (int) fer_rng_below (&b->rng, 50), h = 8 + (int) fer_rng_below (&b->rng, 40);
    b->rois[r] = (FerRoi) { r / 8, (int) fer_rng_below (&b->rng, width - w),
      (int) fer_rng_below (&b->rng, height - h), w, h };
    b->labels[r] = r % 8 < 2;
  }
  size_t n_params;
  fer_net_params (b->net, &n_params);
  const FerAdamOptions options = FER_ADAM_OPTIONS_DEFAULT;
  b->adam = fer_adam_new (n_params, &options);
}

static void
teardown (Bench *b)
{
  fer_net_free (b->net);
  fer_adam_free (b->adam);
  g_free (b->images);
  g_free (b->rois);
  g_free (b->labels);
  g_free (b->targets);
  g_free (b->scratch);
  g_free (b->forward_us);
  g_free (b->backward_us);
}

static void
forward (Bench *b)
{
  b->calls++;
  fer_net_forward (b->net, b->images, b->batch, b->rois, b->n_rois, FALSE, NULL);
}

static void
train_step (Bench *b)
{
  b->calls++;
  fer_net_forward (b->net, b->images, b->batch, b->rois, b->n_rois, TRUE, &b->rng);
  fer_net_clear_output_grads (b->net);
  if (b->detector) {
    /* A fixed gradient on both heads (the detector's loss is the next issue's). */
    for (int h = 0; h < 2; h++) {
      int c, height, width, rows;
      fer_net_layer_shape (b->net, b->outputs[h], &c, &height, &width, &rows);
      float *d = fer_net_output_grad (b->net, b->outputs[h]);
      const size_t n = (size_t) c * rows * height * width;
      for (size_t i = 0; i < n; i++)
        d[i] = 1.0f / n;
    }
  } else {
    FerDetectionLoss loss;
    fer_detection_loss (&loss, fer_net_output_grad (b->net, b->outputs[0]),
        fer_net_output_grad (b->net, b->outputs[1]), fer_net_output (b->net, b->outputs[0]),
        fer_net_output (b->net, b->outputs[1]), b->labels, b->targets, b->n_rois,
        FER_OFFSET_LOSS_MSE, b->scratch);
  }
  fer_net_zero_grad (b->net);
  fer_net_backward (b->net);
  size_t n_params;
  float *params = fer_net_params (b->net, &n_params);
  fer_adam_step (b->adam, params, fer_net_grads (b->net, &n_params), 1e-3);
}

/* Median seconds per call over 7 blocks of about block_seconds each. */
static double
median_seconds (void (*work) (Bench *), Bench *b, double block_seconds)
{
  int calls = 1;
  for (;;) {
    const gint64 start = g_get_monotonic_time ();
    for (int i = 0; i < calls; i++)
      work (b);
    if ((g_get_monotonic_time () - start) / 1e6 >= block_seconds / 4)
      break;
    calls *= 2;
  }
  calls *= 4;
  double times[7];
  for (int k = 0; k < 7; k++) {
    const gint64 start = g_get_monotonic_time ();
    for (int i = 0; i < calls; i++)
      work (b);
    times[k] = (g_get_monotonic_time () - start) / 1e6 / calls;
  }
  return fer_median (times, 7);
}

/* Each layer's microseconds per call, averaged over every call timed (calibration included). */
static void
print_layers (const Bench *b, int n_layers)
{
  int n;
  const FerLayerSpec *specs = fer_net_layers (b->net, &n);
  printf ("%-5s %-10s %-28s %10s %10s\n", "layer", "kind", "name", "forward", "backward");
  for (int i = 0; i < MIN (n, n_layers); i++)
    printf ("%-5d %-10s %-28s %10.1f %10.1f\n", i, fer_layer_kind_name (specs[i].kind),
        specs[i].name, b->forward_us[i] / b->calls,
        b->backward_us[i] / b->calls);
}

int
main (int argc, char **argv)
{
  const int threads = argc > 1 ? atoi (argv[1]) : 2;
  const double block = argc > 2 ? atof (argv[2]) : 0.3;
  const char *only = argc > 3 ? argv[3] : NULL;
  const gboolean layers = only != NULL && argc > 4 && strcmp (argv[4], "--layers") == 0;
  fer_threads_set (threads);
  const char *names[2] = { "mymodel", "detector" };
  for (int d = 0; d < 2; d++)
    for (int batch = 1; batch <= 16; batch += 15) {
      Bench b;
      char forward_name[64], train_name[64];
      g_snprintf (forward_name, sizeof forward_name, "%s_forward_b%d_ms", names[d], batch);
      g_snprintf (train_name, sizeof train_name, "%s_train_b%d_ms", names[d], batch);
      const gboolean time_forward = only == NULL || g_str_has_prefix (forward_name, only);
      const gboolean time_train = only == NULL || g_str_has_prefix (train_name, only);
      if (!time_forward && !time_train)
        continue;
      setup (&b, d, batch);
      int n_layers = 0;
      fer_net_layers (b.net, &n_layers);
      if (layers) {
        b.forward_us = g_new0 (double, n_layers);
        b.backward_us = g_new0 (double, n_layers);
        fer_net_set_layer_timer (b.net, b.forward_us, b.backward_us);
      }
      if (time_forward)
        printf ("%s %.3f\n", forward_name, 1e3 * median_seconds (forward, &b, block));
      if (time_train)
        printf ("%s %.3f\n", train_name, 1e3 * median_seconds (train_step, &b, block));
      fflush (stdout);
      if (layers)
        print_layers (&b, n_layers);
      teardown (&b);
    }
  return 0;
}
