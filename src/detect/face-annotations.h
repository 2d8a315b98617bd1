/* face-annotations.h: face boxes in seed 004's annotation format, a CSV with a row per face:
 *
 *   filename,width,height,x1,y1,x2,y2
 *
 * (a header line of those names is optional; filename relative to the CSV's folder unless
 * absolute; width and height the photo's size; the box corners in its pixels).  One extension:
 * a row with the four box fields empty names a photo without faces, which teaches and tests
 * what is not a face.  Rows of the same filename gather into one photo.  A row that cannot be
 * used (a wrong number of fields, a number that is not one, a box outside the photo or empty,
 * sizes that disagree with the photo's earlier rows) is reported by line number and left out;
 * the rest is read. */
#ifndef FER_FACE_ANNOTATIONS_H
#define FER_FACE_ANNOTATIONS_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

typedef struct {
  char *path;          /* resolved against the CSV's folder */
  int width, height;
  GArray *faces;       /* FerBoxF, x/y/width/height in the photo's pixels */
} FerAnnotatedPhoto;

typedef struct {
  GPtrArray *photos;   /* FerAnnotatedPhoto *, in the order first named */
  GPtrArray *problems; /* char *: "LINE N: what is wrong", for rows left out */
  int faces;
} FerFaceAnnotations;

/* Parses text (length bytes; need not end in NUL) read from csv_path.  Never fails: what is not
 * usable is in problems. */
FerFaceAnnotations *fer_face_annotations_parse (const char *text, size_t length,
    const char *csv_path);
/* Reads and parses a file; NULL (error naming the file) when it cannot be read or is larger
 * than 256 MB. */
FerFaceAnnotations *fer_face_annotations_load (const char *csv_path, GError **error);
void fer_face_annotations_free (FerFaceAnnotations *annotations);

G_END_DECLS

#endif /* FER_FACE_ANNOTATIONS_H */
