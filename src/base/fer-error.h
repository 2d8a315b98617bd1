/* fer-error.h: the engine's GError domain.  Library code never exits or aborts on bad input:
 * it returns FALSE/NULL and sets a GError whose message names the file, tensor or field at fault. */
#ifndef FER_ERROR_H
#define FER_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define FER_ERROR (fer_error_quark ())
GQuark fer_error_quark (void);

typedef enum {
  FER_ERROR_IO,          /* a file could not be read or written */
  FER_ERROR_FORMAT,      /* a file is not what it claims to be (truncated, bad header, bad JSON) */
  FER_ERROR_MODEL,       /* a well-formed file that does not describe a usable model */
  FER_ERROR_ARGUMENT,    /* a value passed by the caller is out of range */
  FER_ERROR_NOT_IMAGE,   /* a file in no image format we decode */
  FER_ERROR_DATA,        /* a data set that cannot be used as it is (no classes, empty class...) */
} FerErrorCode;

G_END_DECLS

#endif /* FER_ERROR_H */
