#include "detect/face-annotations.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/csv-fields.h"
#include "base/fer-error.h"

#define MAX_FILE (256u * 1024 * 1024)
#define MAX_SIDE 100000

static void
photo_free (gpointer p)
{
  FerAnnotatedPhoto *photo = p;
  g_free (photo->path);
  g_array_unref (photo->faces);
  g_free (photo);
}

void
fer_face_annotations_free (FerFaceAnnotations *a)
{
  if (a == NULL)
    return;
  g_ptr_array_unref (a->photos);
  g_ptr_array_unref (a->problems);
  g_free (a);
}

static gboolean
parse_number (const char *field, double *out)
{
  char *end;
  errno = 0;
  *out = g_ascii_strtod (field, &end);
  while (*end == ' ')
    end++;
  return end != field && *end == '\0' && errno == 0 && isfinite (*out);
}

static void
problem (FerFaceAnnotations *a, int line, const char *what)
{
  g_ptr_array_add (a->problems, g_strdup_printf ("line %d: %s", line, what));
}

FerFaceAnnotations *
fer_face_annotations_parse (const char *text, size_t length, const char *csv_path)
{
  FerFaceAnnotations *a = g_new0 (FerFaceAnnotations, 1);
  a->photos = g_ptr_array_new_with_free_func (photo_free);
  a->problems = g_ptr_array_new_with_free_func (g_free);
  GHashTable *by_path = g_hash_table_new (g_str_hash, g_str_equal);
  char *folder = g_path_get_dirname (csv_path ? csv_path : ".");
  char *copy = g_strndup (text, length);   /* stops at a NUL: the rest is not text */
  int number = 0;
  for (char *line = copy, *next; line; line = next) {
    next = strchr (line, '\n');
    if (next)
      *next++ = '\0';
    number++;
    g_strchomp (line);   /* also a CR of CRLF files */
    if (*line == '\0')
      continue;
    int count;
    char **f = fer_csv_split_fields (line, &count);
    if (number == 1 && count == 7 && strcmp (f[0], "filename") == 0) {
      g_strfreev (f);
      continue;
    }
    double v[6];
    gboolean empty_box = count == 7;
    for (int i = 3; i < 7 && i < count; i++)
      empty_box = empty_box && f[i][0] == '\0';
    const char *what = NULL;
    if (count != 7)
      what = "expected 7 fields: filename,width,height,x1,y1,x2,y2";
    else if (f[0][0] == '\0')
      what = "the filename is empty";
    for (int i = 1; what == NULL && i < 7; i++)
      if (!(i >= 3 && empty_box) && !parse_number (f[i], &v[i - 1]))
        what = "a field is not a number";
    /* In range before the whole-number test: converting a huge double to int is undefined. */
    if (what == NULL && (v[0] < 1 || v[1] < 1 || v[0] > MAX_SIDE || v[1] > MAX_SIDE
            || v[0] != floor (v[0]) || v[1] != floor (v[1])))
      what = "width and height must be whole numbers from 1 to 100000";
    if (what == NULL && !empty_box && !(v[2] < v[4] && v[3] < v[5]))
      what = "the box is empty (x1 >= x2 or y1 >= y2)";
    if (what == NULL && !empty_box && (v[4] <= 0 || v[5] <= 0 || v[2] >= v[0]
            || v[3] >= v[1]))
      what = "the box is outside the photo";
    FerAnnotatedPhoto *photo = NULL;
    if (what == NULL) {
      char *path = g_path_is_absolute (f[0]) ? g_strdup (f[0])
          : g_build_filename (folder, f[0], NULL);
      photo = g_hash_table_lookup (by_path, path);
      if (photo && (photo->width != (int) v[0] || photo->height != (int) v[1]))
        what = "width and height differ from the photo's earlier rows";
      if (photo == NULL && what == NULL) {
        photo = g_new0 (FerAnnotatedPhoto, 1);
        photo->path = path;
        path = NULL;
        photo->width = v[0];
        photo->height = v[1];
        photo->faces = g_array_new (FALSE, FALSE, sizeof (FerBoxF));
        g_ptr_array_add (a->photos, photo);
        g_hash_table_insert (by_path, photo->path, photo);
      }
      g_free (path);
    }
    if (what)
      problem (a, number, what);
    else if (!empty_box) {
      /* Clipped to the photo: teachers and hand boxes may reach a little past its edges. */
      const double x1 = MAX (v[2], 0), y1 = MAX (v[3], 0);
      const double x2 = MIN (v[4], v[0]), y2 = MIN (v[5], v[1]);
      FerBoxF box = { x1, y1, x2 - x1, y2 - y1 };
      g_array_append_val (photo->faces, box);
      a->faces++;
    }
    g_strfreev (f);
  }
  g_free (copy);
  g_free (folder);
  g_hash_table_unref (by_path);
  return a;
}

FerFaceAnnotations *
fer_face_annotations_load (const char *csv_path, GError **error)
{
  char *text;
  gsize length;
  GError *inner = NULL;
  if (!g_file_get_contents (csv_path, &text, &length, &inner)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "%s: %s", csv_path, inner->message);
    g_error_free (inner);
    return NULL;
  }
  if (length > MAX_FILE) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA, "%s: %zu bytes; annotation files of more "
        "than 256 MB are not read", csv_path, (size_t) length);
    g_free (text);
    return NULL;
  }
  FerFaceAnnotations *a = fer_face_annotations_parse (text, length, csv_path);
  g_free (text);
  return a;
}
