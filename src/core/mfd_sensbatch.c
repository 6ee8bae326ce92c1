#include "mfd_sensbatch.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* The two halves are compiled for the baseline and for AVX2 / AVX-512 and
 * chosen at load time, with the small kernels inlined into each; they only add and multiply (no FMA), lane by lane in
 * the order the header states, so every variant gives the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define MFD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MFD_CLONES
#endif

#define LANES 8
#define RUNS 4       /* problems per pass of the inner kernels */
#define ADJ_TILE 512 /* entries of Z per tile of the adjoint: 4 KB per problem, in L1 */
#define CHUNK 16     /* columns of the stored operator per chunk: 16 A_k, in L2/L3 between the two halves */

static int n_threads = 1;

/* Without OpenMP the passes have one path, the serial one: more threads are refused (one is kept). */
void mfd_sensbatch_set_threads(int n)
{
#ifdef _OPENMP
    n_threads = n > 1 ? n : 1;
#else
    (void)n;
    n_threads = 1;
#endif
}
int mfd_sensbatch_threads(void) { return n_threads; }

bool mfd_sensbatch_serves(const mfd_sensop *op)
{
    return op->kind == MFD_SENSOP_DENSE || op->kind == MFD_SENSOP_GAUSSIAN_OTF;
}

/* The eight lanes as one vector (GCC's and clang's vector types): one
 * AVX-512 register, two AVX2 or four SSE2 ones.  Vectors are only ever
 * locals, never arguments (the ABI of vector arguments depends on the
 * target). */
typedef double v8d __attribute__((vector_size(LANES * sizeof(double))));

#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8d))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8d))

/* ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) of the lanes in s,
 * after the tail's entries a[l] x[l] went to lanes 0, 1, ... in order. */
static inline double reduce(double s[LANES], size_t tail, const double *a, const double *x)
{
    for (size_t l = 0; l < tail; l++)
        s[l] += a[l] * x[l];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* out[j] = Σ_{n < len} a[n] x_j[n] for RUNS problems, by lanes (header). */
static inline void dot_runs(size_t len, const double *restrict a, const double *restrict x0,
                            const double *restrict x1, const double *restrict x2, const double *restrict x3,
                            double out[RUNS])
{
    v8d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, av, xv;
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        LOAD8(av, a + n);
        LOAD8(xv, x0 + n);
        s0 += av * xv;
        LOAD8(xv, x1 + n);
        s1 += av * xv;
        LOAD8(xv, x2 + n);
        s2 += av * xv;
        LOAD8(xv, x3 + n);
        s3 += av * xv;
    }
    double l[LANES];
    size_t tail = len - n;
    STORE8(l, s0);
    out[0] = reduce(l, tail, a + n, x0 + n);
    STORE8(l, s1);
    out[1] = reduce(l, tail, a + n, x1 + n);
    STORE8(l, s2);
    out[2] = reduce(l, tail, a + n, x2 + n);
    STORE8(l, s3);
    out[3] = reduce(l, tail, a + n, x3 + n);
}

/* out[c][j] = Σ_{n < len} a_c[n] x_j[n] for four columns and R ≤ RUNS
 * problems: each pair in the lanes of dot_runs (the same bits), the 4 R sums
 * kept in registers so that one load of a_c serves R problems and one load
 * of x_j four columns (dot_runs loads a column once per four products).
 * Called with a constant R, so that the loops unroll. */
static inline __attribute__((always_inline)) void dot_cols_runs(size_t len, const double *const a[4],
                                                                const double *const x[RUNS], const size_t R,
                                                                double out[4][RUNS])
{
    v8d s[4][RUNS] = {{{0}}}, v[4], w;
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        for (size_t c = 0; c < 4; c++)
            LOAD8(v[c], a[c] + n);
        for (size_t j = 0; j < R; j++) {
            LOAD8(w, x[j] + n);
            for (size_t c = 0; c < 4; c++)
                s[c][j] += v[c] * w;
        }
    }
    size_t tail = len - n;
    double l[LANES];
    for (size_t c = 0; c < 4; c++)
        for (size_t j = 0; j < R; j++) {
            STORE8(l, s[c][j]);
            out[c][j] = reduce(l, tail, a[c] + n, x[j] + n);
        }
}

/* out[c] = Σ_{n < len} a_c[n] x[n] for eight columns and one problem, each
 * in the lanes of dot_runs (the same bits).  A lone problem's four columns
 * are four chains of additions, each waiting on the last (the latency of
 * an addition per load); eight keep AVX-512's adders busy.  With AVX2 the
 * eight accumulators alone take the sixteen registers: its code keeps four
 * (eight_cols). */
static inline __attribute__((always_inline)) void dot_8cols(size_t len, const double *const a[8], const double *x,
                                                            double out[8])
{
    v8d s[8] = {{0}}, w;
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        LOAD8(w, x + n);
        for (size_t c = 0; c < 8; c++) {
            v8d v;
            LOAD8(v, a[c] + n);
            s[c] += v * w;
        }
    }
    size_t tail = len - n;
    double l[LANES];
    for (size_t c = 0; c < 8; c++) {
        STORE8(l, s[c]);
        out[c] = reduce(l, tail, a[c] + n, x + n);
    }
}

/* Does this CPU run the AVX-512 copy of the kernels (target_clones picks it
 * whenever the CPU has AVX-512F)? */
static bool eight_cols(void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
    return __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

/* The same for one problem: the same lanes, the same bits. */
static inline double dot_one(size_t len, const double *restrict a, const double *restrict x)
{
    v8d s = {0}, av, xv;
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        LOAD8(av, a + n);
        LOAD8(xv, x + n);
        s += av * xv;
    }
    double l[LANES];
    STORE8(l, s);
    return reduce(l, len - n, a + n, x + n);
}

/* Forward half for columns [k0, k1) of a column-major block (column k at
 * A + (k − kbase) N): r[i][k] = A(X_i)_k − y[i][k]. */
MFD_CLONES static void forward_cols(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t g,
                         const double *const *X, const double *const *y, double *const *r)
{
    for (size_t i = 0; i < g; i++)
        for (size_t k = k0; k < k1; k++)
            r[i][k] = 0;
    bool eight = g == 1 && eight_cols();
    for (size_t n0 = 0; n0 < N; n0 += MFD_SENSBATCH_TILE) {
        size_t len = N - n0 < MFD_SENSBATCH_TILE ? N - n0 : MFD_SENSBATCH_TILE;
        size_t k = k0;
        for (; eight && k + 8 <= k1; k += 8) { /* a lone problem, AVX-512: eight columns at a time */
            const double *ac[8];
            for (size_t c = 0; c < 8; c++)
                ac[c] = A + (k + c - kbase) * N + n0;
            double p[8];
            dot_8cols(len, ac, X[0] + n0, p);
            for (size_t c = 0; c < 8; c++)
                r[0][k + c] += p[c];
        }
        for (; k + 4 <= k1; k += 4) { /* four columns at a time, RUNS problems at a time, then the rest */
            const double *a = A + (k - kbase) * N + n0;
            const double *ac[4] = {a, a + N, a + 2 * N, a + 3 * N};
            for (size_t i = 0; i < g; i += RUNS) {
                size_t R = g - i < RUNS ? g - i : RUNS;
                double p[4][RUNS];
                const double *xj[RUNS] = {NULL};
                for (size_t j = 0; j < R; j++)
                    xj[j] = X[i + j] + n0;
                switch (R) {
                case 4: dot_cols_runs(len, ac, xj, 4, p); break;
                case 3: dot_cols_runs(len, ac, xj, 3, p); break;
                case 2: dot_cols_runs(len, ac, xj, 2, p); break;
                default: dot_cols_runs(len, ac, xj, 1, p); break;
                }
                for (size_t c = 0; c < 4; c++)
                    for (size_t j = 0; j < R; j++)
                        r[i + j][k + c] += p[c][j];
            }
        }
        for (; k < k1; k++) {
            const double *a = A + (k - kbase) * N + n0;
            size_t i = 0;
            for (; i + RUNS <= g; i += RUNS) {
                double p[RUNS];
                dot_runs(len, a, X[i] + n0, X[i + 1] + n0, X[i + 2] + n0, X[i + 3] + n0, p);
                for (size_t j = 0; j < RUNS; j++)
                    r[i + j][k] += p[j];
            }
            for (; i < g; i++)
                r[i][k] += dot_one(len, a, X[i] + n0);
        }
    }
    if (y)
        for (size_t i = 0; i < g; i++)
            for (size_t k = k0; k < k1; k++)
                r[i][k] -= y[i][k];
}

/* z_j[n] += Σ_k c_j[k] a_k[n] over columns k0 .. k1 − 1, in that order, for
 * R ≤ RUNS problems at once (c_j = r[j], column k at A + (k − kbase) N), on
 * NB blocks of LANES entries from t: each z_j entry stays in a register
 * across the columns and each load of a_k serves R problems; every entry
 * adds its columns in order, one product and one sum each, as a
 * column-by-column update would, so the bits are the same for any R and NB.
 * An entry's sum waits on its last addition at every column: the NB R
 * independent sums are what keeps the adders busy.  Called with constant R
 * and NB, so that the loops unroll. */
static inline __attribute__((always_inline)) void axpy_block(size_t t, const double *A, size_t kbase, size_t N,
                                                             size_t k0, size_t k1, const double *const *r,
                                                             double *const *Z, const size_t R, const size_t NB)
{
    v8d w[4][RUNS], av;
    for (size_t b = 0; b < NB; b++)
        for (size_t j = 0; j < R; j++)
            LOAD8(w[b][j], Z[j] + t + b * LANES);
    for (size_t k = k0; k < k1; k++) {
        const double *ak = A + (k - kbase) * N + t;
        for (size_t b = 0; b < NB; b++) {
            LOAD8(av, ak + b * LANES);
            for (size_t j = 0; j < R; j++)
                w[b][j] += r[j][k] * av;
        }
    }
    for (size_t b = 0; b < NB; b++)
        for (size_t j = 0; j < R; j++)
            STORE8(Z[j] + t + b * LANES, w[b][j]);
}

/* axpy_block over len entries from t0: four blocks at a time for one
 * problem, two for two (about four sums in flight), then one, then entry by
 * entry in the same order. */
static inline __attribute__((always_inline)) void axpy_runs(size_t len, size_t t0, const double *A, size_t kbase,
                                                            size_t N, size_t k0, size_t k1,
                                                            const double *const *r, double *const *Z, const size_t R)
{
    const size_t NB = R == 1 ? 4 : R == 2 ? 2 : 1;
    size_t n = 0;
    for (; n + NB * LANES <= len; n += NB * LANES)
        axpy_block(t0 + n, A, kbase, N, k0, k1, r, Z, R, NB);
    for (; n + LANES <= len; n += LANES)
        axpy_block(t0 + n, A, kbase, N, k0, k1, r, Z, R, 1);
    for (; n < len; n++)
        for (size_t j = 0; j < R; j++) {
            double v = Z[j][t0 + n];
            for (size_t k = k0; k < k1; k++)
                v += r[j][k] * A[(k - kbase) * N + t0 + n];
            Z[j][t0 + n] = v;
        }
}

/* Adjoint half for columns [k0, k1), entries [n0, n1) of every Z_i. */
MFD_CLONES static void adjoint_cols(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t n0, size_t n1,
                         size_t g, double *const *r, double *const *Z)
{
    for (size_t t0 = n0; t0 < n1; t0 += ADJ_TILE) {
        size_t len = n1 - t0 < ADJ_TILE ? n1 - t0 : ADJ_TILE;
        for (size_t i = 0; i < g; i += RUNS) {
            const double *const *ri = (const double *const *)r + i;
            switch (g - i < RUNS ? g - i : RUNS) {
            case 4: axpy_runs(len, t0, A, kbase, N, k0, k1, ri, Z + i, 4); break;
            case 3: axpy_runs(len, t0, A, kbase, N, k0, k1, ri, Z + i, 3); break;
            case 2: axpy_runs(len, t0, A, kbase, N, k0, k1, ri, Z + i, 2); break;
            default: axpy_runs(len, t0, A, kbase, N, k0, k1, ri, Z + i, 1); break;
            }
        }
    }
}

/* The stored operator: chunk by chunk, forward then adjoint. */
static void normal_dense(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                         double *const *r, double *const *Z)
{
    size_t N = op->nent, m = op->m;
    const double *A = op->block;
    int nt = n_threads;
    for (size_t i = 0; i < g; i++)
        memset(Z[i], 0, N * sizeof(double));
    for (size_t c0 = 0; c0 < m; c0 += CHUNK) {
        size_t c1 = m - c0 < CHUNK ? m : c0 + CHUNK;
        if (nt <= 1) {
            forward_cols(A, 0, N, c0, c1, g, X, y, r);
            adjoint_cols(A, 0, N, c0, c1, 0, N, g, r, Z);
            continue;
        }
#ifdef _OPENMP
        /* forward: the threads split the columns; adjoint: the entries of Z
         * (each entry still sums its columns in order) */
#pragma omp parallel num_threads(nt)
        {
            size_t T = (size_t)omp_get_num_threads(), me = (size_t)omp_get_thread_num(), w = c1 - c0;
            size_t a0 = c0 + w * me / T, a1 = c0 + w * (me + 1) / T;
            if (a1 > a0)
                forward_cols(A, 0, N, a0, a1, g, X, y, r);
#pragma omp barrier
            size_t tiles = (N + ADJ_TILE - 1) / ADJ_TILE;
            size_t b0 = tiles * me / T * ADJ_TILE, b1 = tiles * (me + 1) / T * ADJ_TILE;
            if (b1 > N)
                b1 = N;
            if (b1 > b0)
                adjoint_cols(A, 0, N, c0, c1, b0, b1, g, r, Z);
        }
#endif
    }
}

/* The on-the-fly operator: each A_k regenerated once, used by all g. */
static mfd_status normal_otf(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                             double *const *r, double *const *Z, double *a)
{
    size_t N = op->nent;
    if (!a)
        return MFD_EINVAL;
    for (size_t i = 0; i < g; i++)
        memset(Z[i], 0, N * sizeof(double));
    for (size_t k = 0; k < op->m; k++) {
        MFD_CHECK(mfd_sensop_entries(op, k, a));
        forward_cols(a, k, N, k, k + 1, g, X, y, r);
        adjoint_cols(a, k, N, k, k + 1, 0, N, g, r, Z);
    }
    return MFD_OK;
}

mfd_status mfd_sensbatch_normal(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                                double *const *r, double *const *Z, double *row)
{
    if (g == 0)
        return MFD_OK;
    switch (op->kind) {
    case MFD_SENSOP_DENSE: normal_dense(op, g, X, y, r, Z); return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF: return normal_otf(op, g, X, y, r, Z, row);
    default: return MFD_EINVAL;
    }
}

mfd_status mfd_sensbatch_apply(const mfd_sensop *op, const double *X, double *y, double *row)
{
    if (!mfd_sensbatch_serves(op) || (op->kind == MFD_SENSOP_GAUSSIAN_OTF && !row))
        return MFD_EINVAL;
    size_t N = op->nent;
    double *xp = NULL;
    if (op->symmetrized) { /* the packed sums of X */
        if (!(xp = malloc(N * sizeof(double))))
            return MFD_ENOMEM;
        mfd_sensop_pack(op->n1, X, xp);
        X = xp;
    }
    mfd_status st = MFD_OK;
    if (op->kind == MFD_SENSOP_DENSE)
        forward_cols(op->block, 0, N, 0, op->m, 1, &X, NULL, &y);
    for (size_t k = 0; op->kind == MFD_SENSOP_GAUSSIAN_OTF && k < op->m && st == MFD_OK; k++)
        if ((st = mfd_sensop_entries(op, k, row)) == MFD_OK)
            forward_cols(row, k, N, k, k + 1, 1, &X, NULL, &y);
    free(xp);
    return st;
}

mfd_status mfd_sensbatch_adjoint(const mfd_sensop *op, const double *r, double *Z, double *row)
{
    if (!mfd_sensbatch_serves(op) || (op->kind == MFD_SENSOP_GAUSSIAN_OTF && !row))
        return MFD_EINVAL;
    size_t N = op->nent;
    double *rr = (double *)r; /* adjoint_cols only reads it */
    double *zp = Z;
    if (op->symmetrized && !(zp = malloc(N * sizeof(double)))) /* packed, then unpacked into Z */
        return MFD_ENOMEM;
    memset(zp, 0, N * sizeof(double));
    mfd_status st = MFD_OK;
    if (op->kind == MFD_SENSOP_DENSE)
        adjoint_cols(op->block, 0, N, 0, op->m, 0, N, 1, &rr, &zp);
    for (size_t k = 0; op->kind == MFD_SENSOP_GAUSSIAN_OTF && k < op->m && st == MFD_OK; k++)
        if ((st = mfd_sensop_entries(op, k, row)) == MFD_OK)
            adjoint_cols(row, k, N, k, k + 1, 0, N, 1, &rr, &zp);
    if (op->symmetrized) {
        mfd_sensop_unpack(op->n1, zp, Z);
        free(zp);
    }
    return st;
}
