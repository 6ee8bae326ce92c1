/* mfd_scaled.h — scaled (preconditioned) gradient descent and its baselines
 * on the two-factor model of mfd_sense.h (THEORY.md §3):
 *
 *   gd              F ← F − η' ∇_F f,  G ← G − η' ∇_G f,  η' = η / gd_scale
 *   scaledgd        F ← F − η ∇_F f (GᵀG + λI)⁻¹,  G ← G − η ∇_G f (FᵀF + λI)⁻¹,
 *                   both from the old F, G ([TMC21]; λ = 0; with λ > 0 this is
 *                   ScaledGD(λ) [XSMC23]; symmetric: X ← X − η ∇f (XᵀX + λI)⁻¹)
 *   precgd          scaledgd with λ_t = c ‖A(M_t) − y‖ ([ZFZ23])
 *   altscaledgd     F as scaledgd; re-evaluate at the new F; then G with the
 *                   new F ([JWPFM23])
 *   altmin          exact least squares in F, then in G: for the identity
 *                   operator (factorization, robust PCA) this is altscaledgd
 *                   with η = 1, λ = 0; for completion one k × k system per
 *                   row of F and per column of G over the observed entries;
 *                   for a stored sensing operator the normal equations of
 *                   A(FGᵀ)_j = ⟨A_j G, F⟩ in the n1 k unknowns of F (then
 *                   ⟨A_jᵀ F, G⟩ for G), one (n k) × (n k) Cholesky each.
 *
 * The k × k systems are never inverted: the Gram matrix is factorized by
 * Cholesky and applied with two triangular solves.  A factorization that
 * fails (a singular preconditioner: λ = 0 with rank-deficient factors) ends
 * the iteration with MFD_STOP_SINGULAR_PRECONDITIONER and leaves the factors
 * as they were: never a NaN.  All workspace is allocated at set-up. */
#ifndef MFD_SCALED_H
#define MFD_SCALED_H

#include "mfd_sense.h"
#include "mfd_stop.h"

typedef enum mfd_method {
    MFD_METHOD_GD,
    MFD_METHOD_SCALEDGD,
    MFD_METHOD_PRECGD,
    MFD_METHOD_ALTSCALEDGD,
    MFD_METHOD_ALTMIN
} mfd_method;

typedef struct mfd_scaled {
    mfd_method method;
    mfd_sense *s;         /* not owned */
    double eta, lambda, gd_scale;
    double lambda_used;   /* λ of the last step (precgd: c ‖residual‖) */
    mfd_mat gram, pF, pG; /* k × k; n1 × k; n2 × k */
    /* altmin on a mask: observed entries by row */
    size_t *row_start, *row_entry;
    double *rhs;
    /* altmin on a stored sensing operator: design (n k) × m, normal matrix */
    mfd_mat design, normal;
} mfd_scaled;

/* Bytes altmin needs on a stored sensing operator (0 if it overflows). */
size_t mfd_scaled_altmin_bytes(size_t m, size_t n1, size_t n2, size_t k);

/* method/problem combinations that do not exist are MFD_EINVAL:
 * altscaledgd needs the asymmetric model, altmin the identity, a mask or a
 * stored (dense) operator. */
mfd_status mfd_scaled_alloc(mfd_method method, mfd_sense *s, double eta, double lambda, double gd_scale,
                            mfd_scaled **out);
void mfd_scaled_free(mfd_scaled *m);

/* out = grad (otherᵀ other + λI)⁻¹; MFD_ENUMERIC when the Gram matrix is not
 * numerically positive definite (out is then undefined). */
mfd_status mfd_scaled_precondition(mfd_scaled *m, mfd_mat grad, mfd_mat other, double lambda, mfd_mat out);

/* One iteration from the point mfd_sense_eval last evaluated.  *stop becomes
 * MFD_STOP_SINGULAR_PRECONDITIONER (factors untouched) when a factorization
 * fails. */
mfd_status mfd_scaled_step(mfd_scaled *m, mfd_stop *stop);

#endif
