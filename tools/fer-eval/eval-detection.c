#include "eval-detection.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/exit-codes.h"
#include "base/fer-error.h"
#include "detect/detection-eval.h"
#include "detect/face-annotations.h"
#include "detect/face-detector.h"
#include "detect/second-look.h"
#include "face/face-finder.h"
#include "image/image.h"
#include "io/atomic-file.h"
#include "io/net-file.h"
#include "command-line.h"
#include "json-writer.h"
#include "progress.h"
#include "teacher-onnx.h"

#define MAX_FACES 256

typedef struct {
  char *name;
  FerDetectionEval kept, all, loose;
  double seconds;
  int false_reports;
} Contender;

static void
contender_init (Contender *c, char *name)
{
  c->name = name;
  fer_detection_eval_init (&c->kept, 0.5);
  fer_detection_eval_init (&c->all, 0.5);
  fer_detection_eval_init (&c->loose, 0.3);
  c->seconds = 0;
  c->false_reports = 0;
}

static void
contender_clear (Contender *c)
{
  g_free (c->name);
  fer_detection_eval_clear (&c->kept);
  fer_detection_eval_clear (&c->all);
  fer_detection_eval_clear (&c->loose);
}

/* Counts one photo's detections (all of them scored; those >= threshold as reported). */
static void
contender_add (Contender *c, const FerDetection *d, int n, double threshold,
    const FerAnnotatedPhoto *photo)
{
  FerDetection kept[MAX_FACES];
  int n_kept = 0;
  for (int i = 0; i < n; i++)
    if (d[i].score >= threshold)
      kept[n_kept++] = d[i];
  const FerBoxF *truths = (const FerBoxF *) photo->faces->data;
  const int matched = fer_detection_eval_add (&c->kept, kept, n_kept, truths, photo->faces->len);
  c->false_reports += n_kept - matched;
  fer_detection_eval_add (&c->all, d, n, truths, photo->faces->len);
  fer_detection_eval_add (&c->loose, kept, n_kept, truths, photo->faces->len);
}

/* Boxes as [x1, y1, x2, y2] (and the score when scores is given), rounded to 0.1 px. */
static void
add_boxes (JsonBuilder *b, const char *name, const FerBoxF *boxes, size_t stride, int n,
    const float *scores)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++) {
    const FerBoxF *box = (const FerBoxF *) ((const char *) boxes + i * stride);
    const double v[4] = { box->x, box->y, box->x + box->width, box->y + box->height };
    json_builder_begin_array (b);
    for (int k = 0; k < 4; k++)
      json_builder_add_double_value (b, fer_json_round (v[k], 1));
    if (scores)
      json_builder_add_double_value (b, fer_json_round (
              *(const float *) ((const char *) scores + i * stride), 4));
    json_builder_end_array (b);
  }
  json_builder_end_array (b);
}

/* One line of --predictions: the photo, its annotated faces and what each detector reported
 * (every box scored >= 0.05 for ours, with its score: the threshold is the reader's choice). */
static gboolean
write_photo_line (FerAtomicFile *out, const FerAnnotatedPhoto *p, const FerDetection *ours,
    int n_ours, const FerDetection *haar, int n_haar, const FerDetection *teacher,
    int n_teacher, GError **error)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, p->path);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, p->width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, p->height);
  add_boxes (b, "faces", (const FerBoxF *) p->faces->data, sizeof (FerBoxF), p->faces->len,
      NULL);
  add_boxes (b, "ours", &ours->box, sizeof *ours, n_ours, &ours->score);
  if (haar)
    add_boxes (b, "haar", &haar->box, sizeof *haar, n_haar, NULL);
  if (teacher)
    add_boxes (b, "teacher", &teacher->box, sizeof *teacher, n_teacher, &teacher->score);
  json_builder_end_object (b);
  return fer_json_builder_write_line (b, out, error);
}

static double
median (GArray *values)
{
  if (values->len == 0)
    return NAN;
  double *v = (double *) values->data;
  for (guint i = 1; i < values->len; i++)   /* insertion sort: a few hundred values */
    for (guint j = i; j > 0 && v[j - 1] > v[j]; j--) {
      const double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return values->len % 2 ? v[values->len / 2]
      : 0.5 * (v[values->len / 2 - 1] + v[values->len / 2]);
}

/* Pairs of (our detection, Haar's box) for the same face: what the landmark box is fitted on. */
static void
collect_pairs (const FerDetection *ours, int n, const FerBox *haar, int n_haar, GArray *fit[3])
{
  for (int i = 0; i < n; i++) {
    const FerBoxF o = ours[i].box;
    for (int k = 0; k < n_haar; k++) {
      const FerBoxF h = fer_boxf_from_box (haar[k]);
      if (fer_boxf_iou (o, h) < 0.3)
        continue;
      const double dx = (h.x + h.width / 2 - (o.x + o.width / 2)) / o.width;
      const double dy = (h.y + h.height / 2 - (o.y + o.height / 2)) / o.height;
      const double scale = sqrt (h.width * h.height) / sqrt (o.width * o.height);
      g_array_append_val (fit[0], dx);
      g_array_append_val (fit[1], dy);
      g_array_append_val (fit[2], scale);
      break;
    }
  }
}

static gboolean
write_landmark_fit (const char *model, const double fit[3], GError **error)
{
  GHashTable *extra = NULL;
  FerNet *net = fer_net_load (model, 1, 0, &extra, error);
  if (net == NULL)
    return FALSE;
  char text[96];
  g_snprintf (text, sizeof text, "[%.4f, %.4f, %.4f]", fit[0], fit[1], fit[2]);
  g_hash_table_replace (extra, g_strdup ("landmark_box"), g_strdup (text));
  const gboolean ok = fer_net_save (net, extra, model, error);
  g_hash_table_unref (extra);
  fer_net_free (net);
  return ok;
}

/* Rewrites the score threshold in the model's "detector" metadata, keeping the rest. */
static gboolean
write_detector_threshold (const char *model, double threshold, GError **error)
{
  GHashTable *extra = NULL;
  FerNet *net = fer_net_load (model, 1, 0, &extra, error);
  if (net == NULL)
    return FALSE;
  JsonParser *parser = json_parser_new ();
  gboolean ok = json_parser_load_from_data (parser, g_hash_table_lookup (extra, "detector"), -1,
      error) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
  if (ok) {
    JsonNode *root = json_parser_get_root (parser);
    json_object_set_double_member (json_node_get_object (root), "score_threshold",
        fer_json_round (threshold, 4));
    g_hash_table_replace (extra, g_strdup ("detector"), fer_json_to_string (root, FALSE));
    ok = fer_net_save (net, extra, model, error);
  } else if (error && *error == NULL)
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata 'detector' is not a JSON "
        "object", model);
  g_object_unref (parser);
  g_hash_table_unref (extra);
  fer_net_free (net);
  return ok;
}

static void
print_table (Contender *c, int n, const FerFaceAnnotations *a, int photos, const char *csv)
{
  int empty = 0;
  for (guint i = 0; i < a->photos->len; i++)
    empty += ((FerAnnotatedPhoto *) a->photos->pdata[i])->faces->len == 0;
  g_print ("%s: %d photos, %d faces (%d photos without a face)\n\n", csv, photos, a->faces,
      empty);
  g_print ("%-34s %8s %8s %9s %6s %11s %6s %6s %9s\n", "detector", "recall", "found",
      "precision", "false", "photos w/", "AP", "IoU", "ms/photo");
  g_print ("%-34s %8s %8s %9s %6s %11s %6s %6s %9s\n", "", "IoU>=.5", "IoU>=.3", "", "reports",
      "a false one", "", "", "");
  for (int i = 0; i < n; i++)
    g_print ("%-34s %7.1f%% %7.1f%% %8.1f%% %6d %11d %6.3f %6.3f %9.2f\n", c[i].name,
        100 * fer_detection_eval_recall (&c[i].kept), 100 * fer_detection_eval_recall (&c[i].loose),
        100 * fer_detection_eval_precision (&c[i].kept), c[i].false_reports,
        c[i].kept.photos_with_false, fer_detection_eval_average_precision (&c[i].all),
        fer_detection_eval_mean_iou (&c[i].kept), 1000 * c[i].seconds / MAX (1, photos));
  g_print ("\n(recall and found: %d faces; found counts a face matched at IoU >= 0.3, which does "
      "not punish a box of another shape)\n", a->faces);
}

static void
print_json (Contender *c, int n, const FerFaceAnnotations *a, int photos, const char *csv)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "annotations");
  json_builder_add_string_value (b, csv);
  json_builder_set_member_name (b, "photos");
  json_builder_add_int_value (b, photos);
  json_builder_set_member_name (b, "faces");
  json_builder_add_int_value (b, a->faces);
  json_builder_set_member_name (b, "detectors");
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++) {
    const double values[] = { fer_detection_eval_recall (&c[i].kept),
      fer_detection_eval_recall (&c[i].loose), fer_detection_eval_precision (&c[i].kept),
      c[i].false_reports, c[i].kept.photos_with_false,
      fer_detection_eval_average_precision (&c[i].all), fer_detection_eval_mean_iou (&c[i].kept),
      1000 * c[i].seconds / MAX (1, photos) };
    const char *names[] = { "recall", "found", "precision", "false_reports",
      "photos_with_false_report", "average_precision", "mean_iou", "ms_per_photo" };
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, c[i].name);
    for (guint k = 0; k < G_N_ELEMENTS (names); k++) {
      json_builder_set_member_name (b, names[k]);
      json_builder_add_double_value (b, fer_json_round (values[k], 4));
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  char *text = fer_json_builder_finish (b, TRUE);
  g_print ("%s\n", text);
  g_free (text);
}

static int
fail (GError *error)
{
  return fer_command_line_fail ("fer-eval", error);
}

int
fer_eval_detection (const FerDetectionEvalOptions *o)
{
  GError *error = NULL;
  FerFaceDetector *ours = fer_face_detector_load (o->model, o->input_width, o->input_height,
      &error);
  if (ours == NULL)
    return fail (error);
  FerFaceDetector *near = o->second_look ? fer_face_detector_load (o->model,
      FER_SECOND_LOOK_INPUT, FER_SECOND_LOOK_INPUT, &error) : NULL;
  if (o->second_look && near == NULL) {
    fer_face_detector_free (ours);
    return fail (error);
  }
  FerFaceAnnotations *a = fer_face_annotations_load (o->annotations, &error);
  FerFaceModels *models = NULL;
  FerTeacher *teacher = NULL;
  FerAtomicFile lines = { 0 };
  int status = FER_EXIT_OK;
  if (a == NULL
      || ((o->haar || o->calibrate_landmarks) && (models = fer_face_models_acquire (
                  FER_DEFAULT_CASCADE, FER_DEFAULT_LANDMARK_MODEL, &error)) == NULL)
      || (o->teacher && (teacher = fer_teacher_load (o->teacher, &error)) == NULL)) {
    status = fail (error);
    goto out;
  }
  if (o->predictions && !fer_atomic_file_open (&lines, o->predictions, &error)) {
    status = fail (error);
    goto out;
  }
  for (guint i = 0; i < a->problems->len; i++)
    g_printerr ("fer-eval: %s: %s: row left out\n", o->annotations,
        (char *) a->problems->pdata[i]);
  const double threshold = o->threshold > 0 ? o->threshold
      : fer_face_detector_default_threshold (ours);
  int w, h;
  fer_face_detector_input_size (ours, &w, &h);
  Contender c[3];
  int n = 0;
  contender_init (&c[n++], g_strdup_printf ("ours (%dx%d, p >= %.4f%s)", w, h, threshold,
      near ? ", 2nd look" : ""));
  if (o->haar)
    contender_init (&c[n++], g_strdup ("Haar (fermouthcrop's settings)"));
  if (teacher)
    contender_init (&c[n++], g_strdup (fer_teacher_name (teacher)));
  GArray *fit[3];
  for (int k = 0; k < 3; k++)
    fit[k] = g_array_new (FALSE, FALSE, sizeof (double));
  FerProgress bar;
  fer_progress_init (&bar);
  int photos = 0;
  for (guint i = 0; i < a->photos->len && status == FER_EXIT_OK; i++) {
    const FerAnnotatedPhoto *p = a->photos->pdata[i];
    FerImage *image = fer_image_load (p->path, &error);
    if (image == NULL || image->width != p->width || image->height != p->height) {
      g_printerr ("fer-eval: %s: %s; skipped\n", p->path, image ? "the photo's size is not the "
          "one its rows give" : error->message);
      g_clear_error (&error);
      fer_image_free (image);
      continue;
    }
    photos++;
    uint8_t *luma = g_malloc ((size_t) image->width * image->height);
    fer_image_luma (image, luma);
    FerDetection d[MAX_FACES];
    gint64 t0 = g_get_monotonic_time ();
    int nd = fer_face_detector_detect (ours, luma, image->width, image->height, image->width,
        0.05, d, MAX_FACES);
    nd = MAX (nd, 0);
    /* Timed as the element runs it: the second look at the faces the threshold reports. */
    if (near)
      fer_second_look (near, luma, image->width, image->height, image->width, d, nd, threshold);
    c[0].seconds += (g_get_monotonic_time () - t0) / 1e6;
    /* Untimed, for the precision-recall curve: from 0.5 (below it no threshold anybody uses
     * reports a face).  A face looked at again keeps its score: the same window gives the
     * same best score, and the smaller of the two is kept. */
    if (near)
      fer_second_look (near, luma, image->width, image->height, image->width, d, nd, 0.5);
    contender_add (&c[0], d, nd, threshold, p);
    int k = 1, nh = 0, nt = 0;
    FerDetection hd[MAX_FACES], td[MAX_FACES];
    if (models) {
      const FerGrayView view = { luma, image->width, image->height, image->width };
      const FerFindOptions find = FER_FIND_OPTIONS_DEFAULT;
      FerBox boxes[MAX_FACES];
      t0 = g_get_monotonic_time ();
      nh = MAX (fer_find_faces (models, &view, &find, boxes, MAX_FACES, NULL), 0);
      const double seconds = (g_get_monotonic_time () - t0) / 1e6;
      for (int j = 0; j < nh; j++)
        hd[j] = (FerDetection) { fer_boxf_from_box (boxes[j]), 1.0f };
      if (o->haar) {
        c[k].seconds += seconds;
        contender_add (&c[k++], hd, nh, 0.5, p);
      }
      FerDetection above[MAX_FACES];
      int na = 0;
      for (int j = 0; j < nd; j++)
        if (d[j].score >= threshold)
          above[na++] = d[j];
      collect_pairs (above, na, boxes, nh, fit);
    }
    if (teacher) {
      t0 = g_get_monotonic_time ();
      nt = fer_teacher_detect (teacher, image, 0.05, td, MAX_FACES);
      c[k].seconds += (g_get_monotonic_time () - t0) / 1e6;
      contender_add (&c[k++], td, nt, 0.6, p);
    }
    if (o->predictions && status == FER_EXIT_OK && !write_photo_line (&lines, p, d, nd,
            o->haar ? hd : NULL, nh, teacher ? td : NULL, nt, &error))
      status = fail (error);
    g_free (luma);
    fer_image_free (image);
    fer_progress_update (&bar, "detecting", i + 1, a->photos->len, NULL);
  }
  fer_progress_clear (&bar);
  if (status != FER_EXIT_OK)
    goto done;    /* the predictions file could not be written: said */
  if (photos == 0) {
    g_printerr ("fer-eval: %s: no photo could be read\n", o->annotations);
    status = FER_EXIT_FAILED;
  } else if (o->json)
    print_json (c, n, a, photos, o->annotations);
  else
    print_table (c, n, a, photos, o->annotations);
  if (status == FER_EXIT_OK && o->calibrate_landmarks) {
    if (fit[0]->len < 10) {
      g_printerr ("fer-eval: --calibrate-landmarks: only %u faces found by both detectors; at "
          "least 10 are needed\n", fit[0]->len);
      status = FER_EXIT_FAILED;
    } else {
      /* dx stays 0: faces are mirror-symmetric and the detector is trained with mirrored
       * patches, so a horizontal shift would only learn the poses of the calibration photos. */
      const double values[3] = { 0, median (fit[1]), median (fit[2]) };
      if (!write_landmark_fit (o->model, values, &error))
        status = fail (error);
      else
        g_print ("landmark box fitted on %u faces found by both: [%.4f, %.4f, %.4f] (dx, dy, "
            "scale; the median dx, %.4f, is not used) written into %s\n", fit[0]->len,
            values[0], values[1], values[2], median (fit[0]), o->model);
    }
  }
  if (status == FER_EXIT_OK && o->set_threshold > 0) {
    if (!write_detector_threshold (o->model, o->set_threshold, &error))
      status = fail (error);
    else
      g_print ("score threshold %.4f written into %s\n", o->set_threshold, o->model);
  }
  if (status == FER_EXIT_OK && o->calibrate_threshold > 0) {
    double recall;
    const double chosen = fer_detection_eval_threshold_for_precision (&c[0].all, o->calibrate_threshold, &recall);
    if (!write_detector_threshold (o->model, chosen, &error))
      status = fail (error);
    else
      g_print ("score threshold %.4f: the lowest with precision >= %.3f on these photos "
          "(recall there %.1f%%), written into %s\n", chosen, o->calibrate_threshold,
          100 * recall, o->model);
  }
  if (status == FER_EXIT_OK && o->predictions && !fer_atomic_file_commit (&lines, &error))
    status = fail (error);
done:
  for (int i = 0; i < n; i++)
    contender_clear (&c[i]);
  for (int k = 0; k < 3; k++)
    g_array_unref (fit[k]);

out:
  if (lines.temp_path)
    fer_atomic_file_abort (&lines);   /* not committed: nothing is left behind */
  fer_face_detector_free (ours);
  fer_face_detector_free (near);
  fer_face_annotations_free (a);
  if (models)
    fer_face_models_release (models);
  if (teacher)
    fer_teacher_free (teacher);
  return status;
}
