// make-seed-corpus's C++ half: a landmark-model cache from a small dlib shape predictor, and
// images in every format OpenCV writes.
#include <glib.h>
#include <glib/gstdio.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlib/image_processing/shape_predictor.h>
#include <opencv2/imgcodecs.hpp>

#include "face/shape-predictor-flat.hpp"

extern "C" void fer_corpus_write_landmark_cache (const char *folder);
extern "C" void fer_corpus_write_images (const char *folder);

static void
copy_file (const std::string &from, const std::string &to)
{
  char *bytes = nullptr;
  gsize size = 0;
  if (!g_file_get_contents (from.c_str (), &bytes, &size, nullptr)
      || !g_file_set_contents (to.c_str (), bytes, size, nullptr))
    throw std::runtime_error ("cannot copy " + from + " to " + to);
  g_free (bytes);
}

// A shape predictor of 3 parts, 2 cascade levels of 3 trees of depth 2 (3 splits, 4 leaves),
// 8 feature points per level: dlib's format in a few kilobytes.
static dlib::shape_predictor
small_predictor ()
{
  dlib::matrix<float, 0, 1> initial_shape (6);
  initial_shape = 0.2f, 0.3f, 0.5f, 0.7f, 0.8f, 0.3f;
  std::vector<std::vector<dlib::impl::regression_tree>> forests (2);
  std::vector<std::vector<dlib::vector<float, 2>>> pixels (2);
  for (int level = 0; level < 2; level++) {
    for (int p = 0; p < 8; p++)
      pixels[level].push_back (dlib::vector<float, 2> (0.1f * p, 0.9f - 0.1f * p));
    for (int t = 0; t < 3; t++) {
      dlib::impl::regression_tree tree;
      for (int s = 0; s < 3; s++) {
        dlib::impl::split_feature split;
        split.idx1 = (s + t) % 8;
        split.idx2 = (s + 2 * t + 3) % 8;
        split.thresh = 2.0f * s - 3.0f;
        tree.splits.push_back (split);
      }
      for (int l = 0; l < 4; l++) {
        dlib::matrix<float, 0, 1> leaf (6);
        for (int d = 0; d < 6; d++)
          leaf (d) = 0.01f * (l - 2) * (d + 1) / (level + 1);
        tree.leaf_values.push_back (leaf);
      }
      forests[level].push_back (tree);
    }
  }
  return dlib::shape_predictor (initial_shape, forests, pixels);
}

extern "C" void
fer_corpus_write_landmark_cache (const char *folder)
{
  char *scratch = g_dir_make_tmp ("fer-corpus-cache-XXXXXX", nullptr);
  const std::string dir (scratch);
  g_free (scratch);
  const std::string model = dir + "/small.dat";
  {
    std::ofstream out (model, std::ios::binary);
    dlib::serialize (small_predictor (), out);
  }
  // The cache goes to XDG_CACHE_HOME/gst-fer/ (read by glib once, so set before first use).
  g_setenv ("XDG_CACHE_HOME", dir.c_str (), TRUE);
  FlatShapePredictor predictor;
  predictor.load (model);
  const std::string cache_dir = dir + "/gst-fer";
  GDir *d = g_dir_open (cache_dir.c_str (), 0, nullptr);
  const char *name = d ? g_dir_read_name (d) : nullptr;
  if (name == nullptr)
    throw std::runtime_error ("no cache written under " + cache_dir);
  copy_file (cache_dir + "/" + name, std::string (folder) + "/small-predictor.flat");
  g_remove ((cache_dir + "/" + name).c_str ());
  g_dir_close (d);
  g_rmdir (cache_dir.c_str ());
  g_remove (model.c_str ());
  g_rmdir (dir.c_str ());
}

extern "C" void
fer_corpus_write_images (const char *folder)
{
  cv::Mat rgb (6, 8, CV_8UC3), rgba (3, 4, CV_8UC4), gray (5, 3, CV_8UC1);
  for (int i = 0; i < (int) rgb.total () * 3; i++)
    rgb.data[i] = (uint8_t) (i * 37);
  for (int i = 0; i < (int) rgba.total () * 4; i++)
    rgba.data[i] = (uint8_t) (i * 53);
  for (int i = 0; i < (int) gray.total (); i++)
    gray.data[i] = (uint8_t) (i * 17);
  const std::string dir (folder);
  const struct { const char *name; const cv::Mat *image; } files[] = {
    { "rgb.png", &rgb }, { "rgba.png", &rgba }, { "gray.png", &gray }, { "rgb.jpg", &rgb },
    { "gray.jpg", &gray }, { "rgb.bmp", &rgb }, { "rgb.ppm", &rgb }, { "gray.pgm", &gray },
    { "rgb.webp", &rgb }, { "rgb.tiff", &rgb }, { "rgba.tiff", &rgba },
  };
  for (const auto &f : files)
    if (!cv::imwrite (dir + "/" + f.name, *f.image))
      throw std::runtime_error (std::string ("cannot write ") + f.name);
}
