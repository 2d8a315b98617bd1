#include "base/csv-fields.h"

char **
fer_csv_split_fields (const char *line, int *count)
{
  GPtrArray *fields = g_ptr_array_new ();
  const char *p = line;
  for (;;) {
    GString *f = g_string_new (NULL);
    while (*p == ' ')
      p++;
    if (*p == '"') {
      for (p++; *p; p++) {
        if (*p == '"' && p[1] == '"')
          g_string_append_c (f, *p++);
        else if (*p == '"') {
          p++;
          break;
        } else
          g_string_append_c (f, *p);
      }
      while (*p && *p != ',')
        p++;
    } else
      while (*p && *p != ',')
        g_string_append_c (f, *p++);
    g_ptr_array_add (fields, g_string_free (f, FALSE));
    if (*p != ',')
      break;
    p++;
  }
  *count = fields->len;
  g_ptr_array_add (fields, NULL);
  return (char **) g_ptr_array_free (fields, FALSE);
}
