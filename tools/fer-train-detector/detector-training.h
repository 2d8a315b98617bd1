/* detector-training.h: one training step of the face detector: a batch of patches
 * (detector-samples.h), the seed's IoU labelling of every anchor (candidate-labels.h: a face
 * above 0.5, background below 0.3 with every face, each face's best anchor a face whatever its
 * overlap), the hardest negatives kept (the hardest quarter of each patch's: the rest is easy
 * background that would drown the loss), seed 004's multi-task loss (CE over positives +
 * CE over negatives + smooth-L1 offsets over positives), backward, one Adam step.
 *
 * A step's patches come from a generator seeded by (seed, step), so a run resumed at any step
 * draws what the uninterrupted run would have. */
#ifndef FER_DETECTOR_TRAINING_H
#define FER_DETECTOR_TRAINING_H

#include "box/candidate-labels.h"
#include "detect/detector-design.h"
#include "detector-samples.h"
#include "nn/adam.h"
#include "nn/detection-loss.h"

typedef struct {
  FerDetectorDesign design;
  FerNet *net;              /* patch x patch inputs, batch images */
  FerAdam *adam;
  int patch, batch;
  int n_anchors;
  FerBoxF *anchors;
  float *images, *logits, *offsets, *dlogits, *doffsets, *targets, *scratch, *neg_loss;
  int *labels, *matched, *order;
  FerCandidateLabel *candidate_labels;
} FerDetectorTrainer;

/* net is taken over (its input must be patch x patch, batch at least batch). */
FerDetectorTrainer *fer_detector_trainer_new (const FerDetectorDesign *design, FerNet *net,
    FerAdam *adam, int patch, int batch, GError **error);
void fer_detector_trainer_free (FerDetectorTrainer *trainer);

/* Draws the step's batch and trains on it at learning rate lr; loss gets the step's terms. */
void fer_detector_trainer_step (FerDetectorTrainer *trainer, const FerDetectorPhotos *photos,
    const FerSampleOptions *samples, guint64 seed, gint64 step, double lr,
    FerDetectionLoss *loss);


#endif /* FER_DETECTOR_TRAINING_H */
