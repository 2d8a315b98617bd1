#include "raw-scan.h"

#include <string.h>

#include "base/fer-error.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The sorted non-hidden entries of dir. */
static GPtrArray *
entries (const char *dir, GError **error)
{
  GDir *d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
walk (FerRawTree *tree, int label, const char *dir, const char *relative)
{
  GPtrArray *names = entries (dir, NULL);
  for (guint i = 0; names && i < names->len; i++) {
    char *path = g_build_filename (dir, names->pdata[i], NULL);
    char *rel = relative ? g_build_filename (relative, names->pdata[i], NULL)
        : g_strdup (names->pdata[i]);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      walk (tree, label, path, rel);
      g_free (path);
      g_free (rel);
    } else if (g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      FerRawFile f = { label, path, rel };
      g_array_append_val (tree->files, f);
    } else {
      g_free (path);
      g_free (rel);
    }
  }
  if (names)
    g_ptr_array_unref (names);
}

FerRawTree *
fer_raw_scan (const char *root, GError **error)
{
  if (!g_file_test (root, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "%s is not a folder", root);
    return NULL;
  }
  GPtrArray *names = entries (root, error);
  if (names == NULL)
    return NULL;
  FerRawTree *tree = g_new0 (FerRawTree, 1);
  tree->files = g_array_new (FALSE, FALSE, sizeof (FerRawFile));
  GPtrArray *classes = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename (root, names->pdata[i], NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      walk (tree, (int) classes->len, path, NULL);
      g_ptr_array_add (classes, g_strdup (names->pdata[i]));
    }
    g_free (path);
  }
  g_ptr_array_unref (names);
  tree->n_classes = (int) classes->len;
  g_ptr_array_add (classes, NULL);
  tree->classes = (char **) g_ptr_array_free (classes, FALSE);
  if (tree->n_classes == 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA, "%s has no class folders: put each class's "
        "photos in a folder of its own (RAW_DIR/smile/..., RAW_DIR/none/...)", root);
    fer_raw_tree_free (tree);
    return NULL;
  }
  return tree;
}

void
fer_raw_tree_free (FerRawTree *tree)
{
  if (tree == NULL)
    return;
  for (guint i = 0; i < tree->files->len; i++) {
    g_free (g_array_index (tree->files, FerRawFile, i).path);
    g_free (g_array_index (tree->files, FerRawFile, i).relative);
  }
  g_array_unref (tree->files);
  g_strfreev (tree->classes);
  g_free (tree);
}
