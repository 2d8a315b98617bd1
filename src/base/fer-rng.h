/* fer-rng.h: a small, seeded, portable random number generator (xoshiro128**, seeded by
 * splitmix64).  The same seed gives the same sequence on every machine, which is what makes
 * initialisation and training reproducible; it does not reproduce PyTorch's generator. */
#ifndef FER_RNG_H
#define FER_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t s[4];
} FerRng;

void fer_rng_init (FerRng *rng, uint64_t seed);
uint32_t fer_rng_next_u32 (FerRng *rng);
/* Uniform in [0, 1) with 24 random bits: exactly representable as float. */
double fer_rng_uniform (FerRng *rng);
/* Uniform in [lo, hi). */
double fer_rng_uniform_range (FerRng *rng, double lo, double hi);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint32_t fer_rng_below (FerRng *rng, uint32_t n);
/* Standard normal (Box-Muller). */
double fer_rng_normal (FerRng *rng);
/* Fisher-Yates: n items of item_size bytes in a uniformly random order (for i from n - 1 down
 * to 1, item i swapped with item fer_rng_below (i + 1)), the same order for the same state. */
void fer_rng_shuffle (FerRng *rng, void *items, size_t n, size_t item_size);

#endif /* FER_RNG_H */
