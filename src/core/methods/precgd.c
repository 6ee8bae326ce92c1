/* precgd — preconditioned gradient descent ([ZFZ23], THEORY.md §3):
 * scaledgd_lambda's step with a damping that follows the residual,
 *
 *   λ_t = c ‖A(M_t) − y‖,
 *
 * so that the preconditioner stays well-posed over-parameterized (k > r)
 * while the rate does not depend on κ. */
#include <math.h>

#include "mfd_method.h"
#include "scaledgd.h"

static mfd_status precgd_alloc(void *model, const mfd_method_params *p, void **state)
{
    return mfd_scaledgd_ws_alloc(model, p->eta, p->precgd_c, state); /* lambda holds c */
}

static mfd_status precgd_step(void *state, mfd_stop *stop)
{
    mfd_scaledgd_ws *ws = state;
    const mfd_sense *s = ws->s;
    double r2 = 0;
    for (size_t i = 0; i < s->op->m; i++)
        r2 += s->resid[i] * s->resid[i];
    return mfd_scaledgd_simultaneous(ws, ws->lambda * sqrt(r2), stop);
}

const mfd_method_type mfd_precgd_type = {
    .name = "precgd",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = NULL,
    .alloc = precgd_alloc,
    .step = precgd_step,
    .lambda_used = mfd_scaledgd_lambda_used,
    .save = mfd_scaledgd_save,
    .load = mfd_scaledgd_load,
    .free = mfd_scaledgd_ws_free,
};
