/* Fuzz target: a data folder's landmarks.csv (tools/fer-eval/landmarks-csv.c), read by fer-eval
 * beside mouth crops: header, quoted or bare file names, 136 numbers a row. */
#include <math.h>
#include <stdint.h>

#include "fuzz-input.h"
#include "landmarks-csv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fer_fuzz_input_file ("landmarks.csv", data, size);
  GError *error = NULL;
  GHashTable *table = fer_landmarks_csv_load (fer_fuzz_folder (), &error);
  /* Refused with an error, or every row accepted is 136 finite numbers. */
  if ((table == NULL) == (error == NULL) && !(table == NULL && error == NULL))
    __builtin_trap ();
  if (table) {
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init (&iter, table);
    while (g_hash_table_iter_next (&iter, &key, &value))
      for (int k = 0; k < 136; k++)
        if (!isfinite (((const float *) value)[k]))
          __builtin_trap ();
    g_hash_table_unref (table);
  }
  g_clear_error (&error);
  return 0;
}
