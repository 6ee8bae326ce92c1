/* altscaledgd — alternating scaled gradient descent ([JWPFM23], THEORY.md
 * §3): the F half-step of scaledgd, then the G half-step from the residual
 * and the gradient at the new F.  Asymmetric model only. */
#include "altscaledgd.h"

#include "mfd_method.h"

mfd_status mfd_altscaledgd_alternate(mfd_scaledgd_ws *ws, double eta, double lambda, mfd_stop *stop)
{
    mfd_sense *s = ws->s;
    mfd_status st;
    if ((st = mfd_scaledgd_precondition(ws, s->gF, s->G, lambda, ws->pF)) != MFD_OK)
        return mfd_scaledgd_singular(st, stop);
    MFD_CHECK(mfd_mat_axpy(-eta, ws->pF, s->F));
    MFD_CHECK(mfd_sense_eval(s)); /* the residual and ∇_G at the new F */
    if ((st = mfd_scaledgd_precondition(ws, s->gG, s->F, lambda, ws->pG)) != MFD_OK) {
        mfd_mat_axpy(eta, ws->pF, s->F); /* undo the half step */
        return mfd_scaledgd_singular(st, stop);
    }
    return mfd_mat_axpy(-eta, ws->pG, s->G);
}

/* It alternates between the two factors: the symmetric model has one. */
static mfd_status altscaledgd_check(const mfd_method_params *p, const mfd_method_problem *pb, char *msg, size_t len)
{
    (void)p;
    if (pb->symmetric)
        return mfd_status_invalid(msg, len, "method=altscaledgd alternates between L and R: it needs model=asym");
    return MFD_OK;
}

static mfd_status altscaledgd_alloc(void *model, const mfd_method_params *p, void **state)
{
    if (((const mfd_sense *)model)->symmetric)
        return MFD_EINVAL;
    return mfd_scaledgd_ws_alloc(model, p->eta, p->lambda, state);
}

static mfd_status altscaledgd_step(void *state, mfd_stop *stop)
{
    mfd_scaledgd_ws *ws = state;
    ws->lambda_used = ws->lambda;
    return mfd_altscaledgd_alternate(ws, ws->eta, ws->lambda, stop);
}

const mfd_method_type mfd_altscaledgd_type = {
    .name = "altscaledgd",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = altscaledgd_check,
    .alloc = altscaledgd_alloc,
    .step = altscaledgd_step,
    .lambda_used = mfd_scaledgd_lambda_used,
    .save = mfd_scaledgd_save,
    .load = mfd_scaledgd_load,
    .free = mfd_scaledgd_ws_free,
};
