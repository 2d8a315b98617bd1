/* conv2d-winograd.c: F(2x2, 3x3) convolutions for training (see conv2d-winograd.h).
 *
 * With d a tile's 4x4 inputs, g a 3x3 kernel and y its 2x2 outputs:
 *   B^T = | 1  0 -1  0 |     G = | 1    0    0   |     A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |         | 1/2  1/2  1/2 |           | 0  1 -1 -1 |
 *         | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |         | 0    0    1   |
 * V = B^T d B, U = G g G^T, M = sum over input channels of U . V (16 GEMMs), y = A^T M A.
 * Each 1-D transform is written out below, applied along a tile's rows and then its columns,
 * with the tiles of a row of tiles side by side so that every line is a loop over tiles.
 *
 * Tile (ty, tx) makes outputs 2ty..2ty+1 x 2tx..2tx+1 from inputs 2ty-1..2ty+2 x 2tx-1..2tx+2
 * (padding 1); an input row read as p[j] = x[j - 1] (zero outside the image) is kept as its
 * even and odd halves, pe[t] = p[2t] and po[t] = p[2t + 1], so tile t's four columns are pe[t],
 * po[t], pe[t + 1], po[t + 1]. */
#include "nn/conv2d-winograd.h"

#include <omp.h>
#include <string.h>

#include "nn/fer-parallel.h"
#include "nn/image-shares.h"

/* The transforms' loops run over a row of tiles in the line buffers, in cache: in wider vectors
 * where the processor has them (AVX-512, else AVX2; the detector-sized net's 16-channel layer
 * at 80x60, batch 16, forward + backward, alternating builds: 6.3 -> 5.6 ms).  Only additions
 * and subtractions: the same values whichever runs. */
#define CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))

enum { POINTS = 16 };   /* values of a transformed tile */

typedef struct {
  int tiles_x, tiles_y;   /* per image */
  int band_rows;          /* tile rows per band (the last band may have fewer) */
  int bands;              /* per image */
  size_t band_tiles;      /* tiles_x * band_rows: the stride of the transformed arrays' rows */
  size_t lines;           /* elements of a thread's line buffers */
} Tiling;

static Tiling
tiling_of (const FerConv2d *conv, int height, int width)
{
  Tiling t;
  t.tiles_x = (width + 1) / 2;
  t.tiles_y = (height + 1) / 2;
  /* A row of tiles' inputs, output gradients and input gradients, transformed (the backward
   * pass holds all three). */
  const size_t row_bytes = (size_t) POINTS * (2 * conv->in_channels + conv->out_channels)
      * MAX (t.tiles_x, 1) * sizeof (fer_real);
  t.band_rows = (int) CLAMP (FER_CONV2D_WINOGRAD_BAND_BYTES / row_bytes, 1,
      (size_t) MAX (t.tiles_y, 1));
  t.bands = (t.tiles_y + t.band_rows - 1) / t.band_rows;
  t.band_tiles = (size_t) t.band_rows * t.tiles_x;
  /* Line buffers of tiles_x + 1: 16 for a row of tiles' values between the passes, 6 more. */
  t.lines = (size_t) (POINTS + 6) * (t.tiles_x + 1);
  return t;
}

static size_t
weights_size (const FerConv2d *conv)
{
  return (size_t) POINTS * conv->out_channels * conv->in_channels;
}

/* Per thread: transformed inputs and outputs (forward); inputs, output gradients and input
 * gradients (backward); then the line buffers. */
static size_t
forward_slot (const FerConv2d *conv, const Tiling *t)
{
  return (size_t) POINTS * (conv->in_channels + conv->out_channels) * t->band_tiles + t->lines;
}

static size_t
backward_slot (const FerConv2d *conv, const Tiling *t)
{
  return (size_t) POINTS * (2 * conv->in_channels + conv->out_channels) * t->band_tiles
      + t->lines;
}

gboolean
FER_FN (fer_conv2d_winograd_applies) (const FerConv2d *conv, int batch, int threads,
    int height, int width, size_t scratch)
{
  if (conv->kernel != 3 || conv->stride != 1 || conv->padding != 1 || height < 1 || width < 1
      || batch < MAX (threads, 1))
    return FALSE;
  const Tiling t = tiling_of (conv, height, width);
  const size_t threads_slots = (size_t) MAX (threads, 1);
  const size_t forward = weights_size (conv) + threads_slots * forward_slot (conv, &t);
  const size_t backward = weights_size (conv) * (1 + (size_t) batch)
      + threads_slots * backward_slot (conv, &t);
  return forward <= scratch && backward <= scratch;
}

/* u[16][OC][C] = G g G^T for every kernel g[OC][C][3][3]. */
static void
transform_weights (fer_real *u, const fer_real *weight, const FerConv2d *conv)
{
  const int channels = conv->in_channels, out_channels = conv->out_channels;
  for (int oc = 0; oc < out_channels; oc++)
    for (int c = 0; c < channels; c++) {
      const fer_real *g = weight + ((size_t) oc * channels + c) * 9;
      fer_real gg[4][3];   /* G g */
      for (int j = 0; j < 3; j++) {
        gg[0][j] = g[j];
        gg[1][j] = (g[j] + g[3 + j] + g[6 + j]) / 2;
        gg[2][j] = (g[j] - g[3 + j] + g[6 + j]) / 2;
        gg[3][j] = g[6 + j];
      }
      for (int a = 0; a < 4; a++) {
        const fer_real *r = gg[a];
        const fer_real row[4] = { r[0], (r[0] + r[1] + r[2]) / 2, (r[0] - r[1] + r[2]) / 2,
          r[2] };
        for (int b = 0; b < 4; b++)
          u[((size_t) (a * 4 + b) * out_channels + oc) * channels + c] = row[b];
      }
    }
}

/* dweight[OC][C][3][3] += G^T du G (du[16][OC][C]). */
static void
add_weight_gradient (fer_real *dweight, const fer_real *du, const FerConv2d *conv)
{
  const int channels = conv->in_channels, out_channels = conv->out_channels;
  for (int oc = 0; oc < out_channels; oc++)
    for (int c = 0; c < channels; c++) {
      fer_real h[4][3];   /* du G, row by row */
      for (int a = 0; a < 4; a++) {
        fer_real v[4];
        for (int b = 0; b < 4; b++)
          v[b] = du[((size_t) (a * 4 + b) * out_channels + oc) * channels + c];
        h[a][0] = v[0] + (v[1] + v[2]) / 2;
        h[a][1] = (v[1] - v[2]) / 2;
        h[a][2] = (v[1] + v[2]) / 2 + v[3];
      }
      fer_real *dg = dweight + ((size_t) oc * channels + c) * 9;
      for (int j = 0; j < 3; j++) {
        dg[j] += h[0][j] + (h[1][j] + h[2][j]) / 2;
        dg[3 + j] += (h[1][j] - h[2][j]) / 2;
        dg[6 + j] += (h[1][j] + h[2][j]) / 2 + h[3][j];
      }
    }
}

/* The four 1-D transforms, each over n tiles side by side (lines of tiles, as the passes below
 * lay them out).  Functions of their own with restrict lines so that GCC vectorises them (the
 * same loops written inside the passes' loop nests stayed scalar). */

/* B^T: o = (d0 - d2, d1 + d2, d2 - d1, d1 - d3). */
static inline void
transform_b_t (fer_real *restrict o0, fer_real *restrict o1, fer_real *restrict o2,
    fer_real *restrict o3, const fer_real *restrict d0, const fer_real *restrict d1,
    const fer_real *restrict d2, const fer_real *restrict d3, int n)
{
  for (int k = 0; k < n; k++) {
    o0[k] = d0[k] - d2[k];
    o1[k] = d1[k] + d2[k];
    o2[k] = d2[k] - d1[k];
    o3[k] = d1[k] - d3[k];
  }
}

/* B, its adjoint: d = (v0, v1 - v2 + v3, v1 + v2 - v0, -v3). */
static inline void
transform_b (fer_real *restrict d0, fer_real *restrict d1, fer_real *restrict d2,
    fer_real *restrict d3, const fer_real *restrict v0, const fer_real *restrict v1,
    const fer_real *restrict v2, const fer_real *restrict v3, int n)
{
  for (int k = 0; k < n; k++) {
    d0[k] = v0[k];
    d1[k] = v1[k] - v2[k] + v3[k];
    d2[k] = v1[k] + v2[k] - v0[k];
    d3[k] = -v3[k];
  }
}

/* A^T: y = (m0 + m1 + m2, m1 - m2 - m3). */
static inline void
transform_a_t (fer_real *restrict y0, fer_real *restrict y1, const fer_real *restrict m0,
    const fer_real *restrict m1, const fer_real *restrict m2, const fer_real *restrict m3, int n)
{
  for (int k = 0; k < n; k++) {
    y0[k] = m0[k] + m1[k] + m2[k];
    y1[k] = m1[k] - m2[k] - m3[k];
  }
}

/* A, its adjoint: m = (e0, e0 + e1, e0 - e1, -e1). */
static inline void
transform_a (fer_real *restrict m0, fer_real *restrict m1, fer_real *restrict m2,
    fer_real *restrict m3, const fer_real *restrict e0, const fer_real *restrict e1, int n)
{
  for (int k = 0; k < n; k++) {
    m0[k] = e0[k];
    m1[k] = e0[k] + e1[k];
    m2[k] = e0[k] - e1[k];
    m3[k] = -e1[k];
  }
}

/* even[k] = line[2k] (k < (width + 1) / 2), odd[k] = line[2k + 1] (k < width / 2). */
static inline void
split_halves (fer_real *restrict even, fer_real *restrict odd, const fer_real *restrict line,
    int width)
{
  for (int k = 0; k < width / 2; k++) {
    even[k] = line[2 * k];
    odd[k] = line[2 * k + 1];
  }
  if (width % 2)
    even[width / 2] = line[width - 1];
}

/* An input row x (width wide, tx tiles) as the padded p[j] = x[j - 1] in halves:
 * pe[k] = p[2k] = x[2k - 1], po[k] = p[2k + 1] = x[2k] for k <= tx, zero outside x.  (Only the
 * ends cleared, not the lines: a call of memset per row cost 3 % of the detector-sized
 * network's training step.) */
static inline void
row_halves (fer_real *restrict pe, fer_real *restrict po, const fer_real *restrict x, int width,
    int tx)
{
  split_halves (po, pe + 1, x, width);
  pe[0] = 0;
  if (width % 2)
    pe[tx] = 0;
  po[tx] = 0;
}

/* The line of the i-th input row's values (i * 4 + b) in a pass's line buffers. */
static inline fer_real *
line_of (fer_real *lines, size_t line, int i, int b)
{
  return lines + (size_t) (i * 4 + b) * line;
}

/* The transformed tiles' line of point p, channel c (of channels), from column at. */
static inline fer_real *
points_of (fer_real *tiles, size_t ld, int p, int c, int channels, size_t at)
{
  return tiles + ((size_t) p * channels + c) * ld + at;
}

/* v[16][C][ld] (columns from 0) = B^T d B for the tiles of tile rows ty0..ty1-1 of one image
 * (image: its channel 0). */
CLONES static void
transform_inputs (fer_real *v, size_t ld, fer_real *lines, const fer_real *image,
    FerImageStrides strides, int channels, const Tiling *t, int ty0, int ty1, int height,
    int width)
{
  const int tx = t->tiles_x;
  const size_t line = tx + 1;
  /* An input row as p[j] = x[j - 1]: pe[k] = p[2k] = x[2k - 1], po[k] = p[2k + 1] = x[2k]. */
  fer_real *pe = line_of (lines, line, 4, 0), *po = pe + line;
  for (int c = 0; c < channels; c++) {
    const fer_real *plane = image + c * strides.channel;
    for (int ty = ty0; ty < ty1; ty++) {
      /* Along each input row: tile k's columns are pe[k], po[k], pe[k + 1], po[k + 1].  Row y's
       * values go to group (y + 1) mod 4 of lines: a tile row's last two input rows are the
       * next one's first two, done once. */
      for (int i = ty > ty0 ? 2 : 0; i < 4; i++) {
        const int y = 2 * ty - 1 + i, group = (y + 1) % 4;
        if (y >= 0 && y < height)
          row_halves (pe, po, plane + (size_t) y * width, width, tx);
        else
          memset (pe, 0, 2 * line * sizeof *pe);
        transform_b_t (line_of (lines, line, group, 0), line_of (lines, line, group, 1),
            line_of (lines, line, group, 2), line_of (lines, line, group, 3), pe, po, pe + 1,
            po + 1, tx);
      }
      /* Down the columns: input rows 2 ty - 1 + i are groups (2 ty + i) mod 4. */
      const size_t at = (size_t) (ty - ty0) * tx;
      const int g = 2 * ty % 4;
      for (int b = 0; b < 4; b++)
        transform_b_t (points_of (v, ld, b, c, channels, at),
            points_of (v, ld, 4 + b, c, channels, at), points_of (v, ld, 8 + b, c, channels, at),
            points_of (v, ld, 12 + b, c, channels, at), line_of (lines, line, g, b),
            line_of (lines, line, (g + 1) % 4, b), line_of (lines, line, (g + 2) % 4, b),
            line_of (lines, line, (g + 3) % 4, b), tx);
    }
  }
}

/* Output rows of tile rows ty0..ty1-1 of one image (image: its channel 0, channels
 * channel_stride apart) = A^T m A (+ bias), m[16][OC][ld]. */
CLONES static void
transform_outputs (fer_real *image, size_t channel_stride, fer_real *m, size_t ld,
    fer_real *lines, int out_channels, const fer_real *bias, const Tiling *t, int ty0, int ty1,
    int height, int width)
{
  const int tx = t->tiles_x;
  const size_t line = tx + 1;
  fer_real *y0 = line_of (lines, line, 2, 0), *y1 = y0 + line;
  for (int oc = 0; oc < out_channels; oc++)
    for (int ty = ty0; ty < ty1; ty++) {
      /* Down the columns: output row i's values in lines (i, b). */
      const size_t at = (size_t) (ty - ty0) * tx;
      for (int b = 0; b < 4; b++)
        transform_a_t (line_of (lines, line, 0, b), line_of (lines, line, 1, b),
            points_of (m, ld, b, oc, out_channels, at),
            points_of (m, ld, 4 + b, oc, out_channels, at),
            points_of (m, ld, 8 + b, oc, out_channels, at),
            points_of (m, ld, 12 + b, oc, out_channels, at), tx);
      /* Along the rows: tile k's outputs are y0[k], y1[k]. */
      const fer_real offset = bias ? bias[oc] : 0;
      for (int i = 0; i < 2 && 2 * ty + i < height; i++) {
        transform_a_t (y0, y1, line_of (lines, line, i, 0), line_of (lines, line, i, 1),
            line_of (lines, line, i, 2), line_of (lines, line, i, 3), tx);
        /* Straight into the output row (a copy through a line buffer cost 2 % of the
         * detector-sized network's training step): tile k's outputs are columns 2k, 2k + 1,
         * the last tile's second past the edge of an odd width. */
        fer_real *restrict row = image + oc * channel_stride + (size_t) (2 * ty + i) * width;
        for (int k = 0; k < width / 2; k++) {
          row[2 * k] = y0[k] + offset;
          row[2 * k + 1] = y1[k] + offset;
        }
        if (width % 2)
          row[width - 1] = y0[width / 2] + offset;
      }
    }
}

/* dm[16][OC][ld] = A dy A^T for the tiles of tile rows ty0..ty1-1 of image n's output
 * gradient (zero past its edges): rows of dout ([OC][batch][H][W]) or, with dout_bn, made
 * from the batchnorm's input gradient row by row. */
CLONES static void
transform_output_gradients (fer_real *dm, size_t ld, fer_real *lines, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn, int n, size_t positions,
    int out_channels, const Tiling *t, int ty0, int ty1, int height, int width)
{
  const int tx = t->tiles_x;
  const size_t line = tx + 1;
  fer_real *ye = line_of (lines, line, 2, 0), *yo = ye + line;
  fer_real *made = yo + line;   /* two lines: a row of width <= 2 * tiles_x */
  for (int oc = 0; oc < out_channels; oc++)
    for (int ty = ty0; ty < ty1; ty++) {
      /* Along each output row: tile k's gradients are ye[k], yo[k]. */
      for (int i = 0; i < 2; i++) {
        const int y = 2 * ty + i;
        const size_t at = (size_t) (n * height + y) * width;
        if (y >= height)
          memset (ye, 0, 2 * line * sizeof *ye);
        else if (dout_bn != NULL) {
          FER_FN (fer_batchnorm_input_gradient_span) (made, TRUE, dout_bn, oc, at, width);
          split_halves (ye, yo, made, width);
        } else
          split_halves (ye, yo, dout + oc * positions + at, width);
        if (y < height && width % 2)
          yo[tx - 1] = 0;   /* (past the edge; ye, yo's tx values otherwise all written) */
        transform_a (line_of (lines, line, i, 0), line_of (lines, line, i, 1),
            line_of (lines, line, i, 2), line_of (lines, line, i, 3), ye, yo, tx);
      }
      /* Down the columns. */
      const size_t at = (size_t) (ty - ty0) * tx;
      for (int b = 0; b < 4; b++)
        transform_a (points_of (dm, ld, b, oc, out_channels, at),
            points_of (dm, ld, 4 + b, oc, out_channels, at),
            points_of (dm, ld, 8 + b, oc, out_channels, at),
            points_of (dm, ld, 12 + b, oc, out_channels, at), line_of (lines, line, 0, b),
            line_of (lines, line, 1, b), tx);
    }
}

/* One image's input gradient (image: its channel 0) += B dv B^T of the tiles of tile rows
 * ty0..ty1-1, dv[16][C][ld]: the adjoint of transform_inputs, tiles overlapping by two rows and
 * two columns added up. */
CLONES static void
add_input_gradients (fer_real *image, FerImageStrides strides, fer_real *dv, size_t ld,
    fer_real *lines, int channels, const Tiling *t, int ty0, int ty1, int height, int width)
{
  const int tx = t->tiles_x;
  const size_t line = tx + 1;
  fer_real *c0 = line_of (lines, line, 4, 0), *c1 = c0 + line, *c2 = c1 + line, *c3 = c2 + line;
  fer_real *ge = c3 + line, *go = ge + line;
  for (int c = 0; c < channels; c++) {
    fer_real *plane = image + c * strides.channel;
    for (int ty = ty0; ty < ty1; ty++) {
      /* Up the columns: input row i's values in lines (i, b). */
      const size_t at = (size_t) (ty - ty0) * tx;
      for (int b = 0; b < 4; b++)
        transform_b (line_of (lines, line, 0, b), line_of (lines, line, 1, b),
            line_of (lines, line, 2, b), line_of (lines, line, 3, b),
            points_of (dv, ld, b, c, channels, at), points_of (dv, ld, 4 + b, c, channels, at),
            points_of (dv, ld, 8 + b, c, channels, at),
            points_of (dv, ld, 12 + b, c, channels, at), tx);
      /* Along each input row: tile k's columns p[2k..2k+3] get c0..c3[k], so
       * pe[k] = c0[k] + c2[k - 1], po[k] = c1[k] + c3[k - 1]; p[j] is x[j - 1]. */
      for (int i = 0; i < 4; i++) {
        const int y = 2 * ty - 1 + i;
        if (y < 0 || y >= height)
          continue;
        transform_b (c0, c1, c2, c3, line_of (lines, line, i, 0), line_of (lines, line, i, 1),
            line_of (lines, line, i, 2), line_of (lines, line, i, 3), tx);
        ge[0] = c0[0];
        go[0] = c1[0];
        for (int k = 1; k < tx; k++) {
          ge[k] = c0[k] + c2[k - 1];
          go[k] = c1[k] + c3[k - 1];
        }
        ge[tx] = c2[tx - 1];   /* (go[tx], x[2 tx], is past the image) */
        fer_real *restrict dx = plane + (size_t) y * width;
        for (int k = 0; k < width / 2; k++) {
          dx[2 * k] += go[k];
          dx[2 * k + 1] += ge[k + 1];
        }
        if (width % 2)
          dx[width - 1] += go[width / 2];
      }
    }
  }
}

void
FER_FN (fer_conv2d_winograd_forward) (fer_real *out, fer_real *scratch, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width)
{
  const Tiling t = tiling_of (conv, height, width);
  const int channels = conv->in_channels, out_channels = conv->out_channels;
  const size_t per_image = (size_t) height * width, positions = batch * per_image;
  fer_real *u = scratch, *slots = scratch + weights_size (conv);
  const size_t slot = forward_slot (conv, &t);
  transform_weights (u, weight, conv);

  const int tasks = batch * t.bands;
  FER_PARALLEL_FOR ((size_t) 9 * channels * positions)
  for (int task = 0; task < tasks; task++) {
    const int n = task / t.bands, ty0 = task % t.bands * t.band_rows;
    const int ty1 = MIN (ty0 + t.band_rows, t.tiles_y), count = (ty1 - ty0) * t.tiles_x;
    fer_real *v = slots + omp_get_thread_num () * slot;
    fer_real *m = v + (size_t) POINTS * channels * t.band_tiles;
    fer_real *lines = m + (size_t) POINTS * out_channels * t.band_tiles;
    transform_inputs (v, t.band_tiles, lines, in + n * in_strides.image, in_strides, channels,
        &t, ty0, ty1, height, width);
    /* m[p][OC][count] = u[p][OC][C] . v[p][C][count], for each of the 16 points. */
    for (int p = 0; p < POINTS; p++)
      fer_gemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, out_channels, count, channels, 1,
          u + (size_t) p * out_channels * channels, channels,
          v + (size_t) p * channels * t.band_tiles, t.band_tiles, 0,
          m + (size_t) p * out_channels * t.band_tiles, t.band_tiles);
    transform_outputs (out + n * per_image, positions, m, t.band_tiles, lines, out_channels,
        bias, &t, ty0, ty1, height, width);
  }
}

void
FER_FN (fer_conv2d_winograd_backward) (fer_real *din, gboolean assign_din,
    fer_real *dweight, fer_real *dbias,
    fer_real *scratch, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn, const fer_real *in,
    const fer_real *weight, FerImageStrides in_strides, const FerConv2d *conv, int batch,
    int height, int width)
{
  g_return_if_fail (dout_bn == NULL || dbias == NULL);
  const Tiling t = tiling_of (conv, height, width);
  const int channels = conv->in_channels, out_channels = conv->out_channels;
  const size_t per_image = (size_t) height * width, positions = batch * per_image;
  const size_t weights = weights_size (conv);
  fer_real *u = scratch, *image_du = scratch + weights;   /* image_du: [batch][16][OC][C] */
  fer_real *slots = image_du + batch * weights;
  const size_t slot = backward_slot (conv, &t);
  transform_weights (u, weight, conv);

  if (dbias)
    FER_FN (fer_conv2d_bias_backward) (dbias, dout, out_channels, positions);

  /* An image per task, its bands in order (their tiles' input gradients overlap). */
  FER_PARALLEL_FOR ((size_t) 27 * channels * positions)
  for (int n = 0; n < batch; n++) {
    fer_real *v = slots + omp_get_thread_num () * slot;
    fer_real *dm = v + (size_t) POINTS * channels * t.band_tiles;
    fer_real *dv = dm + (size_t) POINTS * out_channels * t.band_tiles;
    fer_real *lines = dv + (size_t) POINTS * channels * t.band_tiles;
    fer_real *du = image_du + n * weights;
    if (din != NULL && assign_din)
      FER_FN (fer_zero_image) (din + n * in_strides.image, in_strides, channels, per_image);
    for (int ty0 = 0; ty0 < t.tiles_y; ty0 += t.band_rows) {
      const int ty1 = MIN (ty0 + t.band_rows, t.tiles_y), count = (ty1 - ty0) * t.tiles_x;
      transform_inputs (v, t.band_tiles, lines, in + n * in_strides.image, in_strides,
          channels, &t, ty0, ty1, height, width);
      transform_output_gradients (dm, t.band_tiles, lines, dout, dout_bn, n, positions,
          out_channels, &t, ty0, ty1, height, width);
      for (int p = 0; p < POINTS; p++) {
        const fer_real *dm_p = dm + (size_t) p * out_channels * t.band_tiles;
        /* du[p][OC][C] (=, then +=) dm[p][OC][count] . v[p][C][count]^T */
        fer_gemm (CblasRowMajor, CblasNoTrans, CblasTrans, out_channels, channels, count, 1,
            dm_p, t.band_tiles, v + (size_t) p * channels * t.band_tiles, t.band_tiles,
            ty0 > 0 ? 1 : 0, du + (size_t) p * out_channels * channels, channels);
        /* dv[p][C][count] = u[p][OC][C]^T . dm[p][OC][count] */
        if (din != NULL)
          fer_gemm (CblasRowMajor, CblasTrans, CblasNoTrans, channels, count, out_channels, 1,
              u + (size_t) p * out_channels * channels, channels, dm_p, t.band_tiles, 0,
              dv + (size_t) p * channels * t.band_tiles, t.band_tiles);
      }
      if (din != NULL)
        add_input_gradients (din + n * in_strides.image, in_strides, dv, t.band_tiles, lines,
            channels, &t, ty0, ty1, height, width);
    }
  }

  /* The images' shares in image order, then back through G. */
  FER_FN (fer_sum_image_shares) (image_du, batch, weights);
  add_weight_gradient (dweight, image_du, conv);
}
