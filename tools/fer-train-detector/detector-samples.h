/* detector-samples.h: training patches for the face detector, cut from annotated photos with
 * the changes real video brings: a face at any size the anchors cover, anywhere in the patch
 * and sometimes cut by its edge, tilted (+-30 degrees), mirrored, darker or brighter, with
 * less or more contrast and gamma, blurred, noisy; and patches of background alone.  The
 * photos are read once, as luma, into memory.
 *
 * A patch's faces are the photo's boxes carried through the same geometry (centre rotated,
 * size scaled: a tilted face keeps a face-sized box, as a detector should report it).  A face
 * less than half inside the patch is neither a face nor background: its region is returned as
 * "ignore", so anchors on it teach nothing.
 *
 * A framed patch (framed_share of the patches placed on a face) shows its face as a picture
 * inside a flat surround: everything outside a rectangle 0-50 % of the face's size wider on
 * each side is one grey level, as around a video call's tile, picture-in-picture, a
 * letterboxed or pillarboxed frame, or a photo on a page.  Elsewhere the patch stays inside its
 * photo where it can, so a face seen up to a hard edge is otherwise rare in training; faces
 * left mostly outside the rectangle are no longer faces. */
#ifndef FER_DETECTOR_SAMPLES_H
#define FER_DETECTOR_SAMPLES_H

#include <glib.h>
#include <stdint.h>
#include "base/fer-rng.h"
#include "box/box.h"
#include "detect/face-annotations.h"

#define FER_SAMPLE_MAX_FACES 32

typedef struct {
  int width, height;
  uint8_t *luma;
  int n_faces;
  FerBoxF *faces;
} FerLumaPhoto;

typedef struct {
  GPtrArray *photos;       /* FerLumaPhoto * */
  int faces;
  gint64 bytes;
} FerDetectorPhotos;

typedef struct {
  double min_face, max_face;   /* face sides in patch pixels, drawn log-uniformly */
  double face_share;           /* share of patches centred near a face (else anywhere) */
  double max_tilt;             /* degrees */
  double framed_share;         /* share of face patches framed (fer_detector_sample) */
  gboolean augment;            /* FALSE: no tilt, flip or photometric change (checks) */
} FerSampleOptions;

typedef struct {
  int n_faces, n_ignored;
  FerBoxF faces[FER_SAMPLE_MAX_FACES];
  FerBoxF ignored[FER_SAMPLE_MAX_FACES];
} FerSampleTruth;

/* Reads every photo of annotations as luma; a photo that cannot be decoded, or whose size is
 * not the one its rows give, is reported (file and reason) through warn and left out.
 * progress (may be NULL) is called after each photo. */
FerDetectorPhotos *fer_detector_photos_load (const FerFaceAnnotations *annotations,
    void (*warn) (const char *message, gpointer user_data),
    void (*progress) (int done, int total, gpointer user_data), gpointer user_data);
void fer_detector_photos_free (FerDetectorPhotos *photos);

/* One size x size patch, normalised as the detector's input (face-detector.h), and its truth. */
void fer_detector_sample (const FerDetectorPhotos *photos, const FerSampleOptions *options,
    int size, FerRng *rng, float *patch, FerSampleTruth *truth);

#endif /* FER_DETECTOR_SAMPLES_H */
