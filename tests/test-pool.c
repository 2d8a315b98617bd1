/* Max pooling and seed 004's ROI pooling (src/nn/pool.c) against PyTorch
 * (tests/golden/make_pool_golden.py): nn.MaxPool2d in three configurations and
 * nn.AdaptiveMaxPool2d((5, 5)) over regions (smaller than 5x5, clipped by the map's edge, a
 * single cell), forward and backward.  Outputs must be the very same values (a max picks an
 * input); input gradients sum several outputs' gradients where windows overlap, so they may
 * differ by rounding only. */
#include <math.h>
#include <string.h>

#include "io/safetensors.h"
#include "nn/pool.h"
#include "fer-test-util.h"
#include "golden.h"

enum { N = 2, C = 3, H = 13, W = 11, P = 5 };

static FerSafetensors *golden;

static double *
golden_tensor (const char *name, size_t *count)
{
  return fer_test_golden_f64 (golden, name, count);
}

static float *
to_float (const double *values, size_t n)
{
  float *f = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    f[i] = (float) values[i];
  return f;
}

static void
check_maxpool (const char *name, FerMaxPool2d pool)
{
  double *input = golden_tensor ("input", NULL);
  float *in = to_float (input, N * C * H * W);
  const int oh = fer_maxpool2d_output_size (H, &pool), ow = fer_maxpool2d_output_size (W, &pool);
  const size_t n_out = (size_t) C * N * oh * ow;
  float *out = g_new (float, n_out), *dout = g_new (float, n_out);
  int32_t *argmax = g_new (int32_t, n_out);
  fer_maxpool2d_forward (out, argmax, in, fer_strides_nchw (C, H, W), &pool, C, N, H, W);

  char *key = g_strdup_printf ("maxpool.%s.output", name);
  size_t count;
  double *want = golden_tensor (key, &count);
  g_assert_cmpuint (count, ==, n_out);
  char *dout_key = g_strdup_printf ("maxpool.%s.dout", name);
  char *din_key = g_strdup_printf ("maxpool.%s.din", name);
  double *dout_nchw = golden_tensor (dout_key, NULL);
  /* Ours is channel-major [C][N][OH][OW]; PyTorch's [N][C][OH][OW]. */
  for (int c = 0; c < C; c++)
    for (int n = 0; n < N; n++)
      for (int k = 0; k < oh * ow; k++) {
        const size_t ours = ((size_t) c * N + n) * oh * ow + k;
        const size_t theirs = ((size_t) n * C + c) * oh * ow + k;
        g_assert_cmpfloat (out[ours], ==, (float) want[theirs]);
        dout[ours] = (float) dout_nchw[theirs];
      }
  float *din = g_new0 (float, N * C * H * W);
  fer_maxpool2d_backward (din, fer_strides_nchw (C, H, W), dout, argmax, C, N, oh, ow);
  double *din_want = golden_tensor (din_key, NULL);
  double *got = g_new (double, N * C * H * W);
  for (int i = 0; i < N * C * H * W; i++)
    got[i] = din[i];
  fer_test_assert_close (din_key, got, din_want, N * C * H * W, 1e-6);
  g_free (key); g_free (dout_key); g_free (din_key); g_free (want); g_free (dout_nchw); g_free (din_want); g_free (got);
  g_free (input); g_free (in); g_free (out); g_free (dout); g_free (argmax); g_free (din);
}

static void
test_maxpool (void)
{
  check_maxpool ("k3s2p1", (FerMaxPool2d) { 3, 2, 1 });
  check_maxpool ("k2s2p0", (FerMaxPool2d) { 2, 2, 0 });
  check_maxpool ("k3s1p1", (FerMaxPool2d) { 3, 1, 1 });
}

static void
test_roi_pool (void)
{
  double *input = golden_tensor ("input", NULL);
  float *in = to_float (input, N * C * H * W);
  size_t n_values;
  int64_t *boxes = fer_test_golden_i64 (golden, "roi.boxes", &n_values);
  const int n_rois = (int) n_values / 5;
  FerRoi *rois = g_new (FerRoi, n_rois);
  for (int r = 0; r < n_rois; r++)
    rois[r] = (FerRoi) { (int) boxes[5 * r], (int) boxes[5 * r + 1], (int) boxes[5 * r + 2],
      (int) boxes[5 * r + 3], (int) boxes[5 * r + 4] };
  const size_t n_out = (size_t) n_rois * C * P * P;
  float *out = g_new (float, n_out);
  int32_t *argmax = g_new (int32_t, n_out);
  fer_roi_max_pool_forward (out, argmax, in, fer_strides_nchw (C, H, W), rois, n_rois, C, H, W,
      P, P);
  double *want = golden_tensor ("roi.output", NULL);
  for (size_t i = 0; i < n_out; i++)
    g_assert_cmpfloat (out[i], ==, (float) want[i]);
  double *dout_d = golden_tensor ("roi.dout", NULL);
  float *dout = to_float (dout_d, n_out), *din = g_new0 (float, N * C * H * W);
  fer_roi_max_pool_backward (din, fer_strides_nchw (C, H, W), dout, argmax, rois, n_rois, C, P,
      P);
  double *din_want = golden_tensor ("roi.din", NULL), *got = g_new (double, N * C * H * W);
  for (int i = 0; i < N * C * H * W; i++)
    got[i] = din[i];
  fer_test_assert_close ("roi pooling input gradient", got, din_want, N * C * H * W, 1e-6);

  /* A region wholly outside the map: zeros, and no gradient. */
  const FerRoi outside = { 0, 20, 20, 4, 4 };
  fer_roi_max_pool_forward (out, argmax, in, fer_strides_nchw (C, H, W), &outside, 1, C, H, W,
      P, P);
  for (int i = 0; i < C * P * P; i++) {
    g_assert_cmpfloat (out[i], ==, 0);
    g_assert_cmpint (argmax[i], ==, -1);
  }
  g_free (input); g_free (in); g_free (boxes); g_free (rois); g_free (out); g_free (argmax);
  g_free (want); g_free (dout_d); g_free (dout); g_free (din); g_free (din_want); g_free (got);
}

/* Which input a window picks (pool.c's window_argmax, both poolings): the first maximum in row
 * order, the first NaN if there is one (PyTorch's rule), and of -0 and +0 the first. */
static int32_t
pick (const float *plane, int height, int width)
{
  const FerRoi region = { 0, 0, 0, width, height };
  float out;
  int32_t at;
  fer_roi_max_pool_forward (&out, &at, plane, fer_strides_nchw (1, height, width), &region, 1, 1,
      height, width, 1, 1);
  if (height == width) {
    /* The same window as one max pooling window. */
    const FerMaxPool2d whole = { width, width, 0 };
    int32_t pool_at;
    fer_maxpool2d_forward (&out, &pool_at, plane, fer_strides_nchw (1, height, width), &whole, 1,
        1, height, width);
    g_assert_cmpint (pool_at, ==, at);
  }
  return at;
}

static void
test_window_picks (void)
{
  float plane[3 * 4] = { 1, 5, 2, 0, 5, 3, 5, 1, 4, 5, 0, 2 };
  g_assert_cmpint (pick (plane, 3, 4), ==, 1);          /* the first of four 5s */
  plane[7] = NAN;
  plane[10] = NAN;
  g_assert_cmpint (pick (plane, 3, 4), ==, 7);          /* the first NaN wins */
  plane[0] = NAN;
  g_assert_cmpint (pick (plane, 3, 4), ==, 0);
  float zeros[2 * 3] = { -1, -0.0f, 0.0f, -2, 0.0f, -0.0f };
  g_assert_cmpint (pick (zeros, 2, 3), ==, 1);          /* -0 before +0 */
  g_assert_true (signbit (zeros[1]));
  float negative[2 * 2] = { -3, -2, -2, -5 };   /* square: max pooling too */
  g_assert_cmpint (pick (negative, 2, 2), ==, 1);
  /* A window one row high, and one wider than a vector register. */
  float row[37];
  for (int i = 0; i < 37; i++)
    row[i] = (float) (i % 17);
  g_assert_cmpint (pick (row, 1, 37), ==, 16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden = fer_test_golden_load ("pool-golden.safetensors");
  g_test_add_func ("/pool/maxpool-pytorch", test_maxpool);
  g_test_add_func ("/pool/roi-pool-pytorch", test_roi_pool);
  g_test_add_func ("/pool/window-picks", test_window_picks);
  const int status = g_test_run ();
  fer_safetensors_free (golden);
  return status;
}
