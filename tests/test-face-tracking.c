/* The tracking behind fermouthcrop (src/face/face-tracking.c), without GStreamer and without a
 * real detector: a scripted finder shows faces where the test puts them and counts what it is
 * asked.  Covered: the search schedule (every interval, skipped while the scene is still, forced
 * after FER_SEARCH_AT_LEAST_EVERY intervals), misses and drops, faces walking out, landmark
 * failures, max-faces (at search and when lowered), a reset (caps change), the finder's
 * scores reaching the tracked faces, a followed box that a stray landmark does not mislead, one
 * that strayed all the same taken back by the next search, a fast face caught up, and two
 * boxes on one face made one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "box/box.h"
#include "face/face-tracking.h"

enum { WIDTH = 320, HEIGHT = 240, MAX_SCRIPTED = 8 };

typedef struct {
  FerBox faces[MAX_SCRIPTED];    /* where faces are now */
  int n_faces;
  gboolean searchable;           /* the whole-frame search sees them */
  gboolean visible_near;         /* a look near a box sees them */
  gboolean landmarks_fail;
  gboolean stray_point;          /* the first landmark a face's height above where it belongs */
  float shrink;                  /* > 0: the landmarks this much closer to the face's centre */
  float reach;                   /* > 0: the landmarks only this share of the way from the box
                                  * to the face under it (dlib's fit from a box the face ran
                                  * ahead of) */
  float search_score, near_score;   /* what the search and a look near say of every face */
  int searches, looks;           /* calls so far */
} Script;

static int
script_search (gpointer finder, const FerGrayView *gray, const FerFindOptions *options,
    FerBox *faces, float *scores, int max_faces, GError **error)
{
  Script *s = finder;
  s->searches++;
  if (!s->searchable)
    return 0;
  /* As fer_find_faces: overlapping ones merged, the largest max_faces. */
  FerBox all[MAX_SCRIPTED];
  memcpy (all, s->faces, s->n_faces * sizeof *all);
  const int n = MIN (fer_boxes_merge_overlapping (all, s->n_faces, FER_MERGE_IOU), max_faces);
  memcpy (faces, all, n * sizeof *faces);
  for (int i = 0; i < n; i++)
    scores[i] = s->search_score;
  return n;
}

static int
script_look_near (gpointer finder, const FerGrayView *gray, FerBox expected, int min_neighbors,
    double min_iou, FerBox *found, float *score, GError **error)
{
  Script *s = finder;
  s->looks++;
  for (int i = 0; s->visible_near && i < s->n_faces; i++)
    if (fer_box_iou (s->faces[i], expected) >= min_iou) {
      *found = s->faces[i];
      *score = s->near_score;
      return TRUE;
    }
  return FALSE;
}

/* 68 points spread over the middle of the scripted face under the box (or of the box itself):
 * following then moves the box with the face. */
static gboolean
script_landmarks (gpointer finder, const FerGrayView *gray, FerBox box, float points[],
    GError **error)
{
  Script *s = finder;
  if (s->landmarks_fail)
    return FALSE;
  FerBox face = box;
  for (int i = 0; i < s->n_faces; i++)
    if (fer_box_iou (s->faces[i], box) > 0.1)
      face = s->faces[i];
  if (s->reach > 0) {
    face.x = box.x + (int) lroundf (s->reach * (face.x - box.x));
    face.y = box.y + (int) lroundf (s->reach * (face.y - box.y));
  }
  for (int i = 0; i < FER_LANDMARKS; i++) {
    points[2 * i] = face.x + face.width * (0.2f + 0.6f * (i % 10) / 9);
    points[2 * i + 1] = face.y + face.height * (0.2f + 0.6f * (i / 10) / 6);
  }
  if (s->stray_point)
    points[1] -= face.height;
  for (int i = 0; s->shrink > 0 && i < FER_LANDMARKS; i++) {
    points[2 * i] = face.x + face.width / 2.0f + s->shrink * (points[2 * i] - face.x
          - face.width / 2.0f);
    points[2 * i + 1] = face.y + face.height / 2.0f + s->shrink * (points[2 * i + 1] - face.y
          - face.height / 2.0f);
  }
  return TRUE;
}

static const FerFaceFinderFuncs script_funcs = {
  script_search, script_look_near, script_landmarks,
};

typedef struct {
  Script script;
  FerFaceTracking *tracking;
  FerTrackingSettings settings;
  guint8 luma[WIDTH * HEIGHT];
  FerGrayView view;
} Fixture;

static void
fixture_init (Fixture *f, int detect_interval, int max_faces)
{
  memset (f, 0, sizeof *f);
  f->script.searchable = f->script.visible_near = TRUE;
  f->script.search_score = f->script.near_score = 1.0f;
  f->tracking = fer_face_tracking_new (&script_funcs, &f->script);
  f->settings = (FerTrackingSettings) { FER_FIND_OPTIONS_DEFAULT, detect_interval, max_faces,
    FER_MOUTH_SCALE_SEED };
  memset (f->luma, 100, sizeof f->luma);
  f->view = (FerGrayView) { f->luma, WIDTH, HEIGHT, WIDTH };
}

static void
fixture_clear (Fixture *f)
{
  fer_face_tracking_free (f->tracking);
}

static void
add_face (Fixture *f, FerBox box)
{
  g_assert_cmpint (f->script.n_faces, <, MAX_SCRIPTED);
  f->script.faces[f->script.n_faces++] = box;
}

static const FerTrackedFace *
step (Fixture *f, int *n, FerTrackingStep *result)
{
  GError *warning = NULL;
  const FerTrackedFace *faces = fer_face_tracking_step (f->tracking, &f->view, &f->settings, n,
      result, &warning);
  g_assert_no_error (warning);
  return faces;
}

/* Something moves in the top-left corner, far from the faces the tests place. */
static void
change_scene (Fixture *f, guint8 level)
{
  for (int y = 0; y < 40; y++)
    memset (f->luma + y * WIDTH, level, 40);
}

static void
test_search_schedule (void)
{
  Fixture f;
  fixture_init (&f, 5, 8);
  add_face (&f, (FerBox) { 200, 100, 80, 80 });
  GString *searched = g_string_new (NULL);
  for (int frame = 0; frame < 120; frame++) {
    int n;
    FerTrackingStep result;
    step (&f, &n, &result);
    g_assert_cmpint (n, ==, 1);
    if (result.searched)
      g_string_append_printf (searched, "%d ", frame);
  }
  /* A still scene: the first frame, then only the forced search every 10 intervals. */
  g_assert_cmpstr (searched->str, ==, "0 50 100 ");
  g_string_truncate (searched, 0);

  /* Movement outside the face: a search every interval. */
  for (int frame = 120; frame < 150; frame++) {
    change_scene (&f, (guint8) (frame * 37));
    int n;
    FerTrackingStep result;
    step (&f, &n, &result);
    if (result.searched)
      g_string_append_printf (searched, "%d ", frame);
  }
  g_assert_cmpstr (searched->str, ==, "120 125 130 135 140 145 ");
  g_string_free (searched, TRUE);
  fixture_clear (&f);
}

static void
test_search_every_frame_without_faces (void)
{
  Fixture f;
  fixture_init (&f, 30, 8);
  /* While nothing is tracked, every frame whose scene changed is searched; a still one is not
   * (nothing new can be in it). */
  for (int frame = 0; frame < 5; frame++) {
    change_scene (&f, (guint8) (frame * 60));
    int n;
    FerTrackingStep result;
    step (&f, &n, &result);
    g_assert_true (result.searched);
    g_assert_cmpint (n, ==, 0);
  }
  g_assert_cmpint (f.script.searches, ==, 5);
  int n;
  FerTrackingStep result;
  step (&f, &n, &result);
  g_assert_false (result.searched);
  /* A face appears: found on the next frame, then followed without searching. */
  add_face (&f, (FerBox) { 100, 60, 90, 90 });
  memset (f.luma + 60 * WIDTH, 30, 90 * WIDTH);   /* it changes the picture */
  const FerTrackedFace *faces = step (&f, &n, &result);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpuint (faces[0].id, ==, 1);
  g_assert_true (fer_box_iou (faces[0].mouth, (FerBox) { 100, 60, 90, 90 }) > 0);
  step (&f, &n, &result);
  g_assert_false (result.searched);
  fixture_clear (&f);
}

static void
test_missed_face_dropped (void)
{
  Fixture f;
  fixture_init (&f, 300, 8);
  add_face (&f, (FerBox) { 120, 60, 100, 100 });
  int n;
  FerTrackingStep result;
  for (int frame = 0; frame < 20; frame++)
    step (&f, &n, &result);
  g_assert_cmpint (n, ==, 1);
  const int looks_before = f.script.looks;
  g_assert_cmpint (looks_before, >=, 1);   /* checked near its box every FER_CHECK_INTERVAL */

  /* The detector stops seeing it (landmarks still land on it): after the next regular check it
   * is looked for on every frame and dropped at the FER_MAX_MISSED-th miss in a row. */
  f.script.visible_near = FALSE;
  int frames_to_drop = 0, dropped = 0;
  do {
    step (&f, &n, &result);
    dropped += result.dropped;
    frames_to_drop++;
  } while (n > 0 && frames_to_drop < 100);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpint (dropped, ==, 1);
  g_assert_cmpint (frames_to_drop, <=, FER_CHECK_INTERVAL + FER_MAX_MISSED);
  g_assert_cmpint (frames_to_drop, >=, FER_MAX_MISSED);
  g_assert_cmpint (f.script.looks - looks_before, ==, FER_MAX_MISSED);
  /* Dropping forgot the scene: the next step searches (and finds it again, with a new id). */
  f.script.visible_near = TRUE;
  const FerTrackedFace *faces = step (&f, &n, &result);
  g_assert_true (result.searched);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpuint (faces[0].id, ==, 2);

  /* One miss, then seen again: the count starts over and the face keeps its id. */
  f.script.visible_near = FALSE;
  while (f.script.looks == 0 || faces[0].missed == 0) {
    faces = step (&f, &n, &result);
    g_assert_cmpint (n, ==, 1);
  }
  f.script.visible_near = TRUE;
  faces = step (&f, &n, &result);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (faces[0].missed, ==, 0);
  g_assert_cmpuint (faces[0].id, ==, 2);
  fixture_clear (&f);
}

static void
test_walked_out_and_landmark_failure (void)
{
  Fixture f;
  fixture_init (&f, 300, 8);
  add_face (&f, (FerBox) { 120, 60, 100, 100 });
  int n;
  FerTrackingStep result;
  step (&f, &n, &result);
  g_assert_cmpint (n, ==, 1);
  /* The face moves right, 20 px a frame, and is followed until its centre leaves the frame. */
  int frames = 0;
  do {
    f.script.faces[0].x += 20;
    step (&f, &n, &result);
    frames++;
  } while (n > 0 && frames < 50);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpint (f.script.faces[0].x + 50, >=, WIDTH);

  /* No landmarks: the face is not reported. */
  f.script.faces[0].x = 120;
  f.script.landmarks_fail = TRUE;
  step (&f, &n, &result);
  g_assert_true (result.searched);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpint (result.dropped, ==, 1);
  fixture_clear (&f);
}

static void
test_max_faces (void)
{
  Fixture f;
  fixture_init (&f, 5, 2);
  const int sides[5] = { 40, 70, 50, 60, 45 };
  for (int i = 0; i < 5; i++)
    add_face (&f, (FerBox) { 5 + i * 62, 100, sides[i], sides[i] });
  int n;
  FerTrackingStep result;
  const FerTrackedFace *faces = step (&f, &n, &result);
  /* The two largest. */
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (MIN (faces[0].face.width, faces[1].face.width), ==, 60);

  /* Room for five: the next search adds the other three. */
  f.settings.max_faces = 5;
  for (int frame = 1; frame <= 5; frame++) {
    change_scene (&f, (guint8) (frame * 50));
    faces = step (&f, &n, &result);
  }
  g_assert_cmpint (n, ==, 5);
  /* Lowered while playing: the smallest go at once, searches or not. */
  f.settings.max_faces = 2;
  faces = step (&f, &n, &result);
  g_assert_false (result.searched);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (MIN (faces[0].face.width, faces[1].face.width), >=, 50);
  fixture_clear (&f);
}

static void
test_reset (void)
{
  Fixture f;
  fixture_init (&f, 30, 8);
  add_face (&f, (FerBox) { 120, 60, 100, 100 });
  int n;
  FerTrackingStep result;
  for (int frame = 0; frame < 7; frame++)
    step (&f, &n, &result);
  g_assert_cmpuint (fer_face_tracking_frames (f.tracking), ==, 7);
  /* New caps: everything forgotten, the next frame is searched, ids never reused. */
  fer_face_tracking_reset (f.tracking);
  g_assert_cmpuint (fer_face_tracking_frames (f.tracking), ==, 0);
  const int searches = f.script.searches;
  const FerTrackedFace *faces = step (&f, &n, &result);
  g_assert_true (result.searched);
  g_assert_cmpint (f.script.searches, ==, searches + 1);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpuint (faces[0].id, ==, 2);
  fixture_clear (&f);
}

/* A followed box keeps the face's size and place when one of the 68 landmarks goes astray (as
 * dlib's eyebrows or jaw do on a face it fits badly): a box sized from the points' extent grew
 * by 80 % here, and on a real face such a box misleads the next fit further, frame after frame
 * (the bundled photo's box ran from 66 to 257 px in 9 frames). */
static void
test_follow_ignores_a_stray_landmark (void)
{
  Fixture f;
  fixture_init (&f, 300, 8);
  add_face (&f, (FerBox) { 120, 60, 100, 100 });
  int n;
  const FerTrackedFace *faces = step (&f, &n, NULL);
  g_assert_cmpint (n, ==, 1);
  const FerBox detected = faces[0].face;
  f.script.stray_point = TRUE;
  for (int frame = 1; frame < FER_CHECK_INTERVAL * 3; frame++) {
    faces = step (&f, &n, NULL);
    g_assert_cmpint (n, ==, 1);
    g_assert_cmpint (abs (faces[0].face.width - detected.width), <=, detected.width / 20);
    g_assert_cmpfloat (fer_box_iou (faces[0].face, detected), >, 0.9);
  }
  fixture_clear (&f);
}

/* A followed box that strayed in size so far that it no longer overlaps its face by IoU (here:
 * landmarks drawn in to 40 % of the face's size) takes the next search's box when it lies inside
 * it: one face, keeping its id, not two. */
static void
test_strayed_box_keeps_its_face (void)
{
  Fixture f;
  fixture_init (&f, 5, 8);
  const FerBox face = { 120, 60, 100, 100 };
  add_face (&f, face);
  int n;
  const FerTrackedFace *faces = step (&f, &n, NULL);
  g_assert_cmpint (n, ==, 1);
  f.script.shrink = 0.4f;
  step (&f, &n, NULL);   /* landmarks drawn in */
  faces = step (&f, &n, NULL);   /* the box followed them */
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat (fer_box_iou (faces[0].face, face), <, FER_TRACK_IOU);
  FerTrackingStep result;
  do {
    change_scene (&f, (guint8) (fer_face_tracking_frames (f.tracking) * 40));
    faces = step (&f, &n, &result);
  } while (!result.searched);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpuint (faces[0].id, ==, 1);
  g_assert_cmpfloat (fer_box_iou (faces[0].face, face), >, 0.9);
  fixture_clear (&f);
}

/* A face moving 10 % of its size per frame, whose landmarks land only a fifth of the way from
 * the followed box to it (as dlib's do from a box the face ran ahead of): without looking for
 * it near its box the box falls ~40 px behind (IoU 0.35 by frame 18); with it, whenever the
 * landmarks move fast, the box stays on the face. */
static void
test_fast_face_caught_up (void)
{
  Fixture f;
  fixture_init (&f, 300, 8);
  add_face (&f, (FerBox) { 20, 60, 100, 100 });
  int n;
  FerTrackingStep result;
  step (&f, &n, &result);
  g_assert_true (result.searched);
  f.script.reach = 0.2f;
  int caught_up = 0;
  double worst = 1;
  for (int frame = 1; frame <= 18; frame++) {
    f.script.faces[0].x += 10;
    const FerTrackedFace *faces = step (&f, &n, &result);
    g_assert_false (result.searched);
    g_assert_cmpint (n, ==, 1);
    g_assert_cmpuint (faces[0].id, ==, 1);
    caught_up += result.caught_up;
    worst = MIN (worst, fer_box_iou (faces[0].face, f.script.faces[0]));
  }
  g_test_message ("caught up on %d of 18 frames; worst IoU with the face %.3f", caught_up,
      worst);
  g_assert_cmpint (caught_up, >=, 6);
  g_assert_cmpfloat (worst, >, 0.75);

  /* A face that stays put is not looked for. */
  const int looks = f.script.looks;
  for (int frame = 0; frame < 5; frame++) {
    step (&f, &n, &result);
    g_assert_cmpint (result.caught_up, ==, 0);
  }
  g_assert_cmpint (f.script.looks, <=, looks + 1);   /* at most a regular check */
  fixture_clear (&f);
}

/* One face passes in front of another: the hidden face's landmarks land on the front one, its
 * box follows them there, and both boxes pass their checks.  One face is reported, with the id
 * of the one followed longer; before, the twins stayed as long as the face did. */
static void
test_twins_dropped (void)
{
  Fixture f;
  fixture_init (&f, 300, 8);
  add_face (&f, (FerBox) { 20, 60, 100, 100 });
  add_face (&f, (FerBox) { 200, 60, 100, 100 });
  int n;
  FerTrackingStep result;
  const FerTrackedFace *faces = step (&f, &n, &result);
  g_assert_cmpint (n, ==, 2);
  int dropped = 0;
  for (int frame = 1; frame <= 30; frame++) {
    /* The second walks in front of the first (the scripted landmarks take the last face under
     * a box), then stays there. */
    f.script.faces[1].x = MAX (20, 200 - 10 * frame);
    faces = step (&f, &n, &result);
    dropped += result.dropped;
  }
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (dropped, ==, 1);
  g_assert_cmpuint (faces[0].id, ==, 1);
  g_assert_cmpfloat (fer_box_iou (faces[0].face, f.script.faces[1]), >, 0.9);
  fixture_clear (&f);
}

/* A face carries what the finder last said of it: the search's score when found, a check's
 * when looked for near its box; a miss leaves the last one. */
static void
test_scores (void)
{
  Fixture f;
  fixture_init (&f, 5, 8);
  add_face (&f, (FerBox) { 200, 100, 80, 80 });
  f.script.search_score = 0.8f;
  f.script.near_score = 0.6f;
  int n;
  const FerTrackedFace *faces = step (&f, &n, NULL);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat (faces[0].score, ==, 0.8f);
  for (int frame = 1; frame <= FER_CHECK_INTERVAL && f.script.looks == 0; frame++)
    faces = step (&f, &n, NULL);
  g_assert_cmpint (f.script.looks, ==, 1);
  g_assert_cmpfloat (faces[0].score, ==, 0.6f);
  f.script.visible_near = FALSE;
  f.script.near_score = 0.1f;
  for (int frame = 1; frame <= FER_CHECK_INTERVAL && f.script.looks == 1; frame++)
    faces = step (&f, &n, NULL);
  g_assert_cmpint (f.script.looks, ==, 2);   /* missed once: still followed */
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat (faces[0].score, ==, 0.6f);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/face-tracking/search-schedule", test_search_schedule);
  g_test_add_func ("/face-tracking/fast-face-caught-up", test_fast_face_caught_up);
  g_test_add_func ("/face-tracking/twins-dropped", test_twins_dropped);
  g_test_add_func ("/face-tracking/search-every-frame-without-faces",
      test_search_every_frame_without_faces);
  g_test_add_func ("/face-tracking/missed-face-dropped", test_missed_face_dropped);
  g_test_add_func ("/face-tracking/walked-out-and-landmark-failure",
      test_walked_out_and_landmark_failure);
  g_test_add_func ("/face-tracking/max-faces", test_max_faces);
  g_test_add_func ("/face-tracking/reset", test_reset);
  g_test_add_func ("/face-tracking/scores", test_scores);
  g_test_add_func ("/face-tracking/follow-ignores-a-stray-landmark",
      test_follow_ignores_a_stray_landmark);
  g_test_add_func ("/face-tracking/strayed-box-keeps-its-face",
      test_strayed_box_keeps_its_face);
  return g_test_run ();
}
