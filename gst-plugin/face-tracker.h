/* face-tracker.h: faces followed from frame to frame so that each keeps its id.
 *
 * On a detection frame, the detections (fer_find_faces: overlapping ones already merged) are
 * matched to the tracked faces greedily by IoU; an unmatched detection starts a new face with a new id, an unmatched face counts a miss
 * and is dropped after max_missed of them.  Between detections each face is followed from its
 * landmarks (fer_tracked_face_follow). */
#ifndef FER_FACE_TRACKER_H
#define FER_FACE_TRACKER_H

#include "fer-engine.h"

typedef struct {
  guint id;
  FerRect face;
  float landmarks[2 * FER_LANDMARKS];
  FerRect mouth;
  int missed;            /* consecutive detection frames without a match */
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

void fer_face_tracker_update (FerFaceTracker *tracker, const FerRect *detections, int n,
    double min_iou, int max_missed);

/* On a detection frame, once the face's landmarks are known: how the detector's box relates to
 * their spread, so that following can resize the box as the face comes nearer or moves away. */
void fer_tracked_face_calibrate (FerTrackedFace *face);

/* Between detections: the box re-centred on the last landmarks and resized with their spread.
 * FALSE when the face has left the frame (its centre is outside it): it is then lost until the
 * detector finds it again. */
gboolean fer_tracked_face_follow (FerTrackedFace *face, int frame_width, int frame_height);

#endif /* FER_FACE_TRACKER_H */
