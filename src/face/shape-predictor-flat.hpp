// shape-predictor-flat.hpp: dlib's 68-point shape predictor (an ensemble of regression trees,
// Kazemi & Sullivan 2014) evaluated from a flat copy of its model.
//
// dlib keeps every leaf of every tree as its own heap-allocated vector, so one face reads 7500
// scattered 544-byte leaves and waits on memory for each (about 3 ms per face, 85% of it in the
// leaf sums; wider SIMD does not help a memory-bound loop).  Here the trees of a cascade level
// are walked first, without branches (their splits only read that level's pixel features);
// then the leaves are summed in dlib's order, each leaf requested from memory 8 trees before
// it is added.  The leaves are stored as 16-bit integers times one float scale per tree (the
// tree's largest leaf value / 32767): half the memory to wait for, in the pipeline ~30% less
// time per face, for a rounding error of at most 1/65534 of the tree's largest value per leaf,
// ~1e-5 of the face's size per point after 7500 leaves (a test holds the points within 0.05 px
// of dlib's own on faces).  No machine-specific instructions.  Feature extraction is dlib's
// code except for the similarity transform between shapes, written out in closed form instead
// of dlib's two LAPACK SVDs per level (~10% of the time); the final transform is dlib's.
#ifndef FER_SHAPE_PREDICTOR_FLAT_HPP
#define FER_SHAPE_PREDICTOR_FLAT_HPP

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

// Memory for large arrays read at random places: in 2 MB pages where the kernel allows it
// (transparent huge pages, "madvise" mode), so that reading 7500 scattered leaves per face does
// not also walk the page tables for most of them (4 KB pages cover only 8 MB of the processor's
// TLB, the leaves take 33 MB).
template <typename T>
struct HugePageAllocator
{
  using value_type = T;
  HugePageAllocator () = default;
  template <typename U> HugePageAllocator (const HugePageAllocator<U> &) {}
  T *allocate (std::size_t count);
  void deallocate (T *values, std::size_t) { std::free (values); }
  template <typename U> bool operator== (const HugePageAllocator<U> &) const { return true; }
  template <typename U> bool operator!= (const HugePageAllocator<U> &) const { return false; }
};

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

  // Reads a flat copy written by load (); false, leaving the predictor empty, when the file
  // is missing, damaged or foreign: every count, size and index in it is checked before use.
  // (Public for the fuzz target and tests; load () is what users call.)
  bool load_cache (const std::string &cache_path);
private:
  void parse (const std::string &path);
  void write_cache (const std::string &cache_path) const;

  dlib::matrix<float, 0, 1> initial_shape;
  std::vector<std::vector<unsigned long>> anchor_idx;            // per level: feature anchors
  std::vector<std::vector<dlib::vector<float, 2>>> deltas;       // per level: feature offsets
  unsigned long levels = 0, trees = 0, splits = 0;               // per level, per tree
  std::vector<uint16_t> split_features;   // [level][tree][split] pairs (idx1, idx2)
  std::vector<float> split_thresholds;    // [level][tree][split]
  std::vector<float> leaf_scales;         // [level][tree]
  // [level][tree][leaf][2 * num_parts], times leaf_scales
  std::vector<int16_t, HugePageAllocator<int16_t>> leaves;
};

#endif // FER_SHAPE_PREDICTOR_FLAT_HPP
