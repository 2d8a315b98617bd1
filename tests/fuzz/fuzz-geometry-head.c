/* Fuzz target: a model's geometry head, the JSON of its metadata entry mouth_geometry
 * (src/expression/geometry-head.c), which every model file may carry: what it accepts must give
 * probabilities (finite, summing to 1) for any mouth. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "expression/geometry-head.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FerModelInfo *info = fer_model_info_new (4);
  g_hash_table_insert (info->extra, g_strdup (FER_GEOMETRY_HEAD_KEY),
      g_strndup ((const char *) data, size));
  GError *error = NULL;
  FerGeometryHead *head = fer_geometry_head_from_info (info, "/fuzz/model.safetensors", &error);
  if (head) {
    static const double mouths[3][FER_MOUTH_FEATURES] = {
      { 0, 0, 0.8 }, { 0.35, -0.1, 1.2 }, { 1e3, -1e3, 1e3 },
    };
    for (int m = 0; m < 3; m++) {
      float p[4] = { 0.7f, 0.1f, 0.2f, 0.0f };
      fer_geometry_head_apply (head, mouths[m], p);
      double sum = 0;
      for (int c = 0; c < 4; c++) {
        if (!(p[c] >= 0 && p[c] <= 1))
          __builtin_trap ();
        sum += p[c];
      }
      if (fabs (sum - 1) > 1e-4)
        __builtin_trap ();
    }
    fer_geometry_head_free (head);
  }
  g_clear_error (&error);
  fer_model_info_free (info);
  return 0;
}
