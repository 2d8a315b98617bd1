#include "base/sorting.h"

#include <stdlib.h>

int
fer_compare_doubles (const void *a, const void *b)
{
  const double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
fer_median (double *values, size_t n)
{
  qsort (values, n, sizeof *values, fer_compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}
