// face-landmarks.cpp: the C++ shim behind face-landmarks.h.  OpenCV's CascadeClassifier finds
// faces, dlib's shape predictor model places 68 points on each (evaluated by
// FlatShapePredictor, which gives dlib's shapes about 4x faster).

#include "face/shape-predictor-flat.hpp"
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "face/face-landmarks.h"
#include "base/fer-error.h"
}

struct _FerFaceModels {
  std::string cascade_path, landmark_path;
  cv::CascadeClassifier cascade;
  std::mutex cascade_lock;          // detectMultiScale is not reentrant
  FlatShapePredictor predictor;     // const use from many threads is safe
  int references = 0;
};

namespace {

std::mutex registry_lock;
std::map<std::pair<std::string, std::string>, _FerFaceModels *> registry;

gboolean
fail (GError **error, int code, const std::string &message)
{
  g_set_error_literal (error, FER_ERROR, code, message.c_str ());
  return FALSE;
}

std::string
package_hint (const std::string &path, const char *default_path, const char *package)
{
  return path == default_path
      ? std::string (" (it comes with Debian's ") + package + " package: apt-get install " + package + ")"
      : std::string (" (the default, ") + default_path + ", comes with Debian's " + package + ")";
}

_FerFaceModels *
load (const std::string &cascade_path, const std::string &landmark_path, GError **error)
{
  auto *models = new _FerFaceModels ();
  models->cascade_path = cascade_path;
  models->landmark_path = landmark_path;
  bool loaded = false;
  try {
    loaded = g_file_test (cascade_path.c_str (), G_FILE_TEST_IS_REGULAR)
        && models->cascade.load (cascade_path);
  } catch (const std::exception &) {
    loaded = false;   // OpenCV throws on some malformed files and returns false on others
  }
  if (!loaded) {
    fail (error, FER_ERROR_MODEL, "cannot load the face cascade '" + cascade_path
        + "': missing or not an OpenCV cascade"
        + package_hint (cascade_path, FER_DEFAULT_CASCADE, "opencv-data"));
    delete models;
    return nullptr;
  }
  try {
    if (!g_file_test (landmark_path.c_str (), G_FILE_TEST_IS_REGULAR))
      throw std::runtime_error ("no such file");
    models->predictor.load (landmark_path);
    if (models->predictor.num_parts () != FER_LANDMARKS)
      throw std::runtime_error ("it places " + std::to_string (models->predictor.num_parts ())
          + " points, not 68");
  } catch (const std::exception &e) {
    fail (error, FER_ERROR_MODEL, "cannot load the landmark model '" + landmark_path + "': "
        + e.what () + package_hint (landmark_path, FER_DEFAULT_LANDMARK_MODEL, "libdlib-data"));
    delete models;
    return nullptr;
  }
  return models;
}

cv::Mat
as_mat (const FerGrayView *gray)
{
  return cv::Mat (gray->height, gray->width, CV_8UC1, const_cast<uint8_t *> (gray->data),
      gray->stride);
}

}  // namespace

extern "C" FerFaceModels *
fer_face_models_acquire (const char *cascade_path, const char *landmark_path, GError **error)
{
  try {
    std::lock_guard<std::mutex> hold (registry_lock);
    const auto key = std::make_pair (std::string (cascade_path), std::string (landmark_path));
    auto found = registry.find (key);
    _FerFaceModels *models = found != registry.end () ? found->second : nullptr;
    if (models == nullptr) {
      models = load (key.first, key.second, error);
      if (models == nullptr)
        return nullptr;
      registry[key] = models;
    }
    models->references++;
    return models;
  } catch (const std::exception &e) {
    fail (error, FER_ERROR_MODEL, std::string ("cannot load the face models: ") + e.what ());
    return nullptr;
  }
}

extern "C" void
fer_face_models_release (FerFaceModels *models)
{
  if (models == nullptr)
    return;
  std::lock_guard<std::mutex> hold (registry_lock);
  if (--models->references > 0)
    return;
  registry.erase (std::make_pair (models->cascade_path, models->landmark_path));
  delete models;
}

extern "C" int
fer_face_detect (FerFaceModels *models, const FerGrayView *gray, const FerDetectOptions *options,
    FerBox *faces, int max_faces, GError **error)
{
  try {
    if (gray->width <= 0 || gray->height <= 0 || max_faces <= 0)
      return 0;
    std::vector<cv::Rect> found;
    {
      std::lock_guard<std::mutex> hold (models->cascade_lock);
      const int min_size = std::max (options->min_size, 1);
      const int max_size = std::max (options->max_size, 0);
      models->cascade.detectMultiScale (as_mat (gray), found, options->scale_factor,
          options->min_neighbors, 0, cv::Size (min_size, min_size), cv::Size (max_size, max_size));
    }
    std::sort (found.begin (), found.end (),
        [] (const cv::Rect &a, const cv::Rect &b) { return a.area () > b.area (); });
    const int n = std::min<int> (found.size (), max_faces);
    for (int i = 0; i < n; i++)
      faces[i] = FerBox { found[i].x, found[i].y, found[i].width, found[i].height };
    return n;
  } catch (const std::exception &e) {
    fail (error, FER_ERROR_ARGUMENT, std::string ("face detection failed: ") + e.what ());
    return -1;
  }
}

extern "C" gboolean
fer_face_landmarks (FerFaceModels *models, const FerGrayView *gray, FerBox face,
    float points[2 * FER_LANDMARKS], GError **error)
{
  try {
    cv::Mat mat = as_mat (gray);
    dlib::cv_image<unsigned char> image (mat);
    const dlib::rectangle box (face.x, face.y, face.x + face.width - 1, face.y + face.height - 1);
    models->predictor.predict (image, box, points);
    return TRUE;
  } catch (const std::exception &e) {
    return fail (error, FER_ERROR_ARGUMENT, std::string ("landmarks failed: ") + e.what ());
  }
}

extern "C" gboolean
fer_gray_resize (const FerGrayView *src, uint8_t *dst, int dst_width, int dst_height)
{
  try {
    cv::Mat out (dst_height, dst_width, CV_8UC1, dst);
    cv::resize (as_mat (src), out, out.size (), 0, 0, cv::INTER_AREA);
    return TRUE;
  } catch (const std::exception &) {
    return FALSE;
  }
}
