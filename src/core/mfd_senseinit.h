/* mfd_senseinit.h — ground truth and initial factors for matrix sensing
 * (THEORY.md §2).  Set-up functions: they may allocate scratch space. */
#ifndef MFD_SENSEINIT_H
#define MFD_SENSEINIT_H

#include <stdbool.h>

#include "mfd_rng.h"
#include "mfd_sense.h"

/* s = linspace(1, 1/kappa, r): singular values with condition number kappa. */
void mfd_senseinit_spectrum(double *s, size_t r, double kappa);

/* How the truth's singular vectors are drawn. */
typedef enum mfd_basis_kind {
    MFD_BASIS_HAAR = 0,           /* Haar (QR of a Gaussian matrix, signs fixed) */
    MFD_BASIS_RADEMACHER_QR = 1,  /* the Householder QR factor of a Rademacher (±1) matrix */
    MFD_BASIS_RADEMACHER_SVD = 2  /* its left singular vectors, in the order of the singular values: what
                                   * [TMC21]'s scripts do (svds(U_seed, r), MC.m/RPCA.m L14) */
} mfd_basis_kind;

/* M* = U diag(s) Vᵀ with U (n1×r), V (n2×r) orthonormal, drawn as `basis`
 * says.  With same_basis, V = U (n1 == n2; PSD of rank r for the symmetric
 * model).  U and V are returned (they may share storage when same_basis).
 * The two Rademacher kinds span the same subspace with the same draws, but
 * the bases within it differ, and so does M*. */
mfd_status mfd_senseinit_truth(mfd_rng *rng, mfd_basis_kind basis, bool same_basis, const double *s, size_t r, mfd_mat M,
                               mfd_mat U, mfd_mat V);

/* The top-r singular subspaces (U: n1×r, V: n2×r) and values of M. */
mfd_status mfd_senseinit_top(mfd_mat M, size_t r, mfd_mat U, double *s, mfd_mat V);

/* Small random: F0 = alpha N(0,1) (divided by sqrt(n1) when per_sqrt_n),
 * G0 = g_ratio * alpha N(0,1) (divided by sqrt(n2)); symmetric: X0 = F0. */
void mfd_senseinit_small(mfd_sense *s, mfd_rng *rng, double alpha, double g_ratio, bool per_sqrt_n);

/* Exactly balanced (asymmetric): P = (alpha A)(alpha B)ᵀ with A, B Gaussian
 * (divided by sqrt(n) when per_sqrt_n), P = U S Vᵀ, F0 = U_k S_k^{1/2},
 * G0 = V_k S_k^{1/2}, so F0ᵀF0 = G0ᵀG0 = S_k. */
mfd_status mfd_senseinit_balanced(mfd_sense *s, mfd_rng *rng, double alpha, bool per_sqrt_n);

/* Spectral: the top-k part of Y = A*(y) (symmetric: of its symmetric part,
 * eigenvalues clipped at 0), split as U S^{1/2}, V S^{1/2}.  With a robust
 * model, of Y − T(Y), T = init_proj, or the model's own T_α when init_proj is
 * NULL ([TMC21]'s RPCA.m L26 projects with T_α where its iterations use
 * T_2α).  With dev_op non-NULL, also *dev_op = ‖Y' − M*‖_op for the matrix Y'
 * that is projected and the model's target M* (one more SVD, values only).
 * For rank-r M* and k ≥ r, ‖F Gᵀ − M*‖_F ≤ 2√(k + r)·‖Y' − M*‖_op follows:
 * F Gᵀ − M* has rank at most k + r, and its operator norm is at most
 * σ_{k+1}(Y') + ‖Y' − M*‖_op ≤ 2‖Y' − M*‖_op (Weyl; the symmetric case
 * alike, with the clipped eigenvalues). */
mfd_status mfd_senseinit_spectral(mfd_sense *s, mfd_rpca *init_proj, double *dev_op);

/* P7: (F, G) ← (F Q, G Q⁻ᵀ) with a random Q = U diag(q) Vᵀ of condition
 * number cond (U, V Haar from rng, q from 1 down to 1/cond): FGᵀ stays, the
 * balance of the factors changes.  Asymmetric only. */
mfd_status mfd_senseinit_gauge(mfd_sense *s, mfd_rng *rng, double cond);

#endif
