/* dataset.h: an ImageFolder's images decoded once and held in memory.
 *
 * Decoding runs on every thread.  Files that cannot be used are skipped, never fatal, and each
 * is listed in the FerLoadReport with its reason: not an image, corrupt or truncated, unreadable,
 * smaller than min_size.  Memory is bounded: images whose shorter side exceeds cache_size are
 * stored downscaled to it (PIL's bilinear filter), and the whole set must fit in max_bytes. */
#ifndef FER_DATASET_H
#define FER_DATASET_H

#include <glib.h>
#include "image/image.h"
#include "image/image-folder.h"

G_BEGIN_DECLS

typedef struct {
  int min_size;            /* smaller images (either side) are skipped; 0 keeps all */
  int cache_size;          /* shorter side stored at most this (0: as decoded) */
  size_t max_bytes;        /* decoded pixels allowed in all */
  /* Called on the calling thread now and then with the number of files done. */
  void (*progress) (int done, int total, gpointer user_data);
  gpointer user_data;
} FerLoadOptions;

typedef struct {
  GPtrArray *not_images;   /* messages, one per skipped file, for each reason */
  GPtrArray *corrupt;
  GPtrArray *unreadable;
  GPtrArray *too_small;
} FerLoadReport;

typedef struct {
  int count;
  FerImage **images;
  int *labels;
  char **paths;            /* NULL-terminated */
  size_t bytes;            /* pixels held */
} FerDataset;

void fer_load_report_init (FerLoadReport *report);
void fer_load_report_clear (FerLoadReport *report);
int fer_load_report_skipped (const FerLoadReport *report);

/* Decodes samples[0..count).  Fails only when the decoded images would exceed max_bytes
 * (FER_ERROR_DATA, saying how much is needed). */
FerDataset *fer_dataset_load (const FerSample *samples, int count, const FerLoadOptions *options,
    FerLoadReport *report, GError **error);
void fer_dataset_free (FerDataset *dataset);

G_END_DECLS

#endif /* FER_DATASET_H */
