/* training-data.h: what fer-train trains on: the ImageFolder found (train/ + val/, or one
 * folder split per class), the data report of skipped files, and the validation images
 * preprocessed once with the inference transform. */
#ifndef FER_TRAINING_DATA_H
#define FER_TRAINING_DATA_H

#include "image/dataset.h"
#include "image/image-folder.h"
#include "image/transforms.h"
#include "io/model-file.h"
#include "progress.h"

typedef struct {
  FerImageFolder *train_folder, *val_folder;   /* val_folder NULL: split from train_folder */
  GArray *train_samples, *val_samples;         /* FerSample (paths borrowed from the folders) */
} FerSplit;

/* root/train + root/val when both exist (same class folders required), else root's class
 * folders with val_split of each class (at least one, never all) drawn for validation. */
gboolean fer_split_scan (const char *root, double val_split, FerSplit *s, guint64 split_seed,
    GError **error);
void fer_split_clear (FerSplit *s);

/* Writes the data report (every file skipped, by reason) of n sources and sums it up on
 * stderr. */
void fer_split_write_report (const char *path, const FerSplit *splits, int n,
    const FerLoadReport *report);

/* FALSE, naming the class, when one has no usable image left. */
gboolean fer_check_classes_present (const FerDataset *data, char **classes, int n_classes,
    const char *what, GError **error);

/* [n][3][48][48]: every image through fer_preprocess_center. */
float *fer_preprocess_all (const FerDataset *data, const FerModelInfo *info);

/* A FerLoadOptions.progress callback drawing a bar labelled label. */
typedef struct {
  FerProgress bar;
  const char *label;
} FerLoadProgress;
void fer_load_progress (int done, int total, gpointer user_data);

#endif /* FER_TRAINING_DATA_H */
