#include "fuzz-input.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

static char *folder;
static char *path;

static void
remove_folder (void)
{
  GDir *dir = g_dir_open (folder, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    char *file = g_build_filename (folder, name, NULL);
    g_remove (file);
    g_free (file);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (folder);
}

const char *
fer_fuzz_folder (void)
{
  if (folder == NULL) {
    folder = g_dir_make_tmp ("fer-fuzz-XXXXXX", NULL);
    if (folder == NULL)
      abort ();
    atexit (remove_folder);
  }
  return folder;
}

const char *
fer_fuzz_input_file (const char *name, const uint8_t *data, size_t size)
{
  g_free (path);
  path = g_build_filename (fer_fuzz_folder (), name, NULL);
  FILE *file = fopen (path, "wb");
  if (file == NULL || (size > 0 && fwrite (data, 1, size, file) != size) || fclose (file) != 0) {
    fprintf (stderr, "fuzz harness: cannot write %s\n", path);
    abort ();
  }
  return path;
}
