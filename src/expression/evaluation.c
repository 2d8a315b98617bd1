#include "expression/evaluation.h"

#include <math.h>

#include "nn/cross-entropy.h"

#define IMAGE (3 * FER_SIMPLECONV3_INPUT_SIZE * FER_SIMPLECONV3_INPUT_SIZE)
#define CHUNK 256

FerEvaluation *
fer_evaluation_new (int n_classes)
{
  FerEvaluation *e = g_new0 (FerEvaluation, 1);
  e->n_classes = n_classes;
  e->confusion = g_new0 (int64_t, (size_t) n_classes * n_classes);
  return e;
}

void
fer_evaluation_free (FerEvaluation *evaluation)
{
  if (evaluation == NULL)
    return;
  g_free (evaluation->confusion);
  g_free (evaluation);
}

void
fer_evaluation_add (FerEvaluation *e, int truth, int predicted, double loss)
{
  e->confusion[(size_t) truth * e->n_classes + predicted]++;
  e->total++;
  e->loss_sum += loss;
}

static int64_t
cell (const FerEvaluation *e, int truth, int predicted)
{
  return e->confusion[(size_t) truth * e->n_classes + predicted];
}

double
fer_evaluation_accuracy (const FerEvaluation *e)
{
  int64_t correct = 0;
  for (int k = 0; k < e->n_classes; k++)
    correct += cell (e, k, k);
  return e->total ? (double) correct / e->total : 0;
}

double
fer_evaluation_mean_loss (const FerEvaluation *e)
{
  return e->total ? e->loss_sum / e->total : 0;
}

int64_t
fer_evaluation_support (const FerEvaluation *e, int k)
{
  int64_t n = 0;
  for (int p = 0; p < e->n_classes; p++)
    n += cell (e, k, p);
  return n;
}

double
fer_evaluation_recall (const FerEvaluation *e, int k)
{
  const int64_t support = fer_evaluation_support (e, k);
  return support ? (double) cell (e, k, k) / support : 0;
}

double
fer_evaluation_precision (const FerEvaluation *e, int k)
{
  int64_t predicted = 0;
  for (int t = 0; t < e->n_classes; t++)
    predicted += cell (e, t, k);
  return predicted ? (double) cell (e, k, k) / predicted : 0;
}

double
fer_evaluation_f1 (const FerEvaluation *e, int k)
{
  const double p = fer_evaluation_precision (e, k), r = fer_evaluation_recall (e, k);
  return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

double
fer_evaluation_balanced_accuracy (const FerEvaluation *e)
{
  double sum = 0;
  int classes = 0;
  for (int k = 0; k < e->n_classes; k++)
    if (fer_evaluation_support (e, k) > 0) {
      sum += fer_evaluation_recall (e, k);
      classes++;
    }
  return classes ? sum / classes : 0;
}

void
fer_evaluation_add_batch (FerEvaluation *e, FerSimpleConv3 *model, const float *images,
    const int *labels, int n)
{
  const int classes = model->layout.num_classes;
  float *probs = g_new (float, (size_t) CHUNK * classes);
  const gboolean was_training = model->training;
  model->training = FALSE;
  for (int first = 0; first < n; first += CHUNK) {
    const int count = MIN (CHUNK, n - first);
    const float *logits = fer_simpleconv3_forward (model, images + (size_t) first * IMAGE, count);
    fer_softmax (probs, logits, count, classes);
    for (int i = 0; i < count; i++) {
      const int truth = labels[first + i];
      const double p = probs[i * classes + truth];
      fer_evaluation_add (e, truth, fer_argmax (logits + i * classes, classes),
          -log (p > 1e-30 ? p : 1e-30));
    }
  }
  model->training = was_training;
  g_free (probs);
}
