/* Fuzz target: network model files (src/io/net-file.c): the layer description in the metadata,
 * the chaining of shapes, and the tensors each layer needs. */
#include <stdint.h>

#include "fuzz-input.h"
#include "io/net-file.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.safetensors", data, size);
  GError *error = NULL;
  GHashTable *extra = NULL;
  FerNet *net = fer_net_load (path, 2, 4, &extra, &error);
  g_clear_error (&error);
  if (net) {
    fer_net_free (net);
    g_hash_table_unref (extra);
  }
  return 0;
}
