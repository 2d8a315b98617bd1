/* synthetic-mouths.h: generated 48x48 pictures of the four mouth classes, drawn as simple
 * glyphs on noisy backgrounds: a flat line (none), a small ring (pouting), an upward arc (smile),
 * a filled ellipse (openmouth), each at a random place, size and colour.  Real enough to need
 * the convolutions, small enough to learn in seconds; used by the engine demo and the training
 * test, never as a stand-in for the real data. */
#ifndef FER_SYNTHETIC_MOUTHS_H
#define FER_SYNTHETIC_MOUTHS_H

#include <stdint.h>
#include "base/fer-rng.h"

#define FER_SYNTHETIC_CLASSES 4

/* Draws one image of class label into image[3][48][48], normalised like the seed's transform
 * ((x - 0.5) / 0.5, so in [-1, 1]). */
void fer_synthetic_mouth_draw (float *image, int label, FerRng *rng);

/* count images with balanced labels, in a random order, into images and labels. */
void fer_synthetic_mouths (float *images, int *labels, int count, uint64_t seed);

#endif /* FER_SYNTHETIC_MOUTHS_H */
