/* contact-sheet.h: fer-eval --sheet, a PNG of what a model got wrong, to look at rather than
 * read: every misclassified crop as a tile labelled with its truth, the prediction and its
 * confidence, grouped by confusion pair (the largest group first, the most confident mistakes
 * first within it), and with --faces the photos where no face was found.  Drawn with cairo and
 * pango, as feroverlay draws. */
#ifndef FER_CONTACT_SHEET_H
#define FER_CONTACT_SHEET_H

#include <glib.h>
#include "box/box.h"

typedef struct FerContactSheet FerContactSheet;

/* labels: the class names of truth and prediction (copied); at most max_per_group tiles are
 * drawn per group (the rest counted in its heading). */
FerContactSheet *fer_contact_sheet_new (char **labels, int max_per_group);
void fer_contact_sheet_free (FerContactSheet *sheet);

/* A mistake: the image at path (region: the part shown, e.g. the mouth in a photo; width 0 for
 * the whole image), its true and predicted class and the prediction's probability. */
void fer_contact_sheet_add_mistake (FerContactSheet *sheet, const char *path, FerBox region,
    int truth, int predicted, double confidence);

/* A photo where no face was found (--faces). */
void fer_contact_sheet_add_no_face (FerContactSheet *sheet, const char *path, int truth);

/* Draws the sheet under title and writes it to path, atomically.  Images that cannot be read
 * again are drawn as a tile saying so. */
gboolean fer_contact_sheet_write (FerContactSheet *sheet, const char *path, const char *title,
    GError **error);

#endif /* FER_CONTACT_SHEET_H */
