/* image-folder.h: torchvision's ImageFolder layout, one folder per class.
 *
 * Classes are the sub-folders of the root, in sorted (byte) order; a class's samples are the
 * files below its folder (recursively, folders and files in sorted order) whose names end in an
 * image extension (case-insensitive: .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp), exactly
 * as torchvision indexes them, so label i means the same class in both.  Unlike torchvision,
 * hidden entries (".name") are ignored, and files with other extensions are listed rather than
 * silently dropped. */
#ifndef FER_IMAGE_FOLDER_H
#define FER_IMAGE_FOLDER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *path;
  int label;
} FerSample;

typedef struct {
  char *root;
  char **classes;        /* folder names, sorted, NULL-terminated */
  int n_classes;
  GArray *samples;       /* FerSample, grouped by class, in torchvision's order */
  GPtrArray *ignored;    /* paths of files without an image extension */
} FerImageFolder;

/* Fails (FER_ERROR_IO / FER_ERROR_DATA, naming the folder) when root is missing or not a
 * folder, has no class folders, or a class folder holds no image files. */
FerImageFolder *fer_image_folder_scan (const char *root, GError **error);
void fer_image_folder_free (FerImageFolder *folder);

/* The number of samples of each class, in an array of n_classes. */
int *fer_image_folder_class_counts (const FerImageFolder *folder);

G_END_DECLS

#endif /* FER_IMAGE_FOLDER_H */
