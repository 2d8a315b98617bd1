/* Our face detector's parts (src/detect/): the seed's annotation CSV (rows, groups, every bad row
 * reported by its line), detection metrics on hand-counted cases, the heads' metadata (round
 * trip and refusals), the heads' output layout (gather and scatter are each other's transpose,
 * and agree with the anchor order), the letterbox input, and a whole detector run on frames of
 * every shape, stride and content without a fault, its boxes inside the frame. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "base/fer-rng.h"
#include "detect/detection-eval.h"
#include "detect/detector-design.h"
#include "detect/face-annotations.h"
#include "detect/face-detector.h"
#include "io/net-file.h"

/* ---- annotations ---- */

static FerFaceAnnotations *
parse (const char *text)
{
  return fer_face_annotations_parse (text, strlen (text), "/data/set/faces.csv");
}

static void
test_annotations_rows (void)
{
  FerFaceAnnotations *a = parse ("filename,width,height,x1,y1,x2,y2\r\n"
      "a.jpg,640,480,10,20,110,140\r\n"
      "b.jpg,320,240,,,,\n"
      "a.jpg,640,480,300,20,400,150\n"
      "\n"
      "/abs/c.png,100,100,-5,-5,50,50\n"
      "\"d,e.jpg\",50,60,0,0,10,10\n");
  g_assert_cmpuint (a->problems->len, ==, 0);
  g_assert_cmpuint (a->photos->len, ==, 4);
  g_assert_cmpint (a->faces, ==, 4);
  const FerAnnotatedPhoto *p = a->photos->pdata[0];
  g_assert_cmpstr (p->path, ==, "/data/set/a.jpg");
  g_assert_cmpint (p->width, ==, 640);
  g_assert_cmpuint (p->faces->len, ==, 2);
  const FerBoxF *b = &g_array_index (p->faces, FerBoxF, 1);
  g_assert_cmpfloat (b->x, ==, 300);
  g_assert_cmpfloat (b->width, ==, 100);
  g_assert_cmpfloat (b->height, ==, 130);
  p = a->photos->pdata[1];
  g_assert_cmpstr (p->path, ==, "/data/set/b.jpg");
  g_assert_cmpuint (p->faces->len, ==, 0);   /* a photo without faces */
  p = a->photos->pdata[2];
  g_assert_cmpstr (p->path, ==, "/abs/c.png");
  b = &g_array_index (p->faces, FerBoxF, 0);   /* clipped to the photo */
  g_assert_cmpfloat (b->x, ==, 0);
  g_assert_cmpfloat (b->width, ==, 50);
  p = a->photos->pdata[3];
  g_assert_cmpstr (p->path, ==, "/data/set/d,e.jpg");
  fer_face_annotations_free (a);
}

static void
test_annotations_bad_rows (void)
{
  FerFaceAnnotations *a = parse ("a.jpg,640,480,10,20,110,140\n"
      "a.jpg,640,480,10,20\n"                 /* 2: fields */
      "a.jpg,640,480,10,20,abc,140\n"         /* 3: not a number */
      "a.jpg,640,480,110,20,10,140\n"         /* 4: empty box */
      "a.jpg,640,480,700,20,800,140\n"        /* 5: outside */
      "a.jpg,320,480,10,20,110,140\n"         /* 6: size differs */
      "b.jpg,0,480,10,20,110,140\n"           /* 7: size */
      ",640,480,10,20,110,140\n"              /* 8: no filename */
      "c.jpg,640.5,480,10,20,110,140\n"       /* 9: size not whole */
      "d.jpg,640,480,nan,20,110,140\n");      /* 10: not finite */
  g_assert_cmpuint (a->photos->len, ==, 1);
  g_assert_cmpint (a->faces, ==, 1);
  g_assert_cmpuint (a->problems->len, ==, 9);
  for (int i = 0; i < 9; i++) {
    char *prefix = g_strdup_printf ("line %d: ", i + 2);
    g_assert_true (g_str_has_prefix (a->problems->pdata[i], prefix));
    g_free (prefix);
  }
  g_assert_nonnull (strstr (a->problems->pdata[0], "7 fields"));
  g_assert_nonnull (strstr (a->problems->pdata[1], "not a number"));
  g_assert_nonnull (strstr (a->problems->pdata[2], "empty"));
  g_assert_nonnull (strstr (a->problems->pdata[3], "outside"));
  g_assert_nonnull (strstr (a->problems->pdata[4], "differ"));
  fer_face_annotations_free (a);
  /* Bytes that are not text stop the reading there, without a fault. */
  const char binary[] = "a.jpg,10,10,1,1,5,5\n\0\xff\xfe,1,2\n";
  a = fer_face_annotations_parse (binary, sizeof binary, NULL);
  g_assert_cmpuint (a->photos->len, ==, 1);
  fer_face_annotations_free (a);
  GError *error = NULL;
  g_assert_null (fer_face_annotations_load ("/nonexistent/faces.csv", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/faces.csv"));
  g_error_free (error);
}

/* ---- metrics ---- */

static FerDetection
det (double x, double y, double w, double h, float score)
{
  return (FerDetection) { { x, y, w, h }, score };
}

static void
test_detection_metrics (void)
{
  FerDetectionEval e;
  fer_detection_eval_init (&e, 0.5);
  const FerBoxF truths[2] = { { 0, 0, 10, 10 }, { 100, 100, 10, 10 } };
  /* Photo 1: one exact hit (0.9), a duplicate of it (0.8: a false report), a miss of the
   * second face, a false report elsewhere (0.3). */
  const FerDetection d1[3] = { det (0, 0, 10, 10, 0.9f), det (1, 0, 10, 10, 0.8f),
    det (50, 50, 10, 10, 0.3f) };
  g_assert_cmpint (fer_detection_eval_add (&e, d1, 3, truths, 2), ==, 1);
  /* Photo 2: no faces, one false report (0.95). */
  const FerDetection d2[1] = { det (5, 5, 5, 5, 0.95f) };
  g_assert_cmpint (fer_detection_eval_add (&e, d2, 1, NULL, 0), ==, 0);
  g_assert_cmpint (e.truths, ==, 2);
  g_assert_cmpint (e.detections, ==, 4);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_recall (&e), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_precision (&e), 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_mean_iou (&e), 1.0, 1e-12);
  g_assert_cmpint (e.photos_with_false, ==, 2);
  /* By score: 0.95 false, 0.9 true (recall 0.5, precision 1/2), the rest false: AP = 0.5 * 0.5. */
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_average_precision (&e), 0.25, 1e-12);
  /* Scores 0.95 (false), 0.9 (true), 0.8 (false), 0.3 (false): precision 1/2 from 0.9 down
   * to 0.8's exclusive, then 1/3, 1/4; no threshold reaches 0.6, 0.5 is reached at 0.9. */
  double recall;
  g_assert_cmpfloat (fer_detection_eval_threshold_for_precision (&e, 0.6, &recall), ==, 1);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_threshold_for_precision (&e, 0.5, &recall),
      0.9, 1e-6);
  g_assert_cmpfloat_with_epsilon (recall, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_threshold_for_precision (&e, 0.25, &recall),
      0.3, 1e-6);
  fer_detection_eval_clear (&e);
  /* Perfect detections: AP 1. */
  fer_detection_eval_init (&e, 0.5);
  const FerDetection d3[2] = { det (100, 100, 10, 10, 0.6f), det (0, 0, 10, 10, 0.7f) };
  fer_detection_eval_add (&e, d3, 2, truths, 2);
  g_assert_cmpfloat_with_epsilon (fer_detection_eval_average_precision (&e), 1.0, 1e-12);
  fer_detection_eval_clear (&e);
}

/* ---- the design ---- */

static void
test_heads_json (void)
{
  FerDetectorDesign d, back;
  fer_detector_design_default (&d);
  char *json = fer_detector_heads_to_json (&d);
  back = d;
  back.n_heads = 0;
  GError *error = NULL;
  g_assert_true (fer_detector_heads_from_json (&back, json, &error));
  g_assert_cmpint (back.n_heads, ==, d.n_heads);
  for (int i = 0; i < d.n_heads; i++) {
    g_assert_cmpint (back.heads[i].logits, ==, d.heads[i].logits);
    g_assert_cmpint (back.heads[i].offsets, ==, d.heads[i].offsets);
    g_assert_true (memcmp (&back.heads[i].anchors, &d.heads[i].anchors,
            sizeof d.heads[i].anchors) == 0);
  }
  g_assert_cmpfloat (back.score_threshold, ==, d.score_threshold);
  g_free (json);
  const char *bad[] = {
    NULL, "", "[]", "{\"score_threshold\": 2, \"nms_iou\": 0.4, \"heads\": []}",
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": []}",
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": [{\"logits\": \"nope\", "
        "\"offsets\": \"head8.offsets\", \"stride\": 8, \"sizes\": [16, 24], \"ratios\": [0.8]}]}",
    /* channels that do not fit three sizes */
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": [{\"logits\": \"head8.logits\", "
        "\"offsets\": \"head8.offsets\", \"stride\": 8, \"sizes\": [16, 24, 32], "
        "\"ratios\": [0.8]}]}",
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": [{\"logits\": \"head8.logits\", "
        "\"offsets\": \"head8.offsets\", \"stride\": 8.5, \"sizes\": [16, 24], \"ratios\": [0.8]}]}",
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": [{\"logits\": \"head8.logits\", "
        "\"offsets\": \"head8.offsets\", \"stride\": 8, \"sizes\": [-16, 24], \"ratios\": [0.8]}]}",
    "{\"score_threshold\": 0.5, \"nms_iou\": 0.4, \"heads\": [{\"logits\": \"conv1.1\", "
        "\"offsets\": \"head8.offsets\", \"stride\": 8, \"sizes\": [16, 24], \"ratios\": [0.8]}]}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    back = d;
    g_assert_false (fer_detector_heads_from_json (&back, bad[i], &error));
    g_assert_true (g_str_has_prefix (error->message, "metadata 'detector'"));
    g_clear_error (&error);
  }
}

/* A design's net at width x height, weights drawn from seed. */
static FerNet *
random_net (const FerDetectorDesign *d, int width, int height, int batch, guint64 seed)
{
  GError *error = NULL;
  FerNet *net = fer_net_new (d->layers, d->n_layers, 1, height, width, batch, 0, &error);
  g_assert_no_error (error);
  fer_net_init_weights (net, seed);
  return net;
}

/* Gather reads each anchor's logits and offsets where scatter writes their gradients: for
 * random head gradients g and random outputs o, <gather (o), g> = <o, scatter (g)>; and an
 * anchor's outputs come from its own cell. */
static void
test_gather_scatter (void)
{
  FerDetectorDesign d;
  fer_detector_design_default (&d);
  const int batch = 2, w = 96, h = 64;
  FerNet *net = random_net (&d, w, h, batch, 3);
  float *image = g_new (float, (size_t) batch * w * h);
  FerRng rng;
  fer_rng_init (&rng, 5);
  for (int i = 0; i < batch * w * h; i++)
    image[i] = fer_rng_normal (&rng);
  g_assert_true (fer_net_forward (net, image, batch, NULL, 0, TRUE, &rng));
  const int n = fer_detector_anchors (&d, net, NULL);
  g_assert_cmpint (n, ==, 12 * 8 * 2 + 6 * 4 * 3 + 3 * 2 * 3);
  FerBoxF *anchors = g_new (FerBoxF, n);
  fer_detector_anchors (&d, net, anchors);
  float *lo = g_new (float, 2 * n), *of = g_new (float, 4 * n);
  float *glo = g_new (float, 2 * n), *gof = g_new (float, 4 * n);
  for (int i = 0; i < 2 * n; i++)
    glo[i] = fer_rng_normal (&rng);
  for (int i = 0; i < 4 * n; i++)
    gof[i] = fer_rng_normal (&rng);
  for (int b = 0; b < batch; b++) {
    fer_detector_gather (&d, net, b, lo, of);
    double gathered = 0, scattered = 0;
    for (int i = 0; i < 2 * n; i++)
      gathered += (double) lo[i] * glo[i];
    for (int i = 0; i < 4 * n; i++)
      gathered += (double) of[i] * gof[i];
    fer_net_clear_output_grads (net);
    fer_detector_scatter_grad (&d, net, b, glo, gof);
    for (int k = 0; k < d.n_heads; k++) {
      const int layers[2] = { d.heads[k].logits, d.heads[k].offsets };
      for (int j = 0; j < 2; j++) {
        int c, mh, mw, rows;
        fer_net_layer_shape (net, layers[j], &c, &mh, &mw, &rows);
        const float *out = fer_net_output (net, layers[j]);
        const float *grad = fer_net_output_grad (net, layers[j]);
        for (size_t i = 0; i < (size_t) c * rows * mh * mw; i++)
          scattered += (double) out[i] * grad[i];
      }
    }
    g_assert_cmpfloat (fabs (gathered - scattered), <=, 1e-3 * (1 + fabs (gathered)));
  }
  /* The first anchor of head 0 sits on cell (0, 0): its logits are channel 0 and 1 there. */
  fer_detector_gather (&d, net, 0, lo, of);
  const float *head = fer_net_output (net, d.heads[0].logits);
  int c, mh, mw, rows;
  fer_net_layer_shape (net, d.heads[0].logits, &c, &mh, &mw, &rows);
  g_assert_cmpfloat (lo[0], ==, head[0]);
  g_assert_cmpfloat (lo[1], ==, head[(size_t) 1 * rows * mh * mw]);
  g_assert_cmpfloat (anchors[0].x + anchors[0].width / 2, ==, 4);   /* stride 8: centre 4 */
  g_free (image);
  g_free (anchors);
  g_free (lo);
  g_free (of);
  g_free (glo);
  g_free (gof);
  fer_net_free (net);
}

static void
test_letterbox_input (void)
{
  /* A flat frame is flat in the input where the frame is, 0 (mid grey) in the padding. */
  const int w = 640, h = 360;
  uint8_t *grey = g_malloc ((size_t) w * h);
  memset (grey, 200, (size_t) w * h);
  float *input = g_new (float, 320 * 240);
  uint8_t *scratch = NULL;
  size_t scratch_size = 0;
  fer_face_detector_letterbox_input (grey, w, h, w, 320, 240, input, &scratch, &scratch_size);
  /* 640x360 into 320x240: scale 0.5, the picture 180 rows tall, 30 rows of padding above. */
  g_assert_cmpfloat (input[0], ==, 0);
  g_assert_cmpfloat (input[29 * 320 + 5], ==, 0);
  g_assert_cmpfloat_with_epsilon (input[120 * 320 + 160], fer_face_detector_normalise (200),
      1e-5);
  g_assert_cmpfloat_with_epsilon (input[31 * 320 + 319], fer_face_detector_normalise (200),
      1e-5);
  g_assert_cmpfloat (input[211 * 320 + 100], ==, 0);
  /* A horizontal ramp stays a ramp, left to right. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      grey[(size_t) y * w + x] = x * 255 / (w - 1);
  fer_face_detector_letterbox_input (grey, w, h, w, 320, 240, input, &scratch, &scratch_size);
  for (int x = 1; x < 320; x++)
    g_assert_cmpfloat (input[120 * 320 + x], >=, input[120 * 320 + x - 1]);
  g_assert_cmpfloat_with_epsilon (input[120 * 320 + 160], fer_face_detector_normalise (128),
      1.0 / 64);
  g_free (grey);
  g_free (input);
  g_free (scratch);
}

/* The default design (into d), random weights (into net, seed 7) and a detector on them at the
 * 320x240 box. */
static FerFaceDetector *
random_detector (FerDetectorDesign *d, FerNet **net)
{
  fer_detector_design_default (d);
  *net = random_net (d, 160, 128, 1, 7);
  GError *error = NULL;
  FerFaceDetector *detector = fer_face_detector_new (d, *net, 320, 240, &error);
  g_assert_no_error (error);
  return detector;
}

/* A detector with random weights and a low threshold reports many boxes: all must lie inside
 * the frame, whatever its size, stride and content; bad arguments are refused. */
static void
test_detect_any_frame (void)
{
  FerDetectorDesign d;
  FerNet *net;
  FerFaceDetector *detector = random_detector (&d, &net);
  FerRng rng;
  fer_rng_init (&rng, 11);
  const int sizes[][2] = { { 1, 1 }, { 2, 3 }, { 7, 1000 }, { 1000, 7 }, { 320, 240 },
    { 641, 479 }, { 1920, 1080 }, { 33, 33 } };
  FerDetection faces[64];
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    const int w = sizes[i][0], h = sizes[i][1], stride = w + 13;
    uint8_t *grey = g_malloc ((size_t) stride * h);
    for (size_t k = 0; k < (size_t) stride * h; k++)
      grey[k] = fer_rng_below (&rng, 256);
    const int n = fer_face_detector_detect (detector, grey, w, h, stride, 0.01, faces, 64);
    g_assert_cmpint (n, >=, 0);
    g_assert_cmpint (n, <=, 64);
    for (int k = 0; k < n; k++) {
      g_assert_cmpfloat (faces[k].box.x, >=, 0);
      g_assert_cmpfloat (faces[k].box.y, >=, 0);
      g_assert_cmpfloat (faces[k].box.x + faces[k].box.width, <=, w + 1e-6);
      g_assert_cmpfloat (faces[k].box.y + faces[k].box.height, <=, h + 1e-6);
      g_assert_cmpfloat (faces[k].score, >=, 0.01);
      if (k > 0)
        g_assert_cmpfloat (faces[k].score, <=, faces[k - 1].score);
    }
    g_free (grey);
  }
  uint8_t pixel = 0;
  g_assert_cmpint (fer_face_detector_detect (detector, NULL, 10, 10, 10, 0.5, faces, 64), ==, -1);
  g_assert_cmpint (fer_face_detector_detect (detector, &pixel, 0, 1, 1, 0.5, faces, 64), ==, -1);
  g_assert_cmpint (fer_face_detector_detect (detector, &pixel, 2, 1, 1, 0.5, faces, 64), ==, -1);
  g_assert_cmpint (fer_face_detector_detect (detector, &pixel, 1, 1, 1, 1.5, faces, 64), ==, -1);
  g_assert_cmpint (fer_face_detector_detect (detector, &pixel, 1, 1, 1, NAN, faces, 64), ==, -1);
  fer_face_detector_free (detector);
  fer_net_free (net);
}

/* Frames of six shapes in turn, twice round (more shapes than the detector keeps networks
 * for, so some are built again): every frame's detections are those of a detector that never
 * saw another shape (one whose box is the frame: shapes that fit the 320x240 box whole, so the
 * first runs at them too). */
static void
test_detect_shapes_in_turn (void)
{
  FerDetectorDesign d;
  FerNet *net;
  FerFaceDetector *detector = random_detector (&d, &net);
  FerRng rng;
  fer_rng_init (&rng, 5);
  const int sizes[][2] = { { 320, 240 }, { 240, 240 }, { 320, 112 }, { 80, 240 }, { 320, 192 },
    { 160, 240 } };
  uint8_t *frames[G_N_ELEMENTS (sizes)];
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    const size_t n = (size_t) sizes[i][0] * sizes[i][1];
    frames[i] = g_malloc (n);
    for (size_t k = 0; k < n; k++)
      frames[i][k] = fer_rng_below (&rng, 256);
  }
  for (int round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      const int w = sizes[i][0], h = sizes[i][1];
      GError *error = NULL;
      FerFaceDetector *fresh = fer_face_detector_new (&d, net, w, h, &error);
      g_assert_no_error (error);
      FerDetection seen[64], expected[64];
      const int n = fer_face_detector_detect (detector, frames[i], w, h, w, 0.05, seen, 64);
      const int m = fer_face_detector_detect (fresh, frames[i], w, h, w, 0.05, expected, 64);
      g_assert_cmpint (n, >, 0);   /* random weights on noise: something to compare */
      g_assert_cmpint (n, ==, m);
      for (int k = 0; k < n; k++) {   /* (field by field: the struct has padding) */
        g_assert_cmpfloat (seen[k].box.x, ==, expected[k].box.x);
        g_assert_cmpfloat (seen[k].box.y, ==, expected[k].box.y);
        g_assert_cmpfloat (seen[k].box.width, ==, expected[k].box.width);
        g_assert_cmpfloat (seen[k].box.height, ==, expected[k].box.height);
        g_assert_cmpfloat (seen[k].score, ==, expected[k].score);
      }
      fer_face_detector_free (fresh);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    g_free (frames[i]);
  fer_face_detector_free (detector);
  fer_net_free (net);
}

/* Saved with its heads, a detector loads back and finds the same boxes; files that are not
 * detectors, or whose landmark box is out of range, are refused naming the file. */
static void
test_model_file (void)
{
  FerDetectorDesign d;
  fer_detector_design_default (&d);
  FerNet *net = random_net (&d, 320, 240, 1, 13);
  char *dir = g_dir_make_tmp ("fer-detector-XXXXXX", NULL);
  char *path = g_build_filename (dir, "d.safetensors", NULL);
  GHashTable *extra = g_hash_table_new (g_str_hash, g_str_equal);
  char *heads = fer_detector_heads_to_json (&d);
  GError *error = NULL;
  g_assert_true (fer_net_save (net, extra, path, &error));
  g_assert_null (fer_face_detector_load (path, 0, 0, &error));   /* no heads */
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "not a face detector"));
  g_clear_error (&error);
  g_hash_table_insert (extra, "detector", heads);
  g_hash_table_insert (extra, "landmark_box", "[0.01, 0.1, 0.9]");
  g_assert_true (fer_net_save (net, extra, path, &error));
  FerFaceDetector *loaded = fer_face_detector_load (path, 0, 0, &error);
  g_assert_no_error (error);
  FerFaceDetector *direct = fer_face_detector_new (&d, net, 320, 240, &error);
  double fit[3];
  fer_face_detector_get_landmark_fit (loaded, fit);
  g_assert_cmpfloat (fit[1], ==, 0.1);
  const FerBoxF box = fer_face_detector_landmark_box (loaded, (FerBoxF) { 10, 20, 80, 100 });
  g_assert_cmpfloat_with_epsilon (box.width, 0.9 * sqrt (8000), 1e-9);
  g_assert_cmpfloat_with_epsilon (box.x + box.width / 2, 50 + 0.8, 1e-9);
  g_assert_cmpfloat_with_epsilon (box.y + box.height / 2, 70 + 10, 1e-9);
  uint8_t *grey = g_malloc (400 * 300);
  FerRng rng;
  fer_rng_init (&rng, 2);
  for (int i = 0; i < 400 * 300; i++)
    grey[i] = fer_rng_below (&rng, 256);
  FerDetection a[32], b[32];
  const int na = fer_face_detector_detect (loaded, grey, 400, 300, 400, 0.05, a, 32);
  const int nb = fer_face_detector_detect (direct, grey, 400, 300, 400, 0.05, b, 32);
  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++) {   /* field by field: the struct has padding */
    g_assert_cmpfloat (a[i].score, ==, b[i].score);
    g_assert_true (memcmp (&a[i].box, &b[i].box, sizeof a[i].box) == 0);
  }
  fer_face_detector_free (loaded);
  fer_face_detector_free (direct);
  /* Other input sizes: multiples of 16 only. */
  g_assert_null (fer_face_detector_load (path, 100, 100, &error));
  g_clear_error (&error);
  loaded = fer_face_detector_load (path, 256, 192, &error);
  g_assert_no_error (error);
  int w, h;
  fer_face_detector_input_size (loaded, &w, &h);
  g_assert_cmpint (w * 1000 + h, ==, 256192);
  fer_face_detector_free (loaded);
  const char *bad_fits[] = { "[0, 0]", "[0, 0, 5]", "[2, 0, 1]", "0, 0, 1", "[0, 0, 1] x",
    "[nan, 0, 1]" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_fits); i++) {
    g_hash_table_insert (extra, "landmark_box", (char *) bad_fits[i]);
    g_assert_true (fer_net_save (net, extra, path, &error));
    g_assert_null (fer_face_detector_load (path, 0, 0, &error));
    g_assert_nonnull (strstr (error->message, "landmark_box"));
    g_clear_error (&error);
  }
  g_free (grey);
  g_free (heads);
  g_hash_table_unref (extra);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  fer_net_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detector/annotations/rows", test_annotations_rows);
  g_test_add_func ("/detector/annotations/bad-rows", test_annotations_bad_rows);
  g_test_add_func ("/detector/metrics", test_detection_metrics);
  g_test_add_func ("/detector/heads-json", test_heads_json);
  g_test_add_func ("/detector/gather-scatter", test_gather_scatter);
  g_test_add_func ("/detector/letterbox-input", test_letterbox_input);
  g_test_add_func ("/detector/detect-any-frame", test_detect_any_frame);
  g_test_add_func ("/detector/detect-shapes-in-turn", test_detect_shapes_in_turn);
  g_test_add_func ("/detector/model-file", test_model_file);
  return g_test_run ();
}
