/* make-seed-corpus: writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/), each a
 * few small valid files made by our own writers, so that fuzzing starts from inputs that get
 * past the first checks.  Run by tests/fuzz/run.sh --make-corpus; the output is committed.
 *
 * Files that hold a whole simpleconv3 model (6 MB) would make fuzzing slow, so the model and
 * checkpoint seeds keep everything but the tensors the parsers read last: the header, the
 * metadata (model description, training state) and "fc3.weight", whose shape gives the classes.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "expression/geometry-head.h"
#include "prep-state.h"
#include "trainer.h"
#include "base/fer-error.h"
#include "image/image.h"
#include "io/model-file.h"
#include "io/net-file.h"
#include "io/safetensors.h"
#include "nn/net.h"

/* make-seed-corpus-face.cpp */
void fer_corpus_write_landmark_cache (const char *folder);
void fer_corpus_write_images (const char *folder);
/* make-seed-corpus-detector.c */
void fer_corpus_write_detector (const char *annotations, const char *model,
    const char *checkpoint);

static char *corpus_root;
static char *scratch;

static char *
target_folder (const char *target)
{
  char *folder = g_build_filename (corpus_root, target, NULL);
  g_mkdir_with_parents (folder, 0755);
  return folder;
}

static void
check (gboolean ok, GError *error)
{
  if (!ok) {
    fprintf (stderr, "make-seed-corpus: %s\n", error ? error->message : "failed");
    exit (1);
  }
}

/* The header and metadata of the safetensors file at path, with only the tensors named in keep
 * (NULL-terminated), written to out. */
static void
write_trimmed (const char *path, const char *const *keep, const char *out)
{
  GError *error = NULL;
  FerSafetensors *file = fer_safetensors_load (path, &error);
  check (file != NULL, error);
  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  for (const char *const *name = keep; *name; name++) {
    const FerSafetensorsTensor *t = fer_safetensors_find (file, *name);
    check (t != NULL, NULL);
    fer_safetensors_writer_add (writer, t->name, t->dtype, t->ndim, t->shape,
        file->data + t->begin);
  }
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, file->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    fer_safetensors_writer_set_metadata (writer, key, value);
  check (fer_safetensors_writer_save (writer, out, &error), error);
  fer_safetensors_writer_free (writer);
  fer_safetensors_free (file);
}

static void
write_safetensors_seeds (void)
{
  char *folder = target_folder ("safetensors");
  GError *error = NULL;

  /* One small tensor of every dtype, and metadata. */
  static const guint8 bytes[64] = { 0, 0, 128, 63, 0, 0, 0, 64, 0, 60, 0, 64, 1, 2, 3, 4 };
  const FerDtype dtypes[] = { FER_DTYPE_F64, FER_DTYPE_F32, FER_DTYPE_F16, FER_DTYPE_BF16,
    FER_DTYPE_I64, FER_DTYPE_I32, FER_DTYPE_I16, FER_DTYPE_I8, FER_DTYPE_U8, FER_DTYPE_BOOL };
  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  const int64_t shape[2] = { 2, 2 };
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++) {
    char *name = g_strdup_printf ("t.%s", fer_dtype_name (dtypes[i]));
    fer_safetensors_writer_add (writer, name, dtypes[i], i % 3 == 0 ? 1 : 2, shape, bytes);
    g_free (name);
  }
  fer_safetensors_writer_set_metadata (writer, "format", "gst-fer-model");
  char *path = g_build_filename (folder, "every-dtype.safetensors", NULL);
  check (fer_safetensors_writer_save (writer, path, &error), error);
  fer_safetensors_writer_free (writer);
  g_free (path);

  /* A simpleconv3 model file without its large tensors. */
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  FerModelInfo *info = fer_model_info_new (4);
  char *full = g_build_filename (scratch, "model.safetensors", NULL);
  check (fer_model_save (model, info, full, &error), error);
  path = g_build_filename (folder, "simpleconv3-header.safetensors", NULL);
  write_trimmed (full, (const char *const[]) { "fc3.weight", "fc3.bias", NULL }, path);
  g_free (path);
  g_free (full);
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
  g_free (folder);
}

static void
write_net_file_seeds (void)
{
  char *folder = target_folder ("net-file");
  const FerLayerSpec layers[] = {
    { .kind = FER_LAYER_CONV, .name = "conv", .input = -1, .channels = 2, .kernel = 3,
      .stride = 1, .padding = 1 },
    { .kind = FER_LAYER_BATCHNORM, .name = "bn", .input = 0 },
    { .kind = FER_LAYER_RELU, .input = 1 },
    { .kind = FER_LAYER_ADD, .input = 2, .input2 = 1 },
    { .kind = FER_LAYER_MAXPOOL, .input = 3, .kernel = 2, .stride = 2 },
    { .kind = FER_LAYER_ROI_POOL, .input = 4, .pooled = 2 },
    { .kind = FER_LAYER_DROPOUT, .input = 5, .p = 0.1 },
    { .kind = FER_LAYER_LINEAR, .name = "fc", .input = 6, .channels = 2, .bias = TRUE },
  };
  FerNet *net = fer_net_new (layers, G_N_ELEMENTS (layers), 1, 8, 8, 1, 1, NULL);
  check (net != NULL, NULL);
  fer_net_init_weights (net, 1);
  GError *error = NULL;
  GHashTable *extra = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (extra, "labels", "[\"background\",\"face\"]");
  char *path = g_build_filename (folder, "small-net.safetensors", NULL);
  check (fer_net_save (net, extra, path, &error), error);
  g_free (path);
  g_hash_table_unref (extra);
  fer_net_free (net);
  g_free (folder);
}

static void
write_checkpoint_seeds (void)
{
  char *folder = target_folder ("checkpoint");
  FerTrainOptions options = {
    .epochs = 10, .batch_size = 64, .lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4,
    .schedule = FER_SCHEDULE_STEP, .step_size = 100, .gamma = 0.1, .label_smoothing = 0.1,
    .augment = { .scale_min = 0.08, .scale_max = 1, .ratio_min = 0.75, .ratio_max = 4.0 / 3,
      .flip = TRUE, .jitter = 0.1, .gray_probability = 0.2 },
    .seed = 7,
  };
  FerModelInfo *info = fer_model_info_new (4);
  for (int c = 0; c < 3; c++) {
    options.augment.mean[c] = info->mean[c];
    options.augment.std[c] = info->std[c];
  }
  FerTrainer *trainer = fer_trainer_new (&options, 4);
  trainer->epoch = 2;
  trainer->next_batch = 3;
  const FerEpochRecord record = { .epoch = 1, .lr = 0.1, .train_loss = 1.2,
    .train_accuracy = 0.5, .val_loss = 1.1, .val_accuracy = 0.6, .val_balanced_accuracy = 0.55,
    .seconds = 3, .images_per_second = 100 };
  g_array_append_val (trainer->history, record);
  GError *error = NULL;
  char *full = g_build_filename (scratch, "run.checkpoint", NULL);
  check (fer_checkpoint_save (trainer, info, full, &error), error);
  char *path = g_build_filename (folder, "state-header.checkpoint", NULL);
  write_trimmed (full, (const char *const[]) { "fc3.weight", NULL }, path);
  g_free (path);
  g_free (full);
  fer_trainer_free (trainer);
  fer_model_info_free (info);
  g_free (folder);
}

static FerPrepEntry *
entry (const char *class_name, const char *source, FerPrepOutcome outcome, const char *reason,
    int crops)
{
  FerPrepEntry *e = g_new0 (FerPrepEntry, 1);
  e->class_name = g_strdup (class_name);
  e->source = g_strdup (source);
  e->outcome = outcome;
  e->reason = g_strdup (reason);
  e->sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, source, -1);
  e->crops = g_ptr_array_new_with_free_func (g_free);
  e->dhashes = g_array_new (FALSE, TRUE, sizeof (FerDHash));
  e->mouths = g_array_new (FALSE, TRUE, sizeof (FerBox));
  e->openings = g_array_new (FALSE, TRUE, sizeof (double));
  e->landmarks = g_array_new (FALSE, TRUE, sizeof (FerPrepLandmarks));
  for (int i = 0; i < crops; i++) {
    const double opening = 0.02 + 0.1 * i;
    g_array_append_val (e->openings, opening);
    FerPrepLandmarks l;
    for (int k = 0; k < FER_LANDMARKS; k++) {
      l.xy[2 * k] = 100 + 40 * cosf (k * 0.1f);
      l.xy[2 * k + 1] = 120 + 50 * sinf (k * 0.1f) + i;
    }
    g_array_append_val (e->landmarks, l);
    g_ptr_array_add (e->crops, g_strdup_printf ("%s-%d.png", source, i));
    FerDHash hash;
    memset (&hash, 0x5a + i, sizeof hash);
    g_array_append_val (e->dhashes, hash);
    const FerBox mouth = { 10 + i, 20, 30, 15 };
    g_array_append_val (e->mouths, mouth);
  }
  return e;
}

static void
write_prep_journal_seeds (void)
{
  char *folder = target_folder ("prep-journal");
  char *path = g_build_filename (folder, "journal.jsonl", NULL);
  g_remove (path);
  FerPrepState state;
  GError *error = NULL;
  check (fer_prep_state_open (&state, path, &error), error);
  check (fer_prep_state_add (&state, entry ("smile", "a.jpg", FER_PREP_ACCEPTED, NULL, 1),
          &error), error);
  check (fer_prep_state_add (&state, entry ("smile", "b.jpg", FER_PREP_NO_FACE,
              "no face found", 0), &error), error);
  check (fer_prep_state_add (&state, entry ("none", "clip.mp4#25", FER_PREP_ACCEPTED, NULL, 2),
          &error), error);
  fer_prep_state_close (&state);
  g_free (path);
  g_free (folder);
}

/* A data folder's landmarks.csv: a bare and a quoted file name, 136 numbers each. */
static void
write_landmarks_csv_seeds (void)
{
  char *folder = target_folder ("landmarks-csv");
  GString *csv = g_string_new ("file,points\n");
  for (int row = 0; row < 2; row++) {
    g_string_append (csv, row ? "\"2/b, c.png\",\"" : "0/a.png,\"");
    for (int k = 0; k < 136; k++)
      g_string_append_printf (csv, "%s%.2f", k ? ", " : "", 50 + k * 0.75 + row);
    g_string_append (csv, "\"\n");
  }
  char *path = g_build_filename (folder, "landmarks.csv", NULL);
  GError *error = NULL;
  check (g_file_set_contents (path, csv->str, -1, &error), error);
  g_string_free (csv, TRUE);
  g_free (path);
  g_free (folder);
}

/* The metadata entry of a geometry head, as fer-eval --fit-geometry writes it. */
static void
write_geometry_head_seeds (void)
{
  char *folder = target_folder ("geometry-head");
  FerModelInfo *info = fer_model_info_new (4);
  FerGeometryHead head = { 4, 1.3, (double[12]) { -30, -2, 1, 0, 0, 0, 5, 20, 4, 25, 1, -3 },
    (double[4]) { 2, 0, -4, -1 }, (gboolean[4]) { TRUE, FALSE, TRUE, TRUE },
    { 0.005, -0.13, 0.63 }, { 0.45, 0.21, 1.24 } };
  fer_geometry_head_to_info (&head, info);
  char *path = g_build_filename (folder, "head.json", NULL);
  GError *error = NULL;
  check (g_file_set_contents (path, g_hash_table_lookup (info->extra, FER_GEOMETRY_HEAD_KEY), -1,
          &error), error);
  g_free (path);
  fer_model_info_free (info);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: make-seed-corpus CORPUS_DIR\n");
    return 2;
  }
  corpus_root = argv[1];
  scratch = g_dir_make_tmp ("fer-corpus-XXXXXX", NULL);
  write_safetensors_seeds ();
  write_net_file_seeds ();
  write_checkpoint_seeds ();
  write_prep_journal_seeds ();
  write_landmarks_csv_seeds ();
  write_geometry_head_seeds ();
  char *folder = target_folder ("landmark-cache");
  fer_corpus_write_landmark_cache (folder);
  g_free (folder);
  folder = target_folder ("image");
  fer_corpus_write_images (folder);
  g_free (folder);
  char *annotations = target_folder ("face-annotations");
  char *model = target_folder ("detector-model");
  char *checkpoint = target_folder ("detector-checkpoint");
  fer_corpus_write_detector (annotations, model, checkpoint);
  g_free (annotations);
  g_free (model);
  g_free (checkpoint);
  char *command = g_strdup_printf ("rm -rf '%s'", scratch);
  if (system (command) != 0)
    fprintf (stderr, "make-seed-corpus: could not remove %s\n", scratch);
  g_free (command);
  return 0;
}
