/* big-buffer.h: memory for the engine's tensors of megabytes (activations, their gradients,
 * the columns' scratch, a training batch's images).
 *
 * Buffers of a huge page (2 MiB) or more are aligned to one and the kernel asked to back them
 * with huge pages (madvise; Debian's transparent huge pages are "madvise" by default).  The
 * engine's passes read several tensors at once, im2col and the batchnorms channel planes
 * megabytes apart: with 4 KiB pages a large share of those reads missed the TLB (the
 * detector-sized network's training step at batch 16, tests/bench/fer-bench-seed004, the same
 * build with and without, alternating: 45.4 -> 43.3 ms for the network's buffers, 41.8 ->
 * 41.3 ms more for the batch's images).  Where the kernel declines, plain pages. */
#ifndef FER_BIG_BUFFER_H
#define FER_BIG_BUFFER_H

#include <stddef.h>
#include <glib.h>

/* bytes of memory (zeroed, or not), NULL when it is short; freed with g_free. */
gpointer fer_big_buffer_try_new (size_t bytes, gboolean zeroed);

#endif /* FER_BIG_BUFFER_H */
