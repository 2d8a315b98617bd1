#include "nn/gemm.h"

#include <glib.h>
#include <omp.h>

#include "nn/fer-parallel.h"

/* Below this many multiply-adds a GEMM stays on one thread. */
#define MIN_PARALLEL_FLOPS (1 << 18)

/* Columns or rows per slab are rounded to this, so slabs start on whole SIMD blocks. */
#define SLAB_ALIGN 16

void
FER_FN (fer_gemm_parallel) (CBLAS_TRANSPOSE trans_a, CBLAS_TRANSPOSE trans_b, int m, int n,
    int k, fer_real alpha, const fer_real *a, int lda, const fer_real *b, int ldb, fer_real beta,
    fer_real *c, int ldc)
{
  const int threads = omp_get_max_threads ();
  if (threads == 1 || (double) m * n * k < MIN_PARALLEL_FLOPS || omp_in_parallel ()) {
    fer_gemm (CblasRowMajor, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const gboolean split_columns = n >= m;
  const int extent = split_columns ? n : m;
  int slab = (extent + threads - 1) / threads;
  slab = (slab + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN;

#pragma omp parallel for schedule (static) num_threads (threads)
  for (int t = 0; t < threads; t++) {
    const int begin = t * slab, count = MIN (slab, extent - begin);
    if (count <= 0)
      continue;
    if (split_columns) {
      /* Columns begin.. of op(B) and of C. */
      const fer_real *b_slab = trans_b == CblasNoTrans ? b + begin : b + (size_t) begin * ldb;
      fer_gemm (CblasRowMajor, trans_a, trans_b, m, count, k, alpha, a, lda, b_slab, ldb, beta,
          c + begin, ldc);
    } else {
      /* Rows begin.. of op(A) and of C. */
      const fer_real *a_slab = trans_a == CblasNoTrans ? a + (size_t) begin * lda : a + begin;
      fer_gemm (CblasRowMajor, trans_a, trans_b, count, n, k, alpha, a_slab, lda, b, ldb, beta,
          c + (size_t) begin * ldc, ldc);
    }
  }
}

void
FER_FN (fer_gemv_parallel) (int m, int n, const fer_real *w, const fer_real *x, fer_real *y)
{
  const int threads = omp_get_max_threads ();
  if (threads == 1 || (double) m * n < MIN_PARALLEL_FLOPS || omp_in_parallel ()) {
    fer_gemv (CblasRowMajor, CblasNoTrans, m, n, 1, w, n, x, 1, 1, y, 1);
    return;
  }
  int slab = (m + threads - 1) / threads;
  slab = (slab + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN;

#pragma omp parallel for schedule (static) num_threads (threads)
  for (int t = 0; t < threads; t++) {
    const int begin = t * slab, count = MIN (slab, m - begin);
    if (count > 0)
      fer_gemv (CblasRowMajor, CblasNoTrans, count, n, 1, w + (size_t) begin * n, n, x, 1, 1,
          y + begin, 1);
  }
}
