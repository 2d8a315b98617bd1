/* safetensors.h: the safetensors file format, read and written.
 *
 *   8 bytes   little-endian u64 N, the header's length
 *   N bytes   JSON object: "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 *             plus an optional "__metadata__": {string: string}
 *   rest      the tensors' bytes, little-endian, offsets relative to the end of the header
 *
 * Loading validates the whole structure before anything is used: header length against the file
 * size, well-formed JSON, known dtypes, shapes, offsets inside the data section and matching the
 * shape, no two tensors overlapping.  Every failure names the file and the tensor or field. */
#ifndef FER_SAFETENSORS_H
#define FER_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

#define FER_SAFETENSORS_MAX_DIMS 8
/* The reference implementation refuses larger headers too. */
#define FER_SAFETENSORS_MAX_HEADER (100u * 1000 * 1000)

typedef enum {
  FER_DTYPE_F64, FER_DTYPE_F32, FER_DTYPE_F16, FER_DTYPE_BF16,
  FER_DTYPE_I64, FER_DTYPE_I32, FER_DTYPE_I16, FER_DTYPE_I8, FER_DTYPE_U8, FER_DTYPE_BOOL,
} FerDtype;

const char *fer_dtype_name (FerDtype dtype);
size_t fer_dtype_size (FerDtype dtype);
gboolean fer_dtype_is_float (FerDtype dtype);

typedef struct {
  char *name;
  FerDtype dtype;
  int ndim;
  int64_t shape[FER_SAFETENSORS_MAX_DIMS];
  size_t numel;
  size_t begin, end;     /* byte offsets in the data section */
} FerSafetensorsTensor;

typedef struct {
  char *path;
  guint8 *contents;      /* the whole file */
  size_t length;
  const guint8 *data;    /* the data section, inside contents */
  size_t data_size;
  GPtrArray *tensors;    /* FerSafetensorsTensor *, in header order */
  GHashTable *metadata;  /* char * -> char *, empty when the file has none */
} FerSafetensors;

FerSafetensors *fer_safetensors_load (const char *path, GError **error);
void fer_safetensors_free (FerSafetensors *file);

const FerSafetensorsTensor *fer_safetensors_find (const FerSafetensors *file, const char *name);

/* Converts a floating-point tensor (F32, F16, BF16 or F64) to count floats; count must be its
 * number of elements.  Fails, naming the tensor, on another dtype. */
gboolean fer_safetensors_read_f32 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    float *out, size_t count, GError **error);
gboolean fer_safetensors_read_f64 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    double *out, size_t count, GError **error);
/* Reads an integer tensor (I64, I32, I16, I8, U8) as int64. */
gboolean fer_safetensors_read_i64 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    int64_t *out, size_t count, GError **error);

/* Writing: tensors are referenced, not copied, until save returns. */
typedef struct _FerSafetensorsWriter FerSafetensorsWriter;

FerSafetensorsWriter *fer_safetensors_writer_new (void);
void fer_safetensors_writer_free (FerSafetensorsWriter *writer);
void fer_safetensors_writer_add (FerSafetensorsWriter *writer, const char *name, FerDtype dtype,
    int ndim, const int64_t *shape, const void *data);
void fer_safetensors_writer_set_metadata (FerSafetensorsWriter *writer, const char *key,
    const char *value);
/* Writes atomically (atomic-file.h). */
gboolean fer_safetensors_writer_save (FerSafetensorsWriter *writer, const char *path,
    GError **error);

G_END_DECLS

#endif /* FER_SAFETENSORS_H */
