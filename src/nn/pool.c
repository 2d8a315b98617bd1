#include "nn/pool.h"

#include <math.h>
#include <string.h>
#include <glib.h>

#include "nn/fer-parallel.h"

/* The first maximum of in's plane over rows y0..y1-1, columns x0..x1-1 (row order; NaN wins),
 * as an index y * width + x; -1 for an empty window.  Two passes the compiler vectorises (the
 * window's maximum and whether it holds a NaN, then the first element equal to it, or the first
 * NaN) rather than one that branches on every element: MyModel's region pooling at batch 1
 * took ~7 % of its forward pass.  (The first element equal to the maximum is the one the single
 * pass keeps, -0 and +0 included: it replaced the best only when strictly greater.) */
static int32_t
window_argmax (const fer_real *plane, int width, int y0, int y1, int x0, int x1)
{
  if (y0 >= y1 || x0 >= x1)
    return -1;
  fer_real max = plane[y0 * width + x0];
  int nans = 0;
  for (int y = y0; y < y1; y++) {
    const fer_real *row = plane + (size_t) y * width;
    for (int x = x0; x < x1; x++) {
      const fer_real v = row[x];
      max = v > max ? v : max;
      nans |= v != v;
    }
  }
  for (int y = y0; y < y1; y++) {
    const fer_real *row = plane + (size_t) y * width;
    for (int x = x0; x < x1; x++)
      if (nans ? isnan (row[x]) : row[x] == max)
        return y * width + x;
  }
  return -1;   /* not reached: the maximum (or a NaN) is in the window */
}

void
FER_FN (fer_maxpool2d_forward) (fer_real *out, int32_t *argmax, const fer_real *in,
    FerImageStrides s, const FerMaxPool2d *pool, int channels, int batch, int height, int width)
{
  const int oh = fer_maxpool2d_output_size (height, pool);
  const int ow = fer_maxpool2d_output_size (width, pool);
  for (int c = 0; c < channels; c++)
    for (int n = 0; n < batch; n++) {
      const fer_real *plane = in + c * s.channel + n * s.image;
      const size_t first = ((size_t) c * batch + n) * oh * ow;
      for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
          const int y0 = y * pool->stride - pool->padding, x0 = x * pool->stride - pool->padding;
          const int32_t at = window_argmax (plane, width, MAX (y0, 0),
              MIN (y0 + pool->kernel, height), MAX (x0, 0), MIN (x0 + pool->kernel, width));
          argmax[first + y * ow + x] = at;
          out[first + y * ow + x] = at >= 0 ? plane[at] : 0;
        }
    }
}

void
FER_FN (fer_maxpool2d_backward) (fer_real *din, FerImageStrides s, const fer_real *dout,
    const int32_t *argmax, int channels, int batch, int out_height, int out_width)
{
  const size_t per_plane = (size_t) out_height * out_width;
  for (int c = 0; c < channels; c++)
    for (int n = 0; n < batch; n++) {
      fer_real *plane = din + c * s.channel + n * s.image;
      const size_t first = ((size_t) c * batch + n) * per_plane;
      for (size_t k = 0; k < per_plane; k++)
        if (argmax[first + k] >= 0)
          plane[argmax[first + k]] += dout[first + k];
    }
}

void
FER_FN (fer_roi_max_pool_forward) (fer_real *out, int32_t *argmax, const fer_real *in,
    FerImageStrides s, const FerRoi *rois, int n_rois, int channels, int height, int width,
    int pooled_h, int pooled_w)
{
  const size_t per_channel = (size_t) pooled_h * pooled_w;
  /* Every (region, channel) on its own: split across the threads when the regions cover enough
   * of the map (MyModel's 8 regions at batch 1 took ~7 % of its forward pass on one thread). */
  size_t work = 0;
  for (int r = 0; r < n_rois; r++)
    work += (size_t) channels * MAX (rois[r].width, 0) * MAX (rois[r].height, 0);
  FER_PARALLEL_FOR (work)
  for (int task = 0; task < n_rois * channels; task++) {
    const int r = task / channels, c = task % channels;
    /* The region clipped to the map, as Python's slice would clip it. */
    const FerRoi *roi = &rois[r];
    const int x0 = CLAMP (roi->x, 0, width), x1 = CLAMP (roi->x + roi->width, x0, width);
    const int y0 = CLAMP (roi->y, 0, height), y1 = CLAMP (roi->y + roi->height, y0, height);
    const int rw = x1 - x0, rh = y1 - y0;
    const fer_real *plane = in + c * s.channel + roi->image * s.image;
    fer_real *o = out + ((size_t) r * channels + c) * per_channel;
    int32_t *a = argmax + ((size_t) r * channels + c) * per_channel;
    for (int i = 0; i < pooled_h; i++)
      for (int j = 0; j < pooled_w; j++) {
        int32_t at = -1;
        if (rw > 0 && rh > 0) {
          /* PyTorch's start_index / end_index of adaptive pooling. */
          const int by0 = (int) floor ((double) i * rh / pooled_h);
          const int by1 = (int) ceil ((double) (i + 1) * rh / pooled_h);
          const int bx0 = (int) floor ((double) j * rw / pooled_w);
          const int bx1 = (int) ceil ((double) (j + 1) * rw / pooled_w);
          at = window_argmax (plane, width, y0 + by0, y0 + by1, x0 + bx0, x0 + bx1);
        }
        a[i * pooled_w + j] = at;
        o[i * pooled_w + j] = at >= 0 ? plane[at] : 0;
      }
  }
}

void
FER_FN (fer_roi_max_pool_backward) (fer_real *din, FerImageStrides s, const fer_real *dout,
    const int32_t *argmax, const FerRoi *rois, int n_rois, int channels, int pooled_h,
    int pooled_w)
{
  const size_t per_channel = (size_t) pooled_h * pooled_w;
  for (int r = 0; r < n_rois; r++)
    for (int c = 0; c < channels; c++) {
      fer_real *plane = din + c * s.channel + rois[r].image * s.image;
      const size_t first = ((size_t) r * channels + c) * per_channel;
      for (size_t k = 0; k < per_channel; k++)
        if (argmax[first + k] >= 0)
          plane[argmax[first + k]] += dout[first + k];
    }
}
