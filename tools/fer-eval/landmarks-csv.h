/* landmarks-csv.h: the 68 face landmarks of each crop of a data folder, DATA_DIR/landmarks.csv.
 *
 * Mouth crops carry no face, so the landmarks they were cut by come beside them:
 *   file,points
 *   0/abc.png,"x0, y0, x1, y1, ... x67, y67"
 * a row per crop (CSV as writers quote it: base/csv-fields.h), file relative to DATA_DIR, points in any one frame of the crop's photo (the
 * features read from them do not depend on position or scale).  fer-prep's data
 * (tools/expression-data/build_expression_data.py) and models/landmark_mouth_crops.py write it;
 * fer-eval reads it to give a model's geometry head the mouths' features. */
#ifndef FER_LANDMARKS_CSV_H
#define FER_LANDMARKS_CSV_H

#include <glib.h>

/* DATA_DIR/landmarks.csv as a table from each crop's path (g_build_filename (data_dir, file), as
 * the image folder names it) to its 136 floats.  NULL without error when the file does not exist;
 * NULL with an error naming the file and line of the first bad row. */
GHashTable *fer_landmarks_csv_load (const char *data_dir, GError **error);

#endif /* FER_LANDMARKS_CSV_H */
