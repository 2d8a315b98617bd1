#include "base/fer-rng.h"

#include <math.h>

static uint64_t
splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
fer_rng_init (FerRng *rng, uint64_t seed)
{
  uint64_t state = seed;
  uint64_t a = splitmix64 (&state), b = splitmix64 (&state);
  rng->s[0] = (uint32_t) a;
  rng->s[1] = (uint32_t) (a >> 32);
  rng->s[2] = (uint32_t) b;
  rng->s[3] = (uint32_t) (b >> 32);
  /* xoshiro must not start from the all-zero state. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
}

static inline uint32_t
rotl (uint32_t x, int k)
{
  return (x << k) | (x >> (32 - k));
}

uint32_t
fer_rng_next_u32 (FerRng *rng)
{
  uint32_t *s = rng->s;
  uint32_t result = rotl (s[1] * 5, 7) * 9;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 11);
  return result;
}

double
fer_rng_uniform (FerRng *rng)
{
  return (fer_rng_next_u32 (rng) >> 8) * (1.0 / 16777216.0);
}

double
fer_rng_uniform_range (FerRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * fer_rng_uniform (rng);
}

uint32_t
fer_rng_below (FerRng *rng, uint32_t n)
{
  /* Lemire's nearly-divisionless method. */
  uint64_t m = (uint64_t) fer_rng_next_u32 (rng) * n;
  uint32_t low = (uint32_t) m;
  if (low < n) {
    uint32_t threshold = -n % n;
    while (low < threshold) {
      m = (uint64_t) fer_rng_next_u32 (rng) * n;
      low = (uint32_t) m;
    }
  }
  return (uint32_t) (m >> 32);
}

double
fer_rng_normal (FerRng *rng)
{
  /* 1 - u lies in (0, 1], so the logarithm is finite. */
  double u1 = 1.0 - fer_rng_uniform (rng);
  double u2 = fer_rng_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * 3.14159265358979323846 * u2);
}

static void
swap_bytes (unsigned char *a, unsigned char *b, size_t size)
{
  for (size_t k = 0; k < size; k++) {
    const unsigned char t = a[k];
    a[k] = b[k];
    b[k] = t;
  }
}

void
fer_rng_shuffle (FerRng *rng, void *items, size_t n, size_t item_size)
{
  unsigned char *bytes = items;
  for (size_t i = n > 1 ? n - 1 : 0; i > 0; i--) {
    const size_t j = fer_rng_below (rng, (uint32_t) (i + 1));
    if (j != i)
      swap_bytes (bytes + i * item_size, bytes + j * item_size, item_size);
  }
}
