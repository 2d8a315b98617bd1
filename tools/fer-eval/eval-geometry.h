/* eval-geometry.h: fer-eval's side of a model's geometry head (src/expression/geometry-head.h).
 *
 * Each classified mouth's landmarks come from the face fer-eval found (--faces) or from the data
 * folder's landmarks.csv (mouth crops: landmarks-csv.h).  The head, when the model has one and
 * --no-geometry is not given, turns the network's probabilities into the model's; with
 * --fit-geometry the network's own probabilities, the features and the true classes are kept,
 * and a head fitted on them is written into the model file at the end.  Under --fit-geometry a
 * data folder named after several classes joined by '+' (none+openmouth) holds mouths known to
 * be one of them: they count in the fit (geometry-head.h), not in the accuracy. */
#ifndef FER_EVAL_GEOMETRY_H
#define FER_EVAL_GEOMETRY_H

#include <glib.h>
#include <stdio.h>
#include "eval-input.h"
#include "expression/classifier.h"

typedef struct {
  GHashTable *landmarks;   /* mouth crops: path -> 136 floats (NULL: no landmarks.csv) */
  gboolean use_head;       /* apply the model's head (it has one, and not --no-geometry) */
  gboolean fit;            /* --fit-geometry: keep what the fit needs */
  GArray *fit_probs;       /* float: the network's probabilities, num_classes per mouth */
  GArray *fit_features;    /* double: FER_MOUTH_FEATURES per mouth */
  GArray *fit_labels;      /* guint32: the classes each mouth may be (a bit per class) */
  guint with_features;     /* mouths whose landmarks gave features */
  guint classified;        /* mouths classified */
} FerEvalGeometry;

/* Reads DATA_DIR/landmarks.csv unless faces (the photos' own landmarks are used then). */
gboolean fer_eval_geometry_init (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *data_dir, gboolean faces, gboolean no_head, gboolean fit, GError **error);
void fer_eval_geometry_clear (FerEvalGeometry *g);

/* The landmarks of a mouth: its face's (--faces), or its row of landmarks.csv; NULL: none. */
const float *fer_eval_geometry_points (const FerEvalGeometry *g, const char *path,
    const FerEvalOutcome *outcome);

/* One mouth: row holds the network's probabilities and becomes the model's.  label_set has a bit
 * per class the mouth may be (one for its true class; several for a folder such as
 * none+openmouth; 0 under --binary, where nothing is fitted). */
void fer_eval_geometry_mouth (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *path, const FerEvalOutcome *outcome, guint32 label_set, float *row);

/* --fit-geometry: fits a head on the mouths seen and writes it into the model file at
 * model_path (atomically; the rest of the file as it was), telling what it fitted on to out
 * (stderr when stdout carries JSON). */
gboolean fer_eval_geometry_write_fit (FerEvalGeometry *g, const FerClassifier *classifier,
    const char *model_path, FILE *out, GError **error);

#endif /* FER_EVAL_GEOMETRY_H */
