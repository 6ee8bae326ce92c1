#include "mfd_sensbatch.h"

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

/* out[c][j] = Σ_{n < len} a_c[n] x_j[n] for four columns and RUNS problems:
 * each pair in the lanes of dot_runs (the same bits), the 16 sums kept in
 * registers so that one load of a_c serves four problems and one load of
 * x_j four columns (dot_runs loads a column once per four products). */
static inline void dot_cols_runs(size_t len, const double *const a[4], const double *const x[RUNS],
                                 double out[4][RUNS])
{
    v8d s[4][RUNS] = {{{0}}}, v[4], w;
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        for (size_t c = 0; c < 4; c++)
            LOAD8(v[c], a[c] + n);
        for (size_t j = 0; j < RUNS; j++) {
            LOAD8(w, x[j] + n);
            for (size_t c = 0; c < 4; c++)
                s[c][j] += v[c] * w;
        }
    }
    size_t tail = len - n;
    double l[LANES];
    for (size_t c = 0; c < 4; c++)
        for (size_t j = 0; j < RUNS; j++) {
            STORE8(l, s[c][j]);
            out[c][j] = reduce(l, tail, a[c] + n, x[j] + n);
        }
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

/* z[n] ← (((z[n] + c0 a0[n]) + c1 a1[n]) + c2 a2[n]) + c3 a3[n]: four
 * columns in the order k, k+1, k+2, k+3, as four single updates would. */
static inline void axpy_cols(size_t len, double *restrict z, const double *restrict a0, const double *restrict a1,
                             const double *restrict a2, const double *restrict a3, double c0, double c1, double c2,
                             double c3)
{
    size_t n = 0;
    v8d zv, av;
    for (; n + LANES <= len; n += LANES) {
        LOAD8(zv, z + n);
        LOAD8(av, a0 + n);
        zv += c0 * av;
        LOAD8(av, a1 + n);
        zv += c1 * av;
        LOAD8(av, a2 + n);
        zv += c2 * av;
        LOAD8(av, a3 + n);
        zv += c3 * av;
        STORE8(z + n, zv);
    }
    for (; n < len; n++) {
        double v = z[n];
        v += c0 * a0[n];
        v += c1 * a1[n];
        v += c2 * a2[n];
        v += c3 * a3[n];
        z[n] = v;
    }
}

static inline void axpy_col(size_t len, double *restrict z, const double *restrict a, double c)
{
    size_t n = 0;
    v8d zv, av;
    for (; n + LANES <= len; n += LANES) {
        LOAD8(zv, z + n);
        LOAD8(av, a + n);
        zv += c * av;
        STORE8(z + n, zv);
    }
    for (; n < len; n++)
        z[n] += c * a[n];
}

/* Forward half for columns [k0, k1) of a column-major block (column k at
 * A + (k − kbase) N): r[i][k] = A(X_i)_k − y[i][k]. */
MFD_CLONES static void forward_cols(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t g,
                         const double *const *X, const double *const *y, double *const *r)
{
    for (size_t i = 0; i < g; i++)
        for (size_t k = k0; k < k1; k++)
            r[i][k] = 0;
    for (size_t n0 = 0; n0 < N; n0 += MFD_SENSBATCH_TILE) {
        size_t len = N - n0 < MFD_SENSBATCH_TILE ? N - n0 : MFD_SENSBATCH_TILE;
        size_t k = k0;
        for (; k + 4 <= k1 && g >= RUNS; k += 4) { /* four columns at a time for groups of RUNS problems */
            const double *a = A + (k - kbase) * N + n0;
            size_t i = 0;
            for (; i + RUNS <= g; i += RUNS) {
                double p[4][RUNS];
                const double *ac[4] = {a, a + N, a + 2 * N, a + 3 * N};
                const double *xj[RUNS] = {X[i] + n0, X[i + 1] + n0, X[i + 2] + n0, X[i + 3] + n0};
                dot_cols_runs(len, ac, xj, p);
                for (size_t c = 0; c < 4; c++)
                    for (size_t j = 0; j < RUNS; j++)
                        r[i + j][k + c] += p[c][j];
            }
            for (; i < g; i++)
                for (size_t c = 0; c < 4; c++)
                    r[i][k + c] += dot_one(len, a + c * N, X[i] + n0);
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
 * RUNS problems at once (c_j = r[j], column k at A + (k − kbase) N): each
 * z_j entry stays in a register across the columns and each load of a_k
 * serves four problems; every entry adds its columns in the same order as
 * axpy_col column by column would, so the bits are the same. */
static inline void axpy_runs(size_t len, size_t t0, const double *A, size_t kbase, size_t N, size_t k0, size_t k1,
                             const double *const *r, double *const *Z)
{
    double *z0 = Z[0] + t0, *z1 = Z[1] + t0, *z2 = Z[2] + t0, *z3 = Z[3] + t0;
    const double *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
    size_t n = 0;
    for (; n + LANES <= len; n += LANES) {
        v8d w0, w1, w2, w3, av;
        LOAD8(w0, z0 + n);
        LOAD8(w1, z1 + n);
        LOAD8(w2, z2 + n);
        LOAD8(w3, z3 + n);
        for (size_t k = k0; k < k1; k++) {
            LOAD8(av, A + (k - kbase) * N + t0 + n);
            w0 += r0[k] * av;
            w1 += r1[k] * av;
            w2 += r2[k] * av;
            w3 += r3[k] * av;
        }
        STORE8(z0 + n, w0);
        STORE8(z1 + n, w1);
        STORE8(z2 + n, w2);
        STORE8(z3 + n, w3);
    }
    for (; n < len; n++)
        for (size_t j = 0; j < RUNS; j++) {
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
        size_t i = 0;
        for (; i + RUNS <= g; i += RUNS)
            axpy_runs(len, t0, A, kbase, N, k0, k1, (const double *const *)r + i, Z + i);
        for (; i < g; i++) {
            const double *ri = r[i];
            double *z = Z[i] + t0;
            size_t k = k0;
            for (; k + 4 <= k1; k += 4) {
                const double *a = A + (k - kbase) * N + t0;
                axpy_cols(len, z, a, a + N, a + 2 * N, a + 3 * N, ri[k], ri[k + 1], ri[k + 2], ri[k + 3]);
            }
            for (; k < k1; k++)
                axpy_col(len, z, A + (k - kbase) * N + t0, ri[k]);
        }
    }
}

/* The stored operator: chunk by chunk, forward then adjoint. */
static void normal_dense(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                         double *const *r, double *const *Z)
{
    size_t N = op->n1 * op->n2, m = op->m;
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
    size_t N = op->n1 * op->n2;
    if (!a)
        return MFD_EINVAL;
    mfd_mat Ak = mfd_mat_view(a, MFD_REAL, op->n1, op->n2, op->n1);
    for (size_t i = 0; i < g; i++)
        memset(Z[i], 0, N * sizeof(double));
    for (size_t k = 0; k < op->m; k++) {
        MFD_CHECK(mfd_sensop_row(op, k, Ak));
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
    size_t N = op->n1 * op->n2;
    switch (op->kind) {
    case MFD_SENSOP_DENSE: forward_cols(op->block, 0, N, 0, op->m, 1, &X, NULL, &y); return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF: {
        if (!row)
            return MFD_EINVAL;
        mfd_mat Ak = mfd_mat_view(row, MFD_REAL, op->n1, op->n2, op->n1);
        for (size_t k = 0; k < op->m; k++) {
            MFD_CHECK(mfd_sensop_row(op, k, Ak));
            forward_cols(row, k, N, k, k + 1, 1, &X, NULL, &y);
        }
        return MFD_OK;
    }
    default: return MFD_EINVAL;
    }
}

mfd_status mfd_sensbatch_adjoint(const mfd_sensop *op, const double *r, double *Z, double *row)
{
    size_t N = op->n1 * op->n2;
    double *rr = (double *)r; /* adjoint_cols only reads it */
    switch (op->kind) {
    case MFD_SENSOP_DENSE:
        memset(Z, 0, N * sizeof(double));
        adjoint_cols(op->block, 0, N, 0, op->m, 0, N, 1, &rr, &Z);
        return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF: {
        if (!row)
            return MFD_EINVAL;
        mfd_mat Ak = mfd_mat_view(row, MFD_REAL, op->n1, op->n2, op->n1);
        memset(Z, 0, N * sizeof(double));
        for (size_t k = 0; k < op->m; k++) {
            MFD_CHECK(mfd_sensop_row(op, k, Ak));
            adjoint_cols(row, k, N, k, k + 1, 0, N, 1, &rr, &Z);
        }
        return MFD_OK;
    }
    default: return MFD_EINVAL;
    }
}
