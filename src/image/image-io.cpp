// image-io.cpp: the C++ shim over OpenCV's image codecs behind image.h.  No OpenCV type leaves
// this file and no exception crosses its functions: each becomes a GError.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <exception>
#include <memory>
#include <vector>

extern "C" {
#include "base/fer-error.h"
#include "image/image.h"
#include "io/atomic-file.h"
}

namespace {

// A JPEG whose tail has no end-of-image marker was cut short: libjpeg decodes it anyway, filling
// the missing rows with grey and printing a warning, which would slip a broken image into
// training.  (PIL refuses such files too.)
bool
jpeg_is_truncated (const std::vector<uchar> &bytes)
{
  if (bytes.size () < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8)
    return false;
  const size_t tail = std::min<size_t> (bytes.size (), 4096);
  for (size_t i = bytes.size () - 1; i >= bytes.size () - tail + 1; i--)
    if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9)
      return false;
  return true;
}

FerImage *
from_bgr (const cv::Mat &bgr)
{
  FerImage *image = fer_image_new (bgr.cols, bgr.rows);
  if (image == nullptr)
    return nullptr;
  cv::Mat rgb (bgr.rows, bgr.cols, CV_8UC3, image->pixels);
  cv::cvtColor (bgr, rgb, cv::COLOR_BGR2RGB);
  return image;
}

}  // namespace

extern "C" FerImage *
fer_image_load (const char *path, GError **error)
{
  gchar *contents = nullptr;
  gsize length = 0;
  GError *io_error = nullptr;
  if (!g_file_get_contents (path, &contents, &length, &io_error)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot read '%s': %s", path, io_error->message);
    g_error_free (io_error);
    return nullptr;
  }
  std::unique_ptr<gchar, decltype (&g_free)> owned (contents, g_free);
  try {
    std::vector<uchar> bytes (contents, contents + length);
    owned.reset ();
    if (bytes.empty ()) {
      g_set_error (error, FER_ERROR, FER_ERROR_NOT_IMAGE, "'%s' is empty", path);
      return nullptr;
    }
    // EXIF orientation is ignored, as PIL's Image.open ignores it: the tutorial's data and any
    // PyTorch model trained on it saw the pixels as stored.
    cv::Mat bgr = cv::imdecode (bytes, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty ()) {
      if (!cv::haveImageReader (path)) {
        g_set_error (error, FER_ERROR, FER_ERROR_NOT_IMAGE,
            "'%s' is not in an image format that can be decoded (JPEG, PNG, BMP, WebP, TIFF, "
            "PPM/PGM...)", path);
        return nullptr;
      }
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "'%s' is corrupt: it cannot be decoded",
          path);
      return nullptr;
    }
    if (jpeg_is_truncated (bytes)) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "'%s' is truncated: the JPEG data ends before its end-of-image marker", path);
      return nullptr;
    }
    FerImage *image = from_bgr (bgr);
    if (image == nullptr)
      g_set_error (error, FER_ERROR, FER_ERROR_IO, "out of memory decoding '%s' (%d x %d)", path,
          bgr.cols, bgr.rows);
    return image;
  } catch (const std::exception &e) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "cannot decode '%s': %s", path, e.what ());
    return nullptr;
  } catch (...) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "cannot decode '%s'", path);
    return nullptr;
  }
}

extern "C" gboolean
fer_image_save_png (const FerImage *image, const char *path, GError **error)
{
  try {
    cv::Mat rgb (image->height, image->width, CV_8UC3, image->pixels);
    cv::Mat bgr;
    cv::cvtColor (rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> png;
    if (cv::imencode (".png", bgr, png))
      return fer_atomic_write_file (path, png.data (), png.size (), error);
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot encode '%s' as PNG", path);
  } catch (const std::exception &e) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write '%s': %s", path, e.what ());
  }
  return FALSE;
}
