/* mfd_gauss_impl.h — what the three paths of the Gaussian generator share
 * (mfd_gauss.c: plain C and the choice of path; mfd_gauss_avx2.c,
 * mfd_gauss_avx512.c: the vector paths).  Internal to the library; every file
 * that includes it is compiled with -ffp-contract=off. */
#ifndef MFD_GAUSS_IMPL_H
#define MFD_GAUSS_IMPL_H

#include <Random123/philox.h>
#include <stddef.h>
#include <stdint.h>

/* ---- constants shared by every path --------------------------------------- */

static const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
                    LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
                    LG7 = 1.479819860511658591e-01;
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                    S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                    C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
static const double PIO2 = 1.57079632679489661923;
/* 1 − 2^-53: (1 + K/2^52) − (1 − 2^-53) = (K + ½)/2^52 exactly. */
static const double U_SHIFT = 0x1.fffffffffffffp-1;
/* 2^52 + 1023: the bits 0x4330000000000000 | e are the double 2^52 + e. */
static const double EXP_SHIFT = 0x1.00000000003ffp+52;

#define MANT_BITS 0x000FFFFFFFFFFFFFull /* a double's 52 fraction bits */
#define ONE_BITS 0x3FF0000000000000ull  /* 1.0: a fraction below it gives [1, 2) */
#define LO32_BITS 0x00000000FFFFFFFFull
#define SIGN_BITS 0x8000000000000000ull
#define BIG_BITS 0x4330000000000000ull /* 2^52 */
/* ln's reduction (musl's form of fdlibm's): adding LOG_SHIFT carries into the
 * exponent exactly when the fraction is at or above √2's, after which
 * (bits & MANT) + LOG_BASE is m ∈ [√2/2, √2) and the exponent field is k + 1023. */
#define LOG_SHIFT 0x00095F6200000000ull
#define LOG_BASE 0x3FE6A09E00000000ull

#define BLOCKS 8           /* Philox blocks per group */
#define GROUP (2 * BLOCKS) /* entries per group */

/* A row's Philox key schedule and the counter words that do not change
 * along it, each 32-bit value in a 64-bit word: the vector paths broadcast
 * them from memory into 64-bit lanes. */
typedef struct gauss_row {
    uint64_t key[10][2]; /* the key of each of the 10 rounds */
    uint64_t c1, c2, c3; /* row mod 2^32, row / 2^32, stream */
} gauss_row;


/* The 16 partial sums of a dot product joined by halves (every path). */
double mfd_gauss_join16(const double s[GROUP]);

#include "mfd_simd.h"

#ifdef MFD_SIMD_X86
#include <immintrin.h>
#define MFD_INLINE __attribute__((always_inline)) inline
#define MFD_AVX2 __attribute__((target("avx2")))
#define MFD_AVX512 __attribute__((target("avx512f")))

/* A lane holds one block, each 32-bit counter word in the low half of a
 * 64-bit lane (vpmuludq multiplies those halves).  The high halves may hold
 * garbage between rounds: the products read only low halves and xor keeps
 * the halves apart; the words are joined into 64-bit values at the end.
 *
 * The vector paths work on NV registers at once, each operation applied to
 * all NV before the next: one register's chain of dependent operations is
 * long (ten rounds of products, a division, a square root, two polynomials),
 * and the CPU overlaps independent chains only when they sit side by side in
 * the instruction stream (NV = 4 runs 1.8× faster than NV = 1 with AVX-512
 * here).  The batch types below hold the NV registers; their operations read
 * like the plain C of transform_plain, line for line. */


/* The vector paths, one entry point per operation (mfd_gauss.h's fill, dot,
 * axpy and transform). */
MFD_AVX2 void mfd_gauss_fill_avx2(const gauss_row *r, size_t n, double scale, double *x);
MFD_AVX2 double mfd_gauss_dot_avx2(const gauss_row *r, size_t n, const double *x);
MFD_AVX2 void mfd_gauss_axpy_avx2(const gauss_row *r, size_t n, double alpha, double *z);
MFD_AVX2 void mfd_gauss_transform_avx2(const uint32_t *w, size_t nblocks, double *g);
MFD_AVX512 void mfd_gauss_fill_avx512(const gauss_row *r, size_t n, double scale, double *x);
MFD_AVX512 double mfd_gauss_dot_avx512(const gauss_row *r, size_t n, const double *x);
MFD_AVX512 void mfd_gauss_axpy_avx512(const gauss_row *r, size_t n, double alpha, double *z);
MFD_AVX512 void mfd_gauss_transform_avx512(const uint32_t *w, size_t nblocks, double *g);
#endif

#endif
