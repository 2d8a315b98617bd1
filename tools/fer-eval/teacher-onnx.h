/* teacher-onnx.h: a pretrained face detector in ONNX run by OpenCV's cv::dnn, to compare ours
 * with side by side (fer-eval --teacher).  Two are known by their outputs: YuNet-n (320x320
 * BGR, per stride 8/16/32 cls, obj, bbox; score sqrt (cls * obj)) and UltraFace RFB-320
 * (320x240 RGB (x - 127) / 128, scores and corner boxes in 0..1).  Only fer-eval uses this:
 * the product never runs a teacher. */
#ifndef FER_TEACHER_ONNX_H
#define FER_TEACHER_ONNX_H

#include <glib.h>
#include "box/nms.h"
#include "image/image.h"

G_BEGIN_DECLS

typedef struct _FerTeacher FerTeacher;

/* NULL with an error naming the file when OpenCV cannot read it or its outputs are neither
 * model's. */
FerTeacher *fer_teacher_load (const char *path, GError **error);
void fer_teacher_free (FerTeacher *teacher);
const char *fer_teacher_name (const FerTeacher *teacher);

/* Faces of an RGB photo scoring above threshold, merged (IoU 0.4), best first; their number. */
int fer_teacher_detect (FerTeacher *teacher, const FerImage *photo, double threshold,
    FerDetection *faces, int max);

G_END_DECLS

#endif /* FER_TEACHER_ONNX_H */
