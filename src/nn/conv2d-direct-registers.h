/* conv2d-direct-registers.h: the direct path's output rows at one vector width, for
 * conv2d-direct.c, which includes it once per width with REGISTERS_BYTES (the vectors' size),
 * REGISTERS_FN (name) (the functions' names at that width) and REGISTERS_TARGET (their target
 * attribute) defined, after row_block_rows, padded_rows, padded_span and OC_BLOCK.  Not a header
 * of its own: no include guard. */

typedef fer_real REGISTERS_FN (Vector) __attribute__ ((vector_size (REGISTERS_BYTES)));

/* Registers path: the sums of output row y of image n for a block of OCS (a constant: the sums
 * stay in registers) channels, from the padded rows, written (or added: accumulate). */
static inline __attribute__ ((always_inline)) void
REGISTERS_FN (row_block_registers) (fer_real *out, FerImageStrides out_strides,
    gboolean accumulate, const fer_real *rows, int span, const fer_real *weight,
    const fer_real *bias, const FerConv2d *conv, int n, int oc0, const int OCS, int y, int ow)
{
  enum { LANES = REGISTERS_BYTES / sizeof (fer_real) };
  const int k = conv->kernel, c_in = conv->in_channels;
  const size_t per_channel = (size_t) c_in * k * k;
  for (int x0 = 0; x0 < ow; x0 += LANES) {
    REGISTERS_FN (Vector) acc[OC_BLOCK];
    for (int o = 0; o < OCS; o++) {
      const fer_real b = bias ? bias[oc0 + o] : 0;
      for (int lane = 0; lane < LANES; lane++)
        acc[o][lane] = b;
    }
    const fer_real *w = weight + (size_t) oc0 * per_channel;
    for (int ic = 0; ic < c_in; ic++)
      for (int ky = 0; ky < k; ky++) {
        const fer_real *src = rows + (size_t) (ic * k + ky) * span + x0;
        for (int kx = 0; kx < k; kx++, w++) {
          REGISTERS_FN (Vector) v;
          memcpy (&v, src + kx, sizeof v);
          for (int o = 0; o < OCS; o++)
            acc[o] += w[o * per_channel] * v;
        }
      }
    const int lanes = MIN (LANES, ow - x0);
    for (int o = 0; o < OCS; o++) {
      fer_real *dst = out + (oc0 + o) * out_strides.channel + n * out_strides.image
          + (size_t) y * ow + x0;
      if (lanes == LANES) {   /* a whole vector: one load and one store, not a copy loop */
        REGISTERS_FN (Vector) sums = acc[o];
        if (accumulate) {
          REGISTERS_FN (Vector) had;
          memcpy (&had, dst, sizeof had);
          sums += had;
        }
        memcpy (dst, &sums, sizeof sums);
      } else
        for (int lane = 0; lane < lanes; lane++)
          dst[lane] = accumulate ? dst[lane] + acc[o][lane] : acc[o][lane];
    }
  }
}

/* The sums of output row y of image n, every block of output channels (no epilogue); the
 * padded input rows of the registers path are made once for all the blocks. */
REGISTERS_TARGET static void
REGISTERS_FN (output_row_sums) (fer_real *out, FerImageStrides out_strides, gboolean accumulate,
    const fer_real *in, FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int n, int y, int height, int width)
{
  const int ow = width + 2 * conv->padding - conv->kernel + 1, span = padded_span (conv, ow);
  const gboolean fits = (size_t) conv->in_channels * conv->kernel * span <= PADDED_MAX;
  fer_real rows[PADDED_MAX];
  if (fits)
    padded_rows (rows, in, in_strides, conv, n, y, height, width, span);
  for (int oc0 = 0; oc0 < conv->out_channels; oc0 += OC_BLOCK) {
    const int ocs = MIN (OC_BLOCK, conv->out_channels - oc0);
    if (fits && ocs == 8)
      REGISTERS_FN (row_block_registers) (out, out_strides, accumulate, rows, span, weight,
          bias, conv, n, oc0, 8, y, ow);
    else if (fits && ocs == 4)
      REGISTERS_FN (row_block_registers) (out, out_strides, accumulate, rows, span, weight,
          bias, conv, n, oc0, 4, y, ow);
    else
      row_block_rows (out, out_strides, accumulate, in, in_strides, weight, bias, conv, n, oc0,
          ocs, y, height, width);
  }
}
