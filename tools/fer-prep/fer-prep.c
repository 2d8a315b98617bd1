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
 * stratified per class), train/landmarks.csv and val/landmarks.csv (each crop's face landmarks,
 * for fer-eval and a model's geometry head), plus prep-report.txt and prep-report.json (counts
 * per class and outcome, every rejected input with its reason).  With --video, every
 * --every-th frame of a recording is one input of class NAME.
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
#include "command-line.h"
#include "face-detector-option.h"
#include "base/exit-codes.h"
#include "progress.h"
#include "raw-scan.h"
#include "video-frames.h"

#define CHUNK 32
#define MAX_FACES 16

static double val_split = 0.1, padding = -1;
static int seed = 1, size = 128, min_mouth = 24, threads, every = 10;
static char *faces_mode = "largest", *keep_rejected, *video_path, *video_label;
static gboolean resume;

static char *face_detector = FER_FACE_DETECTOR_DEFAULT, *face_detector_model;

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
  FER_FACE_DETECTOR_OPTION_ENTRIES (face_detector, face_detector_model),
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
  double openings[MAX_FACES];   /* each crop's mouth opening (fer_mouth_opening) */
  FerPrepLandmarks landmarks[MAX_FACES];   /* each crop's face landmarks in the input */
  gboolean photo;
} Job;

typedef struct {
  FerFaceModels *models;
  FerFaceDetectorChoice finder;   /* --face-detector: what finds the faces */
  FerPrepState state;
  char *out_dir, *work_dir, *crops_dir, *journal, *done_marker;
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
analyse_image (Job *job, const FerImage *image, const FerFaceDetectorChoice *finder,
    double pad)
{
  FerMouth mouths[MAX_FACES];
  GError *error = NULL;
  const int n = fer_cut_mouths_with (finder->funcs, finder->finder, image, pad, mouths,
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
      job->openings[job->n_crops] = mouths[i].opening;
      memcpy (job->landmarks[job->n_crops].xy, mouths[i].points, sizeof mouths[i].points);
      job->crops[job->n_crops++] = crop;
    }
    fer_image_free (mouths[i].crop);
  }
  if (job->n_crops == 0)
    reject (job, FER_PREP_SMALL_MOUTH, g_strdup_printf ("mouth box %d px, below --min-mouth %d",
            smallest, min_mouth));
}

static void
analyse_file (Job *job, const FerFaceDetectorChoice *finder)
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
  analyse_image (job, image, finder, padding);
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

/* The closest of the first `against` kept crops to hash (Hamming distance of the dHashes),
 * and which one it is. */
static int
closest_seen (const Prep *prep, const FerDHash *hash, guint against, guint *match)
{
  int closest = 257;
  for (guint k = 0; k < against && closest > FER_NEAR_DUPLICATE_BITS; k++) {
    const int d = fer_hamming (hash, &g_array_index (prep->seen, FerDHash, k));
    if (d < closest) {
      closest = d;
      *match = k;
    }
  }
  return closest;
}

/* Writes crop i of job and records it in entry and in the near-duplicate index. */
static gboolean
keep_crop (Prep *prep, const Job *job, int i, FerPrepEntry *entry, GError **error)
{
  char *name = crop_name (prep, job->class_name, job->source, i);
  char *path = g_build_filename (prep->crops_dir, job->class_name, name, NULL);
  const gboolean saved = fer_image_save_png (job->crops[i], path, error);
  g_free (path);
  if (!saved) {
    g_free (name);
    return FALSE;
  }
  g_array_append_val (prep->seen, job->dhashes[i]);
  g_ptr_array_add (prep->seen_names, g_strconcat (job->class_name, "/", name, NULL));
  g_ptr_array_add (entry->crops, name);
  g_array_append_val (entry->dhashes, job->dhashes[i]);
  g_array_append_val (entry->mouths, job->mouths[i]);
  g_array_append_val (entry->openings, job->openings[i]);
  g_array_append_val (entry->landmarks, job->landmarks[i]);
  return TRUE;
}

/* The crops of an accepted job that are no near duplicates of earlier ones, written; the job
 * is rejected as a near duplicate when none is left. */
static gboolean
keep_new_crops (Prep *prep, Job *job, FerPrepEntry *entry, GError **error)
{
  char *near = NULL;
  /* A photo's crops all carry the photo's hash: compare with earlier inputs only. */
  const guint earlier = prep->seen->len;
  gboolean ok = TRUE;
  for (int i = 0; ok && i < job->n_crops; i++) {
    guint match = 0;
    const int closest = closest_seen (prep, &job->dhashes[i],
        job->photo ? earlier : prep->seen->len, &match);
    if (closest > FER_NEAR_DUPLICATE_BITS) {
      ok = keep_crop (prep, job, i, entry, error);
      continue;
    }
    if (near == NULL)
      near = g_strdup_printf ("%s like the input of %s (dHash distance %d of 256)",
          job->photo ? "looks" : "its mouth looks", (char *) prep->seen_names->pdata[match],
          closest);
    if (job->photo)
      break;   /* the photo as a whole is a near duplicate: none of its mouths are kept */
  }
  if (ok && entry->crops->len == 0)
    reject (job, FER_PREP_NEAR_DUPLICATE, g_steal_pointer (&near));
  g_free (near);
  return ok;
}

/* The job's outcome, in input order: duplicates, crops written, the decision journalled. */
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
  entry->openings = g_array_new (FALSE, FALSE, sizeof (double));
  entry->landmarks = g_array_new (FALSE, FALSE, sizeof (FerPrepLandmarks));
  if (job->outcome == FER_PREP_ACCEPTED && !keep_new_crops (prep, job, entry, error)) {
    fer_prep_entry_free (entry);
    return FALSE;
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
      analyse_file (&jobs[i], &prep->finder);
    else
      analyse_image (&jobs[i], jobs[i].frame, &prep->finder, pad);
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

/* A row of PART/landmarks.csv (tools/fer-eval/landmarks-csv.h): the crop's face landmarks, for
 * a model's geometry head; nothing when they were not recorded. */
static void
add_landmarks_row (GString *csv, const char *class_name, const char *name,
    const FerPrepLandmarks *l)
{
  for (int k = 0; k < 2 * FER_LANDMARKS; k++)
    if (!isfinite (l->xy[k]))
      return;
  /* The file quoted, a quote in its name doubled, as CSV readers expect (base/csv-fields.h). */
  char *file = g_strconcat (class_name, "/", name, NULL);
  g_string_append_c (csv, '"');
  for (const char *c = file; *c; c++) {
    if (*c == '"')
      g_string_append_c (csv, '"');
    g_string_append_c (csv, *c);
  }
  g_string_append (csv, "\",\"");
  g_free (file);
  for (int k = 0; k < 2 * FER_LANDMARKS; k++)
    g_string_append_printf (csv, k ? ", %.2f" : "%.2f", l->xy[k]);
  g_string_append (csv, "\"\n");
}

static gboolean
write_landmarks (const Prep *prep, const char *part, const GString *csv, GError **error)
{
  char *path = g_build_filename (prep->out_dir, part, "landmarks.csv", NULL);
  const gboolean ok = fer_atomic_write_file (path, csv->str, csv->len, error);
  g_free (path);
  return ok;
}

/* The seeded, per-class split: crops move from .fer-prep/crops/ to train/ and val/ (a crop
 * already moved by an interrupted split stays where the same split puts it again), and each
 * part's landmarks.csv lists the landmarks of its crops. */
static gboolean
split (Prep *prep, GHashTable *train, GHashTable *val, GError **error)
{
  GHashTable *by_class = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) g_ptr_array_unref);
  /* "class/name" -> its FerPrepLandmarks (names repeat across classes) */
  GHashTable *landmarks_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < prep->state.entries->len; i++) {
    const FerPrepEntry *e = prep->state.entries->pdata[i];
    GPtrArray *names = g_hash_table_lookup (by_class, e->class_name);
    if (names == NULL) {
      names = g_ptr_array_new ();
      g_hash_table_insert (by_class, e->class_name, names);
    }
    for (guint k = 0; k < e->crops->len; k++) {
      g_ptr_array_add (names, e->crops->pdata[k]);
      g_hash_table_insert (landmarks_of, g_strconcat (e->class_name, "/", e->crops->pdata[k],
              NULL), &g_array_index (e->landmarks, FerPrepLandmarks, k));
    }
  }
  GString *csv_train = g_string_new ("file,points\n"), *csv_val = g_string_new ("file,points\n");
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
      char *key = g_strconcat (c->data, "/", names->pdata[i], NULL);
      add_landmarks_row ((int) i < n_val ? csv_val : csv_train, c->data, names->pdata[i],
          g_hash_table_lookup (landmarks_of, key));
      g_free (key);
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
  ok = ok && write_landmarks (prep, "train", csv_train, error)
      && write_landmarks (prep, "val", csv_val, error);
  g_string_free (csv_train, TRUE);
  g_string_free (csv_val, TRUE);
  g_list_free (classes);
  g_hash_table_unref (landmarks_of);
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
  if (!fer_output_folder_check (out_dir, error)
      || (keep_rejected && !fer_output_folder_check (keep_rejected, error)))
    return FALSE;
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

/* The first bad option, named with what it must be; NULL when all are good. */
static char *
check_options (int argc)
{
  const gboolean video = video_path != NULL;
  if (video && argc != 2)
    return g_strdup ("with --video, give only OUT_DIR");
  if (!video && argc != 3)
    return g_strdup ("give RAW_DIR OUT_DIR, or --video FILE --label NAME OUT_DIR");
  char *bad = fer_face_detector_option_check (face_detector);
  if (bad)
    return bad;
  if (video && (video_label == NULL || !*video_label || strchr (video_label, '/')))
    return g_strdup ("--video needs --label NAME, a class folder name (no '/')");
  if (!(val_split >= 0 && val_split < 1))
    return g_strdup_printf ("--val-split must be in [0, 1), got %g", val_split);
  if (size < 8 || size > 4096)
    return g_strdup_printf ("--size must be from 8 to 4096, got %d", size);
  if (min_mouth < 1)
    return g_strdup_printf ("--min-mouth must be >= 1, got %d", min_mouth);
  if (every < 1)
    return g_strdup_printf ("--every must be >= 1, got %d", every);
  if (padding > 4)
    return g_strdup_printf ("--padding must be at most 4, got %g", padding);
  if (strcmp (faces_mode, "largest") != 0 && strcmp (faces_mode, "all") != 0)
    return g_strdup_printf ("--faces must be largest or all, got '%s'", faces_mode);
  return NULL;
}

static int
parse_command_line (int *argc, char ***argv)
{
  const FerCommandLine command_line = {
    "fer-prep", "RAW_DIR OUT_DIR - mouth crops for fer-train from raw photos (or --video FILE "
    "--label NAME OUT_DIR)",
    "Reads RAW_DIR/<class>/... (never modifying it), rejects unreadable, non-image, duplicate,\n"
    "near-duplicate and faceless files and too-small mouths, cuts each face's mouth as\n"
    "fermouthcrop does, and writes OUT_DIR/train/<class>/, OUT_DIR/val/<class>/ and a report.",
    "Exit status: 0 done, 1 failed, 2 bad usage.",
    entries, check_options, &threads,
  };
  return fer_command_line_parse (&command_line, argc, argv);
}

/* The work folder and journal, the face models, the near-duplicate index of what a resumed run
 * kept, and a crop folder per class. */
static gboolean
prepare (Prep *prep, const char *raw_dir, GError **error)
{
  if (!check_out_dir (prep->out_dir, raw_dir, prep->done_marker, prep->journal, error))
    return FALSE;
  if (g_mkdir_with_parents (prep->work_dir, 0755) != 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot create %s: %s", prep->work_dir,
        g_strerror (errno));
    return FALSE;
  }
  prep->models = fer_face_models_acquire (FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL, error);
  if (prep->models == NULL
      || !fer_face_detector_choice_open (&prep->finder, face_detector, face_detector_model,
          prep->models, error)
      || !fer_prep_state_open (&prep->state, prep->journal, error))
    return FALSE;
  for (guint i = 0; i < prep->state.entries->len; i++) {
    const FerPrepEntry *e = prep->state.entries->pdata[i];
    for (guint k = 0; k < e->crops->len; k++) {
      g_array_append_val (prep->seen, g_array_index (e->dhashes, FerDHash, k));
      g_ptr_array_add (prep->seen_names, g_strconcat (e->class_name, "/", e->crops->pdata[k],
              NULL));
    }
  }
  char **classes = NULL;
  if (raw_dir) {
    FerRawTree *tree = fer_raw_scan (raw_dir, error);
    if (tree == NULL)
      return FALSE;
    classes = g_strdupv (tree->classes);
    fer_raw_tree_free (tree);
  } else {
    classes = g_strdupv ((char *[]) { video_label, NULL });
  }
  for (int c = 0; classes[c]; c++) {
    char *dir = g_build_filename (prep->crops_dir, classes[c], NULL);
    g_mkdir_with_parents (dir, 0755);
    g_free (dir);
  }
  g_strfreev (classes);
  if (prep->state.entries->len)
    g_printerr ("fer-prep: resuming: %u inputs already decided\n", prep->state.entries->len);
  return TRUE;
}

/* Every input decided, the split into train/ and val/, the reports and the completion mark. */
static gboolean
run (Prep *prep, const char *raw_dir, GHashTable *train, GHashTable *val, GError **error)
{
  return (raw_dir ? run_photos (prep, raw_dir, error) : run_video (prep, error))
      && split (prep, train, val, error)
      && fer_prep_write_reports (&prep->state, prep->out_dir, train, val, error)
      && fer_atomic_write_file (prep->done_marker, "", 0, error);
}

static guint
sum_of_counts (GHashTable *counts)
{
  guint sum = 0;
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    sum += GPOINTER_TO_UINT (value);
  return sum;
}

static void
report (const Prep *prep, GHashTable *train, GHashTable *val, double seconds)
{
  guint accepted = 0, crops = 0;
  for (guint i = 0; i < prep->state.entries->len; i++) {
    const FerPrepEntry *e = prep->state.entries->pdata[i];
    accepted += e->outcome == FER_PREP_ACCEPTED;
    crops += e->crops->len;
  }
  g_print ("fer-prep: %u inputs (%u this run) in %.1f s, %.1f inputs/s: accepted %u (%u crops), "
      "rejected %u; train %u, val %u\nfer-prep: report: %s/prep-report.txt\n",
      prep->state.entries->len, prep->processed, seconds, prep->processed / MAX (seconds, 1e-9),
      accepted, crops, prep->state.entries->len - accepted, sum_of_counts (train),
      sum_of_counts (val), prep->out_dir);
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  int status = parse_command_line (&argc, &argv);
  if (status != FER_EXIT_OK)
    return status;
  if (padding < 0)
    padding = video_path ? 0 : 0.5;
  if (threads > 0)
    fer_threads_set (threads);
  const char *raw_dir = video_path ? NULL : argv[1];
  Prep prep = { .out_dir = g_strdup (argv[video_path ? 1 : 2]) };
  prep.work_dir = g_build_filename (prep.out_dir, ".fer-prep", NULL);
  prep.crops_dir = g_build_filename (prep.work_dir, "crops", NULL);
  prep.journal = g_build_filename (prep.work_dir, "journal.jsonl", NULL);
  prep.done_marker = g_build_filename (prep.work_dir, "complete", NULL);
  prep.seen = g_array_new (FALSE, FALSE, sizeof (FerDHash));
  prep.seen_names = g_ptr_array_new_with_free_func (g_free);
  GHashTable *train = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *val = g_hash_table_new (g_str_hash, g_str_equal);
  const gint64 started = g_get_monotonic_time ();

  GError *error = NULL;
  if (prepare (&prep, raw_dir, &error) && run (&prep, raw_dir, train, val, &error)) {
    report (&prep, train, val, (g_get_monotonic_time () - started) / 1e6);
  } else {
    g_printerr ("fer-prep: %s\n", error ? error->message : "failed");
    if (prep.processed)
      g_printerr ("fer-prep: %u inputs decided this run are kept; run the same command with "
          "--resume to continue\n", prep.processed);
    status = FER_EXIT_FAILED;
  }
  g_clear_error (&error);
  g_hash_table_unref (train);
  g_hash_table_unref (val);
  if (prep.state.entries)
    fer_prep_state_close (&prep.state);
  fer_face_detector_choice_close (&prep.finder);
  if (prep.models)
    fer_face_models_release (prep.models);
  g_array_unref (prep.seen);
  g_ptr_array_unref (prep.seen_names);
  g_free (prep.done_marker);
  g_free (prep.journal);
  g_free (prep.crops_dir);
  g_free (prep.work_dir);
  g_free (prep.out_dir);
  return status;
}
