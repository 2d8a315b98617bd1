#include "teacher-onnx.h"

#include <cmath>
#include <string>
#include <vector>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "base/fer-error.h"

enum class Kind { YUNET, ULTRAFACE };

struct _FerTeacher {
  cv::dnn::Net net;
  Kind kind;
  std::vector<std::string> outputs;
};

extern "C" FerTeacher *
fer_teacher_load (const char *path, GError **error)
{
  try {
    auto t = new _FerTeacher ();
    t->net = cv::dnn::readNetFromONNX (path);
    std::vector<std::string> names = t->net.getUnconnectedOutLayersNames ();
    auto has = [&] (const char *n) {
      for (auto &s : names)
        if (s == n)
          return true;
      return false;
    };
    if (has ("cls_8") && has ("obj_32") && has ("bbox_16")) {
      t->kind = Kind::YUNET;
      for (int s : { 8, 16, 32 })
        for (const char *k : { "cls_", "obj_", "bbox_" })
          t->outputs.push_back (k + std::to_string (s));
    } else if (has ("scores") && has ("boxes")) {
      t->kind = Kind::ULTRAFACE;
      t->outputs = { "scores", "boxes" };
    } else {
      delete t;
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: neither YuNet (cls_8, obj_8, "
          "bbox_8...) nor UltraFace (scores, boxes) outputs", path);
      return nullptr;
    }
    return t;
  } catch (const std::exception &e) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: OpenCV cannot read it: %s", path,
        e.what ());
    return nullptr;
  }
}

extern "C" void
fer_teacher_free (FerTeacher *t)
{
  delete t;
}

extern "C" const char *
fer_teacher_name (const FerTeacher *t)
{
  return t->kind == Kind::YUNET ? "YuNet-n (teacher)" : "UltraFace RFB-320 (teacher)";
}

static void
yunet (FerTeacher *t, const cv::Mat &rgb, double threshold, std::vector<FerDetection> &found)
{
  const int input = 320;
  const double scale = (double) input / std::max (rgb.cols, rgb.rows);
  cv::Mat canvas (input, input, CV_8UC3, cv::Scalar (0, 0, 0)), small, bgr;
  cv::resize (rgb, small, cv::Size (std::max (1, (int) std::lround (rgb.cols * scale)),
          std::max (1, (int) std::lround (rgb.rows * scale))), 0, 0, cv::INTER_AREA);
  cv::cvtColor (small, bgr, cv::COLOR_RGB2BGR);
  bgr.copyTo (canvas (cv::Rect (0, 0, bgr.cols, bgr.rows)));
  t->net.setInput (cv::dnn::blobFromImage (canvas));
  std::vector<cv::Mat> outs;
  t->net.forward (outs, t->outputs);
  for (int k = 0; k < 3; k++) {
    const int stride = 8 << k, cols = input / stride;
    const float *cls = outs[3 * k].ptr<float> (), *obj = outs[3 * k + 1].ptr<float> ();
    const float *box = outs[3 * k + 2].ptr<float> ();
    const int cells = (int) (outs[3 * k].total ());
    for (int i = 0; i < cells; i++) {
      const double score = std::sqrt (std::min (1.0f, std::max (0.0f, cls[i]))
          * std::min (1.0f, std::max (0.0f, obj[i])));
      if (score < threshold)
        continue;
      const double cx = (i % cols + box[4 * i]) * stride, cy = (i / cols + box[4 * i + 1]) * stride;
      const double w = std::exp (box[4 * i + 2]) * stride, h = std::exp (box[4 * i + 3]) * stride;
      FerDetection d;
      d.box = { (cx - w / 2) / scale, (cy - h / 2) / scale, w / scale, h / scale };
      d.score = score;
      found.push_back (d);
    }
  }
}

static void
ultraface (FerTeacher *t, const cv::Mat &rgb, double threshold, std::vector<FerDetection> &found)
{
  cv::Mat small;
  cv::resize (rgb, small, cv::Size (320, 240), 0, 0, cv::INTER_AREA);
  t->net.setInput (cv::dnn::blobFromImage (small, 1.0 / 128, cv::Size (), cv::Scalar (127, 127,
              127)));
  std::vector<cv::Mat> outs;
  t->net.forward (outs, t->outputs);
  const float *scores = outs[0].ptr<float> (), *boxes = outs[1].ptr<float> ();
  const int n = (int) (outs[0].total () / 2);
  for (int i = 0; i < n; i++) {
    if (scores[2 * i + 1] < threshold)
      continue;
    const float *b = boxes + 4 * i;
    FerDetection d;
    d.box = { b[0] * rgb.cols, b[1] * rgb.rows, (b[2] - b[0]) * rgb.cols,
      (b[3] - b[1]) * rgb.rows };
    d.score = scores[2 * i + 1];
    found.push_back (d);
  }
}

extern "C" int
fer_teacher_detect (FerTeacher *t, const FerImage *photo, double threshold, FerDetection *faces,
    int max)
{
  try {
    const cv::Mat rgb (photo->height, photo->width, CV_8UC3, photo->pixels);
    std::vector<FerDetection> found;
    if (t->kind == Kind::YUNET)
      yunet (t, rgb, threshold, found);
    else
      ultraface (t, rgb, threshold, found);
    const int n = fer_nms (found.data (), (int) found.size (), 0.4, FER_NMS_KEEP_BEST);
    const int kept = std::min (n, max);
    for (int i = 0; i < kept; i++)
      faces[i] = found[i];
    return kept;
  } catch (const std::exception &) {
    return 0;
  }
}
