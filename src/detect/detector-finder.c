#include "detect/detector-finder.h"

#include <stdlib.h>
#include "base/fer-error.h"
#include "box/box.h"
#include "detect/second-look.h"

/* A look near a followed face: the detector on the second look's window around it, at its
 * input (second-look.h). */
#define MAX_DETECTIONS 64
/* A face already followed needs less evidence than a new one (as the cascade's checks need
 * fewer neighbours): its checks accept detections from this probability, or from the search's
 * threshold when that is lower.  New faces need the model's (high) threshold, which keeps
 * face-like backgrounds out; a followed face that turns or tilts keeps its track. */
#define NEAR_THRESHOLD 0.5

struct _FerDetectorFinder {
  FerFaceDetector *whole, *near;
  FerFaceModels *models;
  double threshold;
  GMutex lock;           /* a detector reuses its buffers: one frame at a time */
  FerDetection detections[MAX_DETECTIONS];
};

FerDetectorFinder *
fer_detector_finder_new (const char *path, int input_width, int input_height,
    FerFaceModels *models, GError **error)
{
  FerFaceDetector *whole = fer_face_detector_load (path, input_width, input_height, error);
  if (whole == NULL)
    return NULL;
  FerFaceDetector *near = fer_face_detector_load (path, FER_SECOND_LOOK_INPUT,
      FER_SECOND_LOOK_INPUT, error);
  if (near == NULL) {
    fer_face_detector_free (whole);
    return NULL;
  }
  FerDetectorFinder *f = g_new0 (FerDetectorFinder, 1);
  f->whole = whole;
  f->near = near;
  f->models = models;
  f->threshold = fer_face_detector_default_threshold (whole);
  g_mutex_init (&f->lock);
  return f;
}

void
fer_detector_finder_free (FerDetectorFinder *f)
{
  if (f == NULL)
    return;
  fer_face_detector_free (f->whole);
  fer_face_detector_free (f->near);
  g_mutex_clear (&f->lock);
  g_free (f);
}

void
fer_detector_finder_set_threshold (FerDetectorFinder *f, double threshold)
{
  f->threshold = threshold > 0 ? MIN (threshold, 1.0)
      : fer_face_detector_default_threshold (f->whole);
}

typedef struct {
  FerBox box;
  float score;
} ScoredBox;

static int
by_falling_area (const void *a, const void *b)
{
  const FerBox *x = &((const ScoredBox *) a)->box, *y = &((const ScoredBox *) b)->box;
  const gint64 ax = (gint64) x->width * x->height, ay = (gint64) y->width * y->height;
  return (ax < ay) - (ax > ay);
}

/* Landmark boxes of the detections, in gray's pixels offset by (x0, y0), with their scores. */
static int
landmark_boxes (FerDetectorFinder *f, int n, int x0, int y0, int min_side, ScoredBox *boxes,
    int max)
{
  int kept = 0;
  for (int i = 0; i < n && kept < max; i++) {
    FerBoxF box = fer_face_detector_landmark_box (f->whole, f->detections[i].box);
    box.x += x0;
    box.y += y0;
    if (box.width < min_side)
      continue;
    boxes[kept++] = (ScoredBox) { fer_box_from_boxf (box), f->detections[i].score };
  }
  return kept;
}

static int
finder_search (gpointer finder, const FerGrayView *gray, const FerFindOptions *options,
    FerBox *faces, float *scores, int max_faces, GError **error)
{
  FerDetectorFinder *f = finder;
  ScoredBox found[MAX_DETECTIONS];
  g_mutex_lock (&f->lock);
  int n = fer_face_detector_detect (f->whole, gray->data, gray->width, gray->height,
      gray->stride, f->threshold, f->detections, MAX_DETECTIONS);
  if (n > 0) {
    /* New faces must also be seen from close by (second-look.h). */
    fer_second_look (f->near, gray->data, gray->width, gray->height, gray->stride,
        f->detections, n, f->threshold);
    int confirmed = 0;
    for (int i = 0; i < n; i++)
      if (f->detections[i].score >= f->threshold)
        f->detections[confirmed++] = f->detections[i];
    n = confirmed;
  }
  int kept = n < 0 ? -1 : landmark_boxes (f, n, 0, 0, options->min_face_size, found,
      MIN (max_faces, MAX_DETECTIONS));
  g_mutex_unlock (&f->lock);
  if (kept < 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "face detector: a %dx%d frame it cannot "
        "take", gray->width, gray->height);
    return -1;
  }
  /* As the cascade's search: largest first. */
  qsort (found, kept, sizeof *found, by_falling_area);
  for (int i = 0; i < kept; i++) {
    faces[i] = found[i].box;
    scores[i] = found[i].score;
  }
  return kept;
}

static int
finder_look_near (gpointer finder, const FerGrayView *gray, FerBox expected, int min_neighbors,
    double min_iou, FerBox *found, float *score, GError **error)
{
  FerDetectorFinder *f = finder;
  int x0, y0, x1, y1;
  fer_second_look_window (fer_boxf_from_box (expected), gray->width, gray->height, &x0, &y0,
      &x1, &y1);
  g_mutex_lock (&f->lock);
  const int n = fer_face_detector_detect (f->near, gray->data + (size_t) y0 * gray->stride + x0,
      x1 - x0, y1 - y0, gray->stride, MIN (f->threshold, NEAR_THRESHOLD), f->detections,
      MAX_DETECTIONS);
  ScoredBox boxes[MAX_DETECTIONS];
  const int kept = n < 0 ? 0 : landmark_boxes (f, n, x0, y0, 0, boxes, MAX_DETECTIONS);
  g_mutex_unlock (&f->lock);
  int best = -1;
  double best_iou = min_iou;
  for (int i = 0; i < kept; i++) {
    const double iou = fer_box_iou (boxes[i].box, expected);
    if (iou >= best_iou) {
      best = i;
      best_iou = iou;
    }
  }
  if (best < 0)
    return FALSE;
  *found = boxes[best].box;
  *score = boxes[best].score;
  return TRUE;
}

static gboolean
finder_landmarks (gpointer finder, const FerGrayView *gray, FerBox face,
    float points[2 * FER_LANDMARKS], GError **error)
{
  FerDetectorFinder *f = finder;
  return fer_face_landmarks (f->models, gray, face, points, error);
}

const FerFaceFinderFuncs fer_detector_finder_funcs = {
  finder_search, finder_look_near, finder_landmarks,
};
