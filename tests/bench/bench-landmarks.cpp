// Our evaluation of dlib's 68-point landmark model (FlatShapePredictor) against dlib's own
// shape_predictor, on the same faces in the same run: microseconds per face of each and their
// ratio.  Two workloads:
//   video:  one face, its box moving by a pixel or two from call to call, as fermouthcrop's
//           tracker hands it over frame after frame (the leaves a face reaches stay warm);
//   photos: a different face each call (the boxes of several photos), the cold case.
// Rounds alternate the two predictors; medians are printed (the machines are noisy).
//
// Usage: fer-bench-landmarks PHOTO:X,Y,SIDE [PHOTO:X,Y,SIDE...] [--rounds N] [--calls N]

#include "face/shape-predictor-flat.hpp"

#include <dlib/image_processing/shape_predictor.h>
#include <opencv2/imgcodecs.hpp>

#include <glib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "face/face-landmarks.h"
}

namespace {

struct Face {
  cv::Mat gray;
  dlib::rectangle box;
};

// A PHOTO:X,Y,SIDE argument; false (said on stderr) when it cannot be read.
bool
parse_face (const char *argument, Face &face)
{
  const char *colon = std::strrchr (argument, ':');
  long x, y, side;
  if (colon == nullptr || std::sscanf (colon + 1, "%ld,%ld,%ld", &x, &y, &side) != 3 || side < 8) {
    std::fprintf (stderr, "bench: '%s' is not PHOTO:X,Y,SIDE\n", argument);
    return false;
  }
  const std::string path (argument, colon - argument);
  face.gray = cv::imread (path, cv::IMREAD_GRAYSCALE);
  if (face.gray.empty ()) {
    std::fprintf (stderr, "bench: cannot read %s as an image\n", path.c_str ());
    return false;
  }
  face.box = dlib::rectangle (x, y, x + side - 1, y + side - 1);
  return true;
}

// The box of call i: the face's box moved by up to 2 px (video) or face i's own (photos).
dlib::rectangle
box_of_call (const Face &face, long i, bool video)
{
  if (!video)
    return face.box;
  const long dx = i % 5 - 2, dy = (i / 5) % 5 - 2;
  return dlib::translate_rect (face.box, dx, dy);
}

template <typename Predict>
double
microseconds_per_face (const std::vector<Face> &faces, long calls, bool video, Predict predict)
{
  const gint64 start = g_get_monotonic_time ();
  for (long i = 0; i < calls; i++) {
    const Face &face = video ? faces[0] : faces[i % faces.size ()];
    dlib::cv_image<unsigned char> image (face.gray);
    predict (image, box_of_call (face, i, video));
  }
  return (double) (g_get_monotonic_time () - start) / calls;
}

double
median (std::vector<double> values)
{
  std::sort (values.begin (), values.end ());
  return values[values.size () / 2];
}

}  // namespace

int
main (int argc, char **argv)
{
  long rounds = 5, calls = 2000;
  std::vector<Face> faces;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if ((arg == "--rounds" || arg == "--calls") && i + 1 < argc) {
      const long value = std::atol (argv[++i]);
      if (value < 1) {
        std::fprintf (stderr, "bench: %s wants a positive number, not '%s'\n", arg.c_str (), argv[i]);
        return 2;
      }
      (arg == "--rounds" ? rounds : calls) = value;
      continue;
    }
    Face face;
    if (!parse_face (argv[i], face))
      return 2;
    faces.push_back (face);
  }
  if (faces.empty ()) {
    std::fprintf (stderr, "usage: %s PHOTO:X,Y,SIDE [PHOTO:X,Y,SIDE...] [--rounds N] [--calls N]\n",
        argv[0]);
    return 2;
  }

  dlib::shape_predictor dlib_predictor;
  FlatShapePredictor ours;
  try {
    dlib::deserialize (FER_DEFAULT_LANDMARK_MODEL) >> dlib_predictor;
    ours.load (FER_DEFAULT_LANDMARK_MODEL);
  } catch (const std::exception &e) {
    std::fprintf (stderr, "bench: cannot load %s (Debian package libdlib-data): %s\n",
        FER_DEFAULT_LANDMARK_MODEL, e.what ());
    return 1;
  }

  float points[2 * FER_LANDMARKS];
  volatile long sink = 0;   // takes dlib's results, so that the compiler keeps its calls
  auto run_dlib = [&] (const dlib::cv_image<unsigned char> &image, const dlib::rectangle &box) {
    sink = sink + dlib_predictor (image, box).part (48).x ();
  };
  auto run_ours = [&] (const dlib::cv_image<unsigned char> &image, const dlib::rectangle &box) {
    ours.predict (image, box, points);
  };

  std::printf ("%-8s %12s %12s %8s\n", "faces", "dlib us", "ours us", "ratio");
  for (const bool video : { true, false }) {
    std::vector<double> dlib_times, our_times;
    microseconds_per_face (faces, calls / 10, video, run_dlib);   // warm both up
    microseconds_per_face (faces, calls / 10, video, run_ours);
    for (long round = 0; round < rounds; round++) {
      dlib_times.push_back (microseconds_per_face (faces, calls, video, run_dlib));
      our_times.push_back (microseconds_per_face (faces, calls, video, run_ours));
    }
    const double d = median (dlib_times), o = median (our_times);
    std::printf ("%-8s %12.1f %12.1f %8.3f\n", video ? "video" : "photos", d, o, o / d);
  }
  return 0;
}
