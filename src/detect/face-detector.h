/* face-detector.h: finding faces with our own detector (detector-design.h) in a grey image: the
 * image is letterboxed into the network's input (letterbox.h: its shape kept, padded with mid
 * grey), one forward pass scores every anchor, the offsets of those above the threshold move
 * them onto the faces (box-offset.h), overlapping ones are merged (nms.h) and the boxes are
 * mapped back to the image.  No GStreamer, no OpenCV: fermouthcrop, fer-eval and the tests
 * share it. */
#ifndef FER_FACE_DETECTOR_H
#define FER_FACE_DETECTOR_H

#include <glib.h>
#include <stdint.h>
#include "box/nms.h"
#include "detect/detector-design.h"

G_BEGIN_DECLS

typedef struct _FerFaceDetector FerFaceDetector;

/* A detector model file (net-file.h, with the "detector" metadata), run with its own input
 * size as the box frames are fitted into, or input_width x input_height when both are > 0
 * (multiples of 16 from 64 to 2048).  Each frame runs at the box cut to its shape (a square
 * frame in a 320x240 box: 240x240), so no time goes to padding.
 * Errors name the file and what is wrong. */
FerFaceDetector *fer_face_detector_load (const char *path, int input_width, int input_height,
    GError **error);
void fer_face_detector_free (FerFaceDetector *detector);

/* A detector of design with a copy of net's weights, at width x height (0 x 0: net's input
 * size); used by training to measure the model it is making. */
FerFaceDetector *fer_face_detector_new (const FerDetectorDesign *design, FerNet *net,
    int width, int height, GError **error);

/* The box frames are fitted into, and the score threshold the model suggests. */
void fer_face_detector_input_size (const FerFaceDetector *detector, int *width, int *height);
double fer_face_detector_default_threshold (const FerFaceDetector *detector);

/* The faces of a grey image (width x height, stride bytes per row) scoring above threshold,
 * best first, at most max (the rest dropped); returns how many.  Not thread-safe per
 * detector (its buffers are reused); -1 when an argument is out of range. */
int fer_face_detector_detect (FerFaceDetector *detector, const uint8_t *grey, int width,
    int height, int stride, double threshold, FerDetection *faces, int max);

/* The box dlib's landmark predictor is given for a detection: a square centred at
 * (cx + dx * w, cy + dy * h), side scale * sqrt (w * h), from the model's metadata
 * "landmark_box" = "[dx, dy, scale]" (fitted by fer-eval --calibrate-landmarks against the
 * boxes the predictor was made for; [0, 0, 1] when the model has none). */
FerBoxF fer_face_detector_landmark_box (const FerFaceDetector *detector, FerBoxF detection);
void fer_face_detector_get_landmark_fit (const FerFaceDetector *detector, double fit[3]);
/* Parses "[dx, dy, scale]" (|dx|, |dy| <= 1, scale in [0.25, 4]); FALSE when it is not that. */
gboolean fer_landmark_fit_parse (const char *text, double fit[3]);

/* The pixel values the network sees: (luma - 127.5) / 64, as training feeds it. */
static inline float
fer_face_detector_normalise (float luma)
{
  return (luma - 127.5f) * (1.0f / 64.0f);
}

/* Letterboxes grey into a width x height float plane (normalised, padding at mid grey = 0):
 * shrinks by whole-pixel block means first, then samples bilinearly, so that a large frame
 * does not alias.  Shared with training so both see the same pixels. */
void fer_face_detector_letterbox_input (const uint8_t *grey, int width, int height,
    int stride, int input_width, int input_height, float *input, uint8_t **scratch,
    size_t *scratch_size);

G_END_DECLS

#endif /* FER_FACE_DETECTOR_H */
