/* eval-detection.h: fer-eval --detector: how well face detectors find the faces of annotated
 * photos (the seed's CSV, face-annotations.h), side by side in one run on the same photos: our
 * detector, the Haar cascade as fermouthcrop runs it (its default settings) and, when given, a
 * teacher ONNX.  Per detector: recall and precision at IoU >= 0.5 at its threshold, faces
 * found at IoU >= 0.3 (a looser match that does not punish a box of another shape: Haar's
 * squares against the teacher-style boxes), false reports and the photos with one, average
 * precision, mean IoU of matched boxes, and the time per photo of the detection alone.
 * Ours is measured as fermouthcrop runs it: each face it reports (p >= 0.5) scored again by a
 * close look (second-look.h), the smaller score kept; --no-second-look: the network's
 * whole-frame pass alone. 
 *
 * --calibrate-landmarks also fits our detector's landmark box (face-detector.h) to the boxes
 * dlib's landmarks are best from, Haar's (medians over faces both find: the vertical shift and
 * the scale; no horizontal shift, faces being mirror-symmetric), and writes it into the model
 * file.  Fit it on training photos: Haar must find the faces (not tight crops).
 * --calibrate-threshold P writes the lowest score threshold at which precision (IoU >= 0.5)
 * reaches P on the photos into the model (choose it on a dev set, never on a test set).
 * --predictions FILE writes a line per photo: its path and size, the annotated faces and every
 * detector's boxes as [x1, y1, x2, y2] (ours and the teacher's with their scores, all >= 0.05),
 * e.g. to mine a detector's false reports on its training photos. */
#ifndef FER_EVAL_DETECTION_H
#define FER_EVAL_DETECTION_H

#include <glib.h>

typedef struct {
  const char *model;            /* our detector */
  const char *annotations;      /* the CSV */
  const char *teacher;          /* an ONNX, or NULL */
  gboolean haar;
  double threshold;             /* 0: the model's */
  int input_width, input_height;   /* 0: the model's */
  gboolean json;
  gboolean calibrate_landmarks;
  double calibrate_threshold;   /* > 0: choose the model's score threshold for this precision */
  double set_threshold;         /* > 0: write this score threshold into the model */
  const char *predictions;      /* NULL, or a JSON-lines file: every photo's boxes */
  gboolean second_look;         /* ours as fermouthcrop runs it (second-look.h) */
} FerDetectionEvalOptions;

/* Runs, prints; returns an exit status (FER_EXIT_*). */
int fer_eval_detection (const FerDetectionEvalOptions *options);

#endif /* FER_EVAL_DETECTION_H */
