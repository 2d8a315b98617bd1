/* face-finder.h: the faces of a whole frame, as fermouthcrop and `fer-eval --faces` find them.
 *
 * The luma is downscaled (pixel-area averaging) to a detection width, OpenCV's cascade runs on
 * it, the rectangles are mapped back to full resolution and overlapping ones merged (the larger
 * kept, as seed 004 merges overlapping regions).  Landmarks are then placed at full resolution
 * by the caller (fer_face_landmarks). */
#ifndef FER_FACE_FINDER_H
#define FER_FACE_FINDER_H

#include <glib.h>
#include "face/face-landmarks.h"

G_BEGIN_DECLS

/* Two detections overlapping by more than this are one face. */
#define FER_MERGE_IOU 0.5

typedef struct {
  double scale_factor;   /* the seed: 1.3 */
  int min_neighbors;     /* the seed: 5 */
  int min_face_size;     /* smallest face, in full-resolution pixels */
  int detect_width;      /* the luma is downscaled to this width (never upscaled) */
} FerFindOptions;

/* fermouthcrop's defaults: the seed's 1.3 and 5, faces from 48 px, detection at 480 px wide. */
#define FER_FIND_OPTIONS_DEFAULT { 1.3, 5, 48, 480 }

/* Up to max_faces faces of gray, largest first, in gray's pixels.  Returns their number, or -1
 * with error set. */
int fer_find_faces (FerFaceModels *models, const FerGrayView *gray,
    const FerFindOptions *options, FerBox *faces, int max_faces, GError **error);

/* Looks again for a face expected at `expected` (a box followed from the last landmarks), in a
 * window around it: the cascade at sizes from 1/FER_NEAR_SIZE_RANGE to FER_NEAR_SIZE_RANGE times
 * the expected side in steps of FER_NEAR_SCALE_STEP, on the window downscaled so that the face is
 * about FER_NEAR_FACE_PX wide.  Much cheaper than fer_find_faces (~1.3 ms against ~20 ms for a
 * 1280x720 frame: most of the cost is the windows on the face itself, which pass deep into the
 * cascade), so a tracker can ask now and then whether a face it follows is still there.  (At
 * 32 px it costs half as much but missed the test photo's face.)  TRUE with *found (gray's
 * pixels) when a detection overlaps expected by at least min_iou; FALSE (error unset) when there
 * is none, or -1 with error set. */
#define FER_NEAR_SIZE_RANGE 1.3
#define FER_NEAR_FACE_PX 40
#define FER_NEAR_SCALE_STEP 1.2
int fer_find_face_near (FerFaceModels *models, const FerGrayView *gray, FerBox expected,
    int min_neighbors, double min_iou, FerBox *found, GError **error);

G_END_DECLS

#endif /* FER_FACE_FINDER_H */
