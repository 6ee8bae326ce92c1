/* mfd_sensbatch_kern.h — the two halves of the batched normal map, one
 * template compiled once per SIMD width (as mfd_deepens_kern.h): before each
 * inclusion mfd_sensbatch.c defines
 *
 *   KERN(name)   the name with the width's suffix    KATTR  its target attribute
 *   V, VW        a vector of VW doubles (GCC's and clang's vector types), VW
 *                dividing LANES: a forward sum's LANES lanes are LANES / VW
 *                vectors, never wider than the registers the target has
 *   FWD_C1       operator columns per pass of the forward half for a lone problem
 *   FWD_C, FWD_R columns and problems (FWD_R ≤ RUNS) per pass for a group
 *   ADJ_ACC      vectors of Z entries in registers per pass of the adjoint
 *
 * and gets KERN(forward_cols), KERN(forward_tiles) and KERN(adjoint_cols).
 * The parameters only choose which sums are computed together (as many as
 * the registers hold); each lane of each sum adds the same products in the
 * same order (mfd_sensbatch.h), a product rounded before it is added, so
 * every width gives the same bits.  Included by mfd_sensbatch.c (and by its unit test,
 * which builds the eight-lane set without AVX-512 to check it on any CPU);
 * every file that includes it is compiled with -ffp-contract=off. */

#ifndef MFD_SENSBATCH_KERN_COMMON /* once, before the first width */
#define MFD_SENSBATCH_KERN_COMMON

#include <string.h>

#include "mfd_sensbatch.h"

#define LANES 8
#define RUNS 4       /* problems per pass at most */
#define FWD_CMAX 8   /* columns per pass at most */
#define ADJ_TILE 512 /* entries of Z per tile of the adjoint: 4 KB per problem, in L1 */
#define MFD_SB_INLINE __attribute__((always_inline)) inline

/* The eight-lane parameter set: mfd_sensbatch.c's AVX-512 path, and the
 * generic eight-lane build of its unit test, which checks it on any CPU. */
#define MFD_SB_W8_FWD_C1 8
#define MFD_SB_W8_FWD_C 4
#define MFD_SB_W8_FWD_R 4
#define MFD_SB_W8_ADJ_ACC 4

/* ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) of the lanes in s,
 * after the tail's entries a[l] x[l] went to lanes 0, 1, ... in order. */
static inline double reduce(double s[LANES], size_t tail, const double *a, const double *x)
{
    for (size_t l = 0; l < tail; l++)
        s[l] += a[l] * x[l];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}
#endif

#define HALVES (LANES / VW) /* vectors per eight lanes */

/* The arrays below are sized by LANES, RUNS and FWD_CMAX. */
_Static_assert(LANES % VW == 0, "VW must divide LANES");
_Static_assert(FWD_C1 >= 1 && FWD_C1 <= FWD_CMAX && FWD_C >= 1 && FWD_C <= FWD_CMAX,
               "FWD_C1 and FWD_C must lie in 1 .. FWD_CMAX");
_Static_assert(FWD_R >= 1 && FWD_R <= RUNS, "FWD_R must lie in 1 .. RUNS");
_Static_assert(ADJ_ACC >= 1, "ADJ_ACC must be at least 1");

#define VLOAD(v, p) memcpy(&(v), (p), sizeof(V))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(V))

/* out[c][j] = Σ_{n < len} a_c[n] x_j[n] for C columns and R problems, each
 * sum in its eight lanes (entry n in lane n mod 8, the tail's entries in
 * lanes 0, 1, … after the rest, the lanes joined by reduce()).  Each load of
 * a column serves R problems and each load of x_j the C columns.  Called
 * with constant C and R, so that the loops unroll and the C R HALVES sums
 * stay in registers. */
static KATTR MFD_SB_INLINE void KERN(dot)(size_t len, const double *const *a, const double *const *x, const size_t C,
                                          const size_t R, double out[][RUNS])
{
    V s[FWD_CMAX][RUNS][HALVES];
    for (size_t c = 0; c < C; c++)
        for (size_t j = 0; j < R; j++)
            for (size_t h = 0; h < HALVES; h++)
                s[c][j][h] = (V){0};
    size_t n = 0;
    for (; n + LANES <= len; n += LANES)
        for (size_t h = 0; h < HALVES; h++) {
            V xv[RUNS], av;
            for (size_t j = 0; j < R; j++)
                VLOAD(xv[j], x[j] + n + h * VW);
            for (size_t c = 0; c < C; c++) {
                VLOAD(av, a[c] + n + h * VW);
                for (size_t j = 0; j < R; j++)
                    s[c][j][h] += av * xv[j];
            }
        }
    size_t tail = len - n;
    double l[LANES];
    for (size_t c = 0; c < C; c++)
        for (size_t j = 0; j < R; j++) {
            for (size_t h = 0; h < HALVES; h++)
                VSTORE(l + h * VW, s[c][j][h]);
            out[c][j] = reduce(l, tail, a[c] + n, x[j] + n);
        }
}

/* KERN(dot) for R = 1 .. FWD_R problems (a constant C). */
static KATTR MFD_SB_INLINE void KERN(dot_r)(size_t len, const double *const *a, const double *const *x, const size_t C,
                                            size_t R, double out[][RUNS])
{
    switch (R) {
    case 1: KERN(dot)(len, a, x, C, 1, out); break;
    case 2: KERN(dot)(len, a, x, C, FWD_R < 2 ? FWD_R : 2, out); break;
    case 3: KERN(dot)(len, a, x, C, FWD_R < 3 ? FWD_R : 3, out); break;
    default: KERN(dot)(len, a, x, C, FWD_R < 4 ? FWD_R : 4, out); break;
    }
}

/* dst[i][d0 + c] += the tile's sums Σ_{n0 ≤ n < n0 + len} A_{k+c}[n] X_i[n]
 * for C columns (a constant) and every problem, FWD_R problems at a time. */
static KATTR MFD_SB_INLINE void KERN(forward_pass)(const double *A, size_t kbase, size_t N, size_t n0, size_t len,
                                                   size_t k, const size_t C, size_t g, const double *const *X,
                                                   double *const *dst, size_t d0)
{
    const double *ac[FWD_CMAX], *xj[RUNS];
    double p[FWD_CMAX][RUNS];
    for (size_t c = 0; c < C; c++)
        ac[c] = A + (k + c - kbase) * N + n0;
    for (size_t i = 0; i < g; i += FWD_R) {
        size_t R = g - i < FWD_R ? g - i : FWD_R;
        for (size_t j = 0; j < R; j++)
            xj[j] = X[i + j] + n0;
        KERN(dot_r)(len, ac, xj, C, R, p);
        for (size_t c = 0; c < C; c++)
            for (size_t j = 0; j < R; j++)
                dst[i + j][d0 + c] += p[c][j];
    }
}

/* dst[i][d0 + k − k0] += the sums of tile n0 (len entries) for columns
 * [k0, k1): as many columns per pass as the registers hold. */
static KATTR MFD_SB_INLINE void KERN(forward_tile)(const double *A, size_t kbase, size_t N, size_t n0, size_t len,
                                                   size_t k0, size_t k1, size_t g, const double *const *X,
                                                   double *const *dst, size_t d0)
{
    size_t k = k0;
    if (g == 1) /* a lone problem: FWD_C1 chains of additions in flight */
        for (; k + FWD_C1 <= k1; k += FWD_C1)
            KERN(forward_pass)(A, kbase, N, n0, len, k, FWD_C1, 1, X, dst, d0 + k - k0);
    for (; k + FWD_C <= k1; k += FWD_C)
        KERN(forward_pass)(A, kbase, N, n0, len, k, FWD_C, g, X, dst, d0 + k - k0);
    for (; k < k1; k++)
        KERN(forward_pass)(A, kbase, N, n0, len, k, 1, g, X, dst, d0 + k - k0);
}

/* Forward half for columns [k0, k1) of a column-major block (column k at
 * A + (k − kbase) N): r[i][k] = A(X_i)_k − y[i][k].  Each tile's sum is
 * added to r[i][k] in tile order, whichever pass computed it. */
static KATTR void KERN(forward_cols)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t g,
                                     const double *const *X, const double *const *y, double *const *r)
{
    for (size_t i = 0; i < g; i++)
        for (size_t k = k0; k < k1; k++)
            r[i][k] = 0;
    for (size_t n0 = 0; n0 < N; n0 += MFD_SENSBATCH_TILE) {
        size_t len = N - n0 < MFD_SENSBATCH_TILE ? N - n0 : MFD_SENSBATCH_TILE;
        KERN(forward_tile)(A, kbase, N, n0, len, k0, k1, g, X, r, k0);
    }
    if (y)
        for (size_t i = 0; i < g; i++)
            for (size_t k = k0; k < k1; k++)
                r[i][k] -= y[i][k];
}

/* The forward sums of tiles [t0, t1) for columns [k0, k1), each kept
 * apart: W[i][t (k1 − k0) + k − k0] = 0 + the sum of tile t of A_k X_i (a
 * thread's share of a chunk; the caller adds the tiles in order). */
static KATTR void KERN(forward_tiles)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t t0,
                                      size_t t1, size_t g, const double *const *X, double *const *W)
{
    size_t w = k1 - k0;
    for (size_t i = 0; i < g; i++)
        memset(W[i] + t0 * w, 0, (t1 - t0) * w * sizeof(double));
    for (size_t t = t0; t < t1; t++) {
        size_t n0 = t * MFD_SENSBATCH_TILE, len = N - n0 < MFD_SENSBATCH_TILE ? N - n0 : MFD_SENSBATCH_TILE;
        KERN(forward_tile)(A, kbase, N, n0, len, k0, k1, g, X, W, t * w);
    }
}

/* z_j[n] += Σ_k c_j[k] a_k[n] over columns k0 .. k1 − 1, in that order, for
 * R ≤ RUNS problems at once (c_j = r[j], column k at A + (k − kbase) N), on
 * NB vectors of VW entries from t: each z_j entry stays in a register
 * across the columns and each load of a_k serves R problems; every entry
 * adds its columns in order, one product and one sum each, as a
 * column-by-column update would, so the bits are the same for any R and NB.
 * An entry's sum waits on its last addition at every column: the NB R
 * independent sums are what keeps the adders busy.  Called with constant R
 * and NB, so that the loops unroll. */
static KATTR MFD_SB_INLINE void KERN(axpy_block)(size_t t, const double *A, size_t kbase, size_t N, size_t k0,
                                                 size_t k1, const double *const *r, double *const *Z, const size_t R,
                                                 const size_t NB)
{
    V w[ADJ_ACC][RUNS], av;
    for (size_t b = 0; b < NB; b++)
        for (size_t j = 0; j < R; j++)
            VLOAD(w[b][j], Z[j] + t + b * VW);
    for (size_t k = k0; k < k1; k++) {
        const double *ak = A + (k - kbase) * N + t;
        for (size_t b = 0; b < NB; b++) {
            VLOAD(av, ak + b * VW);
            for (size_t j = 0; j < R; j++)
                w[b][j] += r[j][k] * av;
        }
    }
    for (size_t b = 0; b < NB; b++)
        for (size_t j = 0; j < R; j++)
            VSTORE(Z[j] + t + b * VW, w[b][j]);
}

/* KERN(axpy_block) over len entries from t0: ADJ_ACC / R vectors at a time,
 * then one, then entry by entry in the same order. */
static KATTR MFD_SB_INLINE void KERN(axpy_runs)(size_t len, size_t t0, const double *A, size_t kbase, size_t N,
                                                size_t k0, size_t k1, const double *const *r, double *const *Z,
                                                const size_t R)
{
    const size_t NB = ADJ_ACC / R > 1 ? ADJ_ACC / R : 1;
    size_t n = 0;
    for (; n + NB * VW <= len; n += NB * VW)
        KERN(axpy_block)(t0 + n, A, kbase, N, k0, k1, r, Z, R, NB);
    for (; n + VW <= len; n += VW)
        KERN(axpy_block)(t0 + n, A, kbase, N, k0, k1, r, Z, R, 1);
    for (; n < len; n++)
        for (size_t j = 0; j < R; j++) {
            double v = Z[j][t0 + n];
            for (size_t k = k0; k < k1; k++)
                v += r[j][k] * A[(k - kbase) * N + t0 + n];
            Z[j][t0 + n] = v;
        }
}

/* Adjoint half for columns [k0, k1), entries [n0, n1) of every Z_i. */
static KATTR void KERN(adjoint_cols)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t n0,
                                     size_t n1, size_t g, double *const *r, double *const *Z)
{
    for (size_t t0 = n0; t0 < n1; t0 += ADJ_TILE) {
        size_t len = n1 - t0 < ADJ_TILE ? n1 - t0 : ADJ_TILE;
        for (size_t i = 0; i < g; i += RUNS) {
            const double *const *ri = (const double *const *)r + i;
            switch (g - i < RUNS ? g - i : RUNS) {
            case 4: KERN(axpy_runs)(len, t0, A, kbase, N, k0, k1, ri, Z + i, 4); break;
            case 3: KERN(axpy_runs)(len, t0, A, kbase, N, k0, k1, ri, Z + i, 3); break;
            case 2: KERN(axpy_runs)(len, t0, A, kbase, N, k0, k1, ri, Z + i, 2); break;
            default: KERN(axpy_runs)(len, t0, A, kbase, N, k0, k1, ri, Z + i, 1); break;
            }
        }
    }
}

/* the template's parameters, for the next inclusion */
#undef HALVES
#undef VLOAD
#undef VSTORE
#undef KERN
#undef KATTR
#undef V
#undef VW
#undef FWD_C1
#undef FWD_C
#undef FWD_R
#undef ADJ_ACC
