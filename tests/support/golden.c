#include "golden.h"

#include <glib.h>

#include "fer-test-util.h"

FerSafetensors *
fer_test_golden_load (const char *name)
{
  char *relative = g_build_filename ("golden", name, NULL);
  char *path = fer_test_source_path (relative);
  GError *error = NULL;
  FerSafetensors *golden = fer_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_free (path);
  g_free (relative);
  return golden;
}

static const FerSafetensorsTensor *
find (const FerSafetensors *golden, const char *name)
{
  const FerSafetensorsTensor *t = fer_safetensors_find (golden, name);
  if (t == NULL)
    g_error ("golden tensor '%s' is missing: make the golden files again", name);
  return t;
}

double *
fer_test_golden_f64 (const FerSafetensors *golden, const char *name, size_t *count)
{
  const FerSafetensorsTensor *t = find (golden, name);
  double *values = g_new (double, MAX (t->numel, 1));
  g_assert_true (fer_safetensors_read_f64 (golden, t, values, t->numel, NULL));
  if (count)
    *count = t->numel;
  return values;
}

int64_t *
fer_test_golden_i64 (const FerSafetensors *golden, const char *name, size_t *count)
{
  const FerSafetensorsTensor *t = find (golden, name);
  int64_t *values = g_new (int64_t, MAX (t->numel, 1));
  g_assert_true (fer_safetensors_read_i64 (golden, t, values, t->numel, NULL));
  if (count)
    *count = t->numel;
  return values;
}
