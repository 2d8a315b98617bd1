/* Fuzz target: fer-train-detector's checkpoint reader (tools/fer-train-detector/detector-run.c):
 * the training state JSON, the network, the heads and Adam's moments. */
#include <stdint.h>

#include "fuzz-input.h"
#include "detector-run.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.ckpt.safetensors", data, size);
  GError *error = NULL;
  FerDetectorRun run = { .history = g_array_new (FALSE, FALSE, sizeof (FerDetectorEpoch)) };
  FerDetectorTrainer *trainer = NULL;
  if (fer_detector_checkpoint_load (path, &run, &trainer, &error))
    fer_detector_trainer_free (trainer);
  g_clear_error (&error);
  g_array_unref (run.history);
  return 0;
}
