/* step-lr.h: torch.optim.lr_scheduler.StepLR, the seed's learning-rate schedule. */
#ifndef FER_STEP_LR_H
#define FER_STEP_LR_H

#include <glib.h>

G_BEGIN_DECLS

/* The learning rate of a 0-based epoch, base_lr * gamma^(epoch / step_size), multiplied out step
 * by step as PyTorch does so the doubles agree bit for bit. */
double fer_step_lr (double base_lr, int epoch, int step_size, double gamma);

G_END_DECLS

#endif /* FER_STEP_LR_H */
