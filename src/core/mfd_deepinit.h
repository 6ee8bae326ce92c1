/* mfd_deepinit.h — initializations of a deep model's layers (THEORY.md §1).
 * Every one takes an explicit scale and, if random, an explicit generator.
 * Set-up functions: they may allocate scratch space.  The balanced ones need
 * square layers (MFD_EINVAL otherwise). */
#ifndef MFD_DEEPINIT_H
#define MFD_DEEPINIT_H

#include "mfd_deep.h"
#include "mfd_rng.h"

/* W_j = eps G_j, G_j iid standard (complex: re, im of variance ½). [LXGFD25] */
void mfd_deepinit_gaussian(mfd_deep *m, mfd_rng *r, double eps);

/* [ACHL19] scaling: entries of std s^{1/N} / sqrt(d_{j−1}), so ‖W(0)‖_F ≈ s sqrt(d). */
void mfd_deepinit_gaussian_achl(mfd_deep *m, mfd_rng *r, double s);

/* [LXGFD25] §4: W_j = eps Q_j (GᴴG)^{1/2} Q_{j−1}ᴴ, G Gaussian, Q_0 … Q_N Haar.
 * Exactly balanced (Δ_j = 0 up to rounding). */
mfd_status mfd_deepinit_balanced_gaussian(mfd_deep *m, mfd_rng *r, double eps);

/* Balanced layers with product U diag(s) VH: W_1 = diag(s^{1/N}) VH,
 * W_j = diag(s^{1/N}) (1 < j < N), W_N = U diag(s^{1/N}); s >= 0. */
mfd_status mfd_deepinit_balanced_svd(mfd_deep *m, mfd_mat U, const double *s, mfd_mat VH);

/* [ACGH19] Procedure 1: the balanced layers of the end-to-end matrix A (d×d). */
mfd_status mfd_deepinit_balanced_from_product(mfd_deep *m, mfd_mat A);

/* W_j = alpha^{1/N} I (alpha > 0). */
mfd_status mfd_deepinit_identity(mfd_deep *m, double alpha);

/* W_j = scale × an independent Haar unitary (orthogonal) matrix. */
mfd_status mfd_deepinit_orthogonal(mfd_deep *m, mfd_rng *r, double scale);

/* [SMG14] decoupled: layers aligned with the target's singular vectors,
 * every mode starting at end-to-end strength u0 > 0 (balanced). */
mfd_status mfd_deepinit_decoupled(mfd_deep *m, double u0);

#endif
