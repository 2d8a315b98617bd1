/* fer-real.h: the scalar type of the numeric code.
 *
 * Layers, simpleconv3 and SGD are written once against `fer_real` and compiled twice: as float for
 * the product (libfer-engine) and, with FER_REAL_DOUBLE defined, as double for the gradient checks,
 * whose central differences need double precision to say anything.  FER_FN() gives the double build
 * its own symbol names (fer_conv2d_forward_f64, FerSimpleConv3_f64, ...) so both can coexist.
 * A translation unit includes the engine headers in one precision only. */
#ifndef FER_REAL_H
#define FER_REAL_H

#include <cblas.h>

#ifdef FER_REAL_DOUBLE
typedef double fer_real;
#define FER_FN(name) name##_f64
#define fer_gemm cblas_dgemm
#define fer_gemv cblas_dgemv
#define fer_sqrt sqrt
#else
typedef float fer_real;
#define FER_FN(name) name
#define fer_gemm cblas_sgemm
#define fer_gemv cblas_sgemv
#define fer_sqrt sqrtf
#endif

#endif /* FER_REAL_H */
