#include "io/json-numbers.h"

#include <math.h>

gboolean
fer_json_number (JsonNode *node, double *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  const GType type = json_node_get_value_type (node);
  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    return FALSE;
  const double value = json_node_get_double (node);
  if (!isfinite (value))
    return FALSE;
  *out = value;
  return TRUE;
}

gboolean
fer_json_numbers (JsonNode *node, int n, double *out)
{
  JsonArray *a = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (a == NULL || n < 0 || json_array_get_length (a) != (guint) n)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (!fer_json_number (json_array_get_element (a, i), &out[i]))
      return FALSE;
  return TRUE;
}
