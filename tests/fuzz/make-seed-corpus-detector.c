/* make-seed-corpus-detector.c: seeds for the detector's parsers: annotation CSVs (every kind of
 * row the format has), a detector model and a fer-train-detector checkpoint of a tiny design
 * (three convolutions and one head: small files, every parser path reached). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector-run.h"
#include "io/atomic-file.h"
#include "io/net-file.h"

void fer_corpus_write_detector (const char *annotations, const char *model,
    const char *checkpoint);

static void
write_text (const char *folder, const char *name, const char *text)
{
  char *path = g_build_filename (folder, name, NULL);
  GError *error = NULL;
  if (!fer_atomic_write_file (path, text, strlen (text), &error)) {
    fprintf (stderr, "make-seed-corpus: %s\n", error->message);
    exit (1);
  }
  g_free (path);
}

static void
must (gboolean ok, GError *error)
{
  if (!ok) {
    fprintf (stderr, "make-seed-corpus: %s\n", error ? error->message : "failed");
    exit (1);
  }
}

/* Three stride-2 convolutions to a stride-8 map and one head of one anchor size. */
static void
tiny_design (FerDetectorDesign *d)
{
  memset (d, 0, sizeof *d);
  const char *names[3] = { "conv1", "conv2", "conv3" };
  for (int i = 0; i < 3; i++) {
    FerLayerSpec l = { .kind = FER_LAYER_CONV, .input = i - 1, .channels = 2, .kernel = 3,
      .stride = 2, .padding = 1 };
    g_strlcpy (l.name, names[i], sizeof l.name);
    d->layers[d->n_layers++] = l;
  }
  FerLayerSpec logits = { .kind = FER_LAYER_CONV, .name = "head8.logits", .input = 2,
    .channels = 2, .kernel = 3, .stride = 1, .padding = 1, .bias = TRUE };
  FerLayerSpec offsets = logits;
  g_strlcpy (offsets.name, "head8.offsets", sizeof offsets.name);
  offsets.channels = 4;
  d->layers[d->n_layers++] = logits;
  d->layers[d->n_layers++] = offsets;
  d->n_heads = 1;
  d->heads[0] = (FerDetectorHead) { 3, 4, { .stride = 8, .n_sizes = 1, .sizes = { 16 },
      .n_ratios = 1, .ratios = { 0.8f } } };
  d->score_threshold = 0.6;
  d->nms_iou = 0.4;
}

void
fer_corpus_write_detector (const char *annotations, const char *model, const char *checkpoint)
{
  write_text (annotations, "faces.csv", "filename,width,height,x1,y1,x2,y2\n"
      "a.jpg,640,480,10.5,20,110,140\nb.jpg,320,240,,,,\na.jpg,640,480,300,20,400,150\n"
      "\"c,d.png\",100,100,-5,-5,50,50\n");
  write_text (annotations, "crlf.csv", "/abs/e.jpg,64,64,1,2,30,40\r\nbad row\r\n");

  FerDetectorDesign d;
  tiny_design (&d);
  GError *error = NULL;
  FerNet *net = fer_net_new (d.layers, d.n_layers, 1, 64, 64, 2, 0, &error);
  must (net != NULL, error);
  fer_net_init_weights (net, 1);
  GHashTable *extra = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (extra, "detector", fer_detector_heads_to_json (&d));
  g_hash_table_insert (extra, "landmark_box", g_strdup ("[0.01, 0.12, 0.85]"));
  char *path = g_build_filename (model, "tiny-detector.safetensors", NULL);
  must (fer_net_save (net, extra, path, &error), error);
  g_free (path);
  g_hash_table_unref (extra);

  size_t count;
  fer_net_params (net, &count);
  const FerAdamOptions adam = FER_ADAM_OPTIONS_DEFAULT;
  FerDetectorTrainer *trainer = fer_detector_trainer_new (&d, net, fer_adam_new (count, &adam),
      64, 2, &error);
  must (trainer != NULL, error);
  FerDetectorRun run = { .options = { .epochs = 2, .steps_per_epoch = 3, .batch_size = 2,
      .patch = 64, .input_width = 64, .input_height = 64, .lr = 1e-3, .warmup_steps = 1,
      .samples = { 14, 60, 0.8, 30, TRUE }, .seed = 1 }, .step = 4, .sum_steps = 1,
    .sums = { 1, 0.5, 0.4, 0.1, 3 }, .seconds = 1.5, .best_score = 0.25, .best_epoch = 1,
    .history = g_array_new (FALSE, FALSE, sizeof (FerDetectorEpoch)) };
  const FerDetectorEpoch epoch = { 1, 1e-3, 1.2, 0.6, 0.5, 0.1, 2.5, 0.9, 0.5, 0.25, 0.7, 3,
    100 };
  g_array_append_val (run.history, epoch);
  path = g_build_filename (checkpoint, "tiny.ckpt.safetensors", NULL);
  must (fer_detector_checkpoint_save (&run, trainer, path, &error), error);
  g_free (path);
  g_array_unref (run.history);
  fer_detector_trainer_free (trainer);
}
