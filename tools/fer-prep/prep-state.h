/* prep-state.h: what fer-prep has decided so far, kept in OUT_DIR/.fer-prep/journal.jsonl (one
 * JSON line per input, appended as it is decided) so that an interrupted run continues where it
 * stopped (--resume), and turned into the report at the end. */
#ifndef FER_PREP_STATE_H
#define FER_PREP_STATE_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#include "box/box.h"
#include "face/mouth-box.h"
#include "image-hash.h"

typedef enum {
  FER_PREP_ACCEPTED,
  FER_PREP_EMPTY,
  FER_PREP_UNREADABLE,
  FER_PREP_NOT_IMAGE,
  FER_PREP_CORRUPT,
  FER_PREP_NO_FACE,
  FER_PREP_SMALL_MOUTH,
  FER_PREP_DUPLICATE,
  FER_PREP_NEAR_DUPLICATE,
  FER_PREP_N_OUTCOMES
} FerPrepOutcome;

/* "accepted", "empty", "unreadable", "not-image", "corrupt", "no-face", "small-mouth",
 * "duplicate", "near-duplicate" */
const char *fer_prep_outcome_name (FerPrepOutcome outcome);

/* A crop's 68 face landmarks (x0, y0, ... x67, y67) in its input's pixels; NAN when the journal
 * of an older fer-prep has none. */
typedef struct {
  float xy[2 * FER_LANDMARKS];
} FerPrepLandmarks;

typedef struct {
  char *class_name;
  char *source;          /* the input: path below RAW_DIR, or VIDEO#frame */
  FerPrepOutcome outcome;
  char *reason;          /* why rejected (NULL when accepted) */
  char *sha256;          /* NULL for video frames and unreadable files */
  GPtrArray *crops;      /* file names of the crops kept (char *) */
  GArray *dhashes;       /* FerDHash per kept crop (of the photo, or of the crop for video) */
  GArray *mouths;        /* FerBox per kept crop: its mouth box in the input's pixels */
  GArray *openings;      /* double per kept crop: fer_mouth_opening (NAN: not recorded) */
  GArray *landmarks;     /* FerPrepLandmarks per kept crop */
} FerPrepEntry;

typedef struct {
  char *journal_path;
  FILE *journal;
  GPtrArray *entries;          /* FerPrepEntry *, in decision order */
  GHashTable *done;            /* "class\nsource" -> entry */
  GHashTable *by_sha256;       /* sha256 -> entry (accepted or not, first seen) */
  GHashTable *crop_names;      /* "class/name" -> TRUE */
} FerPrepState;

/* Opens (creating or, to resume, reading) the journal; FALSE with error. */
gboolean fer_prep_state_open (FerPrepState *state, const char *journal_path, GError **error);
void fer_prep_state_close (FerPrepState *state);

gboolean fer_prep_state_done (FerPrepState *state, const char *class_name, const char *source);

/* Records a decision (taking ownership of entry) and appends it to the journal. */
gboolean fer_prep_state_add (FerPrepState *state, FerPrepEntry *entry, GError **error);

void fer_prep_entry_free (FerPrepEntry *entry);

/* The report: counts per class and outcome, then every rejected input with its reason, as text
 * and as JSON, written atomically; split counts per class come from train/val.  The JSON also
 * lists every kept crop with its input, mouth box, mouth opening and landmarks, so data can be
 * sorted by how open the mouths are and models given the mouths' geometry (tools/expression-data/). */
gboolean fer_prep_write_reports (FerPrepState *state, const char *out_dir, GHashTable *train,
    GHashTable *val, GError **error);

#endif /* FER_PREP_STATE_H */
