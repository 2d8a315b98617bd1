/* csv-fields.h: one line of a CSV file split into its fields, as spreadsheet and Python writers
 * quote them: a field may be quoted ("a,b.jpg"), a quote inside doubled (""), spaces before a
 * field ignored.  The seed's face-box CSV and a crop folder's landmarks.csv read their rows
 * with it. */
#ifndef FER_CSV_FIELDS_H
#define FER_CSV_FIELDS_H

#include <glib.h>

G_BEGIN_DECLS

/* The fields of line (without its line end), NULL-terminated (g_strfreev); *count of them. */
char **fer_csv_split_fields (const char *line, int *count);

G_END_DECLS

#endif /* FER_CSV_FIELDS_H */
