#include "face/face-tracking.h"

#include "box/box.h"
#include "face/mouth-box.h"
#include "face/scene-watch.h"

#include <math.h>
#include <string.h>

struct _FerFaceTracking {
  const FerFaceFinderFuncs *funcs;
  gpointer finder;
  FerFaceTracker tracker;
  FerSceneWatch scene;   /* the luma at the last whole-frame search */
  guint64 frames;        /* stepped since the last reset */
  guint64 last_search;   /* the frame of the last whole-frame search */
};

static int
models_search (gpointer finder, const FerGrayView *gray, const FerFindOptions *options,
    FerBox *faces, float *scores, int max_faces, GError **error)
{
  const int n = fer_find_faces (finder, gray, options, faces, max_faces, error);
  for (int i = 0; i < n; i++)
    scores[i] = 1.0f;   /* the cascade has no score: a face it reports is a face to it */
  return n;
}

static int
models_look_near (gpointer finder, const FerGrayView *gray, FerBox expected, int min_neighbors,
    double min_iou, FerBox *found, float *score, GError **error)
{
  *score = 1.0f;
  return fer_find_face_near (finder, gray, expected, min_neighbors, min_iou, found, error);
}

static gboolean
models_landmarks (gpointer finder, const FerGrayView *gray, FerBox face,
    float points[2 * FER_LANDMARKS], GError **error)
{
  return fer_face_landmarks (finder, gray, face, points, error);
}

const FerFaceFinderFuncs fer_face_models_finder = {
  models_search, models_look_near, models_landmarks,
};

FerFaceTracking *
fer_face_tracking_new (const FerFaceFinderFuncs *funcs, gpointer finder)
{
  FerFaceTracking *tracking = g_new0 (FerFaceTracking, 1);
  tracking->funcs = funcs;
  tracking->finder = finder;
  fer_face_tracker_init (&tracking->tracker);
  fer_scene_watch_init (&tracking->scene);
  return tracking;
}

void
fer_face_tracking_free (FerFaceTracking *tracking)
{
  if (tracking == NULL)
    return;
  fer_face_tracker_clear (&tracking->tracker);
  fer_scene_watch_reset (&tracking->scene);
  g_free (tracking);
}

void
fer_face_tracking_reset (FerFaceTracking *tracking)
{
  fer_face_tracker_reset (&tracking->tracker);
  fer_scene_watch_reset (&tracking->scene);
  tracking->frames = 0;
  tracking->last_search = 0;
}

guint64
fer_face_tracking_frames (const FerFaceTracking *tracking)
{
  return tracking->frames;
}

/* Keeps the first error of a step for the caller, drops the others. */
static void
keep_warning (GError **warning, GError *error)
{
  if (error == NULL)
    return;
  if (warning && *warning == NULL)
    *warning = error;
  else
    g_error_free (error);
}

/* Whether to search the whole frame: every detect_interval frames (on every frame while no face
 * is tracked), unless nothing has changed outside the tracked faces since the last search (a
 * face's box is widened by a quarter of its side each way: head and hair move with it; the
 * shoulders, further out, trigger a search when they move, which only costs time); at least
 * every FER_SEARCH_AT_LEAST_EVERY intervals all the same. */
static gboolean
search_due (FerFaceTracking *tracking, const FerGrayView *luma, const FerTrackingSettings *s)
{
  GArray *tracked = tracking->tracker.faces;
  const guint64 interval = (guint64) MAX (s->detect_interval, 1);
  if (tracked->len > 0 && tracking->frames % interval != 0)
    return FALSE;
  if (tracking->frames - tracking->last_search >= interval * FER_SEARCH_AT_LEAST_EVERY)
    return TRUE;
  FerBox around[FER_TRACKING_MAX_FACES];
  const int n = MIN ((int) tracked->len, FER_TRACKING_MAX_FACES);
  for (int i = 0; i < n; i++) {
    const FerBox f = g_array_index (tracked, FerTrackedFace, i).face;
    around[i] = (FerBox) { f.x - f.width / 4, f.y - f.height / 4, f.width + f.width / 2,
      f.height + f.height / 2 };
  }
  return fer_scene_watch_changed (&tracking->scene, luma, around, n);
}

/* Searches the whole frame and matches what it finds to the tracked faces. */
static void
search (FerFaceTracking *tracking, const FerGrayView *luma, const FerTrackingSettings *s,
    int max_faces, GError **warning)
{
  FerBox faces[FER_TRACKING_MAX_FACES];
  float scores[FER_TRACKING_MAX_FACES];
  GError *error = NULL;
  int n = tracking->funcs->search (tracking->finder, luma, &s->find, faces, scores, max_faces,
      &error);
  if (n < 0) {
    keep_warning (warning, error);
    n = 0;
  }
  fer_face_tracker_match (&tracking->tracker, faces, scores, n, FER_TRACK_IOU, max_faces);
  fer_scene_watch_keep (&tracking->scene, luma);
  tracking->last_search = tracking->frames;
}

/* The detector asked whether face f is near its box, with the checks' settings: 1 with the face
 * found there and the detector's score, 0 if not, -1 on an error (kept in warning). */
static int
look_near_face (FerFaceTracking *tracking, const FerTrackedFace *f, const FerGrayView *luma,
    const FerTrackingSettings *s, FerBox *found, float *score, GError **warning)
{
  GError *error = NULL;
  const int seen = tracking->funcs->look_near (tracking->finder, luma, f->face,
      MIN (s->find.min_neighbors, FER_CHECK_MIN_NEIGHBORS), FER_TRACK_IOU, found, score, &error);
  if (seen < 0)
    keep_warning (warning, error);
  return seen;
}

/* Whether a face that was not detected this frame is still to be followed: its box moved with
 * its landmarks, and, on a check frame, the detector asked whether a face is still there. */
static gboolean
keep_following (FerFaceTracking *tracking, FerTrackedFace *f, const FerGrayView *luma,
    const FerTrackingSettings *s, gboolean searched, GError **warning)
{
  if (!fer_tracked_face_follow (f, luma->width, luma->height))
    return FALSE;   /* walked out of the frame */
  if (!searched && f->missed == 0 && (tracking->frames + f->id) % FER_CHECK_INTERVAL != 0)
    return TRUE;
  FerBox found;
  float score = 0;
  const int seen = look_near_face (tracking, f, luma, s, &found, &score, warning);
  f->missed = seen > 0 ? 0 : f->missed + 1;
  if (seen > 0)
    f->score = score;
  return f->missed < FER_MAX_MISSED;
}

/* How far the landmarks moved: the distance between the centroids of from and to. */
static double
landmarks_shift (const float *from, const float *to)
{
  double dx = 0, dy = 0;
  for (int i = 0; i < FER_LANDMARKS; i++) {
    dx += to[2 * i] - from[2 * i];
    dy += to[2 * i + 1] - from[2 * i + 1];
  }
  return hypot (dx, dy) / FER_LANDMARKS;
}

/* A followed face whose landmarks (just fitted, previous ones in before) moved fast: looked for
 * near its box, and, when the detector sees it there, given the detector's box and fitted again
 * from it (FER_CATCH_UP_MOTION).  Not seeing it is not a miss: the regular checks count those.
 * FALSE, with error set, when the new fit fails. */
static gboolean
catch_up (FerFaceTracking *tracking, FerTrackedFace *f, const FerGrayView *luma,
    const FerTrackingSettings *s, const float *before, FerTrackingStep *step, GError **error,
    GError **warning)
{
  if (f->face.width <= 0
      || landmarks_shift (before, f->landmarks) <= FER_CATCH_UP_MOTION * f->face.width)
    return TRUE;
  FerBox found;
  float score = 0;
  if (look_near_face (tracking, f, luma, s, &found, &score, warning) <= 0)
    return TRUE;
  f->face = found;
  f->score = score;
  f->missed = 0;
  f->detected = TRUE;   /* calibrated below, as on a search's frame */
  step->caught_up++;
  return tracking->funcs->landmarks (tracking->finder, luma, f->face, f->landmarks, error);
}

/* Forgets tracked face i.  The scene kept at the last search is forgotten too: whatever made
 * the face go (or the detector lose it), the next due search must run. */
static void
drop_face (FerFaceTracking *tracking, guint i, FerTrackingStep *step)
{
  g_array_remove_index (tracking->tracker.faces, i);
  fer_scene_watch_reset (&tracking->scene);
  step->dropped++;
}

/* Followed faces whose boxes overlap by more than FER_MERGE_IOU are one face, as two detections
 * would be: the younger is dropped, the older keeps its id.  Following makes such twins when one
 * face passes in front of another (the hidden face's landmarks land on the front one, and its
 * box then follows them) or a fast face's box is caught up on its neighbour; each twin passes its
 * checks, so without this both would be reported as long as the face stays. */
static void
drop_twins (FerFaceTracking *tracking, FerTrackingStep *step)
{
  GArray *tracked = tracking->tracker.faces;
  for (guint j = 1; j < tracked->len;) {
    const FerBox box = g_array_index (tracked, FerTrackedFace, j).face;
    gboolean twin = FALSE;
    for (guint i = 0; i < j && !twin; i++)
      twin = fer_box_iou (g_array_index (tracked, FerTrackedFace, i).face, box) > FER_MERGE_IOU;
    if (twin)
      drop_face (tracking, j, step);
    else
      j++;
  }
}

const FerTrackedFace *
fer_face_tracking_step (FerFaceTracking *tracking, const FerGrayView *luma,
    const FerTrackingSettings *s, int *n_faces, FerTrackingStep *step, GError **warning)
{
  FerTrackingStep local;
  step = step ? step : &local;
  *step = (FerTrackingStep) { 0 };
  const int max_faces = CLAMP (s->max_faces, 1, FER_TRACKING_MAX_FACES);
  GArray *tracked = tracking->tracker.faces;

  fer_face_tracker_limit (&tracking->tracker, max_faces);
  step->searched = search_due (tracking, luma, s);
  if (step->searched)
    search (tracking, luma, s, max_faces, warning);

  for (guint i = 0; i < tracked->len;) {
    FerTrackedFace *f = &g_array_index (tracked, FerTrackedFace, i);
    if (!f->detected && !keep_following (tracking, f, luma, s, step->searched, warning)) {
      drop_face (tracking, i, step);
      continue;
    }
    GError *error = NULL;
    float before[2 * FER_LANDMARKS];
    memcpy (before, f->landmarks, sizeof before);
    const gboolean followed = !f->detected;
    if (!tracking->funcs->landmarks (tracking->finder, luma, f->face, f->landmarks, &error)
        || (followed && !catch_up (tracking, f, luma, s, before, step, &error, warning))
        || !fer_mouth_box (f->landmarks, s->mouth_scale, luma->width, luma->height, &f->mouth)) {
      /* No landmarks (or not finite ones): nothing to show for this face. */
      g_clear_error (&error);
      drop_face (tracking, i, step);
      continue;
    }
    if (f->detected)
      fer_tracked_face_calibrate (f);
    f->detected = FALSE;
    i++;
  }
  drop_twins (tracking, step);
  tracking->frames++;
  *n_faces = (int) tracked->len;
  return (const FerTrackedFace *) tracked->data;
}
