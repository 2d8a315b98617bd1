#include "command-line.h"

#include "base/exit-codes.h"

int
fer_command_line_parse (const FerCommandLine *c, int *argc, char ***argv)
{
  GError *error = NULL;
  GOptionContext *context = g_option_context_new (c->parameters);
  if (c->summary)
    g_option_context_set_summary (context, c->summary);
  g_option_context_set_description (context, c->description);
  g_option_context_add_main_entries (context, c->entries, NULL);
  const gboolean parsed = g_option_context_parse (context, argc, argv, &error);
  g_option_context_free (context);
  char *problem = !parsed ? g_strdup (error->message)
      : c->threads && *c->threads < 0
      ? g_strdup_printf ("--threads must be >= 0 (0: all cores), got %d", *c->threads)
      : c->check (*argc);
  g_clear_error (&error);
  if (problem == NULL)
    return FER_EXIT_OK;
  g_printerr ("%s: %s (see --help)\n", c->tool, problem);
  g_free (problem);
  return FER_EXIT_USAGE;
}

int
fer_command_line_fail (const char *tool, GError *error)
{
  g_printerr ("%s: %s\n", tool, error->message);
  g_error_free (error);
  return FER_EXIT_FAILED;
}
