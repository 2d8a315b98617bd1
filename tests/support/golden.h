/* golden.h: reading the reference files of tests/golden (made by the PyTorch scripts there). */
#ifndef FER_TEST_GOLDEN_H
#define FER_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>
#include "io/safetensors.h"

/* The golden file tests/golden/name, loaded (fails the test when it cannot be). */
FerSafetensors *fer_test_golden_load (const char *name);

/* A tensor's values as doubles, or integers (free with g_free); *count (may be NULL) gets their
 * number.  A missing tensor fails the test, naming it. */
double *fer_test_golden_f64 (const FerSafetensors *golden, const char *name, size_t *count);
int64_t *fer_test_golden_i64 (const FerSafetensors *golden, const char *name, size_t *count);

#endif /* FER_TEST_GOLDEN_H */
