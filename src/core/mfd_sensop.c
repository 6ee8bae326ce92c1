#define _DEFAULT_SOURCE /* madvise */
#include "mfd_sensop.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "mfd_gauss.h"
#include "mfd_la.h"
#include "mfd_rng.h"

size_t mfd_sensop_nent(size_t n1, size_t n2, bool symmetrized)
{
    if (n1 != 0 && n2 > SIZE_MAX / n1)
        return 0;
    return symmetrized ? n1 * n2 / 2 + (n1 + 1) / 2 : n1 * n2; /* n (n + 1)/2 without overflow: n² ≤ SIZE_MAX */
}

size_t mfd_sensop_dense_bytes(size_t m, size_t n1, size_t n2, bool symmetrized)
{
    size_t N = mfd_sensop_nent(n1, n2, symmetrized);
    if ((N == 0 && n1 != 0 && n2 != 0) || (N != 0 && m > SIZE_MAX / N / sizeof(double)))
        return 0;
    return m * N * sizeof(double);
}

void mfd_sensop_pack(size_t n, const double *X, double *xp)
{
    for (size_t j = 0, p = 0; j < n; j++) {
        for (size_t i = 0; i < j; i++)
            xp[p++] = X[i + j * n] + X[j + i * n];
        xp[p++] = X[j + j * n];
    }
}

void mfd_sensop_unpack(size_t n, const double *zp, double *Z)
{
    for (size_t j = 0, p = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++, p++)
            Z[i + j * n] = Z[j + i * n] = zp[p];
}

/* The upper triangle of a (n×n) packed in place (entry (i, j) moves down to
 * j (j + 1)/2 + i ≤ i + j n, after every entry it overwrites was read). */
static void pack_upper(size_t n, double *a)
{
    for (size_t j = 0, p = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++)
            a[p++] = a[i + j * n];
}

static mfd_status op_alloc(mfd_sensop_kind kind, size_t m, size_t n1, size_t n2, mfd_sensop **out)
{
    *out = NULL;
    if (m < 1 || n1 < 1 || n2 < 1)
        return MFD_EINVAL;
    mfd_sensop *op = calloc(1, sizeof *op);
    if (!op)
        return MFD_ENOMEM;
    op->kind = kind;
    op->m = m;
    op->n1 = n1;
    op->n2 = n2;
    op->nent = n1 * n2;
    *out = op;
    return MFD_OK;
}

void mfd_sensop_free(mfd_sensop *op)
{
    if (!op)
        return;
    free(op->block);
    free(op->row);
    free(op->mi);
    free(op->mj);
    free(op->col_start);
    free(op);
}

mfd_status mfd_sensop_identity(size_t n1, size_t n2, mfd_sensop **out)
{
    return op_alloc(MFD_SENSOP_IDENTITY, n1 * n2, n1, n2, out);
}

/* a (n×n, column-major) ← (a + aᵀ)/2. */
static void symmetrize(size_t n, double *a)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = j + 1; i < n; i++) {
            double v = 0.5 * (a[i + j * n] + a[j + i * n]);
            a[i + j * n] = a[j + i * n] = v;
        }
}

/* A_k of a Gaussian operator into a (n1 n2 doubles, column-major): row k of
 * mfd_gauss under (seed, operator), scaled by 1/√m, symmetrized if asked. */
static void gaussian_row(uint64_t seed, size_t m, size_t n1, size_t n2, bool sym, size_t k, double *a)
{
    mfd_gauss_fill(seed, MFD_STREAM_OPERATOR, k, n1 * n2, 1.0 / sqrt((double)m), a);
    if (sym)
        symmetrize(n1, a);
}

/* The entries of a Gaussian A_k that the operator uses into a (n1 n2
 * doubles): all of them, or the symmetrized A_k's upper triangle packed
 * (the stored block and the on-the-fly operator alike: the same bits). */
static void gaussian_entries(uint64_t seed, size_t m, size_t n1, size_t n2, bool sym, size_t k, double *a)
{
    gaussian_row(seed, m, n1, n2, sym, k, a);
    if (sym)
        pack_upper(n1, a);
}

/* A Gaussian operator's A_k has n1 n2 ≤ MFD_GAUSS_MAX_ENTRIES entries. */
static bool gaussian_fits(size_t n1, size_t n2)
{
    return n2 <= SIZE_MAX / n1 && (uint64_t)(n1 * n2) <= MFD_GAUSS_MAX_ENTRIES;
}

/* A stored operator's block: from 2 MB up aligned to 2 MB and, on Linux,
 * given transparent huge pages where the system grants them on request
 * (THP "madvise"), so that writing it once and streaming it every iteration
 * take one page fault and one TLB entry per 2 MB instead of per 4 KB.  Freed
 * with free(). */
static double *block_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return malloc(bytes);
    size_t rounded = (bytes + huge - 1) / huge * huge;
    if (rounded < bytes)
        return NULL;
    double *p = aligned_alloc(huge, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice: the block works without it */
#endif
    return p;
}

mfd_status mfd_sensop_gaussian(size_t m, size_t n1, size_t n2, bool symmetrized, uint64_t seed, mfd_sensop **out)
{
    *out = NULL;
    if (symmetrized && n1 != n2)
        return MFD_EINVAL;
    size_t bytes = mfd_sensop_dense_bytes(m, n1, n2, symmetrized);
    if (bytes == 0 || !gaussian_fits(n1, n2))
        return MFD_ERANGE;
    MFD_CHECK(op_alloc(MFD_SENSOP_DENSE, m, n1, n2, out));
    mfd_sensop *op = *out;
    op->symmetrized = symmetrized;
    op->seed = seed;
    op->nent = mfd_sensop_nent(n1, n2, symmetrized);
    op->block = block_alloc(bytes);
    double *full = symmetrized ? malloc(n1 * n2 * sizeof(double)) : NULL; /* one A_k before packing */
    if (!op->block || (symmetrized && !full)) {
        free(full);
        mfd_sensop_free(op);
        *out = NULL;
        return MFD_ENOMEM;
    }
    for (size_t k = 0; k < m; k++) {
        if (!symmetrized) {
            gaussian_row(seed, m, n1, n2, false, k, op->block + k * op->nent);
            continue;
        }
        gaussian_entries(seed, m, n1, n2, true, k, full);
        memcpy(op->block + k * op->nent, full, op->nent * sizeof(double));
    }
    free(full);
    return MFD_OK;
}

mfd_status mfd_sensop_gaussian_otf(size_t m, size_t n1, size_t n2, bool symmetrized, uint64_t seed,
                                   mfd_sensop **out)
{
    *out = NULL;
    if (symmetrized && n1 != n2)
        return MFD_EINVAL;
    if (n1 >= 1 && n2 >= 1 && !gaussian_fits(n1, n2))
        return MFD_ERANGE;
    MFD_CHECK(op_alloc(MFD_SENSOP_GAUSSIAN_OTF, m, n1, n2, out));
    mfd_sensop *op = *out;
    op->symmetrized = symmetrized;
    op->seed = seed;
    op->nent = mfd_sensop_nent(n1, n2, symmetrized);
    if (!symmetrized)
        return MFD_OK;
    op->row = malloc(n1 * n2 * sizeof(double));
    if (!op->row) {
        mfd_sensop_free(op);
        *out = NULL;
        return MFD_ENOMEM;
    }
    return MFD_OK;
}

mfd_status mfd_sensop_from_block(size_t m, size_t n1, size_t n2, const double *stack, mfd_sensop **out)
{
    *out = NULL;
    size_t bytes = mfd_sensop_dense_bytes(m, n1, n2, false);
    if (bytes == 0)
        return MFD_ERANGE;
    MFD_CHECK(op_alloc(MFD_SENSOP_DENSE, m, n1, n2, out));
    mfd_sensop *op = *out;
    op->block = block_alloc(bytes);
    if (!op->block) {
        mfd_sensop_free(op);
        *out = NULL;
        return MFD_ENOMEM;
    }
    memcpy(op->block, stack, bytes);
    return MFD_OK;
}

mfd_status mfd_sensop_mask(size_t n1, size_t n2, double p, uint64_t seed, mfd_sensop **out)
{
    *out = NULL;
    if (!(p > 0 && p <= 1) || n1 < 1 || n2 < 1)
        return MFD_EINVAL;
    /* Two passes over the same stream: count, then list. */
    mfd_rng r;
    mfd_rng_init(&r, seed, MFD_STREAM_MASK);
    size_t m = 0;
    for (size_t e = 0; e < n1 * n2; e++)
        m += mfd_rng_uniform(&r) < p;
    if (m == 0)
        return MFD_EINVAL;
    MFD_CHECK(op_alloc(MFD_SENSOP_MASK, m, n1, n2, out));
    mfd_sensop *op = *out;
    op->scale = 1.0 / sqrt(p);
    op->mi = malloc(m * sizeof(size_t));
    op->mj = malloc(m * sizeof(size_t));
    op->col_start = malloc((n2 + 1) * sizeof(size_t));
    if (!op->mi || !op->mj || !op->col_start) {
        mfd_sensop_free(op);
        *out = NULL;
        return MFD_ENOMEM;
    }
    mfd_rng_init(&r, seed, MFD_STREAM_MASK);
    size_t k = 0;
    for (size_t j = 0; j < n2; j++) {
        op->col_start[j] = k;
        for (size_t i = 0; i < n1; i++)
            if (mfd_rng_uniform(&r) < p) {
                op->mi[k] = i;
                op->mj[k++] = j;
            }
    }
    op->col_start[n2] = k;
    return MFD_OK;
}

/* Contiguous copy of X when its leading dimension is not n1. */
static int packed(mfd_mat X) { return X.ld == X.rows; }

mfd_status mfd_sensop_apply(const mfd_sensop *op, mfd_mat X, double *y)
{
    if (X.rows != op->n1 || X.cols != op->n2 || X.field != MFD_REAL || !packed(X))
        return MFD_EINVAL;
    size_t N = op->n1 * op->n2;
    switch (op->kind) {
    case MFD_SENSOP_IDENTITY: memcpy(y, X.data, N * sizeof(double)); return MFD_OK;
    case MFD_SENSOP_DENSE:
        if (op->symmetrized) { /* packed: Σ_{i ≤ j} A_k,ij X̃_ij, X̃ formed entry by entry */
            size_t n = op->n1;
            for (size_t k = 0; k < op->m; k++) {
                const double *a = op->block + k * op->nent;
                double acc = 0;
                for (size_t j = 0, p = 0; j < n; j++) {
                    for (size_t i = 0; i < j; i++)
                        acc += a[p++] * (X.data[i + j * n] + X.data[j + i * n]);
                    acc += a[p++] * X.data[j + j * n];
                }
                y[k] = acc;
            }
            return MFD_OK;
        }
        return mfd_la_dgemv('T', 1.0, mfd_mat_view(op->block, MFD_REAL, N, op->m, N), X.data, 0.0, y);
    case MFD_SENSOP_GAUSSIAN_OTF: {
        /* ⟨(G + Gᵀ)/2, X⟩ = ⟨G, (X + Xᵀ)/2⟩: the symmetrized operator reads
         * its G_k once, against the symmetric part of X */
        const double *x = X.data;
        if (op->symmetrized) {
            memcpy(op->row, X.data, N * sizeof(double));
            symmetrize(op->n1, op->row);
            x = op->row;
        }
        double scale = 1.0 / sqrt((double)op->m);
        for (size_t k = 0; k < op->m; k++)
            y[k] = scale * mfd_gauss_dot(op->seed, MFD_STREAM_OPERATOR, k, N, x);
        return MFD_OK;
    }
    case MFD_SENSOP_MASK:
        for (size_t k = 0; k < op->m; k++)
            y[k] = op->scale * X.data[op->mi[k] + op->mj[k] * op->n1];
        return MFD_OK;
    }
    return MFD_EINVAL;
}

mfd_status mfd_sensop_adjoint(const mfd_sensop *op, const double *r, mfd_mat Z)
{
    if (Z.rows != op->n1 || Z.cols != op->n2 || Z.field != MFD_REAL || !packed(Z))
        return MFD_EINVAL;
    size_t N = op->n1 * op->n2;
    switch (op->kind) {
    case MFD_SENSOP_IDENTITY: memcpy(Z.data, r, N * sizeof(double)); return MFD_OK;
    case MFD_SENSOP_DENSE:
        if (op->symmetrized) { /* packed: Σ_k r_k Ã_k in Z's upper triangle, then mirrored */
            size_t n = op->n1;
            memset(Z.data, 0, N * sizeof(double));
            for (size_t k = 0; k < op->m; k++) {
                const double *a = op->block + k * op->nent;
                for (size_t j = 0, p = 0; j < n; j++)
                    for (size_t i = 0; i <= j; i++)
                        Z.data[i + j * n] += r[k] * a[p++];
            }
            for (size_t j = 0; j < n; j++)
                for (size_t i = j + 1; i < n; i++)
                    Z.data[i + j * n] = Z.data[j + i * n];
            return MFD_OK;
        }
        return mfd_la_dgemv('N', 1.0, mfd_mat_view(op->block, MFD_REAL, N, op->m, N), r, 0.0, Z.data);
    case MFD_SENSOP_GAUSSIAN_OTF: {
        /* Σ r_k (G_k + G_kᵀ)/2 = sym(Σ r_k G_k): symmetrized once, at the end */
        double scale = 1.0 / sqrt((double)op->m);
        memset(Z.data, 0, N * sizeof(double));
        for (size_t k = 0; k < op->m; k++)
            mfd_gauss_axpy(op->seed, MFD_STREAM_OPERATOR, k, N, scale * r[k], Z.data);
        if (op->symmetrized)
            symmetrize(op->n1, Z.data);
        return MFD_OK;
    }
    case MFD_SENSOP_MASK:
        memset(Z.data, 0, N * sizeof(double));
        for (size_t k = 0; k < op->m; k++)
            Z.data[op->mi[k] + op->mj[k] * op->n1] = op->scale * r[k];
        return MFD_OK;
    }
    return MFD_EINVAL;
}

mfd_status mfd_sensop_row(const mfd_sensop *op, size_t k, mfd_mat A)
{
    if (A.rows != op->n1 || A.cols != op->n2 || !packed(A) || k >= op->m)
        return MFD_EINVAL;
    size_t N = op->n1 * op->n2;
    switch (op->kind) {
    case MFD_SENSOP_IDENTITY:
        memset(A.data, 0, N * sizeof(double));
        A.data[k] = 1.0;
        return MFD_OK;
    case MFD_SENSOP_DENSE:
        if (op->symmetrized)
            mfd_sensop_unpack(op->n1, op->block + k * op->nent, A.data);
        else
            memcpy(A.data, op->block + k * N, N * sizeof(double));
        return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF:
        gaussian_row(op->seed, op->m, op->n1, op->n2, op->symmetrized, k, A.data);
        return MFD_OK;
    case MFD_SENSOP_MASK:
        memset(A.data, 0, N * sizeof(double));
        A.data[op->mi[k] + op->mj[k] * op->n1] = op->scale;
        return MFD_OK;
    }
    return MFD_EINVAL;
}

mfd_status mfd_sensop_entries(const mfd_sensop *op, size_t k, double *a)
{
    if (k >= op->m)
        return MFD_EINVAL;
    switch (op->kind) {
    case MFD_SENSOP_DENSE: memcpy(a, op->block + k * op->nent, op->nent * sizeof(double)); return MFD_OK;
    case MFD_SENSOP_GAUSSIAN_OTF: gaussian_entries(op->seed, op->m, op->n1, op->n2, op->symmetrized, k, a); return MFD_OK;
    default: return MFD_EINVAL;
    }
}
