/* fer-parallel.h: when the engine's own loops (batchnorm, im2col, SGD...) split across threads.
 *
 * GEMMs are threaded by OpenBLAS; the loops around them run under OpenMP, but only when there is
 * enough work to pay for waking a thread: a batch-1 forward pass stays on the calling thread,
 * where fork/join would cost more than the loop.  FER_PARALLEL_MIN_WORK is in elements touched. */
#ifndef FER_PARALLEL_H
#define FER_PARALLEL_H

#define FER_PARALLEL_MIN_WORK 65536

#define FER_PRAGMA(x) _Pragma (#x)
/* A parallel for over the next loop when work (elements) is large enough. */
#define FER_PARALLEL_FOR(work) FER_PRAGMA (omp parallel for schedule (static) if ((work) >= FER_PARALLEL_MIN_WORK))

#endif /* FER_PARALLEL_H */
