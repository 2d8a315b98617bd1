/* evaluation.h: how well predictions match labels: confusion matrix, accuracy, balanced
 * accuracy (the mean of per-class recalls), per-class precision, recall and F1.  Shared by
 * fer-train's validation and fer-eval. */
#ifndef FER_EVALUATION_H
#define FER_EVALUATION_H

#include <stdint.h>
#include <glib.h>
#include "nn/simpleconv3.h"

G_BEGIN_DECLS

typedef struct {
  int n_classes;
  int64_t *confusion;    /* [true][predicted], n_classes x n_classes */
  int64_t total;
  double loss_sum;       /* sum of per-image cross-entropy */
} FerEvaluation;

FerEvaluation *fer_evaluation_new (int n_classes);
void fer_evaluation_free (FerEvaluation *evaluation);
void fer_evaluation_add (FerEvaluation *evaluation, int truth, int predicted, double loss);

/* Classifies images[n][3][48][48] (preprocessed) with model in evaluation mode and adds each
 * prediction and its cross-entropy against labels. */
void fer_evaluation_add_batch (FerEvaluation *evaluation, FerSimpleConv3 *model,
    const float *images, const int *labels, int n);

double fer_evaluation_accuracy (const FerEvaluation *evaluation);
double fer_evaluation_mean_loss (const FerEvaluation *evaluation);
/* Mean recall over the classes that have samples. */
double fer_evaluation_balanced_accuracy (const FerEvaluation *evaluation);
/* Per class; 0 where undefined (no prediction / no sample of the class). */
double fer_evaluation_precision (const FerEvaluation *evaluation, int k);
double fer_evaluation_recall (const FerEvaluation *evaluation, int k);
double fer_evaluation_f1 (const FerEvaluation *evaluation, int k);
int64_t fer_evaluation_support (const FerEvaluation *evaluation, int k);

G_END_DECLS

#endif /* FER_EVALUATION_H */
