#include "json-writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
fer_json_round (double value, int decimals)
{
  const double scale = pow (10, decimals);
  return round (value * scale) / scale;
}

void
fer_json_format_number (char buffer[FER_JSON_NUMBER_SIZE], double value)
{
  if (!isfinite (value)) {
    g_strlcpy (buffer, "null", FER_JSON_NUMBER_SIZE);   /* JSON has no NaN or infinity */
    return;
  }
  /* The fewest digits that read back as the same double. */
  for (int digits = 1; digits <= 17; digits++) {
    g_snprintf (buffer, FER_JSON_NUMBER_SIZE, "%.*g", digits, value);
    if (g_ascii_strtod (buffer, NULL) == value)
      break;
  }
  /* %g goes to an exponent when the digits end before the decimal point (10 as "1e+01", 140
   * as "1.4e+02"): people read plain decimals, so write those in full as long as they are. */
  if (strchr (buffer, 'e') && fabs (value) >= 1e-4 && fabs (value) < 1e15)
    for (int decimals = 0; decimals <= 20; decimals++) {
      g_snprintf (buffer, FER_JSON_NUMBER_SIZE, "%.*f", decimals, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  /* %g writes in the C locale's form here only if the locale is C: the tools never set one, but
   * be safe and turn a decimal comma into a point. */
  for (char *c = buffer; *c; c++)
    if (*c == ',')
      *c = '.';
}

static void
append_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const unsigned char *c = (const unsigned char *) text; *c; c++) {
    switch (*c) {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if (*c < 0x20)
          g_string_append_printf (out, "\\u%04x", *c);
        else
          g_string_append_c (out, (char) *c);
    }
  }
  g_string_append_c (out, '"');
}

static void
newline (GString *out, gboolean pretty, int depth)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void append_node (GString *out, JsonNode *node, gboolean pretty, int depth);

static void
append_object (GString *out, JsonObject *object, gboolean pretty, int depth)
{
  GList *members = json_object_get_members (object);
  g_string_append_c (out, '{');
  for (GList *m = members; m; m = m->next) {
    newline (out, pretty, depth + 1);
    append_string (out, m->data);
    g_string_append (out, pretty ? " : " : ":");
    append_node (out, json_object_get_member (object, m->data), pretty, depth + 1);
    if (m->next)
      g_string_append_c (out, ',');
  }
  if (members)
    newline (out, pretty, depth);
  g_string_append_c (out, '}');
  g_list_free (members);
}

static void
append_array (GString *out, JsonArray *array, gboolean pretty, int depth)
{
  const guint n = json_array_get_length (array);
  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++) {
    newline (out, pretty, depth + 1);
    append_node (out, json_array_get_element (array, i), pretty, depth + 1);
    if (i + 1 < n)
      g_string_append_c (out, ',');
  }
  if (n > 0)
    newline (out, pretty, depth);
  g_string_append_c (out, ']');
}

static void
append_node (GString *out, JsonNode *node, gboolean pretty, int depth)
{
  char number[FER_JSON_NUMBER_SIZE];
  switch (json_node_get_node_type (node)) {
    case JSON_NODE_OBJECT:
      append_object (out, json_node_get_object (node), pretty, depth);
      return;
    case JSON_NODE_ARRAY:
      append_array (out, json_node_get_array (node), pretty, depth);
      return;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return;
    case JSON_NODE_VALUE:
      break;
  }
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      fer_json_format_number (number, json_node_get_double (node));
      g_string_append (out, number);
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    default:
      append_string (out, json_node_get_string (node));
      break;
  }
}

char *
fer_json_to_string (JsonNode *node, gboolean pretty)
{
  GString *out = g_string_new (NULL);
  append_node (out, node, pretty, 0);
  return g_string_free (out, FALSE);
}

char *
fer_json_builder_finish (JsonBuilder *b, gboolean pretty)
{
  JsonNode *root = json_builder_get_root (b);
  char *text = fer_json_to_string (root, pretty);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

gboolean
fer_json_builder_write_line (JsonBuilder *b, FerAtomicFile *out, GError **error)
{
  char *line = fer_json_builder_finish (b, FALSE);
  const gboolean written = fer_atomic_file_write (out, line, strlen (line), error)
      && fer_atomic_file_write (out, "\n", 1, error);
  g_free (line);
  return written;
}
