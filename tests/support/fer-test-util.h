/* fer-test-util.h: small helpers shared by the engine tests (header-only, either precision). */
#ifndef FER_TEST_UTIL_H
#define FER_TEST_UTIL_H

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Largest |got - want| over the largest |want|: an error relative to the tensor's scale, which
 * stays meaningful for elements near zero where an element-wise ratio does not. */
static inline double
fer_test_scaled_error (const double *got, const double *want, size_t n)
{
  double max_diff = 0, max_want = 0;
  for (size_t i = 0; i < n; i++) {
    max_diff = fmax (max_diff, fabs (got[i] - want[i]));
    max_want = fmax (max_want, fabs (want[i]));
  }
  return max_want > 0 ? max_diff / max_want : max_diff;
}

/* Fails the test, naming what differs, unless got matches want within tolerance. */
static inline void
fer_test_assert_close (const char *what, const double *got, const double *want, size_t n,
    double tolerance)
{
  const double error = fer_test_scaled_error (got, want, n);
  g_test_message ("%s: scaled error %.2g", what, error);
  if (!(error <= tolerance)) {
    size_t worst = 0;
    for (size_t i = 1; i < n; i++)
      if (fabs (got[i] - want[i]) > fabs (got[worst] - want[worst]))
        worst = i;
    g_test_message ("%s: scaled error %.3g > %.3g (element %zu: got %.9g, want %.9g)", what,
        error, tolerance, worst, got[worst], want[worst]);
    g_test_fail ();
  }
}

/* A path under the source tree's tests/ folder. */
static inline char *
fer_test_source_path (const char *relative)
{
  return g_build_filename (FER_TEST_SOURCE_DIR, relative, NULL);
}

/* Removes a temporary folder a test made, with everything in it. */
static inline void
fer_test_remove_tree (const char *dir)
{
  char *command = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (command) != 0)
    g_printerr ("could not remove %s\n", dir);
  g_free (command);
}

#endif /* FER_TEST_UTIL_H */
