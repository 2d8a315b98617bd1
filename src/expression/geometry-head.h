/* geometry-head.h: an expression model's second opinion from the mouth's shape.
 *
 * The crop's pixels tell a lot, but not everything the landmarks know: how far the lips are
 * apart, whether the corners are lifted, how wide the mouth is stretched (the features of
 * face/mouth-geometry.h).  A geometry head combines the network's probabilities p with those
 * features f, per class c:
 *
 *   z_c = cnn_scale * log p_c + sum_k weight[c][k] * f_k + bias[c],   p'_c = softmax (z)_c
 *
 * a multinomial logistic regression over the network's log-probabilities and the features, fitted
 * (fer_geometry_head_fit) on face photos whose mouths the network never trained on.  It weighs
 * only the classes the fit saw examples of: the softmax runs over those, and shares out the
 * probability the network gave them together, so a class it never saw (pouting: no face-photo
 * set has pouts) keeps the network's probability, p'_c = p_c.  Features are clamped to the range
 * the fit saw (its 0.5th to 99.5th percentiles): landmarks of a face in profile or a bad fit give
 * values no fitted weight was meant for (a mouth "wider" than the eyes' distance three times
 * over), and a linear head would follow them anywhere.  Where no landmarks exist (an ImageFolder of mouth crops without a
 * landmarks.csv) the head is not applied and the network's probabilities stand.
 *
 * Stored in the model file's metadata as one entry, so the file still loads in PyTorch:
 *   mouth_geometry  {"features": ["opening", "corner_lift", "width_ratio"], "classes": [0, 2, 3]
 *                    (the classes it weighs), "range": [[low, high], ...] (a pair per feature),
 *                    "cnn_scale": S, "weight": [[...], ...] (a row per class, zeros for the
 *                    others), "bias": [...]} */
#ifndef FER_GEOMETRY_HEAD_H
#define FER_GEOMETRY_HEAD_H

#include <glib.h>
#include "face/mouth-geometry.h"
#include "io/model-info.h"

G_BEGIN_DECLS

#define FER_GEOMETRY_HEAD_KEY "mouth_geometry"

typedef struct {
  int num_classes;
  double cnn_scale;
  double *weight;   /* num_classes x FER_MOUTH_FEATURES */
  double *bias;     /* num_classes */
  gboolean *weighs; /* num_classes: the classes the head shares the probability among */
  double low[FER_MOUTH_FEATURES], high[FER_MOUTH_FEATURES];   /* features are clamped to these */
} FerGeometryHead;

/* The head a model's metadata holds: NULL without error when it has none, NULL with an error
 * naming path and the entry when the entry is not one this version reads (unknown features,
 * wrong sizes, values that are not finite). */
FerGeometryHead *fer_geometry_head_from_info (const FerModelInfo *info, const char *path,
    GError **error);
/* Writes head into info's metadata (replacing any head there). */
void fer_geometry_head_to_info (const FerGeometryHead *head, FerModelInfo *info);
void fer_geometry_head_free (FerGeometryHead *head);

/* p (num_classes probabilities) becomes p' for a mouth with these features. */
void fer_geometry_head_apply (const FerGeometryHead *head,
    const double features[FER_MOUTH_FEATURES], float *p);

/* Fits a head on n mouths: the network's probabilities probs[n][num_classes], their features
 * features[n][FER_MOUTH_FEATURES] and what is known of their classes: label_sets[i] has bit c
 * set when mouth i may be of class c, one bit for a known class, several for a mouth known only
 * to be one of them (a face labelled "not smiling" whose lips are neither clearly closed nor
 * clearly open: none or openmouth); the loss is -log of the probability of the set.  Each class
 * weighs the same in the loss whatever its count (the targets are balanced accuracies), a mouth
 * of a set of k classes counting 1/k in each; an L2 penalty of l2 on the weights of the standardised features keeps them
 * modest.  The head weighs the classes some set names; its ranges are the features' 0.5th and
 * 99.5th percentiles, and it is fitted on the features clamped to them.  NULL with an error when fewer than two
 * classes are named, or num_classes is above 32. */
FerGeometryHead *fer_geometry_head_fit (int num_classes, int n, const float *probs,
    const double *features, const guint32 *label_sets, double l2, GError **error);

G_END_DECLS

#endif /* FER_GEOMETRY_HEAD_H */
