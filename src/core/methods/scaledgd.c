/* scaledgd — scaled gradient descent on the two-factor model ([TMC21],
 * THEORY.md §3):
 *
 *   F ← F − η ∇_F f (GᵀG + λI)⁻¹,  G ← G − η ∇_G f (FᵀF + λI)⁻¹,
 *
 * both from the old F, G; symmetric: X ← X − η ∇f (XᵀX + λI)⁻¹.  method=
 * scaledgd has λ = 0; scaledgd_lambda is ScaledGD(λ) of [XSMC23], λ > 0.
 * The workspace and the preconditioner serve the other scaled rules too
 * (scaledgd.h). */
#include "scaledgd.h"

#include <stdlib.h>

#include "mfd_la.h"
#include "mfd_method.h"

mfd_status mfd_scaledgd_ws_init(mfd_sense *s, double eta, double lambda, mfd_scaledgd_ws *ws)
{
    ws->s = s;
    ws->eta = eta;
    ws->lambda = lambda;
    ws->lambda_used = 0;
    ws->gram.data = ws->pF.data = ws->pG.data = NULL;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, s->k, s->k, &ws->gram)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n1, s->k, &ws->pF)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n2, s->k, &ws->pG)) != MFD_OK)
        mfd_scaledgd_ws_release(ws);
    return st;
}

void mfd_scaledgd_ws_release(mfd_scaledgd_ws *ws)
{
    mfd_mat_free(&ws->gram);
    mfd_mat_free(&ws->pF);
    mfd_mat_free(&ws->pG);
}

mfd_status mfd_scaledgd_ws_alloc(void *model, double eta, double lambda, void **state)
{
    mfd_scaledgd_ws *ws = malloc(sizeof *ws);
    if (!ws)
        return MFD_ENOMEM;
    mfd_status st = mfd_scaledgd_ws_init(model, eta, lambda, ws);
    if (st != MFD_OK) {
        free(ws);
        return st;
    }
    *state = ws;
    return MFD_OK;
}

void mfd_scaledgd_ws_free(void *state)
{
    if (!state)
        return;
    mfd_scaledgd_ws_release(state);
    free(state);
}

/* Cholesky of the Gram matrix in ws->gram (lower triangle). */
static mfd_status gram_cholesky(mfd_scaledgd_ws *ws, mfd_mat other, double lambda)
{
    MFD_CHECK(mfd_la_gemm('T', 'N', 1.0, other, other, 0.0, ws->gram));
    for (size_t i = 0; i < ws->s->k; i++)
        *mfd_mat_at(ws->gram, i, i) += lambda;
    return mfd_la_cholesky(ws->gram);
}

mfd_status mfd_scaledgd_precondition(mfd_scaledgd_ws *ws, mfd_mat grad, mfd_mat other, double lambda, mfd_mat out)
{
    MFD_CHECK(gram_cholesky(ws, other, lambda));
    MFD_CHECK(mfd_mat_copy(out, grad));
    /* out ← grad C⁻ᵀ C⁻¹ = grad (C Cᵀ)⁻¹ */
    MFD_CHECK(mfd_la_trsm_lower('R', 'T', ws->gram, out));
    return mfd_la_trsm_lower('R', 'N', ws->gram, out);
}

mfd_status mfd_scaledgd_singular(mfd_status st, mfd_stop *stop)
{
    if (st == MFD_ENUMERIC) {
        *stop = MFD_STOP_SINGULAR_PRECONDITIONER;
        return MFD_OK;
    }
    return st;
}

mfd_status mfd_scaledgd_simultaneous(mfd_scaledgd_ws *ws, double lambda, mfd_stop *stop)
{
    mfd_sense *s = ws->s;
    mfd_status st;
    ws->lambda_used = lambda;
    /* both preconditioned gradients from the old factors, then both updates */
    if ((st = mfd_scaledgd_precondition(ws, s->gF, s->G, lambda, ws->pF)) != MFD_OK)
        return mfd_scaledgd_singular(st, stop);
    if (!s->symmetric && (st = mfd_scaledgd_precondition(ws, s->gG, s->F, lambda, ws->pG)) != MFD_OK)
        return mfd_scaledgd_singular(st, stop);
    MFD_CHECK(mfd_mat_axpy(-ws->eta, ws->pF, s->F));
    if (!s->symmetric)
        MFD_CHECK(mfd_mat_axpy(-ws->eta, ws->pG, s->G));
    return MFD_OK;
}

double mfd_scaledgd_lambda_used(const void *state) { return ((const mfd_scaledgd_ws *)state)->lambda_used; }

void mfd_scaledgd_save(const void *state, mfd_ckpt_buf *b)
{
    const mfd_scaledgd_ws *ws = state;
    mfd_ckpt_put_tag(b, "scaled");
    mfd_ckpt_put_f64(b, ws->lambda_used);
}

mfd_status mfd_scaledgd_load(void *state, mfd_ckpt_buf *b)
{
    mfd_scaledgd_ws *ws = state;
    mfd_ckpt_get_tag(b, "scaled");
    double l = mfd_ckpt_get_f64(b);
    MFD_CHECK(b->st);
    ws->lambda_used = l;
    return MFD_OK;
}

/* ---- the types ---------------------------------------------------------- */

static mfd_status scaledgd_check(const mfd_method_params *p, const mfd_method_problem *pb, char *msg, size_t len)
{
    (void)pb;
    if (p->lambda != 0)
        return mfd_status_invalid(msg, len, "key 'lambda': method=scaledgd has lambda = 0; use method=scaledgd_lambda");
    return MFD_OK;
}

static mfd_status scaledgd_lambda_check(const mfd_method_params *p, const mfd_method_problem *pb, char *msg,
                                        size_t len)
{
    (void)pb;
    if (!(p->lambda > 0))
        return mfd_status_invalid(msg, len, "key 'lambda': method=scaledgd_lambda needs lambda > 0, not %g", p->lambda);
    return MFD_OK;
}

static mfd_status scaledgd_alloc(void *model, const mfd_method_params *p, void **state)
{
    return mfd_scaledgd_ws_alloc(model, p->eta, p->lambda, state);
}

static mfd_status scaledgd_step(void *state, mfd_stop *stop)
{
    mfd_scaledgd_ws *ws = state;
    return mfd_scaledgd_simultaneous(ws, ws->lambda, stop);
}

const mfd_method_type mfd_scaledgd_type = {
    .name = "scaledgd",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = scaledgd_check,
    .alloc = scaledgd_alloc,
    .step = scaledgd_step,
    .lambda_used = mfd_scaledgd_lambda_used,
    .save = mfd_scaledgd_save,
    .load = mfd_scaledgd_load,
    .free = mfd_scaledgd_ws_free,
};

const mfd_method_type mfd_scaledgd_lambda_type = {
    .name = "scaledgd_lambda",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = scaledgd_lambda_check,
    .alloc = scaledgd_alloc,
    .step = scaledgd_step,
    .lambda_used = mfd_scaledgd_lambda_used,
    .save = mfd_scaledgd_save,
    .load = mfd_scaledgd_load,
    .free = mfd_scaledgd_ws_free,
};
