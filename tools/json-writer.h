/* json-writer.h: JSON as people read it.  json-glib writes every double with 17 significant
 * digits (a time of 0.08 s becomes 0.080000000000000002); the tools' reports and lines go
 * through fer_json_to_string instead, which writes each number with the fewest digits that read
 * back as the same double, after the caller has rounded it to what it means
 * (fer_json_round: probabilities to 4 decimals, times to the millisecond).  Layout is
 * json-glib's ("key":value, or "key" : value indented by two when pretty). */
#ifndef FER_JSON_WRITER_H
#define FER_JSON_WRITER_H

#include <json-glib/json-glib.h>
#include "io/atomic-file.h"

#define FER_JSON_NUMBER_SIZE 32

/* value rounded to decimals places (half away from zero). */
double fer_json_round (double value, int decimals);

/* The shortest text of value that reads back as value; "null" for NaN and infinities. */
void fer_json_format_number (char buffer[FER_JSON_NUMBER_SIZE], double value);

/* node as text; free with g_free. */
char *fer_json_to_string (JsonNode *node, gboolean pretty);

/* The text of what b built (as fer_json_to_string), b released: the end of every builder. */
char *fer_json_builder_finish (JsonBuilder *b, gboolean pretty);

/* What b built as one line of a JSON-lines file (b released); FALSE with error when the write
 * fails. */
gboolean fer_json_builder_write_line (JsonBuilder *b, FerAtomicFile *out, GError **error);

#endif /* FER_JSON_WRITER_H */
