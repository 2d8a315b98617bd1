/* history.h: what a training run reports per epoch, as files beside the model: JSON lines (one
 * object per epoch) and an SVG plot of loss and accuracy, train and validation, the curves the
 * seed watched in TensorBoard.  Both are rewritten whole and atomically after every epoch. */
#ifndef FER_HISTORY_H
#define FER_HISTORY_H

#include "trainer.h"

gboolean fer_history_write_jsonl (GArray *history, const char *path, GError **error);
gboolean fer_history_write_svg (GArray *history, const char *title, const char *path,
    GError **error);

#endif /* FER_HISTORY_H */
