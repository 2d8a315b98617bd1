/* face-landmarks.h: faces (OpenCV's Haar cascade) and their 68 landmarks (dlib's shape
 * predictor) behind a plain C interface.  The C++ lives in face-landmarks.cpp; no OpenCV or dlib
 * type appears here and no exception crosses it.
 *
 * The models are loaded once per process for each (cascade, landmark model) pair and shared:
 * fer_face_models_acquire returns the loaded pair with one more reference.  Landmarks may be
 * computed from several threads at once; detection is serialised inside (OpenCV's cascade is
 * not reentrant). */
#ifndef FER_FACE_LANDMARKS_H
#define FER_FACE_LANDMARKS_H

#include <stdint.h>
#include <glib.h>
#include "face/mouth-box.h"

G_BEGIN_DECLS

#define FER_DEFAULT_CASCADE "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
#define FER_DEFAULT_LANDMARK_MODEL "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

/* An 8-bit grayscale view (luma), rows stride bytes apart; not owned. */
typedef struct {
  const uint8_t *data;
  int width, height, stride;
} FerGrayView;

typedef struct _FerFaceModels FerFaceModels;

/* Errors name the file and the Debian package that provides the default one. */
FerFaceModels *fer_face_models_acquire (const char *cascade_path, const char *landmark_path,
    GError **error);
void fer_face_models_release (FerFaceModels *models);

typedef struct {
  double scale_factor;   /* the seed: 1.3 */
  int min_neighbors;     /* the seed: 5 */
  int min_size;          /* smallest face, pixels of the image searched */
  int max_size;          /* largest face, pixels of the image searched; 0: no limit */
} FerDetectOptions;

/* Up to max_faces face rectangles of gray, largest first.  Returns their number, or -1 with
 * error set. */
int fer_face_detect (FerFaceModels *models, const FerGrayView *gray,
    const FerDetectOptions *options, FerBox *faces, int max_faces, GError **error);

/* The 68 landmarks (x0, y0, ... x67, y67) of the face in rectangle face of gray. */
gboolean fer_face_landmarks (FerFaceModels *models, const FerGrayView *gray, FerBox face,
    float points[2 * FER_LANDMARKS], GError **error);

/* dst (dst_width x dst_height, packed) = src resized by pixel-area averaging (OpenCV's
 * INTER_AREA): the cheap, alias-free downscale the detector wants. */
gboolean fer_gray_resize (const FerGrayView *src, uint8_t *dst, int dst_width, int dst_height);

G_END_DECLS

#endif /* FER_FACE_LANDMARKS_H */
