/* progress.h: a one-line progress bar on stderr while stderr is a terminal, nothing otherwise
 * (logs then get one line per unit of work from the tool itself). */
#ifndef FER_PROGRESS_H
#define FER_PROGRESS_H

#include <glib.h>

typedef struct {
  gboolean enabled;
  gint64 started;
  gint64 last_drawn;
} FerProgress;

void fer_progress_init (FerProgress *progress);
/* Redraws at most ten times a second; label and detail are free text. */
void fer_progress_update (FerProgress *progress, const char *label, double done, double total,
    const char *detail);
/* Erases the bar so the next line starts clean. */
void fer_progress_clear (FerProgress *progress);

#endif /* FER_PROGRESS_H */
