/* atomic-file.h: write a file so that a crash or a full disk never leaves a half-written one.
 * Data goes to a temporary file beside the target; commit fsyncs it, renames it over the target
 * and fsyncs the directory.  Until commit succeeds the old file, if any, is untouched. */
#ifndef FER_ATOMIC_FILE_H
#define FER_ATOMIC_FILE_H

#include <stddef.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *path;
  char *temp_path;
  int fd;
} FerAtomicFile;

gboolean fer_atomic_file_open (FerAtomicFile *file, const char *path, GError **error);
gboolean fer_atomic_file_write (FerAtomicFile *file, const void *data, size_t size,
    GError **error);
/* On failure the temporary file is removed and the target left as it was. */
gboolean fer_atomic_file_commit (FerAtomicFile *file, GError **error);
/* Drops the temporary file; safe after a failed write or commit. */
void fer_atomic_file_abort (FerAtomicFile *file);

/* The whole file at once: open, write, commit (the one way gst-fer writes a file). */
gboolean fer_atomic_write_file (const char *path, const void *data, size_t size,
    GError **error);

/* Checks, before any work, that path can be written as fer_atomic_write_file writes it: not a
 * folder, in a folder that exists and takes new files (a temporary file is made and removed
 * there, which also catches read-only file systems and root's writes to them).  The error names
 * the path and says which of the three is wrong. */
gboolean fer_atomic_file_check (const char *path, GError **error);

/* The same for a folder a tool will create (or fill): dir is not a file, and it (when it exists)
 * or its parent (when it does not: the parent must exist) takes new files. */
gboolean fer_output_folder_check (const char *dir, GError **error);

G_END_DECLS

#endif /* FER_ATOMIC_FILE_H */
