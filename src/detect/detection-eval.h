/* detection-eval.h: how well detections match true face boxes, photo by photo, as detection
 * benchmarks count: a detection matches the best-overlapping true box not yet matched when
 * their IoU is at least min_iou (detections taken by falling score); recall = matched truths
 * / truths, precision = matched detections / detections, average precision = the area under
 * the precision-recall curve over every score threshold (all-point interpolation, as PASCAL
 * VOC since 2010), mean IoU over matched pairs. */
#ifndef FER_DETECTION_EVAL_H
#define FER_DETECTION_EVAL_H

#include <glib.h>
#include "box/nms.h"

G_BEGIN_DECLS

typedef struct {
  double min_iou;
  int photos, truths, detections, matched;
  double iou_sum;
  int photos_with_false;    /* photos with at least one unmatched detection */
  GArray *scored;           /* (score, matched) of every detection, for average precision */
} FerDetectionEval;

void fer_detection_eval_init (FerDetectionEval *eval, double min_iou);
void fer_detection_eval_clear (FerDetectionEval *eval);

/* Adds one photo: its detections (any order, all scores: the threshold is the caller's) and
 * true boxes; returns how many detections matched. */
int fer_detection_eval_add (FerDetectionEval *eval, const FerDetection *detections, int n,
    const FerBoxF *truths, int n_truths);

double fer_detection_eval_recall (const FerDetectionEval *eval);
double fer_detection_eval_precision (const FerDetectionEval *eval);
double fer_detection_eval_mean_iou (const FerDetectionEval *eval);
double fer_detection_eval_average_precision (const FerDetectionEval *eval);

/* The lowest score threshold at which at least `target` of the detections scoring at or above
 * it match a face (greedy matching by falling score, as for average precision); 1 when no
 * threshold reaches it.  *recall: the recall there. */
double fer_detection_eval_threshold_for_precision (const FerDetectionEval *eval, double target,
    double *recall);

G_END_DECLS

#endif /* FER_DETECTION_EVAL_H */
