/* Fuzz target: the safetensors reader (src/io/safetensors.c) and, on what it accepts, every
 * tensor read through the dtype conversions and the simpleconv3 model-file checks (metadata,
 * names, shapes) of src/io/model-file.c. */
#include <stdint.h>

#include "fuzz-input.h"
#include "io/model-file.h"
#include "io/safetensors.h"

static void
read_every_tensor (const FerSafetensors *file)
{
  for (guint i = 0; i < file->tensors->len; i++) {
    const FerSafetensorsTensor *tensor = g_ptr_array_index (file->tensors, i);
    GError *error = NULL;
    if (fer_dtype_is_float (tensor->dtype)) {
      double *values = g_new (double, tensor->numel + 1);
      fer_safetensors_read_f64 (file, tensor, values, tensor->numel, &error);
      g_free (values);
    } else {
      int64_t *values = g_new (int64_t, tensor->numel + 1);
      fer_safetensors_read_i64 (file, tensor, values, tensor->numel, &error);
      g_free (values);
    }
    g_clear_error (&error);
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.safetensors", data, size);
  GError *error = NULL;
  FerSafetensors *file = fer_safetensors_load (path, &error);
  if (file == NULL) {
    g_clear_error (&error);
    return 0;
  }
  read_every_tensor (file);
  FerModelInfo *info = NULL;
  FerSimpleConv3 *model = fer_model_from_safetensors (file, NULL, &info, &error);
  g_clear_error (&error);
  if (model) {
    fer_simpleconv3_free (model);
    fer_model_info_free (info);
  }
  fer_safetensors_free (file);
  return 0;
}
