/* face-tracker.h: faces followed from frame to frame so that each keeps its id.
 *
 * On a whole-frame detection frame, the detections (fer_find_faces: overlapping ones already
 * merged) are matched to the tracked faces greedily by IoU: a matched face takes the detector's
 * box, an unmatched detection starts a new face with a new id.  Every other face is followed
 * from its landmarks (fer_tracked_face_follow), and face-tracking.c checks now and then that
 * the detector still sees a face there (fer_find_face_near), counting misses in `missed`. */
#ifndef FER_FACE_TRACKER_H
#define FER_FACE_TRACKER_H

#include "box/box.h"
#include "face/face-finder.h"
#include "face/mouth-box.h"

/* A detection and a followed face that missed each other by IoU are still the same face when
 * this much of the smaller lies inside the larger. */
#define FER_TRACK_CONTAINED 0.6

typedef struct {
  guint id;
  FerBox face;
  float landmarks[2 * FER_LANDMARKS];
  FerBox mouth;
  gboolean detected;     /* this frame's box is the whole-frame detector's */
  int missed;            /* consecutive checks in which the detector did not see it */
  float score;           /* how sure the finder was the last time it saw the face (0..1) */
  /* The detector's box relative to the landmarks, measured on the last detection frame: its
   * side over their spread, and its centre's offset from theirs, in spreads. */
  float box_per_spread, box_dx, box_dy;
} FerTrackedFace;

typedef struct {
  GArray *faces;         /* FerTrackedFace */
  guint next_id;
} FerFaceTracker;

void fer_face_tracker_init (FerFaceTracker *tracker);
void fer_face_tracker_clear (FerFaceTracker *tracker);
void fer_face_tracker_reset (FerFaceTracker *tracker);

/* Matches a whole-frame detection's faces (largest first; scores: the finder's, or NULL for
 * 1) to the tracked ones (sets `detected` and the score of each face): by IoU of at least
 * min_iou, then, among those left, a face and a detection one of which lies mostly inside the
 * other (FER_TRACK_CONTAINED); unmatched detections become new faces while fewer than max_faces
 * are tracked. */
void fer_face_tracker_match (FerFaceTracker *tracker, const FerBox *detections,
    const float *scores, int n, double min_iou, int max_faces);

/* Drops the smallest faces until at most max_faces are tracked (max-faces lowered while
 * playing). */
void fer_face_tracker_limit (FerFaceTracker *tracker, int max_faces);

/* On a frame where the face was detected, once the face's landmarks are known: how the detector's box relates to
 * their spread, so that following can resize the box as the face comes nearer or moves away. */
void fer_tracked_face_calibrate (FerTrackedFace *face);

/* Between detections: the box re-centred on the last landmarks and resized with their spread
 * (centroid and root-mean-square distance from it, over all but the points far astray).
 * FALSE when the face has left the frame (its centre is outside it). */
gboolean fer_tracked_face_follow (FerTrackedFace *face, int frame_width, int frame_height);

#endif /* FER_FACE_TRACKER_H */
