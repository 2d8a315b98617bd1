/* fer-eval: how well a model classifies an ImageFolder, or how well face detectors find faces.
 *
 *   fer-eval MODEL DATA_DIR [--json] [--predictions FILE] [--faces [--padding F]] [--gray]
 *            [--binary CLASS:FOLDER] [--sheet FILE.png] [--no-geometry | --fit-geometry]
 *   fer-eval --detector DETECTOR ANNOTATIONS.csv [--teacher ONNX] [--no-haar] [--json]
 *
 * The second form: eval-detection.h.
 *
 * DATA_DIR holds one folder per class.  A folder is matched to the model's class with the same
 * folder name (recorded by fer-train), the same label, or, for the tutorial's digit folders, the
 * same index.  Folders the model lacks are reported and skipped; model classes without a folder
 * are reported.  Each image goes through the inference transform the plugin uses (Resize 64,
 * CenterCrop 48; the classifier of src/expression/classifier.h), so the numbers are the ones PyTorch gives
 * for the same model and images, and ferclassify gives the same probabilities for the same crop.
 * With --faces the images are face photos: the mouth of the largest face is found (by
 * --face-detector, fermouthcrop's default unless told) and cut by the elements' code
 * (eval-input.h) first; photos without a face are counted apart.  --gray shows the model each
 * image's luma; --binary scores one class against the rest (smile/not-smile sets);
 * --sheet draws the mistakes (contact-sheet.h).  A model with a geometry head gets each mouth's
 * landmarks (the found face's, or the crops' landmarks.csv) unless --no-geometry; --fit-geometry
 * fits a head on the data and writes it into MODEL (eval-geometry.h).
 *
 * Exit status: 0 evaluated, 1 failed (message on stderr), 2 bad usage. */
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <json-glib/json-glib.h>

#include "eval-input.h"
#include "eval-detection.h"
#include "eval-geometry.h"
#include "contact-sheet.h"
#include "face-detector-option.h"
#include "base/fer-error.h"
#include "expression/classifier.h"
#include "expression/evaluation.h"
#include "face/face-landmarks.h"
#include "image/image-folder.h"
#include "image/image.h"
#include "io/atomic-file.h"
#include "io/model-file.h"
#include "nn/fer-threads.h"
#include "command-line.h"
#include "base/exit-codes.h"
#include "json-writer.h"
#include "progress.h"
#include "nn/cross-entropy.h"

#define CHUNK 256

static gboolean json, faces, gray;
static char *binary, *sheet_path;
static int threads;
static double padding = 0.5;
static char *predictions_path;
static char *detector_path, *teacher_path, *input_size;
static char *face_detector = FER_FACE_DETECTOR_DEFAULT;
static char *face_detector_model;
static gboolean no_haar, no_second_look, calibrate_landmarks;
static gboolean no_geometry, fit_geometry;
static double calibrate_threshold, set_threshold;
static double threshold;
static int input_width, input_height;

static GOptionEntry entries[] = {
  { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the results as JSON", NULL },
  { "predictions", 'p', 0, G_OPTION_ARG_FILENAME, &predictions_path,
    "Write each image's class probabilities (with --detector: each photo's face boxes) to FILE "
    "(JSON lines)", "FILE" },
  { "faces", 'f', 0, G_OPTION_ARG_NONE, &faces, "The images are face photos: classify the mouth "
    "of the largest face, found and cut as fermouthcrop and ferclassify do", NULL },
  { "padding", 0, 0, G_OPTION_ARG_DOUBLE, &padding, "With --faces: grey border added on each "
    "side of a photo, as a fraction of its size, so tight face crops leave the face detector "
    "room (default 0.5: a canvas twice the photo's size)", "F" },
  FER_FACE_DETECTOR_OPTION_ENTRIES (face_detector, face_detector_model),
  { "gray", 0, 0, G_OPTION_ARG_NONE, &gray, "Show the model every image in greyscale (its luma), "
    "as from a grey or badly white-balanced camera", NULL },
  { "sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet_path, "Draw the misclassified images (and, "
    "with --faces, the photos without a face) into a PNG contact sheet, grouped by confusion "
    "pair", "FILE.png" },
  { "binary", 0, 0, G_OPTION_ARG_STRING, &binary, "Two-class evaluation: images of data folder "
    "FOLDER are CLASS, all others are not; a prediction is CLASS when it is the model's most "
    "probable class (e.g. smile:1 for GENKI-4K)", "CLASS:FOLDER" },
  { "no-geometry", 0, 0, G_OPTION_ARG_NONE, &no_geometry, "Leave the model's geometry head "
    "out: the network's own probabilities from the pixels alone", NULL },
  { "fit-geometry", 0, 0, G_OPTION_ARG_NONE, &fit_geometry, "Fit a geometry head (the mouths' "
    "opening, corner lift and width, from their landmarks, beside the network's probabilities) "
    "on these images and write it into MODEL; the figures printed are the network's alone. "
    "Images need landmarks: --faces, or a landmarks.csv in DATA_DIR", NULL },
  { "detector", 'd', 0, G_OPTION_ARG_FILENAME, &detector_path, "Measure this face detector "
    "(fer-train-detector's) on the photos and boxes of ANNOTATIONS.csv instead, beside Haar",
    "DETECTOR" },
  { "teacher", 0, 0, G_OPTION_ARG_FILENAME, &teacher_path, "With --detector: also a teacher "
    "detector in ONNX (YuNet-n or UltraFace) in the same run", "ONNX" },
  { "no-haar", 0, 0, G_OPTION_ARG_NONE, &no_haar, "With --detector: leave Haar out", NULL },
  { "no-second-look", 0, 0, G_OPTION_ARG_NONE, &no_second_look, "With --detector: the whole-"
    "frame pass alone, without the close look at each face that fermouthcrop takes (the "
    "network's own mistakes, e.g. to mine them)", NULL },
  { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold, "With --detector: our detector's score "
    "threshold (default: the model's own)", "P" },
  { "input", 0, 0, G_OPTION_ARG_STRING, &input_size, "With --detector: run it at WxH "
    "(multiples of 16; default: the model's own)", "WxH" },
  { "calibrate-landmarks", 0, 0, G_OPTION_ARG_NONE, &calibrate_landmarks, "With --detector: "
    "fit the box handed to dlib's landmarks to Haar's boxes on these photos and write it into "
    "DETECTOR", NULL },
  { "calibrate-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &calibrate_threshold, "With --detector: "
    "write into DETECTOR the lowest score threshold whose precision on these photos is at "
    "least P (a dev set)", "P" },
  { "set-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &set_threshold, "With --detector: write P into "
    "DETECTOR as its score threshold (a choice made otherwise), then measure with it", "P" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (default: all cores)", "N" },
  { NULL }
};

/* One line of --predictions: the file, its class, the prediction and every probability, and
 * the mouth's features when its landmarks are known. */
static gboolean
write_prediction (FerAtomicFile *out, const char *path, const FerModelInfo *info,
    const char *truth, const float *p, const FerEvalOutcome *outcome, const float *points,
    GError **error)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "truth");
  json_builder_add_string_value (b, truth);
  if (faces) {
    json_builder_set_member_name (b, "mouth");
    if (p) {
      json_builder_begin_array (b);
      json_builder_add_int_value (b, outcome->mouth.x);
      json_builder_add_int_value (b, outcome->mouth.y);
      json_builder_add_int_value (b, outcome->mouth.width);
      json_builder_add_int_value (b, outcome->mouth.height);
      json_builder_end_array (b);
    } else
      json_builder_add_null_value (b);
  }
  json_builder_set_member_name (b, "predicted");
  if (p) {
    json_builder_add_string_value (b, info->labels[fer_argmax (p, info->num_classes)]);
    json_builder_set_member_name (b, "probabilities");
    json_builder_begin_object (b);
    for (int c = 0; c < info->num_classes; c++) {
      json_builder_set_member_name (b, info->labels[c]);
      json_builder_add_double_value (b, fer_json_round (p[c], 4));
    }
    json_builder_end_object (b);
  } else
    json_builder_add_null_value (b);
  double features[FER_MOUTH_FEATURES];
  if (p && points && fer_mouth_features (points, features)) {
    json_builder_set_member_name (b, "features");
    json_builder_begin_object (b);
    for (int k = 0; k < FER_MOUTH_FEATURES; k++) {
      json_builder_set_member_name (b, fer_mouth_feature_names[k]);
      json_builder_add_double_value (b, fer_json_round (features[k], 4));
    }
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  return fer_json_builder_write_line (b, out, error);
}

/* The model class of a data folder, or -1. */
static int
model_class_of (const char *folder, const FerModelInfo *info)
{
  char **recorded = info->training.class_folders;
  for (int k = 0; recorded && recorded[k] && k < info->num_classes; k++)
    if (strcmp (recorded[k], folder) == 0)
      return k;
  for (int k = 0; k < info->num_classes; k++)
    if (strcmp (info->labels[k], folder) == 0)
      return k;
  gint64 index;
  if (g_ascii_string_to_signed (folder, 10, 0, info->num_classes - 1, &index, NULL))
    return (int) index;
  return -1;
}

/* --fit-geometry: the classes of a folder named after two or more of them joined by '+'
 * ("none+openmouth"), as bits; 0 when it is not such a name. */
static guint32
class_set_of (const char *folder, const FerModelInfo *info)
{
  if (!strchr (folder, '+') || info->num_classes > 32)
    return 0;
  char **parts = g_strsplit (folder, "+", -1);
  guint32 set = 0;
  int n = 0;
  for (; parts[n]; n++) {
    const int k = model_class_of (parts[n], info);
    if (k < 0) {
      set = 0;
      break;
    }
    set |= 1u << k;
  }
  g_strfreev (parts);
  return set && (set & (set - 1)) ? set : 0;
}

static void
print_table (const FerEvaluation *e, char **labels, const char *model, const char *data,
    int skipped, guint no_face, const FerEvalGeometry *geometry)
{
  const int k = e->n_classes;
  g_print ("model %s on %s: %" G_GINT64_FORMAT " images", model, data, e->total);
  if (faces)
    g_print (" with a face found (%.1f%%; none in %u)",
        100.0 * e->total / (e->total + no_face), no_face);
  if (skipped)
    g_print (" (%d files skipped)", skipped);
  if (geometry->use_head)
    g_print ("\ngeometry head applied to %u of the %u mouths (the others had no landmarks)",
        geometry->with_features, geometry->classified);
  g_print ("\naccuracy %.2f%%  balanced accuracy %.2f%%  mean loss %.4f\n\n",
      100 * fer_evaluation_accuracy (e), 100 * fer_evaluation_balanced_accuracy (e),
      fer_evaluation_mean_loss (e));
  g_print ("%-12s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "images");
  for (int c = 0; c < k; c++) {
    if (fer_evaluation_support (e, c) == 0) {
      g_print ("%-12s %9s %9s %9s %9d   (no images of this class)\n", labels[c], "-", "-",
          "-", 0);
      continue;
    }
    g_print ("%-12s %8.2f%% %8.2f%% %8.2f%% %9" G_GINT64_FORMAT "\n", labels[c],
        100 * fer_evaluation_precision (e, c), 100 * fer_evaluation_recall (e, c),
        100 * fer_evaluation_f1 (e, c), fer_evaluation_support (e, c));
  }
  g_print ("\nconfusion matrix (rows: true class, columns: predicted)\n%-12s", "");
  for (int c = 0; c < k; c++)
    g_print (" %10.10s", labels[c]);
  g_print ("\n");
  for (int t = 0; t < k; t++) {
    g_print ("%-12s", labels[t]);
    for (int p = 0; p < k; p++)
      g_print (" %10" G_GINT64_FORMAT, e->confusion[t * k + p]);
    g_print ("\n");
  }
}

static void
print_json (const FerEvaluation *e, char **labels, const char *model, const char *data,
    GPtrArray *unmatched, GPtrArray *skipped, guint no_face, const FerEvalGeometry *geometry)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, data);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, e->total);
  if (faces) {
    json_builder_set_member_name (b, "images_without_face");
    json_builder_add_int_value (b, no_face);
  }
  if (binary) {
    json_builder_set_member_name (b, "binary");
    json_builder_add_string_value (b, binary);
  }
  json_builder_set_member_name (b, "geometry_head_applied");
  json_builder_add_int_value (b, geometry->use_head ? geometry->with_features : 0);
  json_builder_set_member_name (b, "accuracy");
  json_builder_add_double_value (b, fer_json_round (fer_evaluation_accuracy (e), 6));
  json_builder_set_member_name (b, "balanced_accuracy");
  json_builder_add_double_value (b, fer_json_round (fer_evaluation_balanced_accuracy (e), 6));
  json_builder_set_member_name (b, "mean_loss");
  json_builder_add_double_value (b, fer_json_round (fer_evaluation_mean_loss (e), 6));
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < e->n_classes; c++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "label");
    json_builder_add_string_value (b, labels[c]);
    json_builder_set_member_name (b, "images");
    json_builder_add_int_value (b, fer_evaluation_support (e, c));
    if (fer_evaluation_support (e, c) > 0) {
      json_builder_set_member_name (b, "precision");
      json_builder_add_double_value (b, fer_json_round (fer_evaluation_precision (e, c), 6));
      json_builder_set_member_name (b, "recall");
      json_builder_add_double_value (b, fer_json_round (fer_evaluation_recall (e, c), 6));
      json_builder_set_member_name (b, "f1");
      json_builder_add_double_value (b, fer_json_round (fer_evaluation_f1 (e, c), 6));
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "confusion");
  json_builder_begin_array (b);
  for (int t = 0; t < e->n_classes; t++) {
    json_builder_begin_array (b);
    for (int p = 0; p < e->n_classes; p++)
      json_builder_add_int_value (b, e->confusion[t * e->n_classes + p]);
    json_builder_end_array (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "unmatched_folders");
  json_builder_begin_array (b);
  for (guint i = 0; i < unmatched->len; i++)
    json_builder_add_string_value (b, unmatched->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "skipped_files");
  json_builder_begin_array (b);
  for (guint i = 0; i < skipped->len; i++)
    json_builder_add_string_value (b, skipped->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  char *text = fer_json_builder_finish (b, TRUE);
  g_print ("%s\n", text);
  g_free (text);
}

/* One evaluation: what main parses, checks, runs and reports. */
typedef struct {
  const char *model_path, *data_dir;
  FerClassifier *classifier;
  FerImageFolder *folder;
  FerEvalInput input;
  FerFaceDetectorChoice finder;   /* --faces: what finds them */
  FerAtomicFile predictions;
  int *class_of_folder;    /* per data folder: the model's class, or -1 */
  guint32 *set_of_folder;  /* --fit-geometry: per data folder named A+B..., its classes' bits;
                            * their images count in the fit, not in the figures */
  GArray *samples;         /* FerSample of the matched folders, labelled with model classes */
  GPtrArray *unmatched;    /* folder names */
  GPtrArray *skipped;      /* why each skipped file was skipped */
  FerEvaluation *evaluation;
  guint no_face;
  int binary_class;        /* --binary: the model's class counted as positive */
  char *binary_folder;     /* --binary: the data folder of the positives */
  char **labels;           /* the rows of the results: the model's, or --binary's two */
  FerContactSheet *sheet;  /* --sheet */
  FerEvalGeometry geometry;
} Eval;

static int
fail (GError *error)
{
  return fer_command_line_fail ("fer-eval", error);
}

/* The first bad value, named with what it must be; NULL when all are good. */
static char *
check_options (int argc)
{
  if (detector_path && argc != 2)
    return g_strdup ("with --detector, give one ANNOTATIONS.csv (and no classifier MODEL)");
  if (!detector_path && argc != 3)
    return g_strdup ("give MODEL and DATA_DIR (or --detector DETECTOR ANNOTATIONS.csv)");
  if (!detector_path && (teacher_path || no_haar || no_second_look || threshold || input_size
          || calibrate_landmarks || calibrate_threshold || set_threshold))
    return g_strdup ("--teacher, --no-haar, --no-second-look, --threshold, --input, "
        "--calibrate-landmarks, --calibrate-threshold and --set-threshold go with --detector");
  if (!(set_threshold >= 0 && set_threshold < 1))
    return g_strdup_printf ("--set-threshold must be in (0, 1), got %g", set_threshold);
  if (set_threshold && (calibrate_threshold || threshold))
    return g_strdup ("--set-threshold goes without --calibrate-threshold and --threshold");
  if (!(calibrate_threshold >= 0 && calibrate_threshold < 1))
    return g_strdup_printf ("--calibrate-threshold must be in (0, 1), got %g",
        calibrate_threshold);
  if (!(threshold >= 0 && threshold < 1))
    return g_strdup_printf ("--threshold must be in [0, 1), got %g", threshold);
  if (input_size && (sscanf (input_size, "%dx%d", &input_width, &input_height) != 2
          || input_width % 16 || input_height % 16 || input_width < 64 || input_height < 64
          || input_width > 2048 || input_height > 2048))
    return g_strdup_printf ("--input must be WxH, multiples of 16 from 64 to 2048, got '%s'",
        input_size);
  char *bad = fer_face_detector_option_check (face_detector);
  if (bad)
    return bad;
  if (binary && (detector_path || !strchr (binary, ':') || *binary == ':'
          || binary[strlen (binary) - 1] == ':'))
    return g_strdup_printf ("--binary must be CLASS:FOLDER (a class of the model, a data folder), "
        "and goes without --detector; got '%s'", binary);
  if (fit_geometry && (binary || no_geometry || detector_path))
    return g_strdup ("--fit-geometry needs the model's own classes: it goes without --binary, "
        "--no-geometry and --detector");
  if (!(padding >= 0 && padding <= 10))
    return g_strdup_printf ("--padding must be from 0 to 10, got %g", padding);
  return NULL;
}

static int
parse_command_line (int *argc, char ***argv)
{
  const FerCommandLine command_line = {
    "fer-eval", "MODEL DATA_DIR | --detector DETECTOR ANNOTATIONS.csv - evaluate a model",
    "Classifies every image below DATA_DIR/<class>/ with MODEL (safetensors from fer-train or\n"
    "exported from PyTorch) and prints accuracy, balanced accuracy, per-class precision,\n"
    "recall and F1, and the confusion matrix.\n"
    "With --detector: finds the faces of the photos ANNOTATIONS.csv names (the seed's format:\n"
    "filename,width,height,x1,y1,x2,y2, a row per face) with DETECTOR, Haar and --teacher side\n"
    "by side, and prints recall, precision, average precision, mean IoU and time per photo.",
    "Exit status: 0 evaluated, 1 failed, 2 bad usage.",
    entries, check_options, &threads,
  };
  return fer_command_line_parse (&command_line, argc, argv);
}

/* The model, the data folder, the face models and the predictions file, before any work. */
static int
open_inputs (Eval *ev)
{
  GError *error = NULL;
  if (threads > 0)
    fer_threads_set (threads);
  ev->input.padding = padding;
  ev->input.gray = gray;
  if ((ev->classifier = fer_classifier_load (ev->model_path, &error)) == NULL
      || (ev->folder = fer_image_folder_scan (ev->data_dir, &error)) == NULL)
    return fail (error);
  if (faces && (ev->input.models = fer_face_models_acquire (FER_DEFAULT_CASCADE,
              FER_DEFAULT_LANDMARK_MODEL, &error)) == NULL)
    return fail (error);
  if (faces) {
    if (!fer_face_detector_choice_open (&ev->finder, face_detector, face_detector_model,
            ev->input.models, &error))
      return fail (error);
    ev->input.finder_funcs = ev->finder.funcs;
    ev->input.finder = ev->finder.finder;
  }
  if (!fer_eval_geometry_init (&ev->geometry, ev->classifier, ev->data_dir, faces, no_geometry,
          fit_geometry, &error))
    return fail (error);
  if (predictions_path && (!fer_atomic_file_check (predictions_path, &error)
          || !fer_atomic_file_open (&ev->predictions, predictions_path, &error)))
    return fail (error);
  if (sheet_path && !fer_atomic_file_check (sheet_path, &error))
    return fail (error);
  return FER_EXIT_OK;
}

/* --binary: every folder is the positive class (1) or not (0). */
static int
match_binary (Eval *ev)
{
  const FerModelInfo *info = fer_classifier_info (ev->classifier);
  const FerImageFolder *folder = ev->folder;
  const char *colon = strchr (binary, ':');
  char *name = g_strndup (binary, colon - binary);
  ev->binary_folder = g_strdup (colon + 1);
  ev->binary_class = -1;
  for (int k = 0; k < info->num_classes; k++)
    if (strcmp (info->labels[k], name) == 0)
      ev->binary_class = k;
  gboolean present = FALSE;
  ev->unmatched = g_ptr_array_new ();   /* every folder counts, as CLASS or not */
  ev->class_of_folder = g_new (int, folder->n_classes);
  for (int f = 0; f < folder->n_classes; f++)
    present |= (ev->class_of_folder[f] = strcmp (folder->classes[f], ev->binary_folder) == 0);
  char *labels = g_strjoinv (", ", info->labels);
  char *folders = g_strjoinv (", ", folder->classes);
  int status = FER_EXIT_OK;
  if (ev->binary_class < 0) {
    g_printerr ("fer-eval: --binary: the model has no class '%s' (it has %s)\n", name, labels);
    status = FER_EXIT_USAGE;
  } else if (!present) {
    g_printerr ("fer-eval: --binary: %s has no folder '%s' (it has %s)\n", ev->data_dir,
        ev->binary_folder, folders);
    status = FER_EXIT_USAGE;
  }
  ev->labels = g_new0 (char *, 3);
  ev->labels[0] = g_strconcat ("not-", name, NULL);
  ev->labels[1] = name;
  g_free (labels);
  g_free (folders);
  ev->samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  for (guint i = 0; i < folder->samples->len; i++) {
    FerSample s = g_array_index (folder->samples, FerSample, i);
    s.label = ev->class_of_folder[s.label];
    g_array_append_val (ev->samples, s);
  }
  return status;
}

/* Data folders to model classes; the samples of matched folders are kept. */
static int
match_folders (Eval *ev)
{
  const FerModelInfo *info = fer_classifier_info (ev->classifier);
  const FerImageFolder *folder = ev->folder;
  if (binary)
    return match_binary (ev);
  ev->labels = g_strdupv (info->labels);
  char *labels = g_strjoinv (", ", info->labels);
  ev->class_of_folder = g_new (int, folder->n_classes);
  ev->set_of_folder = g_new0 (guint32, folder->n_classes);
  ev->unmatched = g_ptr_array_new ();
  for (int f = 0; f < folder->n_classes; f++) {
    ev->class_of_folder[f] = model_class_of (folder->classes[f], info);
    if (fit_geometry && ev->class_of_folder[f] < 0
        && (ev->set_of_folder[f] = class_set_of (folder->classes[f], info)) != 0)
      continue;
    if (ev->class_of_folder[f] < 0) {
      g_ptr_array_add (ev->unmatched, folder->classes[f]);
      g_printerr ("fer-eval: folder '%s' matches no class of the model (%s): its images are "
          "not counted\n", folder->classes[f], labels);
    }
  }
  g_free (labels);
  ev->samples = g_array_new (FALSE, FALSE, sizeof (FerSample));
  for (guint i = 0; i < folder->samples->len; i++) {
    FerSample s = g_array_index (folder->samples, FerSample, i);
    if (ev->class_of_folder[s.label] >= 0) {
      s.label = ev->class_of_folder[s.label];
      g_array_append_val (ev->samples, s);
    } else if (ev->set_of_folder[s.label]) {
      s.label = -1 - s.label;   /* for the fit only: its folder, negated */
      g_array_append_val (ev->samples, s);
    }
  }
  for (int k = 0; k < info->num_classes; k++) {
    gboolean present = FALSE;
    for (int f = 0; f < folder->n_classes; f++)
      present |= ev->class_of_folder[f] == k;
    if (!present)
      g_printerr ("fer-eval: the model's class '%s' has no folder in %s: its recall is not "
          "measured\n", info->labels[k], ev->data_dir);
  }
  if (ev->samples->len > 0)
    return FER_EXIT_OK;
  g_printerr ("fer-eval: no image of %s belongs to a class of the model\n", ev->data_dir);
  return FER_EXIT_FAILED;
}

/* Buffers for one chunk of images. */
typedef struct {
  float *tensors;
  int *labels;
  FerEvalOutcome *outcomes;
  gboolean *ok;
  int *index_of;           /* per classified input: its image in the chunk */
} Chunk;

/* Decodes and prepares images first .. first + n - 1 of the samples (in parallel), classifies
 * those with an input as one batch and counts them; the predictions file gets every image with
 * a result or without a face. */
static int
evaluate_chunk (Eval *ev, Chunk *c, guint first, int n)
{
  GError *error = NULL;
  const FerModelInfo *info = fer_classifier_info (ev->classifier);
  const size_t image = fer_classifier_input_floats (ev->classifier);
#pragma omp parallel
  {
    FerImage *scratch = NULL;
#pragma omp for schedule (dynamic, 4)
    for (int i = 0; i < n; i++)
      c->ok[i] = fer_eval_input_prepare (&ev->input, info,
          g_array_index (ev->samples, FerSample, first + i).path, c->tensors + (size_t) i * image,
          &scratch, &c->outcomes[i]);
    fer_image_free (scratch);
  }
  /* Pack the inputs together; report the files without one. */
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (!c->ok[i]) {
      if (c->outcomes[i].no_face) {
        ev->no_face += g_array_index (ev->samples, FerSample, first + i).label >= 0;
      } else {
        g_printerr ("fer-eval: skipped %s\n", c->outcomes[i].error);
        g_ptr_array_add (ev->skipped, g_steal_pointer (&c->outcomes[i].error));
      }
      continue;
    }
    if (m != i)
      memmove (c->tensors + (size_t) m * image, c->tensors + (size_t) i * image,
          image * sizeof (float));
    c->labels[m] = g_array_index (ev->samples, FerSample, first + i).label;
    c->index_of[m++] = i;
  }
  float *p = m > 0 ? fer_classifier_run (ev->classifier, c->tensors, m) : NULL;
  if (m > 0 && p == NULL)
    return fail (g_error_new (FER_ERROR, FER_ERROR_IO, "out of memory"));
  for (int k = 0; k < m; k++) {
    const int label = c->labels[k];
    const guint32 label_set = binary ? 0 : label >= 0 ? 1u << label
        : ev->set_of_folder[-1 - label];
    fer_eval_geometry_mouth (&ev->geometry, ev->classifier, g_array_index (ev->samples,
            FerSample, first + c->index_of[k]).path, &c->outcomes[c->index_of[k]], label_set,
        p + (size_t) k * info->num_classes);
  }
  for (int k = 0; k < m; k++) {
    if (c->labels[k] < 0)
      continue;   /* a folder such as none+openmouth: for the fit only */
    const float *row = p + (size_t) k * info->num_classes;
    const int best = fer_argmax (row, info->num_classes);
    double truth_p = row[c->labels[k]];
    int predicted = best;
    if (binary) {
      const double positive = row[ev->binary_class];
      truth_p = c->labels[k] == 1 ? positive : 1 - positive;
      predicted = best == ev->binary_class;
    }
    fer_evaluation_add (ev->evaluation, c->labels[k], predicted,
        -log (truth_p > 1e-30 ? truth_p : 1e-30));
    if (ev->sheet && predicted != c->labels[k]) {
      const FerEvalOutcome *o = &c->outcomes[c->index_of[k]];
      const double confidence = binary ? (predicted ? row[ev->binary_class]
          : 1 - row[ev->binary_class]) : row[best];
      fer_contact_sheet_add_mistake (ev->sheet, g_array_index (ev->samples, FerSample,
              first + c->index_of[k]).path, faces ? o->mouth : (FerBox) { 0 }, c->labels[k],
          predicted, confidence);
    }
  }
  for (int i = 0; ev->sheet && i < n; i++)
    if (!c->ok[i] && c->outcomes[i].no_face
        && g_array_index (ev->samples, FerSample, first + i).label >= 0) {
      const FerSample *sample = &g_array_index (ev->samples, FerSample, first + i);
      fer_contact_sheet_add_no_face (ev->sheet, sample->path, sample->label);
    }
  for (int i = 0, k = 0; predictions_path && i < n; i++) {
    const FerSample *sample = &g_array_index (ev->samples, FerSample, first + i);
    const float *row = k < m && c->index_of[k] == i ? p + (size_t) k++ * info->num_classes : NULL;
    const char *truth = sample->label >= 0 ? ev->labels[sample->label]
        : ev->folder->classes[-1 - sample->label];
    if ((c->ok[i] || c->outcomes[i].no_face) && !write_prediction (&ev->predictions,
            sample->path, info, truth, row, &c->outcomes[i],
            fer_eval_geometry_points (&ev->geometry, sample->path, &c->outcomes[i]), &error))
      return fail (error);
  }
  for (int i = 0; i < n; i++)
    g_clear_pointer (&c->outcomes[i].error, g_free);
  return FER_EXIT_OK;
}

/* Every sample, a chunk at a time so memory stays small, with a progress bar. */
static int
evaluate (Eval *ev)
{
  GError *error = NULL;
  const size_t image = fer_classifier_input_floats (ev->classifier);
  ev->evaluation = fer_evaluation_new (binary ? 2 : fer_classifier_num_classes (ev->classifier));
  ev->skipped = g_ptr_array_new_with_free_func (g_free);
  Chunk c = { g_new (float, (size_t) CHUNK * image), g_new (int, CHUNK),
    g_new0 (FerEvalOutcome, CHUNK), g_new (gboolean, CHUNK), g_new (int, CHUNK) };
  FerProgress bar;
  fer_progress_init (&bar);
  int status = FER_EXIT_OK;
  const guint total = ev->samples->len;
  for (guint first = 0; first < total && status == FER_EXIT_OK; first += CHUNK) {
    const int n = MIN (CHUNK, (int) (total - first));
    status = evaluate_chunk (ev, &c, first, n);
    char detail[64];
    g_snprintf (detail, sizeof detail, "%u/%u images", first + n, total);
    fer_progress_update (&bar, "evaluating", first + n, total, detail);
  }
  fer_progress_clear (&bar);
  g_free (c.tensors);
  g_free (c.labels);
  g_free (c.outcomes);
  g_free (c.ok);
  g_free (c.index_of);
  if (status != FER_EXIT_OK)
    return status;
  if (predictions_path && !fer_atomic_file_commit (&ev->predictions, &error))
    return fail (error);
  if (fit_geometry && !fer_eval_geometry_write_fit (&ev->geometry, ev->classifier,
          ev->model_path, json ? stderr : stdout, &error))
    return fail (error);
  if (ev->sheet) {
    char *no_face = faces ? g_strdup_printf (", no face in %u", ev->no_face) : g_strdup ("");
    char *title = g_strdup_printf ("%s on %s%s: %" G_GINT64_FORMAT " mistakes in %"
        G_GINT64_FORMAT " images%s", ev->model_path, ev->data_dir, gray ? " (greyscale)" : "",
        ev->evaluation->total - (gint64) (fer_evaluation_accuracy (ev->evaluation)
            * ev->evaluation->total + 0.5), ev->evaluation->total, no_face);
    g_free (no_face);
    const gboolean drawn = fer_contact_sheet_write (ev->sheet, sheet_path, title, &error);
    g_free (title);
    if (!drawn)
      return fail (error);
  }
  if (ev->evaluation->total > 0)
    return FER_EXIT_OK;
  g_printerr ("fer-eval: no image of %s could be classified%s\n", ev->data_dir,
      faces ? " (no face found in any)" : "");
  return FER_EXIT_FAILED;
}

static void
eval_clear (Eval *ev)
{
  if (ev->predictions.temp_path)
    fer_atomic_file_abort (&ev->predictions);   /* not committed: nothing is left behind */
  if (ev->skipped)
    g_ptr_array_unref (ev->skipped);
  if (ev->unmatched)
    g_ptr_array_unref (ev->unmatched);
  if (ev->samples)
    g_array_unref (ev->samples);
  g_free (ev->class_of_folder);
  g_free (ev->set_of_folder);
  g_free (ev->binary_folder);
  g_strfreev (ev->labels);
  fer_contact_sheet_free (ev->sheet);
  fer_eval_geometry_clear (&ev->geometry);
  if (ev->evaluation)
    fer_evaluation_free (ev->evaluation);
  fer_image_folder_free (ev->folder);
  fer_face_detector_choice_close (&ev->finder);
  if (ev->input.models)
    fer_face_models_release (ev->input.models);
  if (ev->classifier)
    fer_classifier_free (ev->classifier);
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  int status = parse_command_line (&argc, &argv);
  if (status != FER_EXIT_OK)
    return status;
  if (detector_path) {
    if (threads > 0)
      fer_threads_set (threads);
    const FerDetectionEvalOptions options = { detector_path, argv[1], teacher_path, !no_haar,
      set_threshold ? set_threshold : threshold, input_width, input_height, json,
      calibrate_landmarks, calibrate_threshold, set_threshold,
      predictions_path, !no_second_look };
    return fer_eval_detection (&options);
  }
  Eval ev = { .model_path = argv[1], .data_dir = argv[2] };
  if ((status = open_inputs (&ev)) == FER_EXIT_OK && (status = match_folders (&ev)) == FER_EXIT_OK) {
    if (sheet_path)
      ev.sheet = fer_contact_sheet_new (ev.labels, 48);
    status = evaluate (&ev);
  }
  if (status == FER_EXIT_OK && json)
    print_json (ev.evaluation, ev.labels, ev.model_path, ev.data_dir, ev.unmatched, ev.skipped,
        ev.no_face, &ev.geometry);
  else if (status == FER_EXIT_OK)
    print_table (ev.evaluation, ev.labels, ev.model_path, ev.data_dir, ev.skipped->len,
        ev.no_face, &ev.geometry);
  eval_clear (&ev);
  return status;
}
