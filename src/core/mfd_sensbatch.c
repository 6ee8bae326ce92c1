#include "mfd_sensbatch.h"

#include <stdlib.h>
#include <string.h>

#include "mfd_simd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define CHUNK 16 /* columns of the stored operator per chunk: 16 A_k, in L2/L3 between the two halves */

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

/* The two halves, once per vector width (mfd_sensbatch_kern.h), chosen when
 * they are called: the eight lanes of a sum are one vector of AVX-512, two of
 * AVX2 and four of the plain path, never a vector type wider than the
 * target's registers (GCC would keep such a type in memory: its AVX2 code for
 * one eight-lane vector ran 7× slower).  Each width keeps as many sums in
 * registers as it has registers for. */

/* ---- plain C: two lanes per vector (SSE2, NEON), sixteen registers --------- */
#define KERN(name) name##_plain
#define KATTR
typedef double v2d __attribute__((vector_size(2 * sizeof(double))));
#define V v2d
#define VW 2
#define FWD_C1 2
#define FWD_C 1
#define FWD_R 2
#define ADJ_ACC 8
#include "mfd_sensbatch_kern.h" /* undefines its parameters */

#ifdef MFD_SIMD_X86
/* ---- AVX2: four lanes per vector, sixteen registers (no FMA) --------------- */
#define KERN(name) name##_avx2
#define KATTR __attribute__((target("avx2")))
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
#define V v4d
#define VW 4
#define FWD_C1 4
#define FWD_C 2
#define FWD_R 2
#define ADJ_ACC 8
#include "mfd_sensbatch_kern.h" /* undefines its parameters */

/* ---- AVX-512F: the eight lanes in one vector, 32 registers ----------------- */
#define KERN(name) name##_avx512
#define KATTR __attribute__((target("avx512f")))
typedef double v8d __attribute__((vector_size(8 * sizeof(double))));
#define V v8d
#define VW 8
#define FWD_C1 MFD_SB_W8_FWD_C1
#define FWD_C MFD_SB_W8_FWD_C
#define FWD_R MFD_SB_W8_FWD_R
#define ADJ_ACC MFD_SB_W8_ADJ_ACC
#include "mfd_sensbatch_kern.h" /* undefines its parameters */
#endif

/* ---- the path ------------------------------------------------------------- */

typedef void (*forward_fn)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t g,
                           const double *const *X, const double *const *y, double *const *r);
typedef void (*adjoint_fn)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t n0, size_t n1,
                           size_t g, double *const *r, double *const *Z);

static const forward_fn forward_of[] = {
    forward_cols_plain,
#ifdef MFD_SIMD_X86
    forward_cols_avx2, forward_cols_avx512,
#endif
};
typedef void (*tiles_fn)(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t t0, size_t t1,
                         size_t g, const double *const *X, double *const *W);

static const tiles_fn tiles_of[] = {
    forward_tiles_plain,
#ifdef MFD_SIMD_X86
    forward_tiles_avx2, forward_tiles_avx512,
#endif
};
static const adjoint_fn adjoint_of[] = {
    adjoint_cols_plain,
#ifdef MFD_SIMD_X86
    adjoint_cols_avx2, adjoint_cols_avx512,
#endif
};

/* Set by mfd_sensbatch_set_path before any evaluation, then only read; −1: auto. */
static int forced = -1;

mfd_status mfd_sensbatch_set_path(const char *name) { return mfd_simd_force(name, &forced); }

const char *mfd_sensbatch_path(void) { return mfd_simd_name(mfd_simd_current(forced)); }

static void forward_cols(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t g,
                         const double *const *X, const double *const *y, double *const *r)
{
    forward_of[mfd_simd_current(forced)](A, kbase, N, k0, k1, g, X, y, r);
}

static void adjoint_cols(const double *A, size_t kbase, size_t N, size_t k0, size_t k1, size_t n0, size_t n1,
                         size_t g, double *const *r, double *const *Z)
{
    adjoint_of[mfd_simd_current(forced)](A, kbase, N, k0, k1, n0, n1, g, r, Z);
}

size_t mfd_sensbatch_work(const mfd_sensop *op)
{
    switch (op->kind) {
    case MFD_SENSOP_DENSE: return mfd_sensbatch_tiles(op->nent) * CHUNK;
    case MFD_SENSOP_GAUSSIAN_OTF: return op->n1 * op->n2;
    default: return 0;
    }
}

int mfd_sensbatch_split_threads(size_t N, int nt)
{
    size_t tiles = mfd_sensbatch_tiles(N);
    for (; nt > 1; nt--) {
        size_t T = (size_t)nt, most = 0;
        for (size_t j = 0; j < T; j++) {
            size_t n0 = tiles * j / T * MFD_SENSBATCH_TILE, n1 = tiles * (j + 1) / T * MFD_SENSBATCH_TILE;
            n1 = n1 < N ? n1 : N;
            most = n1 > n0 && n1 - n0 > most ? n1 - n0 : most;
        }
        if (5 * most * T <= 6 * N)
            break;
    }
    return nt;
}

/* The stored operator: chunk by chunk, forward then adjoint.  With threads,
 * each thread takes the same share of every column in both halves (whole
 * tiles of entries: the forward's tiles, then the same entries of Z), so
 * that the adjoint reads the chunk from its own core's cache, not half of it
 * from the other's (that traffic made the adjoint slower with two threads
 * than with one).  A thread's tile sums wait in W until every tile is done;
 * then r adds them in tile order, as the serial pass does. */
static void normal_dense(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                         double *const *r, double *const *Z, double *const *W)
{
    size_t N = op->nent, m = op->m;
    const double *A = op->block;
    int nt = mfd_sensbatch_split_threads(N, n_threads);
    /* the path chosen once, before any thread starts (mfd_simd caches the CPU's best) */
    const mfd_simd_path path = mfd_simd_current(forced);
    for (size_t i = 0; i < g; i++)
        memset(Z[i], 0, N * sizeof(double));
    if (nt <= 1) {
        for (size_t c0 = 0; c0 < m; c0 += CHUNK) {
            size_t c1 = m - c0 < CHUNK ? m : c0 + CHUNK;
            forward_of[path](A, 0, N, c0, c1, g, X, y, r);
            adjoint_of[path](A, 0, N, c0, c1, 0, N, g, r, Z);
        }
        return;
    }
#ifdef _OPENMP
    const size_t tiles = mfd_sensbatch_tiles(N);
#pragma omp parallel num_threads(nt)
    {
        size_t T = (size_t)omp_get_num_threads(), me = (size_t)omp_get_thread_num();
        size_t t0 = tiles * me / T, t1 = tiles * (me + 1) / T;
        size_t n0 = t0 * MFD_SENSBATCH_TILE, n1 = t1 * MFD_SENSBATCH_TILE < N ? t1 * MFD_SENSBATCH_TILE : N;
        for (size_t c0 = 0; c0 < m; c0 += CHUNK) {
            size_t c1 = m - c0 < CHUNK ? m : c0 + CHUNK, w = c1 - c0;
            if (t1 > t0)
                tiles_of[path](A, 0, N, c0, c1, t0, t1, g, X, W);
#pragma omp barrier
            for (size_t q = w * g * me / T; q < w * g * (me + 1) / T; q++) {
                size_t i = q / w, c = q % w;
                double v = 0;
                for (size_t t = 0; t < tiles; t++)
                    v += W[i][t * w + c];
                r[i][c0 + c] = y ? v - y[i][c0 + c] : v;
            }
#pragma omp barrier
            if (n1 > n0)
                adjoint_of[path](A, 0, N, c0, c1, n0, n1, g, r, Z);
        }
    }
#else
    (void)W; /* one thread: the serial path above */
    (void)tiles_of;
#endif
}

/* The on-the-fly operator: each A_k regenerated once, used by all g. */
static mfd_status normal_otf(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                             double *const *r, double *const *Z, double *a)
{
    size_t N = op->nent;
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
                                double *const *r, double *const *Z, double *const *work)
{
    if (g == 0)
        return MFD_OK;
    if (!work)
        return MFD_EINVAL;
    for (size_t i = 0; i < g; i++)
        if (!work[i])
            return MFD_EINVAL;
    switch (op->kind) {
    case MFD_SENSOP_DENSE: normal_dense(op, g, X, y, r, Z, work); return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF: return normal_otf(op, g, X, y, r, Z, work[0]);
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
