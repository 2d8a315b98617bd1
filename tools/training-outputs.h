/* training-outputs.h: the files a training tool writes beside its model (fer-train and
 * fer-train-detector alike), named from MODEL's stem (MODEL without ".safetensors"):
 *   MODEL                    the chosen model
 *   STEM.last.safetensors    the model after the last epoch
 *   STEM.ckpt.safetensors    everything needed to --resume
 *   STEM.metrics.jsonl       one JSON object per epoch
 *   STEM.plot.svg            the curves
 *   STEM.data-report.txt     the inputs left out, and why */
#ifndef FER_TRAINING_OUTPUTS_H
#define FER_TRAINING_OUTPUTS_H

typedef struct {
  char *stem, *model, *last, *checkpoint, *metrics, *plot, *report;
} FerTrainingOutputs;

void fer_training_outputs_init (FerTrainingOutputs *outputs, const char *model);
void fer_training_outputs_clear (FerTrainingOutputs *outputs);

#endif /* FER_TRAINING_OUTPUTS_H */
