/* sorting.h: an ordering of doubles for qsort, and the median that sorts with it. */
#ifndef FER_SORTING_H
#define FER_SORTING_H

#include <stddef.h>

/* qsort's comparison of two doubles, ascending. */
int fer_compare_doubles (const void *a, const void *b);

/* The median of values[0..n-1] (n >= 1; the mean of the middle two when n is even), sorting
 * them in place. */
double fer_median (double *values, size_t n);

#endif /* FER_SORTING_H */
