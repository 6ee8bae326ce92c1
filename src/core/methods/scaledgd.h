/* scaledgd.h — what the scaled rules share (scaledgd, scaledgd_lambda,
 * precgd, altscaledgd, altmin): a k × k Gram workspace and the two
 * preconditioned gradients, all allocated at set-up.
 *
 * The k × k systems are never inverted: the Gram matrix (otherᵀ other + λI)
 * is factorized by Cholesky and applied with two triangular solves.  A
 * factorization that fails (a singular preconditioner: λ = 0 with
 * rank-deficient factors) ends the run with MFD_STOP_SINGULAR_PRECONDITIONER
 * and leaves the factors as they were: never a NaN. */
#ifndef MFD_SCALEDGD_H
#define MFD_SCALEDGD_H

#include "mfd_sense.h"
#include "mfd_stop.h"

typedef struct mfd_scaledgd_ws {
    mfd_sense *s;         /* not owned */
    double eta, lambda;   /* the step and λ (precgd: its c) */
    double lambda_used;   /* λ of the last step */
    mfd_mat gram, pF, pG; /* k × k; n1 × k; n2 × k */
} mfd_scaledgd_ws;

/* Fill *ws (part of a larger state) for the model s; on failure what was
 * built is released.  mfd_scaledgd_ws_release frees its matrices. */
mfd_status mfd_scaledgd_ws_init(mfd_sense *s, double eta, double lambda, mfd_scaledgd_ws *ws);
void mfd_scaledgd_ws_release(mfd_scaledgd_ws *ws);

/* A workspace on its own, the whole state of scaledgd, scaledgd_lambda,
 * precgd (lambda holds its c) and altscaledgd: the types' alloc and free.
 * model is an mfd_sense; mfd_scaledgd_ws_free(NULL) is a no-op. */
mfd_status mfd_scaledgd_ws_alloc(void *model, double eta, double lambda, void **state);
void mfd_scaledgd_ws_free(void *state);

/* out = grad (otherᵀ other + λI)⁻¹; MFD_ENUMERIC when the Gram matrix is not
 * numerically positive definite (out is then undefined). */
mfd_status mfd_scaledgd_precondition(mfd_scaledgd_ws *ws, mfd_mat grad, mfd_mat other, double lambda, mfd_mat out);

/* ScaledGD's step with damping λ: both preconditioned gradients from the old
 * factors, then both updates ([TMC21]; symmetric: X ← X − η ∇f (XᵀX + λI)⁻¹). */
mfd_status mfd_scaledgd_simultaneous(mfd_scaledgd_ws *ws, double lambda, mfd_stop *stop);

/* A failed factorization (MFD_ENUMERIC) becomes the stop reason
 * singular_preconditioner and MFD_OK; any other status passes through. */
mfd_status mfd_scaledgd_singular(mfd_status st, mfd_stop *stop);

/* The λ of the last step, for a state whose first member is an mfd_scaledgd_ws. */
double mfd_scaledgd_lambda_used(const void *state);

/* What such a state carries between steps (the λ of the last step), into /
 * from a checkpoint: the save and load of every scaled rule. */
void mfd_scaledgd_save(const void *state, mfd_ckpt_buf *b);
mfd_status mfd_scaledgd_load(void *state, mfd_ckpt_buf *b);

#endif
