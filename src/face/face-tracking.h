/* face-tracking.h: the faces of a video, frame after frame, each keeping its id: the one owner of
 * the tracker (face-tracker.h), the scene watch (scene-watch.h) and the search schedule.
 * fermouthcrop is GStreamer glue around it; fer-prep can follow faces through a clip with it.
 *
 * Per frame (fer_face_tracking_step):
 * - the whole frame is searched every detect_interval frames (on every frame while no face is
 *   tracked), unless nothing changed outside the tracked faces since the last search (then it
 *   could only find the faces already followed, or none); at least every
 *   FER_SEARCH_AT_LEAST_EVERY intervals all the same.  Detections are matched to the
 *   tracked faces by overlap; new ones get new ids while fewer than max_faces are tracked;
 * - every other face is followed from its landmarks and looked for again near its box every
 *   FER_CHECK_INTERVAL frames (and on every frame once missed); a face not seen
 *   FER_MAX_MISSED checks in a row, or that walked out of the frame, is dropped;
 * - landmarks and the mouth box of every face that is kept; a followed face whose landmarks
 *   moved fast is looked for near its box at once and, when seen, fitted again from the
 *   detector's box (FER_CATCH_UP_MOTION); of two followed faces on one face (overlapping by
 *   more than FER_MERGE_IOU) the younger is dropped.
 *
 * The finder is a table of three functions (search, look near a box, landmarks), so that the
 * schedule can be tested with scripted faces and another detector can take the cascade's place. */
#ifndef FER_FACE_TRACKING_H
#define FER_FACE_TRACKING_H

#include <glib.h>
#include "face/face-finder.h"
#include "face/face-tracker.h"

G_BEGIN_DECLS

/* A detection and a tracked face are the same face above this overlap. */
#define FER_TRACK_IOU 0.3
/* Between whole-frame searches each followed face is looked for near its box every this many
 * frames (and on every frame once missed: Haar cascades miss a face now and then); one the
 * detector has not seen in FER_MAX_MISSED checks in a row is gone. */
#define FER_CHECK_INTERVAL 10
#define FER_MAX_MISSED 3
/* A face expected at a place needs less evidence than a new one. */
#define FER_CHECK_MIN_NEIGHBORS 3
/* A whole-frame search skipped because nothing changed runs all the same after this many
 * detect intervals. */
#define FER_SEARCH_AT_LEAST_EVERY 10
/* A followed face whose landmarks moved more than this share of its box's side since the last
 * frame is looked for near its box on that frame, and its landmarks fitted again from the
 * detector's box when it is seen there.  The landmark fit starts from the box, which follows the
 * last frame's landmarks: a head moving a tenth of its size per frame outruns it, each fit
 * landing only part of the way, until the box slides off the face (on the clips d12 and s13
 * the face was lost on 16 % of frames).  0.03 was chosen on the 11 media clips (0.02, 0.03, 0.04
 * measured alike on faces and mouths, 0.08 lost faces again) and costs a look on ~1 % of the
 * frames of steady talking heads (d6, d14), on half of a swaying one's (d12). */
#define FER_CATCH_UP_MOTION 0.03
/* Most faces a tracking follows (the max_faces setting is clamped to it). */
#define FER_TRACKING_MAX_FACES 64

/* How faces are found: whole-frame search, a look near an expected box, landmarks.  Each
 * returns as fer_find_faces, fer_find_face_near and fer_face_landmarks do; search and look_near
 * also give how sure the finder is of each face (0..1; 1 from a finder without scores, as the
 * cascade). */
typedef struct {
  int (*search) (gpointer finder, const FerGrayView *gray, const FerFindOptions *options,
      FerBox *faces, float *scores, int max_faces, GError **error);
  int (*look_near) (gpointer finder, const FerGrayView *gray, FerBox expected,
      int min_neighbors, double min_iou, FerBox *found, float *score, GError **error);
  gboolean (*landmarks) (gpointer finder, const FerGrayView *gray, FerBox face,
      float points[2 * FER_LANDMARKS], GError **error);
} FerFaceFinderFuncs;

/* The cascade and dlib's landmarks of a FerFaceModels (the finder pointer). */
extern const FerFaceFinderFuncs fer_face_models_finder;

typedef struct {
  FerFindOptions find;   /* the whole-frame search */
  int detect_interval;   /* frames between whole-frame searches, >= 1 */
  int max_faces;         /* faces tracked at once, 1..FER_TRACKING_MAX_FACES */
  double mouth_scale;    /* fer_mouth_box's scale */
} FerTrackingSettings;

/* What one step did, for the caller's logs and messages. */
typedef struct {
  gboolean searched;     /* the whole frame was searched */
  int dropped;           /* faces forgotten on this frame */
  int caught_up;         /* fast faces fitted again from the detector's box near them */
} FerTrackingStep;

typedef struct _FerFaceTracking FerFaceTracking;

FerFaceTracking *fer_face_tracking_new (const FerFaceFinderFuncs *funcs, gpointer finder);
void fer_face_tracking_free (FerFaceTracking *tracking);

/* Forgets every face and the scene, and starts counting frames again (new caps: the boxes
 * belong to the old frames).  Ids keep growing, so an application never sees one reused. */
void fer_face_tracking_reset (FerFaceTracking *tracking);

/* The faces of the next frame (its luma), landmarks and mouth box set, in a stable order (the
 * oldest first); valid until the next step or reset.  A finder error does not stop the step:
 * the first one is returned in *warning (may be NULL) and the step goes on as if nothing had
 * been found there. */
const FerTrackedFace *fer_face_tracking_step (FerFaceTracking *tracking, const FerGrayView *luma,
    const FerTrackingSettings *settings, int *n_faces, FerTrackingStep *step, GError **warning);

/* Frames stepped since the last reset. */
guint64 fer_face_tracking_frames (const FerFaceTracking *tracking);

G_END_DECLS

#endif /* FER_FACE_TRACKING_H */
