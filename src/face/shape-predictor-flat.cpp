// shape-predictor-flat.cpp: see shape-predictor-flat.hpp.

#include "face/shape-predictor-flat.hpp"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cerrno>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>

extern "C" {
#include "io/atomic-file.h"
}

namespace {

// The cache file: this tag, the sizes, then the arrays as they are in memory (native byte
// order: the cache belongs to this machine), then a 64-bit checksum of all that.
constexpr char CACHE_TAG[8] = { 'F', 'E', 'R', 'S', 'P', 'F', '3', '\n' };

// A checksum of the cache's bytes, checked before anything in it is read: every index and count
// is also range-checked, but the 16-bit leaves can hold any value, so damage there (a bad
// sector, a half-copied file) would otherwise give wrong landmarks silently.  Not cryptographic
// (whoever can write the user's cache can write a matching sum; what it controls is then only
// landmark values); 8 bytes per step, ~5 ms for the 50 MB cache.
uint64_t
cache_checksum (const char *data, size_t size)
{
  uint64_t h = 0x9E3779B97F4A7C15ull ^ size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy (&word, data + i, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  for (; i < size; i++)
    h = (h ^ (uint8_t) data[i]) * 0x94D049BB133111EBull;
  return h ^ (h >> 29);
}

// Where the flat copy of the model at path is cached; "" when path cannot be examined.
std::string
cache_path_for (const std::string &path)
{
  GStatBuf st;
  if (g_stat (path.c_str (), &st) != 0)
    return "";
  char *absolute = g_canonicalize_filename (path.c_str (), nullptr);
  char *key = g_strdup_printf ("%s\n%lld\n%lld", absolute, (long long) st.st_size,
      (long long) st.st_mtime);
  char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  char *file = g_strdup_printf ("landmarks-%.24s.flat", digest);
  char *cache = g_build_filename (g_get_user_cache_dir (), "gst-fer", file, nullptr);
  std::string result (cache);
  g_free (cache);
  g_free (file);
  g_free (digest);
  g_free (key);
  g_free (absolute);
  return result;
}

// Appends count values of T to bytes.
template <typename T>
void
put (std::string &bytes, const T *values, size_t count)
{
  bytes.append (reinterpret_cast<const char *> (values), count * sizeof (T));
}

// Reads count values of T from data at offset; false when the data runs out.
template <typename T>
bool
take (const char *data, size_t size, size_t &offset, T *values, size_t count)
{
  if (count > (size - offset) / sizeof (T))
    return false;
  if (count == 0)
    return true;   // values may be an empty vector's null data (): memcpy must not see it
  std::memcpy (values, data + offset, count * sizeof (T));
  offset += count * sizeof (T);
  return true;
}

// Whether every value is finite and within +-limit.  dlib's models hold face-relative offsets
// (|x| < ~2) and pixel differences (|x| <= 255); a cache with anything much larger is damaged,
// and its sums would overflow the integer pixel positions dlib rounds points to.
static bool
all_within (const float *values, size_t count, float limit)
{
  for (size_t i = 0; i < count; i++)
    if (!(std::fabs (values[i]) <= limit))
      return false;
  return true;
}

constexpr float CACHE_VALUE_LIMIT = 1000;

// The 2x2 part of dlib::impl::find_tform_between_shapes (from, to): dlib's
// find_similarity_transform (Umeyama's least squares, in double), with the SVD of the 2x2
// covariance written out.  With cov = [a b; c d], the nearest rotation times Umeyama's scale
// trace(D S) / sigma_from is [a+d, b-c; c-b, a+d] / sigma_from when det(cov) >= 0, and the
// nearest reflection's [a-d, b+c; b+c, d-a] / sigma_from otherwise (dlib's S flips the smaller
// singular value): the same matrix up to rounding, without a LAPACK SVD per cascade level.
// (dlib also recomputes the box's transform, a pseudo-inverse, on every level; extract_features
// below takes it computed once.  Together the two were ~10% of a face's landmarks.)
dlib::matrix<float, 2, 2>
similarity_between (const dlib::matrix<float, 0, 1> &from, const dlib::matrix<float, 0, 1> &to)
{
  const long n = from.size () / 2;
  double from_x = 0, from_y = 0, to_x = 0, to_y = 0;
  for (long i = 0; i < n; i++) {
    from_x += from (2 * i);
    from_y += from (2 * i + 1);
    to_x += to (2 * i);
    to_y += to (2 * i + 1);
  }
  from_x /= n;
  from_y /= n;
  to_x /= n;
  to_y /= n;
  double sigma_from = 0, a = 0, b = 0, c = 0, d = 0;
  for (long i = 0; i < n; i++) {
    const double fx = from (2 * i) - from_x, fy = from (2 * i + 1) - from_y;
    const double tx = to (2 * i) - to_x, ty = to (2 * i + 1) - to_y;
    sigma_from += fx * fx + fy * fy;
    a += tx * fx;
    b += tx * fy;
    c += ty * fx;
    d += ty * fy;
  }
  sigma_from /= n;
  a /= n;
  b /= n;
  c /= n;
  d /= n;
  const double scale = sigma_from != 0 ? 1 / sigma_from : 1;
  dlib::matrix<float, 2, 2> m;
  if (a * d - b * c >= 0)
    m = (float) (scale * (a + d)), (float) (scale * (b - c)), (float) (scale * (c - b)),
        (float) (scale * (a + d));
  else
    m = (float) (scale * (a - d)), (float) (scale * (b + c)), (float) (scale * (b + c)),
        (float) (scale * (d - a));
  return m;
}

// dlib::impl::extract_feature_pixel_values with the similarity above, and the box's
// unnormalizing transform computed once per face instead of once per level.  Not inlined: inside
// predict it changed how the compiler treated the leaf sums there (no longer vectorised, 40%
// slower).
__attribute__ ((noinline)) void
extract_features (const dlib::cv_image<unsigned char> &image,
    const dlib::point_transform_affine &to_image, const dlib::matrix<float, 0, 1> &shape,
    const dlib::matrix<float, 0, 1> &reference, const std::vector<unsigned long> &anchors,
    const std::vector<dlib::vector<float, 2>> &deltas, std::vector<float> &features)
{
  const dlib::matrix<float, 2, 2> tform = similarity_between (reference, shape);
  const dlib::rectangle area = dlib::get_rect (image);
  features.resize (deltas.size ());
  for (unsigned long i = 0; i < features.size (); i++) {
    const dlib::vector<double, 2> q =
        to_image (tform * deltas[i] + dlib::impl::location (shape, anchors[i]));
    // Far outside (or not a number: a degenerate shape's transform) reads as outside the image
    // before dlib rounds it to an integer point, which such values would overflow.
    if (!(std::fabs (q.x ()) < 1e9 && std::fabs (q.y ()) < 1e9)) {
      features[i] = 0;
      continue;
    }
    const dlib::point p (q);
    features[i] = area.contains (p) ? image[p.y ()][p.x ()] : 0;
  }
}

}  // namespace

template <typename T>
T *
HugePageAllocator<T>::allocate (std::size_t count)
{
  constexpr std::size_t HUGE_PAGE = 2 << 20;
  if (count > (SIZE_MAX - HUGE_PAGE) / sizeof (T))
    throw std::bad_alloc ();
  const std::size_t bytes = count * sizeof (T);
  if (bytes < HUGE_PAGE) {
    void *values = std::malloc (bytes);
    if (values == nullptr)
      throw std::bad_alloc ();
    return static_cast<T *> (values);
  }
  const std::size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  void *values = std::aligned_alloc (HUGE_PAGE, rounded);
  if (values == nullptr)
    throw std::bad_alloc ();
  madvise (values, rounded, MADV_HUGEPAGE);   // a hint: without it, 4 KB pages as usual
  return static_cast<T *> (values);
}

template struct HugePageAllocator<int16_t>;

void
FlatShapePredictor::load (const std::string &path)
{
  const std::string cache = cache_path_for (path);
  if (!cache.empty () && load_cache (cache))
    return;
  parse (path);
  if (!cache.empty ())
    write_cache (cache);
}

// A cache that cannot be written (a read-only or full disk, XDG_CACHE_HOME not a folder) only
// costs the parse on every start; said once per process and cache file, not on every start.
static void
warn_once_about_cache (const std::string &cache_path, const char *why)
{
  static std::mutex lock;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> hold (lock);
  if (warned.insert (cache_path).second)
    g_log ("gst-fer", G_LOG_LEVEL_WARNING, "cannot keep the landmark model's flat copy (%s): "
        "it will be parsed again on every start (about 1 s); make the cache folder writable or "
        "set XDG_CACHE_HOME", why);
}

void
FlatShapePredictor::write_cache (const std::string &cache_path) const
{
  std::string bytes (CACHE_TAG, sizeof CACHE_TAG);
  const uint64_t sizes[5] = { levels, trees, splits, (uint64_t) initial_shape.size (),
    split_features.size () };
  put (bytes, sizes, 5);
  put (bytes, &initial_shape (0), initial_shape.size ());
  for (unsigned long level = 0; level < levels; level++) {
    const uint64_t features = deltas[level].size ();
    put (bytes, &features, 1);
    for (unsigned long i = 0; i < features; i++) {
      const uint32_t anchor = (uint32_t) anchor_idx[level][i];
      const float delta[2] = { deltas[level][i].x (), deltas[level][i].y () };
      put (bytes, &anchor, 1);
      put (bytes, delta, 2);
    }
  }
  put (bytes, split_features.data (), split_features.size ());
  put (bytes, split_thresholds.data (), split_thresholds.size ());
  put (bytes, leaf_scales.data (), leaf_scales.size ());
  put (bytes, leaves.data (), leaves.size ());

  const uint64_t checksum = cache_checksum (bytes.data (), bytes.size ());
  put (bytes, &checksum, 1);

  char *dir = g_path_get_dirname (cache_path.c_str ());
  FerAtomicFile file;
  GError *error = nullptr;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s: %s",
        dir, g_strerror (errno));
  else if (fer_atomic_file_open (&file, cache_path.c_str (), &error)) {
    if (!fer_atomic_file_write (&file, bytes.data (), bytes.size (), &error)
        || !fer_atomic_file_commit (&file, &error))
      fer_atomic_file_abort (&file);
  }
  if (error)
    warn_once_about_cache (cache_path, error->message);
  g_clear_error (&error);
  g_free (dir);
}

bool
FlatShapePredictor::load_cache (const std::string &cache_path)
{
  char *data = nullptr;
  gsize size = 0;
  if (!g_file_get_contents (cache_path.c_str (), &data, &size, nullptr))
    return false;
  // The checksum first: what follows it is only read from a file whose bytes are the ones
  // written.
  uint64_t stored = 0;
  bool intact = size >= sizeof CACHE_TAG + sizeof stored;
  if (intact) {
    std::memcpy (&stored, data + size - sizeof stored, sizeof stored);
    intact = stored == cache_checksum (data, size - sizeof stored);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    intact = true;   // the fuzzer explores the checks behind the sum (libFuzzer's convention)
#endif
  }
  if (!intact) {
    g_free (data);
    *this = FlatShapePredictor ();
    return false;
  }
  size -= sizeof stored;
  size_t at = 0;
  uint64_t sizes[5];
  char tag[sizeof CACHE_TAG];
  bool ok = take (data, size, at, tag, sizeof tag) && std::memcmp (tag, CACHE_TAG, sizeof tag) == 0
      && take (data, size, at, sizes, 5) && sizes[0] > 0 && sizes[0] < 1000 && sizes[1] > 0
      && sizes[1] < 100000 && sizes[2] > 0 && sizes[2] < 1000 && sizes[3] > 0 && sizes[3] % 2 == 0
      && sizes[3] < 100000 && sizes[4] == sizes[0] * sizes[1] * sizes[2] * 2;
  // The arrays' sizes follow from the counts: the file must hold exactly that many bytes
  // after the features, so a damaged count is refused before it can size an allocation.
  // (Bounded above: at most ~2e16 bytes, no overflow.)
  const uint64_t dims = ok ? sizes[3] : 0;
  const uint64_t tree_count = ok ? sizes[0] * sizes[1] : 0;
  const uint64_t arrays_bytes = ok ? sizes[4] * sizeof (uint16_t)
      + tree_count * sizes[2] * sizeof (float) + tree_count * sizeof (float)
      + tree_count * (sizes[2] + 1) * dims * sizeof (int16_t) : 0;
  ok = ok && arrays_bytes <= size;
  if (ok) {
    levels = sizes[0];
    trees = sizes[1];
    splits = sizes[2];
    initial_shape.set_size ((long) sizes[3]);
    ok = take (data, size, at, &initial_shape (0), sizes[3]);
    anchor_idx.assign (levels, {});
    deltas.assign (levels, {});
    for (unsigned long level = 0; ok && level < levels; level++) {
      uint64_t features = 0;
      ok = take (data, size, at, &features, 1) && features <= UINT16_MAX + 1ul
          && features * (sizeof (uint32_t) + 2 * sizeof (float)) <= size - at;
      for (uint64_t i = 0; ok && i < features; i++) {
        uint32_t anchor = 0;
        float delta[2] = { 0, 0 };
        ok = take (data, size, at, &anchor, 1) && take (data, size, at, delta, 2)
            && anchor < sizes[3] / 2;
        anchor_idx[level].push_back (anchor);
        deltas[level].push_back (dlib::vector<float, 2> (delta[0], delta[1]));
      }
    }
    ok = ok && arrays_bytes == size - at;
    if (ok) {
      split_features.resize (sizes[4]);
      split_thresholds.resize (levels * trees * splits);
      leaf_scales.resize (levels * trees);
      leaves.resize (levels * trees * (splits + 1) * sizes[3]);
    }
    ok = ok && take (data, size, at, split_features.data (), split_features.size ())
        && take (data, size, at, split_thresholds.data (), split_thresholds.size ())
        && take (data, size, at, leaf_scales.data (), leaf_scales.size ())
        && take (data, size, at, leaves.data (), leaves.size ()) && at == size;
    // Every split must read a feature of its level, and every number be in range (a NaN or a
    // huge value would reach the pixel lookups as an index).
    for (unsigned long t = 0; ok && t < levels * trees; t++)
      for (unsigned long k = 0; ok && k < splits * 2; k++)
        ok = split_features[t * splits * 2 + k] < deltas[t / trees].size ();
    ok = ok && all_within (&initial_shape (0), initial_shape.size (), CACHE_VALUE_LIMIT)
        && all_within (split_thresholds.data (), split_thresholds.size (), CACHE_VALUE_LIMIT)
        && all_within (leaf_scales.data (), leaf_scales.size (), CACHE_VALUE_LIMIT / 32767);
    for (unsigned long level = 0; ok && level < levels; level++)
      for (const auto &delta : deltas[level])
        ok = ok && all_within (&delta.x (), 1, CACHE_VALUE_LIMIT)
            && all_within (&delta.y (), 1, CACHE_VALUE_LIMIT);
  }
  g_free (data);
  if (!ok) {
    *this = FlatShapePredictor ();   // a damaged or foreign cache: parse the model instead
  }
  return ok;
}

void
FlatShapePredictor::parse (const std::string &path)
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
  if (splits == 0)   // dlib's trainer never makes one; the tree walk below assumes splits
    throw std::runtime_error ("trees without splits (not a trained shape_predictor)");
  const unsigned long dims = initial_shape.size ();
  split_features.reserve (levels * trees * splits * 2);
  split_thresholds.reserve (levels * trees * splits);
  leaf_scales.reserve (levels * trees);
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
      // The tree's leaves as 16-bit multiples of one scale (see the header).
      float largest = 0;
      for (const auto &leaf : tree.leaf_values) {
        if ((unsigned long) leaf.size () != dims)
          throw std::runtime_error ("a leaf of the wrong size");
        for (long k = 0; k < leaf.size (); k++) {
          if (!std::isfinite (leaf (k)))
            throw std::runtime_error ("a leaf value that is not a number");
          largest = std::max (largest, std::fabs (leaf (k)));
        }
      }
      const float scale = largest / INT16_MAX;
      leaf_scales.push_back (scale);
      for (const auto &leaf : tree.leaf_values)
        for (long k = 0; k < leaf.size (); k++)
          leaves.push_back (scale > 0 ? (int16_t) std::lrint (leaf (k) / scale) : 0);
    }
  }
}

// How many trees ahead of the leaf being summed its successors' leaves are asked for.  Asking
// for all 500 of a level at once (as this did) overflows the L1 cache with them and competes
// with the decoder for the rest: in fermouthcrop on d6 (detect-interval=300), the pipeline ran
// 10-20% faster with 8 (4, 16 and 32 measured no better); on its own the predictor is as fast
// either way (tests/bench/bench-landmarks.sh).
constexpr unsigned long PREFETCH_DISTANCE = 8;

// sum += each leaf times its tree's scale, in tree order as dlib adds them.  About half of a
// followed face's time (perf), so it is compiled also for AVX2 and AVX-512 and the loader picks
// the widest the processor has (target_clones, GCC and clang): the same multiplications and
// additions in the same order (fused multiply-adds, which AVX-512 brings, are turned off: they
// round differently), so every machine gets the same points.
#ifdef __clang__
#define NO_FUSED_MULTIPLY_ADD   /* clang: the pragma inside the function */
#else
#define NO_FUSED_MULTIPLY_ADD __attribute__ ((optimize ("fp-contract=off")))
#endif
__attribute__ ((target_clones ("avx512f", "avx2", "default"))) NO_FUSED_MULTIPLY_ADD
static void
add_leaves (float *sum, unsigned long dims, const int16_t *const *chosen, const float *scales,
    unsigned long trees)
{
#ifdef __clang__
#pragma clang fp contract (off)
#endif
  for (unsigned long t = 0; t < trees; t++) {
    if (t + PREFETCH_DISTANCE < trees)
      for (unsigned long byte = 0; byte < dims * sizeof (int16_t); byte += 64)
        __builtin_prefetch ((const char *) chosen[t + PREFETCH_DISTANCE] + byte);
    const int16_t *leaf = chosen[t];
    const float scale = scales[t];
    for (unsigned long k = 0; k < dims; k++)
      sum[k] += scale * (float) leaf[k];
  }
}

void
FlatShapePredictor::predict (const dlib::cv_image<unsigned char> &image,
    const dlib::rectangle &box, float *points) const
{
  const unsigned long dims = initial_shape.size ();
  dlib::matrix<float, 0, 1> shape = initial_shape;
  std::vector<float> features;
  std::vector<const int16_t *> chosen (trees);
  const dlib::point_transform_affine to_image = dlib::impl::unnormalizing_tform (box);

  for (unsigned long level = 0; level < levels; level++) {
    extract_features (image, to_image, shape, initial_shape, anchor_idx[level], deltas[level],
        features);

    // Walk every tree of the level to its leaf (dlib's regression_tree::operator()), without
    // branches (the comparisons are a coin toss to the branch predictor); the first leaves are
    // asked for from memory at once, the others while the leaves before them are summed.
    for (unsigned long t = 0; t < trees; t++) {
      const unsigned long tree = level * trees + t;
      const uint16_t *pairs = &split_features[tree * splits * 2];
      const float *thresholds = &split_thresholds[tree * splits];
      unsigned long node = 0;
      while (node < splits)
        node = 2 * node + 2
            - (features[pairs[2 * node]] - features[pairs[2 * node + 1]] > thresholds[node]);
      chosen[t] = &leaves[(tree * (splits + 1) + node - splits) * dims];
      if (t < PREFETCH_DISTANCE)
        for (unsigned long byte = 0; byte < dims * sizeof (int16_t); byte += 64)
          __builtin_prefetch ((const char *) chosen[t] + byte);
    }

    add_leaves (&shape (0), dims, chosen.data (), &leaf_scales[level * trees], trees);
  }

  for (unsigned long i = 0; i < num_parts (); i++) {
    const dlib::vector<double, 2> p = to_image (dlib::impl::location (shape, i));
    points[2 * i] = (float) p.x ();
    points[2 * i + 1] = (float) p.y ();
  }
}
