// Fuzz target: the landmark model's cache ($XDG_CACHE_HOME/gst-fer/landmarks-*.flat, read by
// src/face/shape-predictor-flat.cpp).  Anyone who can write the user's cache folder can put a
// file there, so a damaged cache must be refused, never trusted: what load_cache accepts is
// then run on a face, where any index it failed to check reads out of bounds.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "fuzz-input.h"
#include "face/shape-predictor-flat.hpp"

extern "C" int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static cv::Mat face = [] {
    cv::Mat m (64, 64, CV_8UC1);
    for (int y = 0; y < m.rows; y++)
      for (int x = 0; x < m.cols; x++)
        m.at<uint8_t> (y, x) = (uint8_t) (x * 3 + y * 5);
    return m;
  } ();
  const char *path = fer_fuzz_input_file ("landmarks.flat", data, size);
  FlatShapePredictor predictor;
  if (!predictor.load_cache (path))
    return 0;
  std::vector<float> points (2 * predictor.num_parts ());
  dlib::cv_image<unsigned char> image (face);
  predictor.predict (image, dlib::rectangle (8, 8, 56, 56), points.data ());
  return 0;
}
