// FlatShapePredictor against dlib::shape_predictor itself: the same model file, the same boxes
// on a real face (whole, shifted, scaled, partly outside the image, on a blank image), the same
// 68 points.  dlib rounds its points to integers; ours keep the fraction, so each of ours must
// round to dlib's.

#include "shape-predictor-flat.hpp"

#include <dlib/image_processing/shape_predictor.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <glib.h>

#include <cmath>
#include <string>

extern "C" {
#include "face-landmarks.h"
}

static void
test_same_points_as_dlib (void)
{
  if (!g_file_test (FER_DEFAULT_LANDMARK_MODEL, G_FILE_TEST_IS_REGULAR)) {
    g_test_skip ("no " FER_DEFAULT_LANDMARK_MODEL " (Debian package libdlib-data)");
    return;
  }
  const std::string photo = std::string (FER_TEST_SOURCE_DIR) + "/data/astronaut.jpg";
  cv::Mat gray = cv::imread (photo, cv::IMREAD_GRAYSCALE);
  g_assert_false (gray.empty ());
  cv::Mat blank (240, 320, CV_8UC1, cv::Scalar (128));

  dlib::shape_predictor reference;
  dlib::deserialize (FER_DEFAULT_LANDMARK_MODEL) >> reference;
  FlatShapePredictor flat;
  flat.load (FER_DEFAULT_LANDMARK_MODEL);
  g_assert_cmpuint (flat.num_parts (), ==, reference.num_parts ());

  // The face of the bundled photo is near (70..150, 30..130) of 256 x 256 (fermouthcrop's test).
  struct Case { cv::Mat *image; long x, y, side; } cases[] = {
    { &gray, 70, 40, 90 }, { &gray, 60, 30, 110 }, { &gray, 80, 50, 70 }, { &gray, 75, 35, 95 },
    { &gray, -30, -20, 120 }, { &gray, 200, 190, 100 }, { &gray, 0, 0, 256 },
    { &blank, 100, 60, 80 }, { &blank, -10, -10, 40 },
  };
  int differing = 0;
  double worst = 0;
  for (const Case &c : cases) {
    dlib::cv_image<unsigned char> image (*c.image);
    const dlib::rectangle box (c.x, c.y, c.x + c.side - 1, c.y + c.side - 1);
    const dlib::full_object_detection expected = reference (image, box);
    float points[2 * FER_LANDMARKS];
    flat.predict (image, box, points);
    for (unsigned long i = 0; i < flat.num_parts (); i++) {
      const double dx = std::fabs (points[2 * i] - expected.part (i).x ());
      const double dy = std::fabs (points[2 * i + 1] - expected.part (i).y ());
      worst = std::max (worst, std::max (dx, dy));
      differing += std::lround (points[2 * i]) != expected.part (i).x ()
          || std::lround (points[2 * i + 1]) != expected.part (i).y ();
    }
  }
  g_test_message ("%zu boxes x 68 points: %d rounded points differ from dlib's, largest "
      "distance to dlib's integer point %.3f px", G_N_ELEMENTS (cases), differing, worst);
  g_assert_cmpint (differing, ==, 0);
  g_assert_cmpfloat (worst, <=, 0.5 + 1e-4);
}

static void
test_refuses_files_that_are_not_models (void)
{
  const std::string photo = std::string (FER_TEST_SOURCE_DIR) + "/data/astronaut.jpg";
  for (const std::string &path : { photo, std::string ("/nonexistent/model.dat") }) {
    FlatShapePredictor flat;
    bool refused = false;
    try {
      flat.load (path);
    } catch (const std::exception &e) {
      refused = true;
      g_test_message ("%s: %s", path.c_str (), e.what ());
    }
    g_assert_true (refused);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shape-predictor/same-points-as-dlib", test_same_points_as_dlib);
  g_test_add_func ("/shape-predictor/refuses-other-files", test_refuses_files_that_are_not_models);
  return g_test_run ();
}
