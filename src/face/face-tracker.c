#include "face/face-tracker.h"

#include <math.h>
#include "base/sorting.h"

void
fer_face_tracker_init (FerFaceTracker *tracker)
{
  tracker->faces = g_array_new (FALSE, TRUE, sizeof (FerTrackedFace));
  tracker->next_id = 1;
}

void
fer_face_tracker_clear (FerFaceTracker *tracker)
{
  g_clear_pointer (&tracker->faces, g_array_unref);
}

void
fer_face_tracker_reset (FerFaceTracker *tracker)
{
  g_array_set_size (tracker->faces, 0);
}

/* How much of the smaller box the two share (1: one inside the other). */
static double
overlap_of_smaller (FerBox a, FerBox b)
{
  const gint64 w = MIN (a.x + a.width, b.x + b.width) - MAX (a.x, b.x);
  const gint64 h = MIN (a.y + a.height, b.y + b.height) - MAX (a.y, b.y);
  const gint64 smaller = MIN ((gint64) a.width * a.height, (gint64) b.width * b.height);
  return w > 0 && h > 0 && smaller > 0 ? (double) (w * h) / smaller : 0;
}

/* Greedy: repeatedly pairs the free detection and face that overlap most (by `overlap`, at
 * least min_overlap); a paired face takes the detector's box. */
static void
pair_greedily (GArray *faces, const FerBox *detections, const float *scores, int n,
    double (*overlap) (FerBox, FerBox), double min_overlap, gboolean *taken, gboolean *matched)
{
  for (;;) {
    double best = min_overlap;
    int best_d = -1, best_f = -1;
    for (int d = 0; d < n; d++)
      for (guint f = 0; f < faces->len && !taken[d]; f++) {
        if (matched[f])
          continue;
        const double o = overlap (detections[d], g_array_index (faces, FerTrackedFace, f).face);
        if (o >= best) {
          best = o;
          best_d = d;
          best_f = f;
        }
      }
    if (best_d < 0)
      break;
    FerTrackedFace *face = &g_array_index (faces, FerTrackedFace, best_f);
    face->face = detections[best_d];
    face->score = scores ? scores[best_d] : 1.0f;
    face->missed = 0;
    taken[best_d] = TRUE;
    matched[best_f] = TRUE;
  }
}

void
fer_face_tracker_match (FerFaceTracker *tracker, const FerBox *detections,
    const float *scores, int n, double min_iou, int max_faces)
{
  GArray *faces = tracker->faces;
  gboolean *taken = g_new0 (gboolean, n);
  gboolean *matched = g_new0 (gboolean, faces->len);

  pair_greedily (faces, detections, scores, n, fer_box_iou, min_iou, taken, matched);
  /* A followed box that strayed in size (a face turning fast outruns its landmarks) can miss
   * its face by IoU while one of the two still lies mostly inside the other: the same face,
   * which keeps its id rather than being followed twice. */
  pair_greedily (faces, detections, scores, n, overlap_of_smaller, FER_TRACK_CONTAINED, taken,
      matched);
  for (guint f = 0; f < faces->len; f++)
    g_array_index (faces, FerTrackedFace, f).detected = matched[f];
  for (int d = 0; d < n && (int) faces->len < max_faces; d++)
    if (!taken[d]) {
      FerTrackedFace face = { .id = tracker->next_id++, .face = detections[d],
        .score = scores ? scores[d] : 1.0f, .detected = TRUE };
      g_array_append_val (faces, face);
    }
  g_free (taken);
  g_free (matched);
}

/* Where the landmarks are and how far they spread: their centroid and root-mean-square distance
 * from it, over the points within FER_FOLLOW_OUTLIER median distances of the median point (a
 * point dlib put astray, an eyebrow on the hairline, would otherwise move and swell the box, and
 * the next fit in a wrong box strays further); 0 before any landmarks. */
#define FER_FOLLOW_OUTLIER 2.5
static double
landmark_spread (const FerTrackedFace *face, double *cx, double *cy)
{
  const float *p = face->landmarks;
  double v[FER_LANDMARKS];
  for (int i = 0; i < FER_LANDMARKS; i++)
    v[i] = p[2 * i];
  const double mx = fer_median (v, FER_LANDMARKS);
  for (int i = 0; i < FER_LANDMARKS; i++)
    v[i] = p[2 * i + 1];
  const double my = fer_median (v, FER_LANDMARKS);
  double d[FER_LANDMARKS];
  for (int i = 0; i < FER_LANDMARKS; i++)
    d[i] = v[i] = hypot (p[2 * i] - mx, p[2 * i + 1] - my);
  const double limit = FER_FOLLOW_OUTLIER * fer_median (v, FER_LANDMARKS);
  double sx = 0, sy = 0;
  int n = 0;
  for (int i = 0; i < FER_LANDMARKS; i++)
    if (d[i] <= limit) {
      sx += p[2 * i];
      sy += p[2 * i + 1];
      n++;
    }
  *cx = sx / n;
  *cy = sy / n;
  double ss = 0;
  for (int i = 0; i < FER_LANDMARKS; i++)
    if (d[i] <= limit)
      ss += (p[2 * i] - *cx) * (p[2 * i] - *cx) + (p[2 * i + 1] - *cy) * (p[2 * i + 1] - *cy);
  return sqrt (ss / n);
}

void
fer_tracked_face_calibrate (FerTrackedFace *face)
{
  double cx, cy;
  const double spread = landmark_spread (face, &cx, &cy);
  if (spread <= 0) {
    face->box_per_spread = 0;
    return;
  }
  face->box_per_spread = (float) (face->face.width / spread);
  face->box_dx = (float) ((face->face.x + face->face.width / 2.0 - cx) / spread);
  face->box_dy = (float) ((face->face.y + face->face.height / 2.0 - cy) / spread);
}

gboolean
fer_tracked_face_follow (FerTrackedFace *face, int frame_width, int frame_height)
{
  double cx, cy;
  const double spread = landmark_spread (face, &cx, &cy);
  if (spread <= 0 || face->box_per_spread <= 0)
    return TRUE;   /* nothing measured yet: the box stays where the detector put it */
  if (cx < 0 || cy < 0 || cx >= frame_width || cy >= frame_height)
    return FALSE;
  const int side = MAX (1, (int) lround (spread * face->box_per_spread));
  const double box_cx = cx + face->box_dx * spread, box_cy = cy + face->box_dy * spread;
  face->face = (FerBox) { (int) lround (box_cx - side / 2.0), (int) lround (box_cy - side / 2.0),
    side, side };
  return TRUE;
}

void
fer_face_tracker_limit (FerFaceTracker *tracker, int max_faces)
{
  GArray *faces = tracker->faces;
  while ((int) faces->len > MAX (max_faces, 0)) {
    guint smallest = 0;
    for (guint f = 1; f < faces->len; f++) {
      const FerBox a = g_array_index (faces, FerTrackedFace, f).face;
      const FerBox b = g_array_index (faces, FerTrackedFace, smallest).face;
      if ((gint64) a.width * a.height < (gint64) b.width * b.height)
        smallest = f;
    }
    g_array_remove_index (faces, smallest);
  }
}
