#include "nn/big-buffer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t) 2 << 20)

gpointer
fer_big_buffer_try_new (size_t bytes, gboolean zeroed)
{
  bytes = MAX (bytes, 1);
#ifdef MADV_HUGEPAGE
  if (bytes >= HUGE_PAGE) {
    /* (GLib's g_free is free (): memory from posix_memalign goes back the same way.) */
    const size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *memory = NULL;
    if (posix_memalign (&memory, HUGE_PAGE, rounded) != 0)
      return NULL;
    madvise (memory, rounded, MADV_HUGEPAGE);   /* a request: declined, plain pages */
    if (zeroed)
      memset (memory, 0, bytes);
    return memory;
  }
#endif
  return zeroed ? g_try_malloc0 (bytes) : g_try_malloc (bytes);
}
