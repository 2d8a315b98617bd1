/* raw-scan.h: the files of a raw photo tree, one folder per class, any depth below it.
 *
 * Every regular file counts (whatever its name or extension: decoding decides what is an
 * image); hidden files and folders (".name") are skipped, symbolic links followed.  Classes and
 * files come sorted by name, so runs are reproducible. */
#ifndef FER_RAW_SCAN_H
#define FER_RAW_SCAN_H

#include <glib.h>

typedef struct {
  int label;              /* index into classes */
  char *path;             /* full path */
  char *relative;         /* below the class folder */
} FerRawFile;

typedef struct {
  char **classes;         /* NULL-terminated, sorted */
  int n_classes;
  GArray *files;          /* FerRawFile, by class then path */
} FerRawTree;

/* NULL with an error naming the folder when it cannot be read or holds no class folder. */
FerRawTree *fer_raw_scan (const char *root, GError **error);
void fer_raw_tree_free (FerRawTree *tree);

#endif /* FER_RAW_SCAN_H */
