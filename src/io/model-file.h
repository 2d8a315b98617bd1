/* model-file.h: simpleconv3 models as safetensors files.
 *
 * Tensor names are PyTorch's state_dict keys, so a state_dict saved with safetensors (or any
 * writer of the format) loads as it is, and our files load in PyTorch.  __metadata__ describes
 * the model; a file without it (a plain PyTorch export) gets the seed's defaults.
 *
 *   format          "gst-fer-model"        format_version  "1"
 *   architecture    "simpleconv3"          num_classes     "4"
 *   labels          JSON array of names    input_size      "48"
 *   mean, std       JSON arrays of 3       crop            FER_MODEL_CROP_SEED
 * Any other entry (training data, command, accuracy...) is kept in FerModelInfo.extra. */
#ifndef FER_MODEL_FILE_H
#define FER_MODEL_FILE_H

#include <glib.h>
#include "io/model-info.h"
#include "io/safetensors.h"
#include "nn/simpleconv3.h"

G_BEGIN_DECLS

/* Loads and validates a model: every simpleconv3 tensor present, with its exact shape and a
 * floating-point dtype (F32, F16, BF16, F64), finite values, no unexpected tensors, metadata
 * consistent with the tensors.  The model is returned in evaluation mode. */
FerSimpleConv3 *fer_model_load (const char *path, FerModelInfo **info, GError **error);

/* Writes the model as F32 safetensors with info as metadata, atomically. */
gboolean fer_model_save (FerSimpleConv3 *model, const FerModelInfo *info, const char *path,
    GError **error);

/* The same two halves for files that hold more than a model (training checkpoints): read the
 * model out of an open safetensors file whose other tensors are named in also_allowed (NULL for
 * none), or add the model's tensors and metadata to a writer. */
FerSimpleConv3 *fer_model_from_safetensors (const FerSafetensors *file,
    const char *const *also_allowed, FerModelInfo **info, GError **error);
gboolean fer_model_add_to_writer (FerSimpleConv3 *model, const FerModelInfo *info,
    FerSafetensorsWriter *writer, const char *path, GError **error);

G_END_DECLS

#endif /* FER_MODEL_FILE_H */
