/* fer-prep: the tutorial's data preparation as one tool that never touches its input.
 *
 *   fer-prep [options] RAW_DIR OUT_DIR
 *   fer-prep [options] --video FILE --label NAME OUT_DIR
 *
 * RAW_DIR holds one folder per class (any depth below it, any image format, any file names).
 * Each file is read and checked (empty, unreadable, not an image, corrupt: rejected), its exact
 * duplicates (same bytes) rejected, its faces found and mouths cut by the code fermouthcrop runs
 * (no face: rejected; several: the largest, or all with --faces all), mouths smaller than
 * --min-mouth rejected, crops resized to --size and near duplicates (image-hash.h) rejected.
 * OUT_DIR becomes an ImageFolder for fer-train: train/<class>/ and val/<class>/ (a seeded split,
 * stratified per class), plus prep-report.txt and prep-report.json (counts per class and
 * outcome, every rejected input with its reason).  With --video, every --every-th frame of a
 * recording is one input of class NAME.
 *
 * RAW_DIR is only read.  Crops are written atomically; every decision is journalled in
 * OUT_DIR/.fer-prep/, so an interrupted run continues with --resume; an existing OUT_DIR is
 * otherwise refused.  Exit status: 0 done, 1 failed (message on stderr), 2 bad usage. */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fer-error.h"
#include "base/fer-rng.h"
#include "box/box.h"
#include "face/face-finder.h"
#include "face/face-landmarks.h"
#include "face/photo-mouth-cut.h"
#include "io/atomic-file.h"
#include "image/image.h"
#include "image/transforms.h"
#include "nn/fer-threads.h"
#include "image-hash.h"
#include "prep-state.h"
#include "progress.h"
#include "raw-scan.h"
#include "video-frames.h"

#define CHUNK 32
#define MAX_FACES 16

static double val_split = 0.1, padding = -1;
static int seed = 1, size = 128, min_mouth = 24, threads, every = 10;
static char *faces_mode = "largest", *keep_rejected, *video_path, *video_label;
static gboolean resume;

static GOptionEntry entries[] = {
  { "val-split", 0, 0, G_OPTION_ARG_DOUBLE, &val_split, "Share of each class's crops put in "
    "val/ (default 0.1)", "F" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the train/val split (default 1)", "N" },
  { "size", 0, 0, G_OPTION_ARG_INT, &size, "Side of the saved mouth crops (default 128, as the "
    "tutorial's data)", "PX" },
  { "faces", 0, 0, G_OPTION_ARG_STRING, &faces_mode, "With several faces in a photo: 'largest' "
    "(default) or 'all'", "WHICH" },
  { "min-mouth", 0, 0, G_OPTION_ARG_INT, &min_mouth, "Reject mouth boxes smaller than PX "
    "(default 24)", "PX" },
  { "padding", 0, 0, G_OPTION_ARG_DOUBLE, &padding, "Grey border added around each photo, a "
    "fraction of its size, so tight face crops leave the face detector room (default 0.5; 0 for "
    "video)", "F" },
  { "keep-rejected", 0, 0, G_OPTION_ARG_FILENAME, &keep_rejected, "Copy rejected files to "
    "DIR/<class>/<outcome>/ for a human to review", "DIR" },
  { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue an interrupted run into OUT_DIR",
    NULL },
  { "video", 0, 0, G_OPTION_ARG_FILENAME, &video_path, "Take the frames of a video FILE "
    "instead of RAW_DIR (with --label)", "FILE" },
  { "label", 0, 0, G_OPTION_ARG_STRING, &video_label, "With --video: the class of its mouths",
    "NAME" },
  { "every", 0, 0, G_OPTION_ARG_INT, &every, "With --video: every N-th frame (default 10)", "N" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
  { NULL }
};

/* One input on its way through: read and analysed in parallel, decided in order. */
typedef struct {
  const char *class_name;
  char *source;              /* below RAW_DIR, or VIDEO#frame=N */
  const char *path;          /* the file (NULL for a video frame) */
  FerImage *frame;           /* a video frame (owned) */
  FerPrepOutcome outcome;
  char *reason;
  char *sha256;
  int n_crops;
  FerImage *crops[MAX_FACES];
  FerDHash dhashes[MAX_FACES];   /* photos: the whole photo's (all the same); video: each crop's */
  FerBox mouths[MAX_FACES];     /* each crop's mouth box in the input */
  gboolean photo;
} Job;

typedef struct {
  FerFaceModels *models;
  FerPrepState state;
  char *out_dir, *crops_dir;
  GArray *seen;              /* FerDHash of every crop kept so far */
  GPtrArray *seen_names;     /* "class/file" of each, same order */
  guint processed;
} Prep;

static void
reject (Job *job, FerPrepOutcome outcome, char *reason)
{
  job->outcome = outcome;
  job->reason = reason;
}

/* Faces, mouths, crops and hashes of an image (the parallel part after decoding). */
static void
analyse_image (Job *job, const FerImage *image, FerFaceModels *models, double pad)
{
  FerMouth mouths[MAX_FACES];
  GError *error = NULL;
  const int n = fer_cut_mouths (models, image, pad, mouths,
      strcmp (faces_mode, "all") == 0 ? MAX_FACES : 1, &error);
  if (n < 0) {
    reject (job, FER_PREP_CORRUPT, g_strdup_printf ("face search failed: %s", error->message));
    g_error_free (error);
    return;
  }
  if (n == 0) {
    reject (job, FER_PREP_NO_FACE, g_strdup ("no face found"));
    return;
  }
  int smallest = G_MAXINT;
  const FerDHash photo_hash = job->photo ? fer_image_dhash (image) : (FerDHash) { { 0 } };
  for (int i = 0; i < n; i++) {
    smallest = MIN (smallest, mouths[i].mouth.width);
    if (mouths[i].mouth.width >= min_mouth) {
      FerImage *crop = fer_image_new (size, size);
      fer_resize_bilinear (crop, mouths[i].crop, (FerBox) { 0, 0, mouths[i].crop->width,
            mouths[i].crop->height });
      job->dhashes[job->n_crops] = job->photo ? photo_hash : fer_image_dhash (crop);
      job->mouths[job->n_crops] = mouths[i].mouth;
      job->crops[job->n_crops++] = crop;
    }
    fer_image_free (mouths[i].crop);
  }
  if (job->n_crops == 0)
    reject (job, FER_PREP_SMALL_MOUTH, g_strdup_printf ("mouth box %d px, below --min-mouth %d",
            smallest, min_mouth));
}

static void
analyse_file (Job *job, FerFaceModels *models)
{
  GStatBuf st;
  if (g_stat (job->path, &st) != 0) {
    reject (job, FER_PREP_UNREADABLE, g_strdup (g_strerror (errno)));
    return;
  }
  if (st.st_size == 0) {
    reject (job, FER_PREP_EMPTY, g_strdup ("zero bytes"));
    return;
  }
  GError *error = NULL;
  job->sha256 = fer_file_sha256 (job->path, &error);
  FerImage *image = job->sha256 ? fer_image_load (job->path, &error) : NULL;
  if (image == NULL) {
    const FerPrepOutcome outcome = job->sha256 == NULL || error->code == FER_ERROR_IO
        ? FER_PREP_UNREADABLE : error->code == FER_ERROR_NOT_IMAGE ? FER_PREP_NOT_IMAGE
        : FER_PREP_CORRUPT;
    reject (job, outcome, g_strdup (error->message));
    g_error_free (error);
    return;
  }
  job->photo = TRUE;
  analyse_image (job, image, models, padding);
  fer_image_free (image);
}

/* A crop file name from the input's name, unique in its class. */
static char *
crop_name (Prep *prep, const char *class_name, const char *source, int face)
{
  char *base = g_strdup (source);
  char *dot = strrchr (base, '.');
  if (dot && !strchr (dot, '/') && !strchr (dot, '#'))
    *dot = '\0';
  g_strdelimit (base, "/#=\\ ", '_');
  for (int n = 1;; n++) {
    char *name = n == 1 ? g_strdup_printf ("%s%s%.0d.png", base, face ? "-face" : "", face)
        : g_strdup_printf ("%s%s%.0d-%d.png", base, face ? "-face" : "", face, n);
    char *k = g_strconcat (class_name, "/", name, NULL);
    const gboolean taken = g_hash_table_contains (prep->state.crop_names, k);
    g_free (k);
    if (!taken) {
      g_free (base);
      return name;
    }
    g_free (name);
  }
}

/* Copies a rejected file to DIR/<class>/<outcome>/<source>. */
static void
keep (const Job *job)
{
  char *dest = g_build_filename (keep_rejected, job->class_name,
      fer_prep_outcome_name (job->outcome), job->source, NULL);
  char *dir = g_path_get_dirname (dest);
  char *bytes = NULL;
  gsize length = 0;
  GError *error = NULL;
  if (g_mkdir_with_parents (dir, 0755) != 0 || !g_file_get_contents (job->path, &bytes, &length,
          &error) || !fer_atomic_write_file (dest, bytes, length, &error))
    g_printerr ("fer-prep: cannot keep %s in %s: %s\n", job->path, keep_rejected,
        error ? error->message : g_strerror (errno));
  g_clear_error (&error);
  g_free (bytes);
  g_free (dir);
  g_free (dest);
}

/* Duplicates, then the crops written and the decision journalled (in input order). */
static gboolean
decide (Prep *prep, Job *job, GError **error)
{
  /* Exact duplicates first, whatever the analysis found: the copy of a rejected file is
   * reported as a copy. */
  const FerPrepEntry *first = job->sha256
      ? g_hash_table_lookup (prep->state.by_sha256, job->sha256) : NULL;
  if (first) {
    g_free (job->reason);
    reject (job, FER_PREP_DUPLICATE, g_strdup_printf ("same bytes as %s/%s",
            first->class_name, first->source));
  }
  FerPrepEntry *entry = g_new0 (FerPrepEntry, 1);
  entry->class_name = g_strdup (job->class_name);
  entry->source = g_strdup (job->source);
  entry->sha256 = g_strdup (job->sha256);
  entry->crops = g_ptr_array_new_with_free_func (g_free);
  entry->dhashes = g_array_new (FALSE, FALSE, sizeof (FerDHash));
  entry->mouths = g_array_new (FALSE, FALSE, sizeof (FerBox));
  if (job->outcome == FER_PREP_ACCEPTED) {
    char *near = NULL;
    /* A photo's crops all carry the photo's hash: compare with earlier inputs only. */
    const guint earlier = prep->seen->len;
    for (int i = 0; i < job->n_crops; i++) {
      int closest = 257;
      guint match = 0;
      const guint against = job->photo ? earlier : prep->seen->len;
      for (guint k = 0; k < against && closest > FER_NEAR_DUPLICATE_BITS; k++) {
        const int d = fer_hamming (&job->dhashes[i], &g_array_index (prep->seen, FerDHash, k));
        if (d < closest) {
          closest = d;
          match = k;
        }
      }
      if (closest <= FER_NEAR_DUPLICATE_BITS) {
        if (near == NULL)
          near = g_strdup_printf ("%s like the input of %s (dHash distance %d of 256)",
              job->photo ? "looks" : "its mouth looks", (char *) prep->seen_names->pdata[match],
              closest);
        if (job->photo)
          break;   /* the photo as a whole is a near duplicate: none of its mouths are kept */
        continue;
      }
      char *name = crop_name (prep, job->class_name, job->source, i);
      char *path = g_build_filename (prep->crops_dir, job->class_name, name, NULL);
      if (!fer_image_save_png (job->crops[i], path, error)) {
        g_free (path);
        g_free (name);
        g_free (near);
        fer_prep_entry_free (entry);
        return FALSE;
      }
      g_free (path);
      g_array_append_val (prep->seen, job->dhashes[i]);
      g_ptr_array_add (prep->seen_names, g_strconcat (job->class_name, "/", name, NULL));
      g_ptr_array_add (entry->crops, name);
      g_array_append_val (entry->dhashes, job->dhashes[i]);
      g_array_append_val (entry->mouths, job->mouths[i]);
    }
    if (entry->crops->len == 0)
      reject (job, FER_PREP_NEAR_DUPLICATE, g_steal_pointer (&near));
    g_free (near);
  }
  entry->outcome = job->outcome;
  entry->reason = g_strdup (job->reason);
  if (job->outcome != FER_PREP_ACCEPTED && keep_rejected && job->path)
    keep (job);
  prep->processed++;
  return fer_prep_state_add (&prep->state, entry, error);
}

static void
job_clear (Job *job)
{
  g_free (job->source);
  g_free (job->reason);
  g_free (job->sha256);
  fer_image_free (job->frame);
  for (int i = 0; i < job->n_crops; i++)
    fer_image_free (job->crops[i]);
  memset (job, 0, sizeof *job);
}

/* Analyses jobs[0..n) in parallel, then decides them in order. */
static gboolean
run_chunk (Prep *prep, Job *jobs, int n, double pad, GError **error)
{
#pragma omp parallel for schedule (dynamic, 1)
  for (int i = 0; i < n; i++) {
    if (jobs[i].path)
      analyse_file (&jobs[i], prep->models);
    else
      analyse_image (&jobs[i], jobs[i].frame, prep->models, pad);
  }
  gboolean ok = TRUE;
  for (int i = 0; i < n; i++) {
    ok = ok && decide (prep, &jobs[i], error);
    job_clear (&jobs[i]);
  }
  return ok;
}

static gboolean
run_photos (Prep *prep, const char *raw_dir, GError **error)
{
  FerRawTree *tree = fer_raw_scan (raw_dir, error);
  if (tree == NULL)
    return FALSE;
  Job jobs[CHUNK] = { 0 };
  FerProgress bar;
  fer_progress_init (&bar);
  int n = 0;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i <= tree->files->len; i++) {
    if (i < tree->files->len) {
      const FerRawFile *f = &g_array_index (tree->files, FerRawFile, i);
      if (fer_prep_state_done (&prep->state, tree->classes[f->label], f->relative))
        continue;
      jobs[n++] = (Job) { .class_name = tree->classes[f->label], .source = g_strdup (f->relative),
        .path = f->path };
    }
    if (n == CHUNK || (i == tree->files->len && n > 0)) {
      ok = run_chunk (prep, jobs, n, padding, error);
      n = 0;
      char detail[64];
      g_snprintf (detail, sizeof detail, "%u/%u files", MIN (i + 1, tree->files->len),
          tree->files->len);
      fer_progress_update (&bar, "preparing", MIN (i + 1, tree->files->len), tree->files->len,
          detail);
    }
  }
  fer_progress_clear (&bar);
  fer_raw_tree_free (tree);
  return ok;
}

static gboolean
run_video (Prep *prep, GError **error)
{
  FerVideoFrames *video = fer_video_frames_open (video_path, every, error);
  if (video == NULL)
    return FALSE;
  char *name = g_path_get_basename (video_path);
  Job jobs[CHUNK] = { 0 };
  int n = 0;
  gboolean ok = TRUE, more = TRUE;
  FerProgress bar;
  fer_progress_init (&bar);
  while (ok && more) {
    guint64 index = 0;
    FerImage *frame = fer_video_frames_next (video, &index, error);
    more = frame != NULL;
    if (frame == NULL && error && *error)
      ok = FALSE;
    if (frame) {
      char *source = g_strdup_printf ("%s#frame=%06" G_GUINT64_FORMAT, name, index);
      if (fer_prep_state_done (&prep->state, video_label, source)) {
        g_free (source);
        fer_image_free (frame);
        continue;
      }
      jobs[n++] = (Job) { .class_name = video_label, .source = source, .frame = frame };
    }
    if (ok && (n == CHUNK || (!more && n > 0))) {
      ok = run_chunk (prep, jobs, n, padding, error);
      n = 0;
      char detail[64];
      g_snprintf (detail, sizeof detail, "frame %" G_GUINT64_FORMAT, index);
      fer_progress_update (&bar, "preparing", 0, 0, detail);
    }
  }
  for (int i = 0; i < n; i++)
    job_clear (&jobs[i]);
  fer_progress_clear (&bar);
  fer_video_frames_close (video);
  g_free (name);
  return ok;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The seeded, per-class split: crops move from .fer-prep/crops/ to train/ and val/ (a crop
 * already moved by an interrupted split stays where the same split puts it again). */
static gboolean
split (Prep *prep, GHashTable *train, GHashTable *val, GError **error)
{
  GHashTable *by_class = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < prep->state.entries->len; i++) {
    const FerPrepEntry *e = prep->state.entries->pdata[i];
    GPtrArray *names = g_hash_table_lookup (by_class, e->class_name);
    if (names == NULL) {
      names = g_ptr_array_new ();
      g_hash_table_insert (by_class, e->class_name, names);
    }
    for (guint k = 0; k < e->crops->len; k++)
      g_ptr_array_add (names, e->crops->pdata[k]);
  }
  GList *classes = g_list_sort (g_hash_table_get_keys (by_class), (GCompareFunc) strcmp);
  FerRng rng;
  fer_rng_init (&rng, (uint64_t) seed);
  gboolean ok = TRUE;
  for (GList *c = classes; ok && c; c = c->next) {
    GPtrArray *names = g_hash_table_lookup (by_class, c->data);
    g_ptr_array_sort (names, compare_strings);
    fer_rng_shuffle (&rng, names->pdata, names->len, sizeof *names->pdata);
    int n_val = (int) floor (names->len * val_split + 0.5);
    n_val = CLAMP (n_val, names->len > 1 && val_split > 0 ? 1 : 0, MAX ((int) names->len - 1, 0));
    for (const char *part = "train"; ok && part; part = strcmp (part, "train") ? NULL : "val") {
      char *dir = g_build_filename (prep->out_dir, part, c->data, NULL);
      if (g_mkdir_with_parents (dir, 0755) != 0) {
        g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot create %s: %s", dir,
            g_strerror (errno));
        ok = FALSE;
      }
      g_free (dir);
    }
    for (guint i = 0; ok && i < names->len; i++) {
      const char *part = (int) i < n_val ? "val" : "train";
      char *from = g_build_filename (prep->crops_dir, c->data, names->pdata[i], NULL);
      char *to = g_build_filename (prep->out_dir, part, c->data, names->pdata[i], NULL);
      if (!g_file_test (to, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0) {
        g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot move %s to %s: %s", from, to,
            g_strerror (errno));
        ok = FALSE;
      }
      g_free (from);
      g_free (to);
    }
    g_hash_table_insert (val, c->data, GUINT_TO_POINTER (n_val));
    g_hash_table_insert (train, c->data, GUINT_TO_POINTER (names->len - n_val));
  }
  g_list_free (classes);
  g_hash_table_unref (by_class);
  return ok;
}

/* OUT_DIR must be new (or, with --resume, hold an unfinished run) and must not lie in RAW_DIR. */
static gboolean
check_out_dir (const char *out_dir, const char *raw_dir, const char *done_marker,
    const char *journal, GError **error)
{
  if (raw_dir) {
    char *raw = g_canonicalize_filename (raw_dir, NULL);
    char *out = g_canonicalize_filename (out_dir, NULL);
    char *raw_slash = g_strconcat (raw, "/", NULL);
    const gboolean inside = strcmp (raw, out) == 0 || g_str_has_prefix (out, raw_slash);
    g_free (raw);
    g_free (out);
    g_free (raw_slash);
    if (inside) {
      g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "%s is inside %s: fer-prep never "
          "writes into its input; choose an OUT_DIR outside it", out_dir, raw_dir);
      return FALSE;
    }
  }
  GDir *dir = g_dir_open (out_dir, 0, NULL);
  const gboolean empty = dir == NULL || g_dir_read_name (dir) == NULL;
  if (dir)
    g_dir_close (dir);
  if (resume) {
    if (!g_file_test (journal, G_FILE_TEST_EXISTS)) {
      g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "nothing to resume in %s (no %s)",
          out_dir, journal);
      return FALSE;
    }
    if (g_file_test (done_marker, G_FILE_TEST_EXISTS)) {
      g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "the run into %s is already complete",
          out_dir);
      return FALSE;
    }
  } else if (!empty) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "%s exists and is not empty: fer-prep "
        "never writes over earlier results; give a new folder, or --resume to continue an "
        "interrupted run", out_dir);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  setvbuf (stdout, NULL, _IOLBF, 0);
  GOptionContext *context = g_option_context_new ("RAW_DIR OUT_DIR - mouth crops for fer-train "
      "from raw photos (or --video FILE --label NAME OUT_DIR)");
  g_option_context_set_summary (context,
      "Reads RAW_DIR/<class>/... (never modifying it), rejects unreadable, non-image, duplicate,\n"
      "near-duplicate and faceless files and too-small mouths, cuts each face's mouth as\n"
      "fermouthcrop does, and writes OUT_DIR/train/<class>/, OUT_DIR/val/<class>/ and a report.");
  g_option_context_set_description (context, "Exit status: 0 done, 1 failed, 2 bad usage.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("fer-prep: %s (see --help)\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  const gboolean video = video_path != NULL;
  if ((video && (argc != 2 || video_label == NULL || !*video_label || strchr (video_label, '/')))
      || (!video && argc != 3) || !(val_split >= 0 && val_split < 1) || size < 8 || size > 4096
      || min_mouth < 1 || every < 1 || threads < 0 || padding > 4
      || (strcmp (faces_mode, "largest") != 0 && strcmp (faces_mode, "all") != 0)) {
    g_printerr ("fer-prep: give RAW_DIR OUT_DIR, or --video FILE --label NAME OUT_DIR; "
        "--val-split in [0, 1), --size 8..4096, --faces largest|all (see --help)\n");
    return 2;
  }
  if (padding < 0)
    padding = video ? 0 : 0.5;
  if (threads > 0)
    fer_threads_set (threads);
  const char *raw_dir = video ? NULL : argv[1], *out_dir = argv[video ? 1 : 2];

  Prep prep = { 0 };
  prep.out_dir = g_strdup (out_dir);
  char *work = g_build_filename (out_dir, ".fer-prep", NULL);
  prep.crops_dir = g_build_filename (work, "crops", NULL);
  char *journal = g_build_filename (work, "journal.jsonl", NULL);
  char *done_marker = g_build_filename (work, "complete", NULL);
  const gint64 started = g_get_monotonic_time ();
  if (!check_out_dir (out_dir, raw_dir, done_marker, journal, &error))
    goto failed;
  if (g_mkdir_with_parents (work, 0755) != 0) {
    g_set_error (&error, FER_ERROR, FER_ERROR_IO, "cannot create %s: %s", work,
        g_strerror (errno));
    goto failed;
  }
  prep.models = fer_face_models_acquire (FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL, &error);
  if (prep.models == NULL || !fer_prep_state_open (&prep.state, journal, &error))
    goto failed;
  /* The crop folders and the near-duplicate index, including what a resumed run kept. */
  prep.seen = g_array_new (FALSE, FALSE, sizeof (FerDHash));
  prep.seen_names = g_ptr_array_new_with_free_func (g_free);
  const guint resumed = prep.state.entries->len;
  for (guint i = 0; i < prep.state.entries->len; i++) {
    const FerPrepEntry *e = prep.state.entries->pdata[i];
    for (guint k = 0; k < e->crops->len; k++) {
      g_array_append_val (prep.seen, g_array_index (e->dhashes, FerDHash, k));
      g_ptr_array_add (prep.seen_names, g_strconcat (e->class_name, "/", e->crops->pdata[k], NULL));
    }
  }
  if (video) {
    char *dir = g_build_filename (prep.crops_dir, video_label, NULL);
    g_mkdir_with_parents (dir, 0755);
    g_free (dir);
  } else {
    FerRawTree *tree = fer_raw_scan (raw_dir, &error);
    if (tree == NULL)
      goto failed;
    for (int c = 0; c < tree->n_classes; c++) {
      char *dir = g_build_filename (prep.crops_dir, tree->classes[c], NULL);
      g_mkdir_with_parents (dir, 0755);
      g_free (dir);
    }
    fer_raw_tree_free (tree);
  }
  if (resumed)
    g_printerr ("fer-prep: resuming: %u inputs already decided\n", resumed);
  if (!(video ? run_video (&prep, &error) : run_photos (&prep, raw_dir, &error)))
    goto failed;

  GHashTable *train = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *val = g_hash_table_new (g_str_hash, g_str_equal);
  if (!split (&prep, train, val, &error)
      || !fer_prep_write_reports (&prep.state, out_dir, train, val, &error)
      || !fer_atomic_write_file (done_marker, "", 0, &error))
    goto failed;

  guint accepted = 0, crops = 0, n_train = 0, n_val = 0;
  for (guint i = 0; i < prep.state.entries->len; i++) {
    const FerPrepEntry *e = prep.state.entries->pdata[i];
    accepted += e->outcome == FER_PREP_ACCEPTED;
    crops += e->crops->len;
  }
  GHashTableIter iter;
  gpointer k, v;
  g_hash_table_iter_init (&iter, train);
  while (g_hash_table_iter_next (&iter, &k, &v))
    n_train += GPOINTER_TO_UINT (v);
  g_hash_table_iter_init (&iter, val);
  while (g_hash_table_iter_next (&iter, &k, &v))
    n_val += GPOINTER_TO_UINT (v);
  const double seconds = (g_get_monotonic_time () - started) / 1e6;
  g_print ("fer-prep: %u inputs (%u this run) in %.1f s, %.1f inputs/s: accepted %u (%u crops), "
      "rejected %u; train %u, val %u\nfer-prep: report: %s/prep-report.txt\n",
      prep.state.entries->len, prep.processed, seconds, prep.processed / MAX (seconds, 1e-9),
      accepted, crops, prep.state.entries->len - accepted, n_train, n_val, out_dir);
  g_hash_table_unref (train);
  g_hash_table_unref (val);
  fer_prep_state_close (&prep.state);
  fer_face_models_release (prep.models);
  return 0;

failed:
  g_printerr ("fer-prep: %s\n", error ? error->message : "failed");
  if (prep.processed)
    g_printerr ("fer-prep: %u inputs decided this run are kept; run the same command with "
        "--resume to continue\n", prep.processed);
  return 1;
}
