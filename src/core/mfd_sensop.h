/* mfd_sensop.h — linear measurement operators A: R^{n1×n2} → R^m and their
 * adjoints, for matrix sensing (THEORY.md §2).
 *
 *   A(X)_k = ⟨A_k, X⟩,   A*(r) = Σ_k r_k A_k.
 *
 * Kinds:
 *   identity       m = n1 n2, A(X) = vec(X): plain factorization of M*;
 *   dense          the A_k stored once as one contiguous block, A_k (n1×n2,
 *                  column-major) being column k of an (n1 n2) × m matrix:
 *                  A and A* are one matrix-vector product each (dgemv 'T' and
 *                  'N'), each reading the block once;
 *   gaussian_otf   the Gaussian A_k regenerated from counters each time they
 *                  are needed, so nothing of size m n1 n2 is stored: A(X)_k is
 *                  one fused pass of generation and dot product
 *                  (mfd_gauss_dot), A*(r) one of generation and axpy per k
 *                  (mfd_gauss_axpy); the symmetrized kind works with
 *                  ⟨(G + Gᵀ)/2, X⟩ = ⟨G, (X + Xᵀ)/2⟩ and symmetrizes A*(r) once;
 *   mask           matrix completion: A(X)_k = X[i_k, j_k] / √p over the entries
 *                  of a Bernoulli(p) mask Ω, so that A*A = P_Ω / p and
 *                  E[A*A(D)] = D; the gradient of ½‖A(X) − y‖² is the 1/p-scaled
 *                  masked residual.  Ω is listed column by column.
 * A symmetrized Gaussian operator (stored or on the fly) is used through
 * its packed entries: the upper triangle of A_k, column by column (entry
 * (i, j), i ≤ j, at j (j + 1)/2 + i: nent = n (n + 1)/2 per A_k, about half
 * of n²), against X's packed sums (X_ii, and X_ij + X_ji for i < j):
 * ⟨A_k, X⟩ = Σ_{i ≤ j} A_k,ij X̃_ij for any X, and A*(r) is the symmetric
 * matrix of the packed Σ_k r_k Ã_k.  The stored block holds the packed
 * entries, half the memory and half the reading per evaluation.
 * Gaussian A_k have iid N(0, 1/m) entries, so that E[A*A(D)] = D; the
 * symmetrized ones are (G_k + G_kᵀ)/(2√m), for which E[A*A(D)] = D on
 * symmetric D.  G_k is row k of mfd_gauss under (seed, MFD_STREAM_OPERATOR),
 * A_k = G_k/√m (entry i + j n1 of the column-major A_k is entry i + j n1 of
 * the row), for the dense and the on-the-fly operator alike: both have the
 * same A_k bit for bit, on every CPU, and their A(X), A*(r) agree to
 * rounding (the sums run in different orders).  A Gaussian operator needs
 * n1 n2 ≤ MFD_GAUSS_MAX_ENTRIES (2^33), else MFD_ERANGE. */
#ifndef MFD_SENSOP_H
#define MFD_SENSOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfd_mat.h"

typedef enum mfd_sensop_kind {
    MFD_SENSOP_IDENTITY,
    MFD_SENSOP_DENSE,
    MFD_SENSOP_GAUSSIAN_OTF,
    MFD_SENSOP_MASK
} mfd_sensop_kind;

typedef struct mfd_sensop {
    mfd_sensop_kind kind;
    size_t m, n1, n2;
    bool symmetrized;  /* Gaussian kinds: (G + Gᵀ)/2 */
    size_t nent;       /* dense and on-the-fly: the entries used per A_k, n1 n2 or n (n + 1)/2 (packed) */
    double *block;     /* dense: nent × m, owned */
    uint64_t seed;     /* Gaussian: mfd_gauss's seed (stream MFD_STREAM_OPERATOR) */
    double *row;       /* symmetrized on-the-fly: (X + Xᵀ)/2, n1 n2 doubles of scratch */
    size_t *mi, *mj;   /* mask: entry k is (mi[k], mj[k]), column by column */
    size_t *col_start; /* mask: entries of column j are col_start[j] .. col_start[j+1]-1 */
    double scale;      /* mask: 1/√p */
} mfd_sensop;

/* Entries used per A_k: n1 n2, or n (n + 1)/2 symmetrized (packed); 0 if
 * n1 n2 overflows size_t. */
size_t mfd_sensop_nent(size_t n1, size_t n2, bool symmetrized);

/* Bytes that a dense operator of this size stores (symmetrized: packed);
 * 0 if it overflows size_t. */
size_t mfd_sensop_dense_bytes(size_t m, size_t n1, size_t n2, bool symmetrized);

/* X̃ (n (n + 1)/2 doubles) from X (n×n, column-major): X_jj, and X_ij + X_ji
 * for i < j, at j (j + 1)/2 + i. */
void mfd_sensop_pack(size_t n, const double *X, double *xp);

/* Z (n×n) = the symmetric matrix whose upper triangle is zp (packed). */
void mfd_sensop_unpack(size_t n, const double *zp, double *Z);

/* The nent entries of A_k that the operator uses (packed when symmetrized)
 * into a, which holds n1 n2 doubles (dense and on-the-fly kinds). */
mfd_status mfd_sensop_entries(const mfd_sensop *op, size_t k, double *a);

mfd_status mfd_sensop_identity(size_t n1, size_t n2, mfd_sensop **out);

/* Dense Gaussian operator (symmetrized: n1 == n2 required). */
mfd_status mfd_sensop_gaussian(size_t m, size_t n1, size_t n2, bool symmetrized, uint64_t seed, mfd_sensop **out);

/* The same operator, regenerated on the fly. */
mfd_status mfd_sensop_gaussian_otf(size_t m, size_t n1, size_t n2, bool symmetrized, uint64_t seed,
                                   mfd_sensop **out);

/* Dense operator from a stack of m matrices A_k (n1×n2 column-major, the
 * layout mfd_npy_read gives an (m, n1, n2) file); the data is copied. */
mfd_status mfd_sensop_from_block(size_t m, size_t n1, size_t n2, const double *stack, mfd_sensop **out);

/* Completion mask: each of the n1 n2 entries observed with probability p
 * (stream MFD_STREAM_MASK of seed); an empty mask is MFD_EINVAL. */
mfd_status mfd_sensop_mask(size_t n1, size_t n2, double p, uint64_t seed, mfd_sensop **out);

void mfd_sensop_free(mfd_sensop *op);

/* y = A(X); X is n1×n2 real (any leading dimension). */
mfd_status mfd_sensop_apply(const mfd_sensop *op, mfd_mat X, double *y);

/* Z = A*(r); Z is n1×n2 real. */
mfd_status mfd_sensop_adjoint(const mfd_sensop *op, const double *r, mfd_mat Z);

/* The k-th measurement matrix A_k into A (n1×n2). */
mfd_status mfd_sensop_row(const mfd_sensop *op, size_t k, mfd_mat A);

#endif
