/* fuzz-input.h: what every fuzz target shares.  Our parsers read files by path (the way users
 * reach them), so each input is written to a file of its own in a private folder on the
 * process's temporary directory (tmpfs-fast under /dev/shm when TMPDIR points there) and the
 * parser is handed its path. */
#ifndef FER_FUZZ_INPUT_H
#define FER_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes data to NAME in the target's folder and returns the file's path (owned here, valid
 * until the next call).  Aborts when the file cannot be written: a broken harness must not pass
 * for a parser that refuses everything. */
const char *fer_fuzz_input_file (const char *name, const uint8_t *data, size_t size);

/* The target's folder (created on first use, removed at exit). */
const char *fer_fuzz_folder (void);

#ifdef __cplusplus
}
#endif

#endif /* FER_FUZZ_INPUT_H */
