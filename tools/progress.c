#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#define WIDTH 30

void
fer_progress_init (FerProgress *progress)
{
  progress->enabled = isatty (STDERR_FILENO);
  progress->started = g_get_monotonic_time ();
  progress->last_drawn = 0;
}

void
fer_progress_update (FerProgress *progress, const char *label, double done, double total,
    const char *detail)
{
  if (!progress->enabled)
    return;
  const gint64 now = g_get_monotonic_time ();
  if (done < total && now - progress->last_drawn < 100000)
    return;
  progress->last_drawn = now;
  const double fraction = total > 0 ? done / total : 1;
  const int filled = (int) (fraction * WIDTH);
  char bar[WIDTH + 1];
  for (int i = 0; i < WIDTH; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[WIDTH] = '\0';
  const double elapsed = (now - progress->started) / 1e6;
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  fprintf (stderr, "\r\033[K%s [%s] %3.0f%% %s  eta %.0fs", label, bar, 100 * fraction,
      detail ? detail : "", eta);
  fflush (stderr);
}

void
fer_progress_clear (FerProgress *progress)
{
  if (progress->enabled) {
    fprintf (stderr, "\r\033[K");
    fflush (stderr);
  }
  progress->started = g_get_monotonic_time ();
}
