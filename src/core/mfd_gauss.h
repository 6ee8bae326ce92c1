/* mfd_gauss.h — standard normal arrays regenerated from counters, the same
 * bits on every CPU: the entries of the Gaussian sensing operators.
 *
 * Entry e (e = 0, 1, ...) of row `row` under (seed, stream) is a standard
 * normal g_e drawn by Box-Muller from one Philox4x32-10 block:
 *
 *   block b = 8⌊e/16⌋ + (e mod 8); entries e mod 16 < 8 take the cosine half,
 *   the others the sine half (entry 16j + i and 16j + 8 + i share block 8j + i);
 *   (x0, x1, x2, x3) = Philox4x32-10(counter (b, row mod 2^32, row / 2^32, stream),
 *                                    key (seed mod 2^32, seed / 2^32));
 *   u  = ((x0 mod 2^20)·2^32 + x1 + ½) / 2^52                in (0, 1);
 *   q  = x2 / 2^30 (its top two bits),  t = ((x2 mod 2^20)·2^32 + x3) / 2^52 − ½   in [−½, ½);
 *   θ  = (π/2)(q + t),   g = √(−2 ln u)·cos θ  or  √(−2 ln u)·sin θ.
 *
 * ln, sin and cos are evaluated by fixed sequences of IEEE-754 double
 * operations (+, −, ×, ÷, √, correctly rounded; no fused multiply-add): the
 * algorithms of fdlibm's e_log.c, k_sin.c and k_cos.c, with sin θ, cos θ
 * from sin x, cos x at x = (π/2)t by the quadrant q.  Every path below (plain
 * C, AVX2, AVX-512) performs the same operations on the same values, so
 * entries are bitwise equal whatever the CPU, and any IEEE-754 implementation
 * of the same sequence (NumPy included) reproduces them.  |g| ≤ 8.6 (u ≥ 2^-53),
 * never NaN or infinite.
 *
 * The sums are fixed too: mfd_gauss_dot adds entry e into partial sum e mod 16
 * (a product, then a sum: no fused multiply-add) and joins the 16 sums by
 * halves (s_i + s_{i+8}, then + s_{i+4}, + s_{i+2}, + s_{i+1}), so it also
 * gives the same bits on every path.
 *
 * Rows hold at most MFD_GAUSS_MAX_ENTRIES entries (the block index is 32
 * bits); callers check this once (mfd_sensop does at construction). */
#ifndef MFD_GAUSS_H
#define MFD_GAUSS_H

#include <stddef.h>
#include <stdint.h>

#include "mfd_status.h"

#define MFD_GAUSS_MAX_ENTRIES ((uint64_t)1 << 33)

/* Which kernels run: "auto" (the default: AVX-512 where the CPU has
 * AVX-512F, else AVX2, else plain C), or one of "avx512", "avx2", "plain"
 * forced.  An unknown name is MFD_EINVAL, a path this CPU (or this build)
 * lacks MFD_EUNSUPPORTED; either leaves the path as it was.  All give the
 * same bits; the choice exists so that tests can run each one.  Call before
 * any draw (a program reads it from the environment variable
 * MFD_GAUSS_KERNELS). */
mfd_status mfd_gauss_set_path(const char *name);

/* The path draws take: "avx512", "avx2" or "plain". */
const char *mfd_gauss_path(void);

/* x[e] = scale·g_e for e < n. */
void mfd_gauss_fill(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double scale, double *x);

/* Σ_{e<n} g_e·x[e], summed in the fixed order above; nothing is stored. */
double mfd_gauss_dot(uint64_t seed, uint32_t stream, uint64_t row, size_t n, const double *x);

/* z[e] += alpha·g_e for e < n (the product alpha·g_e, then the sum). */
void mfd_gauss_axpy(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double alpha, double *z);

/* The Box-Muller half alone, on given Philox outputs: block i's words
 * w[4i .. 4i+3] = (x0, x1, x2, x3) give g[2i] (cosine) and g[2i+1] (sine),
 * i < nblocks, on the current path.  For tests of the transform at its edges
 * (u at its smallest and largest, every quadrant) and of the paths' equality. */
void mfd_gauss_transform(const uint32_t *w, size_t nblocks, double *g);

#endif
