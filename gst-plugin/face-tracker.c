#include "face-tracker.h"

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

int
fer_merge_overlapping (FerRect *rects, int n, double max_iou)
{
  int kept = 0;
  /* Largest first, so each rectangle only has to be checked against those already kept. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && (double) rects[j].width * rects[j].height
        > (double) rects[j - 1].width * rects[j - 1].height; j--) {
      const FerRect t = rects[j];
      rects[j] = rects[j - 1];
      rects[j - 1] = t;
    }
  for (int i = 0; i < n; i++) {
    gboolean overlaps = FALSE;
    for (int k = 0; k < kept && !overlaps; k++)
      overlaps = fer_rect_iou (rects[i], rects[k]) > max_iou;
    if (!overlaps)
      rects[kept++] = rects[i];
  }
  return kept;
}

void
fer_face_tracker_update (FerFaceTracker *tracker, const FerRect *detections, int n,
    double min_iou, int max_missed)
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
        const double iou = fer_rect_iou (detections[d],
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
    face->missed = 0;
    taken[best_d] = TRUE;
    matched[best_f] = TRUE;
  }
  const guint before = faces->len;
  for (guint f = before; f-- > 0;)
    if (!matched[f] && ++g_array_index (faces, FerTrackedFace, f).missed > max_missed)
      g_array_remove_index (faces, f);
  for (int d = 0; d < n; d++)
    if (!taken[d]) {
      FerTrackedFace face = { .id = tracker->next_id++, .face = detections[d] };
      g_array_append_val (faces, face);
    }
  g_free (taken);
  g_free (matched);
}
