#include "landmarks-csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv-fields.h"
#include "base/fer-error.h"
#include "face/mouth-box.h"

/* One row's points field ("x0, y0, ...") into out; FALSE unless exactly 136 numbers finite as
 * floats (1e300 is a double but not a float). */
static gboolean
parse_points (const char *text, float *out)
{
  int n = 0;
  char *end = (char *) text;
  while (*end) {
    while (*end == ' ' || *end == ',')
      end++;
    if (*end == '\0')
      break;
    char *next;
    const double v = g_ascii_strtod (end, &next);
    if (next == end || !isfinite ((float) v) || n == 2 * FER_LANDMARKS)
      return FALSE;
    out[n++] = (float) v;
    end = next;
    if (*end && *end != ',' && *end != ' ')
      return FALSE;
  }
  return n == 2 * FER_LANDMARKS;
}

GHashTable *
fer_landmarks_csv_load (const char *data_dir, GError **error)
{
  char *path = g_build_filename (data_dir, "landmarks.csv", NULL);
  char *text = NULL;
  GError *read_error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &read_error)) {
    const gboolean absent = g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    if (!absent)
      g_set_error (error, FER_ERROR, FER_ERROR_IO, "%s: %s", path, read_error->message);
    g_error_free (read_error);
    g_free (path);
    return NULL;
  }
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char **lines = g_strsplit (text, "\n", -1);
  gboolean ok = lines[0] && g_str_has_prefix (g_strstrip (lines[0]), "file,points");
  int bad_line = ok ? 0 : 1;
  for (int i = 1; ok && lines[i]; i++) {
    char *line = g_strstrip (lines[i]);
    if (*line == '\0')
      continue;
    int count;
    char **fields = fer_csv_split_fields (line, &count);
    float *points = g_new (float, 2 * FER_LANDMARKS);
    ok = count == 2 && *fields[0] && parse_points (fields[1], points);
    if (ok)
      g_hash_table_insert (table, g_build_filename (data_dir, fields[0], NULL), points);
    else {
      g_free (points);
      bad_line = i + 1;
    }
    g_strfreev (fields);
  }
  if (!ok) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s line %d: expected %s, got a row that "
        "is not that: fix or delete the file", path, bad_line, bad_line == 1
        ? "the header 'file,points'" : "'FILE,\"x0, y0, ... x67, y67\"' (136 numbers)");
    g_clear_pointer (&table, g_hash_table_unref);
  }
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  return table;
}
