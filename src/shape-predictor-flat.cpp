// shape-predictor-flat.cpp: see shape-predictor-flat.hpp.

#include "shape-predictor-flat.hpp"

#include <fstream>
#include <stdexcept>

namespace {

// Leaves this many trees ahead are prefetched while one is summed: enough to cover a memory
// round trip at ~0.1 us per leaf sum.
constexpr unsigned long PREFETCH_AHEAD = 8;

}  // namespace

void
FlatShapePredictor::load (const std::string &path)
{
  std::ifstream in (path, std::ios::binary);
  if (!in)
    throw std::runtime_error ("cannot open it");

  // The field order of dlib::deserialize (shape_predictor &, std::istream &).
  int version = 0;
  dlib::deserialize (version, in);
  if (version != 1)
    throw std::runtime_error ("not a dlib shape_predictor file (version "
        + std::to_string (version) + ", expected 1)");
  std::vector<std::vector<dlib::impl::regression_tree>> forests;
  dlib::deserialize (initial_shape, in);
  dlib::deserialize (forests, in);
  dlib::deserialize (anchor_idx, in);
  dlib::deserialize (deltas, in);

  // The flat layout needs every tree of the same full depth, which dlib's trainer produces.
  levels = forests.size ();
  if (levels == 0 || forests[0].empty () || initial_shape.size () == 0
      || initial_shape.size () % 2 != 0 || anchor_idx.size () != levels || deltas.size () != levels)
    throw std::runtime_error ("inconsistent shape_predictor (empty or mismatched cascade)");
  trees = forests[0].size ();
  splits = forests[0][0].splits.size ();
  const unsigned long dims = initial_shape.size ();
  split_features.reserve (levels * trees * splits * 2);
  split_thresholds.reserve (levels * trees * splits);
  leaves.reserve (levels * trees * (splits + 1) * dims);
  for (unsigned long level = 0; level < levels; level++) {
    const unsigned long features = deltas[level].size ();
    if (forests[level].size () != trees || anchor_idx[level].size () != features
        || features > UINT16_MAX)
      throw std::runtime_error ("cascade level " + std::to_string (level) + " has a different "
          "number of trees or features than level 0");
    for (unsigned long anchor : anchor_idx[level])
      if (anchor >= num_parts ())
        throw std::runtime_error ("a feature is anchored to a part that does not exist");
    for (const auto &tree : forests[level]) {
      if (tree.splits.size () != splits || tree.leaf_values.size () != splits + 1)
        throw std::runtime_error ("trees of different depths (not a full binary tree)");
      for (const auto &split : tree.splits) {
        if (split.idx1 >= features || split.idx2 >= features)
          throw std::runtime_error ("a split reads a feature that does not exist");
        split_features.push_back ((uint16_t) split.idx1);
        split_features.push_back ((uint16_t) split.idx2);
        split_thresholds.push_back (split.thresh);
      }
      for (const auto &leaf : tree.leaf_values) {
        if ((unsigned long) leaf.size () != dims)
          throw std::runtime_error ("a leaf of the wrong size");
        leaves.insert (leaves.end (), leaf.begin (), leaf.end ());
      }
    }
  }
}

void
FlatShapePredictor::predict (const dlib::cv_image<unsigned char> &image,
    const dlib::rectangle &box, float *points) const
{
  const unsigned long dims = initial_shape.size ();
  dlib::matrix<float, 0, 1> shape = initial_shape;
  std::vector<float> features;
  std::vector<const float *> chosen (trees);

  for (unsigned long level = 0; level < levels; level++) {
    dlib::impl::extract_feature_pixel_values (image, box, shape, initial_shape,
        anchor_idx[level], deltas[level], features);

    // Walk every tree of the level to its leaf (dlib's regression_tree::operator()).
    for (unsigned long t = 0; t < trees; t++) {
      const unsigned long tree = level * trees + t;
      const uint16_t *pairs = &split_features[tree * splits * 2];
      const float *thresholds = &split_thresholds[tree * splits];
      unsigned long node = 0;
      while (node < splits)
        node = features[pairs[2 * node]] - features[pairs[2 * node + 1]] > thresholds[node]
            ? 2 * node + 1 : 2 * node + 2;
      chosen[t] = &leaves[(tree * (splits + 1) + node - splits) * dims];
    }

    // shape += each leaf, in tree order as dlib adds them.
    float *sum = &shape (0);
    for (unsigned long t = 0; t < trees; t++) {
      if (t + PREFETCH_AHEAD < trees) {
        const char *next = (const char *) chosen[t + PREFETCH_AHEAD];
        for (unsigned long byte = 0; byte < dims * sizeof (float); byte += 64)
          __builtin_prefetch (next + byte);
      }
      const float *leaf = chosen[t];
      for (unsigned long k = 0; k < dims; k++)
        sum[k] += leaf[k];
    }
  }

  const dlib::point_transform_affine to_image = dlib::impl::unnormalizing_tform (box);
  for (unsigned long i = 0; i < num_parts (); i++) {
    const dlib::vector<double, 2> p = to_image (dlib::impl::location (shape, i));
    points[2 * i] = (float) p.x ();
    points[2 * i + 1] = (float) p.y ();
  }
}
