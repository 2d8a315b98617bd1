/* checkpoint.h: a training run's whole state in one safetensors file (written atomically): the
 * model's tensors under their usual names, the SGD momentum as "sgd.velocity", and in the
 * metadata "fer_train_state", a JSON object with the options, the position (epoch, batch), the
 * augmentation generator, the epoch's partial sums and the history.  Resuming from it gives the
 * model an uninterrupted run gives, to the bit (same threads). */
#ifndef FER_CHECKPOINT_H
#define FER_CHECKPOINT_H

#include "trainer.h"
#include "io/model-file.h"

/* The options as a JSON object (also recorded in models as "training_options"). */
char *fer_train_options_to_json (const FerTrainOptions *options);

gboolean fer_checkpoint_save (const FerTrainer *trainer, const FerModelInfo *info,
    const char *path, GError **error);

/* The trainer as saved, and the model's description.  Errors name the file and what is wrong. */
FerTrainer *fer_checkpoint_load (const char *path, FerModelInfo **info, GError **error);

#endif /* FER_CHECKPOINT_H */
