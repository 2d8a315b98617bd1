#include "landmarks-csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/fer-error.h"
#include "face/mouth-box.h"

/* One row's points ("x0, y0, ...", quoted or not) into out; FALSE unless exactly 136 numbers
 * finite as floats (1e300 is a double but not a float). */
static gboolean
parse_points (char *text, float *out)
{
  g_strstrip (text);
  const size_t len = strlen (text);
  if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
    text[len - 1] = '\0';
    text++;
  }
  int n = 0;
  char *end = text;
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
    /* The file, quoted by a CSV writer when its name holds a comma. */
    char *comma = NULL;
    if (*line == '"') {
      char *close = strstr (line + 1, "\",");
      if (close) {
        *close = '\0';
        comma = close + 1;
        line++;
      }
    } else
      comma = strchr (line, ',');
    float *points = g_new (float, 2 * FER_LANDMARKS);
    if (comma == NULL || comma == line || !parse_points (comma + 1, points)) {
      g_free (points);
      ok = FALSE;
      bad_line = i + 1;
      break;
    }
    *comma = '\0';
    g_hash_table_insert (table, g_build_filename (data_dir, line, NULL), points);
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
