/* deepgd — gradient descent on deep (N-layer) matrix factorization, the
 * method=gd of mfd-deep (THEORY.md §1): W_j ← W_j − η ∇_j L for all layers at
 * once, from the gradients of the last mfd_deep_eval. */
#include <stdlib.h>

#include "mfd_deep.h"
#include "mfd_method.h"

typedef struct deepgd_state {
    mfd_deep *m; /* not owned */
    double eta;
} deepgd_state;

static mfd_status deepgd_alloc(void *model, const mfd_method_params *p, void **state)
{
    deepgd_state *g = calloc(1, sizeof *g);
    if (!g)
        return MFD_ENOMEM;
    g->m = model;
    g->eta = p->eta;
    *state = g;
    return MFD_OK;
}

static mfd_status deepgd_step(void *state, mfd_stop *stop)
{
    (void)stop;
    deepgd_state *g = state;
    mfd_deep_update(g->m, g->eta);
    return MFD_OK;
}

static void deepgd_free(void *state) { free(state); }

const mfd_method_type mfd_deepgd_type = {
    .name = "gd",
    .model = MFD_METHOD_DEEP,
    .check = NULL,
    .alloc = deepgd_alloc,
    .step = deepgd_step,
    .lambda_used = NULL,
    .free = deepgd_free,
};
