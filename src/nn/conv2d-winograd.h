/* conv2d-winograd.h: 3x3 stride-1 convolutions with padding 1 by Winograd's minimal filtering
 * F(2x2, 3x3), forward and backward, for training (the detector's 16- and 32-channel layers in
 * seed 004's residual blocks).
 *
 * Each 2x2 block of outputs (a tile) is computed from its 4x4 block of inputs as
 * A^T [(G g G^T) . (B^T d B)] A: the products per tile are 16 per (input, output channel) pair
 * instead of 36, and the 16 positions of the transformed tiles are 16 small GEMMs
 * (U[OC][C] x V[C][tiles]), 2.25x fewer multiply-adds than im2col's GEMM and columns 16/9 of
 * the output's size per channel instead of 9x.  The backward pass is the exact adjoint of that
 * forward pass: dV = U^T (A dY A^T), the input's gradient B dV B^T added back over the
 * overlapping tiles, dU = (A dY A^T) V^T and the weight's gradient G^T dU G.  (The results
 * differ from im2col's by rounding: the transforms add and subtract neighbouring inputs.)
 *
 * Work goes by bands of tile rows of one image whose transformed tiles stay in cache, as
 * conv2d-bands.h does for columns; the backward pass gives each image to one thread (tiles of
 * neighbouring bands write the same input rows) and sums the images' weight gradients in image
 * order: the same sums whatever the number of threads.  Layouts as in conv2d.h. */
#ifndef FER_CONV2D_WINOGRAD_H
#define FER_CONV2D_WINOGRAD_H

#include <glib.h>
#include "nn/batchnorm.h"
#include "nn/conv2d.h"

/* Transformed tiles of one band (inputs, outputs or their gradients): about this many bytes,
 * three quarters of a core's L2 cache here (1 MB).  Larger bands make the 16 GEMMs less thin:
 * the detector-sized net's step at batch 16, alternating builds, 3 rounds each (ms): 192 KB
 * 67-71, 384 KB 60-68, 768 KB 59-70, 1.5 MB 53-61, 4 MB 64-67 (the machine noisy). */
#define FER_CONV2D_WINOGRAD_BAND_BYTES (768 * 1024)
/* Both passes can go by Winograd tiles for batch images on threads threads with a scratch
 * buffer of scratch elements (each pass's own; the network's columns' buffers): a 3x3 kernel,
 * stride 1, padding 1, at least as many images as threads. */
gboolean FER_FN (fer_conv2d_winograd_applies) (const FerConv2d *conv, int batch, int threads,
    int height, int width, size_t scratch);

/* out[OC][batch][H][W] = conv (in) + bias (NULL: none); scratch as above (nothing is kept). */
void FER_FN (fer_conv2d_winograd_forward) (fer_real *out, fer_real *scratch, const fer_real *in,
    FerImageStrides in_strides, const fer_real *weight, const fer_real *bias,
    const FerConv2d *conv, int batch, int height, int width);

/* Accumulates dweight, dbias (unless NULL) and, when din is not NULL, din (laid out as in;
 * assign_din: writes it, whatever it held).  The output gradient is dout or, when dout_bn is
 * not NULL (and dbias is NULL), the input gradient of the batchnorm that reads the output,
 * made row by row as it is read (dout is then not read). */
void FER_FN (fer_conv2d_winograd_backward) (fer_real *din, gboolean assign_din,
    fer_real *dweight, fer_real *dbias,
    fer_real *scratch, const fer_real *dout,
    const FER_FN (FerBatchnormInputGradient) *dout_bn, const fer_real *in,
    const fer_real *weight, FerImageStrides in_strides, const FerConv2d *conv, int batch,
    int height, int width);

#endif /* FER_CONV2D_WINOGRAD_H */
