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

typedef struct {
  int num_classes;
  char **labels;         /* num_classes names, NULL-terminated */
  int input_size;
  float mean[3];
  float std[3];
  char *crop;
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

/* FALSE, with an error naming the rule, when info's crop rule is not one this version knows. */
gboolean fer_model_info_check_transform (const FerModelInfo *info, const char *path,
    GError **error);

G_END_DECLS

#endif /* FER_MODEL_INFO_H */
