#include "image/image-folder.h"

#include <string.h>

#include "base/fer-error.h"

static const char *const image_extensions[] = {
  ".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp", NULL,
};

static gboolean
has_image_extension (const char *name)
{
  char *lower = g_ascii_strdown (name, -1);
  gboolean found = FALSE;
  for (int i = 0; !found && image_extensions[i]; i++)
    found = g_str_has_suffix (lower, image_extensions[i]);
  g_free (lower);
  return found;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The visible entries of a folder, sorted; NULL (and error) when it cannot be listed. */
static GPtrArray *
sorted_entries (const char *dir, GError **error)
{
  GDir *handle = g_dir_open (dir, 0, error);
  if (handle == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (handle)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (handle);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* Adds the image files below dir as samples of label, walking folders in sorted order. */
static void
collect (FerImageFolder *folder, const char *dir, int label)
{
  GPtrArray *names = sorted_entries (dir, NULL);
  if (names == NULL)
    return;   /* an unreadable sub-folder: its files are simply not found */
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename (dir, names->pdata[i], NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      collect (folder, path, label);
      g_free (path);
    } else if (has_image_extension (names->pdata[i])) {
      FerSample sample = { path, label };
      g_array_append_val (folder->samples, sample);
    } else {
      g_ptr_array_add (folder->ignored, path);
    }
  }
  g_ptr_array_unref (names);
}

static void
sample_clear (gpointer data)
{
  g_free (((FerSample *) data)->path);
}

FerImageFolder *
fer_image_folder_scan (const char *root, GError **error)
{
  GError *list_error = NULL;
  if (!g_file_test (root, G_FILE_TEST_EXISTS)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "data folder '%s' does not exist", root);
    return NULL;
  }
  if (!g_file_test (root, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO,
        "'%s' is not a folder: give the folder that holds one sub-folder per class", root);
    return NULL;
  }
  GPtrArray *names = sorted_entries (root, &list_error);
  if (names == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot list '%s': %s", root,
        list_error->message);
    g_error_free (list_error);
    return NULL;
  }

  FerImageFolder *folder = g_new0 (FerImageFolder, 1);
  folder->root = g_strdup (root);
  folder->samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  g_array_set_clear_func (folder->samples, sample_clear);
  folder->ignored = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *classes = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename (root, names->pdata[i], NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      g_ptr_array_add (classes, g_strdup (names->pdata[i]));
    else
      g_ptr_array_add (folder->ignored, g_strdup (path));
    g_free (path);
  }
  g_ptr_array_unref (names);
  g_ptr_array_add (classes, NULL);
  folder->classes = (char **) g_ptr_array_free (classes, FALSE);
  folder->n_classes = g_strv_length (folder->classes);
  if (folder->n_classes == 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA,
        "'%s' has no class folders: put each class's images in a sub-folder named after it "
        "(ImageFolder layout: %s/<class>/<image>)", root, root);
    fer_image_folder_free (folder);
    return NULL;
  }

  for (int label = 0; label < folder->n_classes; label++) {
    const guint before = folder->samples->len;
    char *dir = g_build_filename (root, folder->classes[label], NULL);
    collect (folder, dir, label);
    if (folder->samples->len == before) {
      g_set_error (error, FER_ERROR, FER_ERROR_DATA,
          "class folder '%s' holds no image files (.jpg .jpeg .png .ppm .bmp .pgm .tif .tiff "
          ".webp): add images or remove the folder", dir);
      g_free (dir);
      fer_image_folder_free (folder);
      return NULL;
    }
    g_free (dir);
  }
  return folder;
}

void
fer_image_folder_free (FerImageFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->root);
  g_strfreev (folder->classes);
  g_array_unref (folder->samples);
  g_ptr_array_unref (folder->ignored);
  g_free (folder);
}

int *
fer_image_folder_class_counts (const FerImageFolder *folder)
{
  int *counts = g_new0 (int, folder->n_classes);
  for (guint i = 0; i < folder->samples->len; i++)
    counts[g_array_index (folder->samples, FerSample, i).label]++;
  return counts;
}
