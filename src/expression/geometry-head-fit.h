/* geometry-head-fit.h: the objective fer_geometry_head_fit minimises, apart so that its gradient
 * can be checked against central differences (tests/test-geometry-head.c). */
#ifndef FER_GEOMETRY_HEAD_FIT_H
#define FER_GEOMETRY_HEAD_FIT_H

#include <glib.h>
#include "face/mouth-geometry.h"

G_BEGIN_DECLS

typedef struct {
  int n, classes;
  const double *x;            /* n x FER_MOUTH_FEATURES, standardised */
  const double *logp;         /* n x classes: the network's log-probabilities */
  const guint32 *label_sets;  /* n: the classes each mouth may be, a bit each */
  const double *weight;       /* n: each mouth's weight in the loss */
  const gboolean *weighs;     /* classes: those the head weighs (the softmax runs over them) */
  double l2;
} FerGeometryFitData;

/* The weighted loss, sum_i weight_i * -log (sum over mouth i's set of q_ic) + l2/2 * |w|^2 over
 * the weighed classes, where q_i = softmax over the weighed classes of
 * param[0] * logp_i + W x_i + b; param = (scale, W as classes x features, b).  Its gradient
 * goes to grad (0 for the weights and bias of classes not weighed). */
double fer_geometry_fit_objective (const FerGeometryFitData *data, const double *param,
    double *grad);

G_END_DECLS

#endif /* FER_GEOMETRY_HEAD_FIT_H */
