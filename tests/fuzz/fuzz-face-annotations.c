/* Fuzz target: the seed's face-box CSV (src/detect/face-annotations.c), read by
 * fer-train-detector and fer-eval --detector: fields, quoting, numbers, boxes, grouping. */
#include <stdint.h>

#include "detect/face-annotations.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FerFaceAnnotations *a = fer_face_annotations_parse ((const char *) data, size,
      "/fuzz/faces.csv");
  /* Everything it accepted must be usable as the tools use it. */
  for (guint i = 0; i < a->photos->len; i++) {
    const FerAnnotatedPhoto *p = a->photos->pdata[i];
    if (p->width < 1 || p->height < 1 || p->path == NULL)
      __builtin_trap ();
    for (guint k = 0; k < p->faces->len; k++) {
      const FerBoxF *b = &g_array_index (p->faces, FerBoxF, k);
      if (!(b->width > 0 && b->height > 0 && b->x >= 0 && b->y >= 0
              && b->x + b->width <= p->width && b->y + b->height <= p->height))
        __builtin_trap ();
    }
  }
  fer_face_annotations_free (a);
  return 0;
}
