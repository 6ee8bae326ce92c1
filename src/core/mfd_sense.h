/* mfd_sense.h — over-parameterized matrix sensing with two factors
 * (THEORY.md §2).
 *
 *   symmetric:   X ∈ R^{n×k},  f(X) = ¼‖A(XXᵀ) − y‖²,   ∇f = sym(Z) X,
 *   asymmetric:  F ∈ R^{n1×k}, G ∈ R^{n2×k},  f = ½‖A(FGᵀ) − y‖²,
 *                ∇_F f = Z G,  ∇_G f = Zᵀ F,
 *   Z = A*(A(M) − y),  M = XXᵀ or FGᵀ,  sym(Z) = (Z + Zᵀ)/2.
 *
 * (sym(Z) = Z for a symmetrized operator; with the ¼ loss the symmetric
 * gradient equals the asymmetric one at F = G, so a symmetric run and an
 * asymmetric run from F_0 = G_0 coincide.)  The relative error
 * ‖M − M*‖_F / ‖M*‖_F is formed explicitly from M − M*: the trace identity
 * loses every digit below 1e-8.
 *
 * Two options serve mfd-scaled:
 *   robust PCA (mfd_sense_set_robust): the residual r = A(M) − y becomes
 *     r − T_α(r), i.e. the loss is ½‖FGᵀ + S − Y‖² with S = T_α(Y − FGᵀ)
 *     re-estimated at every evaluation ([TMC21]);
 *   the sparse completion path (mfd_sense_set_sparse, mask operators): the
 *     residual and the gradients are computed on the observed entries only,
 *     O(|Ω| k), and the error ‖FGᵀ − M*‖ from the truth's factors with two
 *     thin QR factorizations, O((n1 + n2)(k + r)²), never forming n1 × n2
 *     matrices: [F, −U*S*] [G, V*]ᵀ = Q_a R_a R_bᵀ Q_bᵀ, so the error is
 *     ‖R_a R_bᵀ‖_F, with no cancellation (unlike the trace identity).
 *
 * The model owns its factors and workspace; the operator and the
 * measurements belong to the caller and must outlive it.  Like mfd_deep, the
 * caller owns the loop: mfd_sense_eval at the current factors, then an update
 * (mfd_sense_update for GD; the update rules of mfd_method.h). */
#ifndef MFD_SENSE_H
#define MFD_SENSE_H

#include <stdbool.h>

#include "mfd_la.h"
#include "mfd_mat.h"
#include "mfd_rpca.h"
#include "mfd_sensop.h"

struct mfd_sense;

/* Fills s->resid = A(s->M) − y and s->Z = A*(resid) for a batchable model
 * (the normal map of mfd_sense_eval): a caller that steps several models over
 * one operator evaluates them together (mfd_sense_group_normal). */
typedef mfd_status (*mfd_sense_normal_fn)(void *ctx, struct mfd_sense *s);

typedef struct mfd_sense {
    bool symmetric;
    size_t n1, n2, k;
    mfd_mat F, G;        /* n1×k and n2×k; symmetric: G is a view of F */
    mfd_mat gF, gG;      /* gradients (symmetric: gG is a view of gF) */
    mfd_mat target;      /* M*, n1×n2, owned */
    double target_norm;  /* ‖M*‖_F */
    const mfd_sensop *op;
    const double *y;     /* m measurements */
    /* workspace */
    mfd_mat M, E, Z;     /* FGᵀ, FGᵀ − M*, A*(A(M) − y) */
    double *resid;       /* A(M) − y */
    double *op_work;     /* the batched map's work (mfd_sensbatch_work): an on-the-fly A_k, a chunk's tile sums */
    double *Mp, *Zp;     /* symmetrized operator: M's packed sums and the packed Z (nent each) */
    mfd_sense_normal_fn normal; /* NULL: the normal map of this model alone */
    void *normal_ctx;
    /* robust PCA */
    mfd_rpca *robust;    /* not owned; NULL: plain */
    mfd_mat S;           /* the last outlier estimate T_α(Y − FGᵀ) */
    /* sparse completion path */
    bool sparse;
    mfd_mat Pa, Pb;      /* [F, −U*S*] (n1 × (k+r)) and [G, V*] (n2 × (k+r)) */
    mfd_mat Qa, Qb;      /* their copies, factorized in place */
    mfd_mat Rab;         /* R_a R_bᵀ */
    double *tau;
    mfd_la_ws qr_ws;
    /* at the last evaluation */
    double loss, err_abs, rel_err;
} mfd_sense;

/* Allocate a model with zero factors and a zero target; symmetric needs
 * n1 == n2 and the operator's n1 × n2 must match. */
mfd_status mfd_sense_alloc(bool symmetric, size_t n1, size_t n2, size_t k, const mfd_sensop *op, const double *y,
                           mfd_sense **out);
void mfd_sense_free(mfd_sense *s);

/* Set M* (copied) and its norm. */
mfd_status mfd_sense_set_target(mfd_sense *s, mfd_mat target);

/* Robust PCA: remove T_α(residual) at every evaluation (identity operator). */
mfd_status mfd_sense_set_robust(mfd_sense *s, mfd_rpca *w);

/* The sparse path for a mask operator, given the truth's factors M* = US Vᵀ
 * (US: n1 × r, V: n2 × r); allocates its workspace once. */
mfd_status mfd_sense_set_sparse(mfd_sense *s, mfd_mat US, mfd_mat V);

/* Product, residual, loss, errors and both gradients at the current factors. */
mfd_status mfd_sense_eval(mfd_sense *s);

/* Models whose operator is a stored or on-the-fly Gaussian (neither the
 * robust nor the sparse path) are evaluated through the batched normal map
 * (mfd_sensbatch.h), alone or in a group sharing the operator: the same
 * bits either way. */
bool mfd_sense_batchable(const mfd_sense *s);

/* M = FGᵀ and the errors (the first part of every evaluation). */
mfd_status mfd_sense_eval_product(mfd_sense *s);

/* Models that share one operator, evaluated together: one pass over the
 * operator for all of them (mfd_sense_eval_group).  cap is the largest
 * group; the pointer arrays are its workspace. */
typedef struct mfd_sense_group {
    size_t cap;
    const double **X, **y;
    double **r, **Z, **W; /* W: each model's op_work */
} mfd_sense_group;

mfd_status mfd_sense_group_alloc(size_t cap, mfd_sense_group *grp);
void mfd_sense_group_free(mfd_sense_group *grp); /* a zeroed group is a no-op */

/* mfd_sense_eval of s[0..n) (n <= cap), with their forward and adjoint
 * maps in one batched pass: each model ends as mfd_sense_eval leaves it, bit
 * for bit.  The models must be batchable and share one operator (the same
 * pointer): MFD_EINVAL otherwise. */
mfd_status mfd_sense_eval_group(mfd_sense_group *grp, mfd_sense *const *s, size_t n);

/* The normal maps of s[0..n) (batchable, one operator; n <= cap) in one
 * pass: each s[i]->resid and s[i]->Z as mfd_sense_eval computes them alone,
 * bit for bit, from each s[i]->M. */
mfd_status mfd_sense_group_normal(mfd_sense_group *grp, mfd_sense *const *s, size_t n);

/* Every later mfd_sense_eval of s hands its normal map to fn(ctx, s)
 * (NULL: back to computing it alone).  For a batchable model only
 * (MFD_EINVAL otherwise). */
mfd_status mfd_sense_set_normal(mfd_sense *s, mfd_sense_normal_fn fn, void *ctx);

/* Product, loss and errors only (no gradient): for finite differences. */
mfd_status mfd_sense_loss(mfd_sense *s);

/* Gradient descent: F ← F − η ∇_F, G ← G − η ∇_G from the last evaluation. */
void mfd_sense_update(mfd_sense *s, double eta);

/* A change of gauge, (F, G) ← (F Q, G Qit): with Qit = Q⁻ᵀ it leaves FGᵀ as
 * it is (P7's (LQ, RQ⁻ᵀ), and the re-imbalancing step below).  Q and Qit are
 * k × k; scratch is at least max(n1, n2) × k (its first entries are
 * overwritten).  Asymmetric only (MFD_EINVAL). */
mfd_status mfd_sense_transform(mfd_sense *s, mfd_mat Q, mfd_mat Qit, mfd_mat scratch);

/* The re-imbalancing step of [XDD24 §5] as mfdyn implements it (THEORY.md
 * S4; the paper's exact step is not public): (F, G) ← (F P, G P⁻ᵀ) with
 * P = (FᵀF)^{−1/2} √scale, i.e. FᵀF becomes scale·I and FGᵀ is unchanged.
 * Asymmetric only; FᵀF singular is MFD_ENUMERIC.  Allocates (once per run). */
mfd_status mfd_sense_rebalance(mfd_sense *s, double scale);

#endif
