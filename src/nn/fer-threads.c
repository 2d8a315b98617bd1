#include "nn/fer-threads.h"

#include <cblas.h>
#include <omp.h>

void
fer_threads_init (void)
{
  openblas_set_num_threads (1);
}

void
fer_threads_set (int threads)
{
  fer_threads_init ();
  omp_set_num_threads (threads < 1 ? 1 : threads);
}

int
fer_threads_get (void)
{
  return omp_get_max_threads ();
}
