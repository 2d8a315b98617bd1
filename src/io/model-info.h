/* model-info.h: what a model file says about its model (its __metadata__, typed): format,
 * architecture, classes and their labels, the inference transform (input size, mean, std, crop
 * rule), and the training record fer-train leaves in it. */
#ifndef FER_MODEL_INFO_H
#define FER_MODEL_INFO_H

#include <glib.h>
#include "nn/simpleconv3.h"

G_BEGIN_DECLS

#define FER_MODEL_FORMAT "gst-fer-model"
#define FER_MODEL_FORMAT_VERSION 1
#define FER_MODEL_ARCHITECTURE "simpleconv3"
/* The seed's inference transform: Resize (shorter side 64), CenterCrop (48). */
#define FER_MODEL_CROP_SEED "resize-shorter-64-center-crop-48"

/* How a model was trained, as fer-train records it in the file (metadata keys in brackets).
 * Fields not recorded are NULL, -1 or NaN; other writers (a PyTorch export) record none. */
typedef struct {
  char *trained_by;        /* [trained_by] the tool and version, "fer-train 0.1.0" */
  char *training_data;     /* [training_data] the data folder */
  char **class_folders;    /* [class_folders] the class folders in class order (comma-separated) */
  char *options;           /* [training_options] the effective options, as JSON */
  int train_images;        /* [train_images] */
  int val_images;          /* [val_images] */
  int epoch;               /* [epoch] the epoch whose weights these are, from 1 */
  double val_accuracy;     /* [val_accuracy] their validation accuracy, 0..1 */
} FerTrainingRecord;

typedef struct {
  int num_classes;
  char **labels;         /* num_classes names, NULL-terminated */
  int input_size;
  float mean[3];
  float std[3];
  char *crop;
  FerTrainingRecord training;
  GHashTable *extra;     /* char * -> char *: other metadata, written back as it is */
} FerModelInfo;

/* The seed's description of a model of num_classes: labels none, pouting, smile, openmouth for
 * four classes ("class0".. otherwise), input 48, mean = std = 0.5, the seed's crop. */
FerModelInfo *fer_model_info_new (int num_classes);
FerModelInfo *fer_model_info_copy (const FerModelInfo *info);
void fer_model_info_free (FerModelInfo *info);
/* Replaces the labels; FALSE (labels unchanged) unless there are exactly num_classes non-empty,
 * distinct names. */
gboolean fer_model_info_set_labels (FerModelInfo *info, const char *const *labels);

/* The training record's metadata: whether key is one of its keys; its fields read from a file's
 * metadata (FALSE, with an error naming the file and key, for a value that is not what the key
 * holds); its recorded fields as metadata entries (added to a char * -> char * table). */
gboolean fer_training_record_has_key (const char *key);
gboolean fer_training_record_read (FerTrainingRecord *record, GHashTable *metadata,
    const char *path, GError **error);
void fer_training_record_write (const FerTrainingRecord *record, GHashTable *metadata);

/* FALSE, with an error naming the rule, when info's crop rule is not one this version knows. */
gboolean fer_model_info_check_transform (const FerModelInfo *info, const char *path,
    GError **error);

G_END_DECLS

#endif /* FER_MODEL_INFO_H */
