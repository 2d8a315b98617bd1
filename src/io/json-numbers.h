/* json-numbers.h: numbers read from a model file's JSON metadata, one rule for every reader.
 *
 * A number is a JSON value of integer or floating type (json-glib's int64 or double; never a
 * string, boolean or null), and a finite one: JSON has no infinity, but json-glib reads a
 * literal such as 1e999 as one. */
#ifndef FER_JSON_NUMBERS_H
#define FER_JSON_NUMBERS_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* node's finite number into out; FALSE (out untouched) when node is NULL or anything else. */
gboolean fer_json_number (JsonNode *node, double *out);

/* Exactly n finite numbers from a JSON array node into out; FALSE when node is anything else
 * (out may then be partly written). */
gboolean fer_json_numbers (JsonNode *node, int n, double *out);

G_END_DECLS

#endif /* FER_JSON_NUMBERS_H */
