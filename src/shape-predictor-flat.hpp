// shape-predictor-flat.hpp: dlib's 68-point shape predictor (an ensemble of regression trees,
// Kazemi & Sullivan 2014) evaluated from a flat copy of its model.
//
// dlib keeps every leaf of every tree as its own heap-allocated vector, so one face reads 7500
// scattered 544-byte leaves and waits on memory for each (about 3 ms per face, 85% of it in the
// leaf sums; wider SIMD does not help a memory-bound loop).  Here the trees of a cascade level
// are walked first (their splits only read that level's pixel features), then the chosen leaves,
// stored contiguously, are summed in dlib's order while the next ones are prefetched: the same
// float additions in the same order, so the same shape as dlib::shape_predictor, about 4x
// faster, with no machine-specific instructions.  Feature extraction and the final transform
// are dlib's own functions.
#ifndef FER_SHAPE_PREDICTOR_FLAT_HPP
#define FER_SHAPE_PREDICTOR_FLAT_HPP

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>

#include <cstdint>
#include <string>
#include <vector>

class FlatShapePredictor
{
public:
  // Reads a dlib shape_predictor file (dlib's serialisation, version 1); throws
  // std::runtime_error or dlib::serialization_error saying what is wrong.  dlib's float parsing
  // takes ~0.8 s for the 100 MB 68-point model, so the flat arrays are also kept in the user's
  // cache folder (XDG_CACHE_HOME/gst-fer/), keyed by the file's path, size and modification
  // time, and read from there (~0.05 s) while they match; a cache that cannot be written or
  // does not check out only costs the parse.
  void load (const std::string &path);

  unsigned long num_parts () const { return initial_shape.size () / 2; }

  // points[2i], points[2i+1] = part i of the face in box, in image pixels (sub-pixel; dlib's
  // full_object_detection rounds these to integers).  Safe to call from many threads.
  void predict (const dlib::cv_image<unsigned char> &image, const dlib::rectangle &box,
      float *points) const;

private:
  void parse (const std::string &path);
  bool read_cache (const std::string &cache_path);
  void write_cache (const std::string &cache_path) const;

  dlib::matrix<float, 0, 1> initial_shape;
  std::vector<std::vector<unsigned long>> anchor_idx;            // per level: feature anchors
  std::vector<std::vector<dlib::vector<float, 2>>> deltas;       // per level: feature offsets
  unsigned long levels = 0, trees = 0, splits = 0;               // per level, per tree
  std::vector<uint16_t> split_features;   // [level][tree][split] pairs (idx1, idx2)
  std::vector<float> split_thresholds;    // [level][tree][split]
  std::vector<float> leaves;              // [level][tree][leaf][2 * num_parts]
};

#endif // FER_SHAPE_PREDICTOR_FLAT_HPP
