/* fer-threads.h: how many threads the engine uses.
 *
 * One pool (OpenMP) runs both the engine's loops and its GEMMs (gemm.h), with OpenBLAS kept to
 * one thread inside it: two pools on the same cores spin against each other.  The default is
 * OpenMP's (OMP_NUM_THREADS, else every core). */
#ifndef FER_THREADS_H
#define FER_THREADS_H

/* Sets the engine's thread count (>= 1) for the parallel regions the calling thread starts
 * (OpenMP keeps the count per thread: each GStreamer streaming thread sets its own). */
void fer_threads_set (int threads);
int fer_threads_get (void);

/* Keeps OpenBLAS to one thread; called by fer_simpleconv3_new, so any user of the engine gets it. */
void fer_threads_init (void);

#endif /* FER_THREADS_H */
