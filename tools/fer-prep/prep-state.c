#include "prep-state.h"

#include "json-writer.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "box/box.h"
#include "io/atomic-file.h"

static const char *const outcome_names[FER_PREP_N_OUTCOMES] = {
  "accepted", "empty", "unreadable", "not-image", "corrupt", "no-face", "small-mouth",
  "duplicate", "near-duplicate"
};

const char *
fer_prep_outcome_name (FerPrepOutcome outcome)
{
  return outcome_names[outcome];
}

void
fer_prep_entry_free (FerPrepEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->class_name);
  g_free (entry->source);
  g_free (entry->reason);
  g_free (entry->sha256);
  g_ptr_array_unref (entry->crops);
  g_array_unref (entry->dhashes);
  g_array_unref (entry->mouths);
  g_array_unref (entry->openings);
  g_array_unref (entry->landmarks);
  g_free (entry);
}

static char *
key (const char *class_name, const char *source)
{
  return g_strconcat (class_name, "\n", source, NULL);
}

static void
remember (FerPrepState *state, FerPrepEntry *e)
{
  g_ptr_array_add (state->entries, e);
  g_hash_table_insert (state->done, key (e->class_name, e->source), e);
  if (e->sha256 && !g_hash_table_contains (state->by_sha256, e->sha256))
    g_hash_table_insert (state->by_sha256, g_strdup (e->sha256), e);
  for (guint i = 0; i < e->crops->len; i++)
    g_hash_table_add (state->crop_names, g_strconcat (e->class_name, "/", e->crops->pdata[i],
            NULL));
}

/* "mouth": [x, y, width, height] */
static void
add_mouth (JsonBuilder *b, const FerBox *m)
{
  json_builder_set_member_name (b, "mouth");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, m->x);
  json_builder_add_int_value (b, m->y);
  json_builder_add_int_value (b, m->width);
  json_builder_add_int_value (b, m->height);
  json_builder_end_array (b);
}

/* "landmarks": 136 numbers to the hundredth of a pixel; left out when not recorded. */
static void
add_landmarks (JsonBuilder *b, const FerPrepLandmarks *l)
{
  for (int k = 0; k < 2 * FER_LANDMARKS; k++)
    if (!isfinite (l->xy[k]))
      return;
  json_builder_set_member_name (b, "landmarks");
  json_builder_begin_array (b);
  for (int k = 0; k < 2 * FER_LANDMARKS; k++)
    json_builder_add_double_value (b, fer_json_round (l->xy[k], 2));
  json_builder_end_array (b);
}

static JsonNode *
entry_to_json (const FerPrepEntry *e)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "class");
  json_builder_add_string_value (b, e->class_name);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, e->source);
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, outcome_names[e->outcome]);
  if (e->reason) {
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, e->reason);
  }
  if (e->sha256) {
    json_builder_set_member_name (b, "sha256");
    json_builder_add_string_value (b, e->sha256);
  }
  json_builder_set_member_name (b, "crops");
  json_builder_begin_array (b);
  for (guint i = 0; i < e->crops->len; i++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "file");
    json_builder_add_string_value (b, e->crops->pdata[i]);
    json_builder_set_member_name (b, "dhash");
    char hex[65];
    fer_dhash_to_hex (&g_array_index (e->dhashes, FerDHash, i), hex);
    json_builder_add_string_value (b, hex);
    add_mouth (b, &g_array_index (e->mouths, FerBox, i));
    const double opening = g_array_index (e->openings, double, i);
    if (isfinite (opening)) {
      json_builder_set_member_name (b, "opening");
      json_builder_add_double_value (b, fer_json_round (opening, 4));
    }
    add_landmarks (b, &g_array_index (e->landmarks, FerPrepLandmarks, i));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  JsonNode *node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

/* A member's string; NULL when it is missing or not a string. */
static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
      ? json_node_get_string (n) : NULL;
}

/* A mouth box: an array of 4 integers that fit an int. */
static gboolean
box_member (JsonObject *o, FerBox *box)
{
  JsonNode *n = json_object_get_member (o, "mouth");
  JsonArray *a = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (a == NULL || json_array_get_length (a) != 4)
    return FALSE;
  int v[4];
  for (guint i = 0; i < 4; i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
        || json_node_get_int (e) < G_MININT || json_node_get_int (e) > G_MAXINT)
      return FALSE;
    v[i] = (int) json_node_get_int (e);
  }
  *box = (FerBox) { v[0], v[1], v[2], v[3] };
  return TRUE;
}

/* The crop's mouth opening; NAN when the journal (of an older fer-prep) has none. */
static double
opening_member (JsonObject *o)
{
  JsonNode *n = json_object_get_member (o, "opening");
  return n && JSON_NODE_HOLDS_VALUE (n) && (json_node_get_value_type (n) == G_TYPE_DOUBLE
          || json_node_get_value_type (n) == G_TYPE_INT64) ? json_node_get_double (n) : NAN;
}

/* The crop's landmarks; all NAN when the journal (of an older fer-prep) has none, FALSE when the
 * member is there but not 136 numbers. */
static gboolean
landmarks_member (JsonObject *o, FerPrepLandmarks *l)
{
  for (int k = 0; k < 2 * FER_LANDMARKS; k++)
    l->xy[k] = NAN;
  JsonNode *n = json_object_get_member (o, "landmarks");
  if (n == NULL)
    return TRUE;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (a == NULL || json_array_get_length (a) != 2 * FER_LANDMARKS)
    return FALSE;
  for (guint k = 0; k < 2 * FER_LANDMARKS; k++) {
    JsonNode *e = json_array_get_element (a, k);
    if (!JSON_NODE_HOLDS_VALUE (e) || (json_node_get_value_type (e) != G_TYPE_DOUBLE
            && json_node_get_value_type (e) != G_TYPE_INT64))
      return FALSE;
    l->xy[k] = (float) json_node_get_double (e);
  }
  return TRUE;
}

/* One journal line back into an entry; NULL for a line that is not one as written (cut short
 * by a crash, or damaged): every member is checked, and the input is then decided again. */
static FerPrepEntry *
entry_from_json (const char *line)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root = json_parser_load_from_data (parser, line, -1, NULL)
      ? json_parser_get_root (parser) : NULL;
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *crops_node = o ? json_object_get_member (o, "crops") : NULL;
  JsonArray *crops = crops_node && JSON_NODE_HOLDS_ARRAY (crops_node)
      ? json_node_get_array (crops_node) : NULL;
  const char *class_name = string_member (o, "class"), *source = string_member (o, "source");
  const char *outcome = string_member (o, "outcome");
  int known = -1;
  for (int k = 0; outcome && k < FER_PREP_N_OUTCOMES; k++)
    if (strcmp (outcome, outcome_names[k]) == 0)
      known = k;
  gboolean ok = crops && class_name && *class_name && source && *source && known >= 0
      && (!json_object_has_member (o, "reason") || string_member (o, "reason"))
      && (!json_object_has_member (o, "sha256") || string_member (o, "sha256"));
  FerPrepEntry *e = g_new0 (FerPrepEntry, 1);
  e->crops = g_ptr_array_new_with_free_func (g_free);
  e->dhashes = g_array_new (FALSE, FALSE, sizeof (FerDHash));
  e->mouths = g_array_new (FALSE, TRUE, sizeof (FerBox));
  e->openings = g_array_new (FALSE, FALSE, sizeof (double));
  e->landmarks = g_array_new (FALSE, FALSE, sizeof (FerPrepLandmarks));
  for (guint i = 0; ok && i < json_array_get_length (crops); i++) {
    JsonNode *node = json_array_get_element (crops, i);
    JsonObject *c = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    const char *file = string_member (c, "file");
    FerDHash h = { { 0 } };
    FerBox m = { 0 };
    FerPrepLandmarks l;
    ok = file && *file && !strchr (file, '/') && fer_dhash_from_hex (string_member (c, "dhash"), &h)
        && box_member (c, &m) && landmarks_member (c, &l);
    if (ok) {
      g_ptr_array_add (e->crops, g_strdup (file));
      g_array_append_val (e->dhashes, h);
      g_array_append_val (e->mouths, m);
      const double opening = opening_member (c);
      g_array_append_val (e->openings, opening);
      g_array_append_val (e->landmarks, l);
    }
  }
  if (ok) {
    e->class_name = g_strdup (class_name);
    e->source = g_strdup (source);
    e->outcome = known;
    e->reason = g_strdup (string_member (o, "reason"));
    e->sha256 = g_strdup (string_member (o, "sha256"));
  } else {
    g_clear_pointer (&e, fer_prep_entry_free);
  }
  g_object_unref (parser);
  return e;
}

gboolean
fer_prep_state_open (FerPrepState *state, const char *journal_path, GError **error)
{
  state->journal_path = g_strdup (journal_path);
  state->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) fer_prep_entry_free);
  state->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->by_sha256 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->crop_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  char *text = NULL;
  if (g_file_get_contents (journal_path, &text, NULL, NULL)) {
    char **lines = g_strsplit (text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
      FerPrepEntry *e = *lines[i] ? entry_from_json (lines[i]) : NULL;
      if (e)
        remember (state, e);
    }
    g_strfreev (lines);
    g_free (text);
  }
  state->journal = fopen (journal_path, "a");
  if (state->journal == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write %s: %s", journal_path,
        g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

void
fer_prep_state_close (FerPrepState *state)
{
  if (state->journal)
    fclose (state->journal);
  g_hash_table_unref (state->done);
  g_hash_table_unref (state->by_sha256);
  g_hash_table_unref (state->crop_names);
  g_ptr_array_unref (state->entries);
  g_free (state->journal_path);
}

gboolean
fer_prep_state_done (FerPrepState *state, const char *class_name, const char *source)
{
  char *k = key (class_name, source);
  const gboolean done = g_hash_table_contains (state->done, k);
  g_free (k);
  return done;
}

gboolean
fer_prep_state_add (FerPrepState *state, FerPrepEntry *entry, GError **error)
{
  JsonNode *node = entry_to_json (entry);
  char *line = fer_json_to_string (node, FALSE);
  json_node_unref (node);
  /* Line by line, flushed: a crash loses at most the line being written. */
  const gboolean ok = fprintf (state->journal, "%s\n", line) > 0 && fflush (state->journal) == 0;
  g_free (line);
  if (!ok) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write %s: %s", state->journal_path,
        g_strerror (errno));
    fer_prep_entry_free (entry);
    return FALSE;
  }
  remember (state, entry);
  return TRUE;
}

static gboolean
write_atomically (const char *path, const char *text, GError **error)
{
  FerAtomicFile file;
  if (!fer_atomic_file_open (&file, path, error))
    return FALSE;
  if (!fer_atomic_file_write (&file, text, strlen (text), error)) {
    fer_atomic_file_abort (&file);
    return FALSE;
  }
  return fer_atomic_file_commit (&file, error);
}

static guint
lookup (GHashTable *table, const char *class_name)
{
  return table ? GPOINTER_TO_UINT (g_hash_table_lookup (table, class_name)) : 0;
}

/* "crops": every kept crop, its class, input, mouth box, opening and landmarks. */
static void
add_kept_crops (JsonBuilder *b, const FerPrepState *state)
{
  json_builder_set_member_name (b, "crops");
  json_builder_begin_array (b);
  for (guint i = 0; i < state->entries->len; i++) {
    const FerPrepEntry *e = state->entries->pdata[i];
    for (guint k = 0; k < e->crops->len; k++) {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, e->class_name);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, e->crops->pdata[k]);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, e->source);
      add_mouth (b, &g_array_index (e->mouths, FerBox, k));
      const double opening = g_array_index (e->openings, double, k);
      json_builder_set_member_name (b, "opening");
      if (isfinite (opening))
        json_builder_add_double_value (b, fer_json_round (opening, 4));
      else
        json_builder_add_null_value (b);
      add_landmarks (b, &g_array_index (e->landmarks, FerPrepLandmarks, k));
      json_builder_end_object (b);
    }
  }
  json_builder_end_array (b);
}

gboolean
fer_prep_write_reports (FerPrepState *state, const char *out_dir, GHashTable *train,
    GHashTable *val, GError **error)
{
  /* Counts per class (in first-seen order) and outcome. */
  GPtrArray *classes = g_ptr_array_new ();
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint totals[FER_PREP_N_OUTCOMES] = { 0 };
  for (guint i = 0; i < state->entries->len; i++) {
    const FerPrepEntry *e = state->entries->pdata[i];
    guint *row = g_hash_table_lookup (counts, e->class_name);
    if (row == NULL) {
      row = g_new0 (guint, FER_PREP_N_OUTCOMES);
      g_hash_table_insert (counts, e->class_name, row);
      g_ptr_array_add (classes, e->class_name);
    }
    row[e->outcome]++;
    totals[e->outcome]++;
  }
  GString *text = g_string_new ("fer-prep report\n\n");
  g_string_append_printf (text, "%-16s", "class");
  for (int k = 0; k < FER_PREP_N_OUTCOMES; k++)
    g_string_append_printf (text, " %14s", outcome_names[k]);
  g_string_append_printf (text, " %7s %7s\n", "train", "val");
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_object (b);
  for (guint i = 0; i < classes->len; i++) {
    const char *c = classes->pdata[i];
    const guint *row = g_hash_table_lookup (counts, c);
    g_string_append_printf (text, "%-16s", c);
    json_builder_set_member_name (b, c);
    json_builder_begin_object (b);
    for (int k = 0; k < FER_PREP_N_OUTCOMES; k++) {
      g_string_append_printf (text, " %14u", row[k]);
      json_builder_set_member_name (b, outcome_names[k]);
      json_builder_add_int_value (b, row[k]);
    }
    g_string_append_printf (text, " %7u %7u\n", lookup (train, c), lookup (val, c));
    json_builder_set_member_name (b, "train");
    json_builder_add_int_value (b, lookup (train, c));
    json_builder_set_member_name (b, "val");
    json_builder_add_int_value (b, lookup (val, c));
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  g_string_append_printf (text, "%-16s", "all");
  for (int k = 0; k < FER_PREP_N_OUTCOMES; k++)
    g_string_append_printf (text, " %14u", totals[k]);
  g_string_append (text, "\n\nrejected (outcome: input: reason)\n");
  json_builder_set_member_name (b, "rejected");
  json_builder_begin_array (b);
  for (guint i = 0; i < state->entries->len; i++) {
    const FerPrepEntry *e = state->entries->pdata[i];
    if (e->outcome == FER_PREP_ACCEPTED)
      continue;
    g_string_append_printf (text, "%s: %s/%s: %s\n", outcome_names[e->outcome], e->class_name,
        e->source, e->reason);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "class");
    json_builder_add_string_value (b, e->class_name);
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, e->source);
    json_builder_set_member_name (b, "outcome");
    json_builder_add_string_value (b, outcome_names[e->outcome]);
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, e->reason);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  add_kept_crops (b, state);
  json_builder_end_object (b);
  char *json = fer_json_builder_finish (b, TRUE);
  char *text_path = g_build_filename (out_dir, "prep-report.txt", NULL);
  char *json_path = g_build_filename (out_dir, "prep-report.json", NULL);
  char *json_text = g_strconcat (json, "\n", NULL);
  const gboolean ok = write_atomically (text_path, text->str, error)
      && write_atomically (json_path, json_text, error);
  g_free (json_text);
  g_free (text_path);
  g_free (json_path);
  g_free (json);
  g_string_free (text, TRUE);
  g_hash_table_unref (counts);
  g_ptr_array_unref (classes);
  return ok;
}
