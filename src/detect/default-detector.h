/* default-detector.h: where the shipped face detector is: $FER_DETECTOR_MODEL when set, else
 * the installed copy (<prefix>/share/gst-fer/models/), else, from a build tree that was not
 * installed, the source tree's models/ (as ferclassify finds its model). */
#ifndef FER_DEFAULT_DETECTOR_H
#define FER_DEFAULT_DETECTOR_H

#include <glib.h>

G_BEGIN_DECLS

#define FER_DETECTOR_MODEL_ENV "FER_DETECTOR_MODEL"

/* The path (g_free it). */
char *fer_default_detector_path (void);

/* The installed path, for documentation (gst-inspect, --help). */
const char *fer_installed_detector_path (void);

G_END_DECLS

#endif /* FER_DEFAULT_DETECTOR_H */
