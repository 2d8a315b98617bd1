/* test-frames.h: video frames for the element tests, built from the bundled public-domain photo
 * (tests/data/astronaut.jpg). */
#ifndef FER_TEST_FRAMES_H
#define FER_TEST_FRAMES_H

#include <gst/gst.h>
#include "image/image.h"

/* The bundled photo (tests/data/astronaut.jpg, 512 x 512 RGB); fails the test if it cannot be
 * read.  Free it with fer_image_free. */
FerImage *fer_test_astronaut (void);

/* An RGB buffer (stride padded as GstVideoInfo wants) of image pasted at (x, y) on a grey canvas
 * of width x height; image may be NULL (a blank frame). */
GstBuffer *fer_test_rgb_buffer (const FerImage *image, int width, int height, int x, int y);

/* count copies of image side by side (10 px apart, 20 px from the top) on a grey canvas; its size
 * is returned in width, height. */
GstBuffer *fer_test_row_of_faces (const FerImage *image, int count, int *width, int *height);

#endif /* FER_TEST_FRAMES_H */
