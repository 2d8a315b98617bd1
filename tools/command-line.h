/* command-line.h: the command line of every gst-fer tool, parsed and checked the same way: GLib's
 * option parser (--help to stdout, exit 0), then the tool's own check of the values; a bad
 * command line names the option (or the missing argument) on stderr and gives FER_EXIT_USAGE. */
#ifndef FER_COMMAND_LINE_H
#define FER_COMMAND_LINE_H

#include <glib.h>

typedef struct {
  const char *tool;          /* "fer-train": the prefix of every message */
  const char *parameters;    /* the usage line after the options, "DATA_DIR - what it does" */
  const char *summary;       /* --help: what the tool does (NULL: none) */
  const char *description;   /* --help: its exit status and notes */
  const GOptionEntry *entries;
  /* The first bad value (with argc, the arguments left after the options), as a message that
   * names the option and what it must be; NULL when the command line is good. */
  char *(*check) (int argc);
  const int *threads;        /* the tool's --threads value, checked here: >= 0 (NULL: none) */
} FerCommandLine;

/* Prints "TOOL: message" on stderr, frees error and returns FER_EXIT_FAILED: how every tool
 * reports a failure of its work. */
int fer_command_line_fail (const char *tool, GError *error);

/* FER_EXIT_OK, or FER_EXIT_USAGE after saying why. */
int fer_command_line_parse (const FerCommandLine *command_line, int *argc, char ***argv);

#endif /* FER_COMMAND_LINE_H */
