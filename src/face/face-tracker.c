#include "face/face-tracker.h"

#include <math.h>

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

void
fer_face_tracker_match (FerFaceTracker *tracker, const FerBox *detections,
    const float *scores, int n, double min_iou, int max_faces)
{
  GArray *faces = tracker->faces;
  gboolean *taken = g_new0 (gboolean, n);
  gboolean *matched = g_new0 (gboolean, faces->len);

  /* Greedy: repeatedly pair the detection and face that overlap most. */
  for (;;) {
    double best = min_iou;
    int best_d = -1, best_f = -1;
    for (int d = 0; d < n; d++)
      for (guint f = 0; f < faces->len && !taken[d]; f++) {
        if (matched[f])
          continue;
        const double iou = fer_box_iou (detections[d],
            g_array_index (faces, FerTrackedFace, f).face);
        if (iou >= best) {
          best = iou;
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

/* The larger side of the landmarks' bounding box; 0 before any landmarks. */
static double
landmark_spread (const FerTrackedFace *face, double *cx, double *cy)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  for (int i = 0; i < FER_LANDMARKS; i++) {
    x0 = MIN (x0, face->landmarks[2 * i]);
    x1 = MAX (x1, face->landmarks[2 * i]);
    y0 = MIN (y0, face->landmarks[2 * i + 1]);
    y1 = MAX (y1, face->landmarks[2 * i + 1]);
  }
  *cx = (x0 + x1) / 2;
  *cy = (y0 + y1) / 2;
  return MAX (x1 - x0, y1 - y0);
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
