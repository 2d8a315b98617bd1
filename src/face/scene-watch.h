/* scene-watch.h: has anything changed outside the tracked faces since the last whole-frame face
 * search?  If not, the search could only find the faces already tracked (each is followed and
 * checked on its own), so fermouthcrop skips it: on a fixed camera the ~20 ms search then runs
 * only when something moves outside the faces.
 *
 * The luma is sampled on a grid (about SCENE_COLUMNS samples across) and compared, in blocks of
 * SCENE_BLOCK x SCENE_BLOCK samples, with the samples kept at the last search: a block whose
 * mean absolute difference exceeds the threshold, and which does not touch a tracked face's
 * box, is a change.  A face the detector can find is larger than a block (its smallest face is
 * 24 px at detect-width, a block at most ~4 px there), so one walking in changes whole blocks;
 * video noise on a still picture moves a block's mean difference by 1-3 levels. */
#ifndef FER_SCENE_WATCH_H
#define FER_SCENE_WATCH_H

#include "box/box.h"
#include "face/face-landmarks.h"

#define SCENE_COLUMNS 160
#define SCENE_BLOCK 4
/* A block changed when its samples differ by more than this many levels on average. */
#define SCENE_THRESHOLD 10

typedef struct {
  guint8 *samples;       /* at the last search; NULL: nothing kept */
  int columns, rows, step;
  int frame_width, frame_height;
} FerSceneWatch;

void fer_scene_watch_init (FerSceneWatch *watch);
/* Forgets the kept samples (the next question is answered "changed"). */
void fer_scene_watch_reset (FerSceneWatch *watch);

/* Whether gray differs from the kept samples outside the boxes (gray's pixels) anywhere; TRUE
 * when nothing is kept, the frame size changed, or the boxes cover half the picture or more
 * (a close-up: a face walking in next to it might only touch blocks that are not watched). */
gboolean fer_scene_watch_changed (const FerSceneWatch *watch, const FerGrayView *gray,
    const FerBox *boxes, int n_boxes);

/* Keeps gray's samples: the scene of this search. */
void fer_scene_watch_keep (FerSceneWatch *watch, const FerGrayView *gray);

#endif /* FER_SCENE_WATCH_H */
