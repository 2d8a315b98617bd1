/* gemm.h: row-major C = alpha * op(A) . op(B) + beta * C, split across the engine's threads.
 *
 * The engine keeps one pool of threads (OpenMP) for everything: OpenBLAS is told to use one
 * thread and each of ours multiplies its own slab of C (rows or columns, whichever are more).
 * Two pools (OpenBLAS's and OpenMP's) on two cores spin against each other between calls and
 * made training three times slower; see fer-threads.h for how the count is set. */
#ifndef FER_GEMM_H
#define FER_GEMM_H

#include "nn/fer-real.h"

void FER_FN (fer_gemm_parallel) (CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, int m, int n,
    int k, fer_real alpha, const fer_real *a, int lda, const fer_real *b, int ldb, fer_real beta,
    fer_real *c, int ldc);

/* y = W . x + y for row-major W[m][n] (GEMV), rows split across the engine's threads: one
 * image's pass through fc1 reads 5.8 MB of weights, and two cores read it faster than one. */
void FER_FN (fer_gemv_parallel) (int m, int n, const fer_real *w, const fer_real *x, fer_real *y);

#endif /* FER_GEMM_H */
