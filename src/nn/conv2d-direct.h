/* conv2d-direct.h: stride-1 convolutions computed directly, without im2col's copies and without
 * a GEMM: what fer_conv2d_forward and fer_conv2d_backward use when it applies (seed 004's
 * residual blocks: 3x3, stride 1, padding 1, 4 to 32 channels).  Layouts as in conv2d.h: the
 * input through its strides, outputs and their gradients [OC][N][OH][OW], weights
 * [OC][C][k][k]. */
#ifndef FER_CONV2D_DIRECT_H
#define FER_CONV2D_DIRECT_H

#include <glib.h>
#include "nn/conv2d.h"

/* Output rows are accumulated on the stack: at most this wide. */
#define FER_CONV2D_DIRECT_MAX_WIDTH 1024

/* Backward, beyond C x k x k = 72 (8 channels of 3x3) the GEMMs of the im2col path win:
 * measured with tests/bench/bench-seed004.sh, MyModel's 4 and 8 channels run 1.5x faster
 * direct, the detector's 16 and 32 twice as slow (its weight gradient is a dot product per
 * weight). */
#define FER_CONV2D_DIRECT_MAX_PATCH 72
/* Forward, up to this many when the output channels come in blocks of 4 or 8 (conv2d-direct.c's
 * registers path) and the padded input rows of an output row fit its buffer: the detector's
 * 16- and 32-channel layers run a third faster direct than through im2col and OpenBLAS.  (The
 * network driver now sends those layers by bands instead, faster again: conv2d-bands.h; this
 * path serves maps too small for a band per thread.) */
#define FER_CONV2D_DIRECT_MAX_REGISTERS_PATCH 576

/* The forward pass can go direct: stride 1, padding below the kernel size, rows (in and out)
 * at most the width above, and either at most FER_CONV2D_DIRECT_MAX_PATCH inputs per output
 * (and as many output channels) or the registers path's conditions above. */
gboolean FER_FN (fer_conv2d_direct_applies) (const FerConv2d *conv, int width);

/* The backward pass can go direct: as above with at most FER_CONV2D_DIRECT_MAX_PATCH inputs
 * per output (and as many output channels), and a kernel larger than 1x1.  A layer whose
 * forward goes direct and backward does not needs im2col's columns made in the backward pass.
 * (1x1 kernels: the direct weight gradient is a dot product over every position per weight,
 * and a 1x1 layer's columns are its input: the detector's heads, 32 -> 4 and 8 channels at
 * 20x15, took 4x their forward time backward; through the GEMMs, alternating builds, 4 rounds
 * of tests/bench/fer-bench-seed004 --layers: 210-230 + 430-480 us -> 72-80 + 123-133 us and
 * 230-245 + 940-1040 -> 69-77 + 209-229 us per step at batch 16, the step ~2 % faster.) */
gboolean FER_FN (fer_conv2d_direct_backward_applies) (const FerConv2d *conv, int width);

/* out = conv (in) + bias (NULL: none), through epilogue (NULL: none) as it is written. */
void FER_FN (fer_conv2d_direct_forward) (fer_real *out, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConvEpilogue *epilogue, const FerConv2d *conv, int batch, int height, int width);

/* dweight += the weights' gradient; din (NULL: not wanted, laid out as in) += the input's. */
void FER_FN (fer_conv2d_direct_backward) (fer_real *din, fer_real *dweight, const fer_real *dout,
    const fer_real *in, FerImageStrides in_strides, const fer_real *weight,
    const FerConv2d *conv, int batch, int height, int width);

#endif /* FER_CONV2D_DIRECT_H */
