/* Fuzz target: fer-train's checkpoint reader (tools/fer-train/checkpoint.c): the training state
 * JSON in the metadata (options, position, generator, history), then the model and momentum. */
#include <stdint.h>

#include "fuzz-input.h"
#include "checkpoint.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.checkpoint", data, size);
  GError *error = NULL;
  FerModelInfo *info = NULL;
  FerTrainer *trainer = fer_checkpoint_load (path, &info, &error);
  g_clear_error (&error);
  if (trainer) {
    fer_trainer_free (trainer);
    fer_model_info_free (info);
  }
  return 0;
}
