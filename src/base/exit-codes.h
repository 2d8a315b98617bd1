/* exit-codes.h: the exit status of every gst-fer program (tools and examples), documented in
 * each one's --help.  The engine itself never exits: its functions return errors. */
#ifndef FER_EXIT_CODES_H
#define FER_EXIT_CODES_H

enum {
  FER_EXIT_OK = 0,             /* done */
  FER_EXIT_FAILED = 1,         /* the work failed (bad input, I/O): the message says why */
  FER_EXIT_USAGE = 2,          /* a bad command line: the message names the option */
  FER_EXIT_INTERRUPTED = 130,  /* Ctrl-C or SIGTERM (fer-train: checkpoint saved) */
};

#endif /* FER_EXIT_CODES_H */
