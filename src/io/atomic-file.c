#include "io/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fer-error.h"

static gboolean
fail_errno (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, FER_ERROR, FER_ERROR_IO, "%s '%s': %s", what, path,
      g_strerror (saved_errno));
  return FALSE;
}

gboolean
fer_atomic_file_open (FerAtomicFile *file, const char *path, GError **error)
{
  memset (file, 0, sizeof *file);
  file->fd = -1;
  file->path = g_strdup (path);
  file->temp_path = g_strdup_printf ("%s.tmp-XXXXXX", path);
  file->fd = g_mkstemp_full (file->temp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (file->fd < 0) {
    int saved = errno;
    g_set_error (error, FER_ERROR, FER_ERROR_IO,
        "cannot create '%s': %s (is the directory there and writable?)", path,
        g_strerror (saved));
    g_clear_pointer (&file->path, g_free);
    g_clear_pointer (&file->temp_path, g_free);
    return FALSE;
  }
  return TRUE;
}

gboolean
fer_atomic_file_write (FerAtomicFile *file, const void *data, size_t size, GError **error)
{
  const char *p = data;
  while (size > 0) {
    ssize_t written = write (file->fd, p, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written < 0)
      return fail_errno (error, errno, "cannot write", file->path);
    p += written;
    size -= written;
  }
  return TRUE;
}

gboolean
fer_atomic_file_commit (FerAtomicFile *file, GError **error)
{
  if (fsync (file->fd) != 0) {
    fail_errno (error, errno, "cannot flush", file->path);
    fer_atomic_file_abort (file);
    return FALSE;
  }
  if (close (file->fd) != 0) {
    file->fd = -1;
    fail_errno (error, errno, "cannot close", file->path);
    fer_atomic_file_abort (file);
    return FALSE;
  }
  file->fd = -1;
  if (rename (file->temp_path, file->path) != 0) {
    fail_errno (error, errno, "cannot replace", file->path);
    fer_atomic_file_abort (file);
    return FALSE;
  }
  /* The rename is durable only once the directory entry is. */
  char *dir = g_path_get_dirname (file->path);
  int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync (dir_fd);
    close (dir_fd);
  }
  g_free (dir);
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->temp_path, g_free);
  return TRUE;
}

void
fer_atomic_file_abort (FerAtomicFile *file)
{
  if (file->fd >= 0)
    close (file->fd);
  file->fd = -1;
  if (file->temp_path != NULL)
    unlink (file->temp_path);
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->temp_path, g_free);
}

gboolean
fer_atomic_write_file (const char *path, const void *data, size_t size, GError **error)
{
  FerAtomicFile file;
  if (!fer_atomic_file_open (&file, path, error))
    return FALSE;
  if (!fer_atomic_file_write (&file, data, size, error)) {
    fer_atomic_file_abort (&file);
    return FALSE;
  }
  return fer_atomic_file_commit (&file, error);
}

/* Makes and removes a file in dir: the one sure test that dir takes new files. */
static gboolean
folder_takes_files (const char *dir, const char *for_path, GError **error)
{
  char *probe = g_build_filename (dir, ".fer-write-check-XXXXXX", NULL);
  const int fd = g_mkstemp_full (probe, O_WRONLY | O_CLOEXEC, 0644);
  const int saved = errno;
  if (fd >= 0) {
    close (fd);
    unlink (probe);
  }
  g_free (probe);
  if (fd < 0)
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write '%s': the folder '%s' does not "
        "take new files (%s)", for_path, dir, g_strerror (saved));
  return fd >= 0;
}

/* dir is there and takes new files; the error names what was to be made there. */
static gboolean
folder_ready (const char *dir, const char *verb, const char *for_path, GError **error)
{
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot %s '%s': the folder '%s' does not "
        "exist (create it first)", verb, for_path, dir);
    return FALSE;
  }
  return folder_takes_files (dir, for_path, error);
}

gboolean
fer_atomic_file_check (const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write '%s': it is a folder; give a "
        "file name", path);
    return FALSE;
  }
  char *dir = g_path_get_dirname (path);
  const gboolean ok = folder_ready (dir, "write", path, error);
  g_free (dir);
  return ok;
}

gboolean
fer_output_folder_check (const char *dir, GError **error)
{
  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write into '%s': it is a file, not a "
        "folder", dir);
    return FALSE;
  }
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return folder_takes_files (dir, dir, error);
  char *parent = g_path_get_dirname (dir);
  const gboolean ok = folder_ready (parent, "create", dir, error);
  g_free (parent);
  return ok;
}
