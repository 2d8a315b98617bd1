/* image-hash.h: what makes two inputs duplicates.
 *
 * Exact duplicates have the same bytes (SHA-256 of the file).  Near duplicates are the same
 * picture resized or recompressed: their difference hashes (dHash: the luma shrunk to 17x16 with
 * an antialiasing filter, one bit per horizontal neighbour pair, "left brighter than right", 256
 * bits) are within FER_NEAR_DUPLICATE_BITS.  Photos are compared whole, video frames by their
 * mouth crops (so a mouth held still over many frames is kept once).  The usual 64-bit dHash is
 * too coarse for face photos: on helen-dev's 433 tight face crops, different people fell within
 * 5 of 64 bits; with 256 bits the one true duplicate pair is 2 bits apart, a resized and
 * recompressed copy 3, and every pair of different photos at least 36. */
#ifndef FER_IMAGE_HASH_H
#define FER_IMAGE_HASH_H

#include <glib.h>
#include <stdint.h>
#include "face/face-finder.h"
#include "image/image.h"

/* Hamming distance (of 256 bits) at or below which two images are near duplicates. */
#define FER_NEAR_DUPLICATE_BITS 16

typedef struct {
  uint64_t bits[4];
} FerDHash;

/* The file's SHA-256 as 64 hex digits (free it), or NULL with error. */
char *fer_file_sha256 (const char *path, GError **error);

FerDHash fer_image_dhash (const FerImage *image);

int fer_hamming (const FerDHash *a, const FerDHash *b);

/* As 64 hex digits (buffer of 65), and back (FALSE unless 64 hex digits). */
void fer_dhash_to_hex (const FerDHash *hash, char hex[65]);
gboolean fer_dhash_from_hex (const char *hex, FerDHash *hash);

#endif /* FER_IMAGE_HASH_H */
