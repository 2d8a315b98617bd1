/* clip-faces.h: what the elements report on every frame of a video file, for tests and
 * benchmarks that compare two ways of running them (the face tracking against the detector run
 * on every frame). */
#ifndef FER_CLIP_FACES_H
#define FER_CLIP_FACES_H

#include <glib.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* One face of a frame as the GstFerMeta reaching the end of the pipeline had it. */
typedef struct {
  GstVideoRectangle face, mouth;
  int label;             /* ferclassify's class, -1 when the pipeline has no ferclassify */
} FerClipFace;

/* The faces of every frame (a GPtrArray of GArray of FerClipFace, one per frame) of the video
 * file at path through "filesrc ! decodebin ! ELEMENTS ! fakesink", elements being e.g.
 * "fermouthcrop detect-interval=1 ! ferclassify"; NULL with error set when the pipeline cannot
 * be made or fails. */
GPtrArray *fer_clip_faces (const char *path, const char *elements, GError **error);

/* How the faces of `ours` compare with those of `reference`, frame by frame (same number of
 * frames): for each reference face, the face of ours that overlaps it most. */
typedef struct {
  int reference_faces;   /* faces in the reference */
  int matched;           /* of them, overlapped at IoU >= 0.5 by one of ours */
  int same_label;        /* of them, the one of ours overlapping at IoU >= 0.3 has its label */
  int strays;            /* faces of ours overlapping no reference face at IoU >= 0.3 */
  GArray *face_iou;      /* double, per reference face: the best IoU (0: none of ours) */
  GArray *mouth_iou;     /* double, per reference face: the mouths' IoU (0: no face at 0.3) */
} FerClipComparison;

void fer_clip_compare (GPtrArray *reference, GPtrArray *ours, FerClipComparison *result);
void fer_clip_comparison_clear (FerClipComparison *result);

G_END_DECLS

#endif /* FER_CLIP_FACES_H */
