/* Fuzz target: fer-prep's journal reader (tools/fer-prep/prep-state.c), which --resume trusts to
 * know what was decided before: one JSON line per input, the last possibly cut short. */
#include <stdint.h>

#include "fuzz-input.h"
#include "prep-state.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("journal.jsonl", data, size);
  FerPrepState state;
  GError *error = NULL;
  if (fer_prep_state_open (&state, path, &error)) {
    /* What the run asks of a resumed state. */
    fer_prep_state_done (&state, "smile", "a.jpg");
    fer_prep_state_close (&state);
  }
  g_clear_error (&error);
  return 0;
}
