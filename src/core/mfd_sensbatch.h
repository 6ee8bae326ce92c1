/* mfd_sensbatch.h — the normal map of a Gaussian measurement operator for
 * g problems at once, reading the operator once (THEORY.md §2):
 *
 *   r_i = A(X_i) − y_i,   Z_i = A*(r_i),   i = 0 .. g−1,
 *
 * A(X)_k = ⟨A_k, X⟩ and A*(r) = Σ_k r_k A_k, with X_i and Z_i n1 × n2
 * column-major (N = n1 n2 doubles each) and r_i, y_i m doubles each; for a
 * symmetrized operator X_i and Z_i are packed (mfd_sensop.h: N = nent =
 * n (n + 1)/2, X̃ from mfd_sensop_pack, Z̃ for mfd_sensop_unpack), the sums
 * below running over the packed entries.  Runs
 * that share an operator (same A_k: mfd-sense and mfd-scaled given --runs)
 * are evaluated by one call, and one run alone is the same call with g = 1.
 *
 * Every number is reduced in an order that does not depend on g, on which
 * other problems share the call, on the threads, or on the CPU's vector
 * width: so a run gives the same bits alone and in any group.
 *   A(X)_k   the N products A_k[n] X[n] are summed in tiles of
 *            MFD_SENSBATCH_TILE entries; inside a tile entry n goes to lane
 *            n mod 8, each lane summed in order, the 8 lanes added as
 *            ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)); the tiles'
 *            sums are added in order;
 *   A*(r)[n] Σ_k r_k A_k[n] added in the order k = 0, 1, ..., m − 1.
 * Products are rounded before they are added (no fused multiply-add), so
 * the plain and the vectorized code give the same bits.
 *
 * The stored operator is read in chunks of columns: the forward products of
 * a chunk, then its part of the adjoint while the chunk is still in cache,
 * so that the operator crosses the memory bus once per evaluation.  The
 * on-the-fly operator regenerates each A_k once per evaluation, from
 * mfd_gauss (mfd_sensop_row, into the caller's scratch) exactly as the
 * stored operator was filled, and uses it for all g problems, forward and
 * adjoint.  Stored and on-the-fly operators give the same bits.
 *
 * The normal map allocates nothing: the outputs and the caller's work hold
 * the partial sums. */
#ifndef MFD_SENSBATCH_H
#define MFD_SENSBATCH_H

#include <stddef.h>

#include "mfd_sensop.h"
#include "mfd_status.h"

/* Entries of A_k per partial sum of a forward product (part of the
 * definition of the result, like the lane count). */
#define MFD_SENSBATCH_TILE 2048

/* Tiles of N entries (the last one may be short). */
static inline size_t mfd_sensbatch_tiles(size_t N) { return (N + MFD_SENSBATCH_TILE - 1) / MFD_SENSBATCH_TILE; }

/* Does the batched normal map serve this operator (stored or on-the-fly
 * Gaussian, or a stack given as a file)? */
bool mfd_sensbatch_serves(const mfd_sensop *op);

/* The threads a stored operator's pass over N entries a column takes when
 * nt are set: the most, up to nt, that keep every thread's share of whole
 * tiles within 20% of an even split (an uneven share only makes the others
 * wait: 2 500 entries are tiles of 2 048 and 452, and two threads took 1.2
 * times one thread's time); 1 for one tile, or nt ≤ 1. */
int mfd_sensbatch_split_threads(size_t N, int nt);

/* Doubles of work each problem brings to mfd_sensbatch_normal: for an
 * on-the-fly operator A_k's entries (n1 n2; the first problem's work holds
 * them), for a stored one the sums of one chunk of columns tile by tile
 * (threads keep them there until the tiles are added in order); 0 for an
 * operator the map does not serve. */
size_t mfd_sensbatch_work(const mfd_sensop *op);

/* r[i] = A(X[i]) − y[i] and Z[i] = A*(r[i]) for i < g (g ≥ 1; the arrays
 * must not overlap; X[i], Z[i] packed for a symmetrized operator).  work[i]
 * is mfd_sensbatch_work(op) doubles of scratch for problem i.  MFD_EINVAL
 * for an operator it does not serve, or work missing. */
mfd_status mfd_sensbatch_normal(const mfd_sensop *op, size_t g, const double *const *X, const double *const *y,
                                double *const *r, double *const *Z, double *const *work);

/* y = A(X) and Z = A*(r) alone, in the same orders (the measurements and
 * the spectral initialization, so that a stored and an on-the-fly operator
 * give a run the same bits throughout).  X and Z are n1×n2 (not packed: a
 * symmetrized operator's packed copy is allocated for the call, MFD_ENOMEM
 * when it cannot be).  row is n1 n2 doubles of scratch for an on-the-fly
 * operator's A_k (unused, may be NULL, for a stored one). */
mfd_status mfd_sensbatch_apply(const mfd_sensop *op, const double *X, double *y, double *row);
mfd_status mfd_sensbatch_adjoint(const mfd_sensop *op, const double *r, double *Z, double *row);

/* Which kernels run: "auto" (the default: AVX-512 where the CPU has
 * AVX-512F, else AVX2, else plain C with two-lane vectors), or one of
 * "avx512", "avx2", "plain" forced.  An unknown name is MFD_EINVAL, a path
 * this CPU (or this build) lacks MFD_EUNSUPPORTED; either leaves the path as
 * it was.  All give the same bits (they differ in how many sums share the
 * registers, not in any sum's order); the choice exists so that tests can
 * run each one.  Call before any evaluation (a program reads it from the
 * environment variable MFD_SENSE_KERNELS). */
mfd_status mfd_sensbatch_set_path(const char *name);

/* The path evaluations take: "avx512", "avx2" or "plain". */
const char *mfd_sensbatch_path(void);

/* Worker threads of the batched map (1: the calling thread alone, the
 * default); the results do not depend on it. */
void mfd_sensbatch_set_threads(int n);
int mfd_sensbatch_threads(void);

#endif
