/* mfd_target.h — target matrices Σ for deep factorization (THEORY.md §1).
 * Set-up functions: they may allocate scratch space. */
#ifndef MFD_TARGET_H
#define MFD_TARGET_H

#include "mfd_mat.h"
#include "mfd_rng.h"

/* T = sigma I (ones on the main diagonal of a rectangular T). */
void mfd_target_identity(mfd_mat T, double sigma);

/* T = sigma × a Haar unitary (orthogonal) matrix; T square. */
mfd_status mfd_target_haar(mfd_mat T, double sigma, mfd_rng *r);

/* T = diag(s_1, …, s_k), k = min(rows, cols) values. */
mfd_status mfd_target_diag(mfd_mat T, const double *s, size_t k);

/* [ACHL19]'s random rank-r target: U Vᴴ / sqrt(r) with U, V Gaussian
 * (rows×r, cols×r), rescaled to ‖T‖_F = sqrt(rows·cols) — the
 * normalization of their public code (‖T‖_F = n for n×n). */
mfd_status mfd_target_lowrank(mfd_mat T, size_t rank, mfd_rng *r);

/* A Hermitian (real symmetric) T = Q diag(lambda) Qᴴ with Q Haar; lambda
 * should hold a negative entry ([ACGH19] Claim 5). */
mfd_status mfd_target_hermitian(mfd_mat T, const double *lambda, mfd_rng *r);

#endif
