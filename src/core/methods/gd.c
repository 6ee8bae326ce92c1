/* gd — gradient descent on the two-factor model (THEORY.md §2, §3):
 *
 *   F ← F − η' ∇_F f,  G ← G − η' ∇_G f,  η' = η / gd_scale,
 *
 * symmetric: X ← X − η' ∇f.  mfd-sense takes η' = η (gd_scale 1); mfd-scaled
 * takes [TMC21]'s η / σ₁(M*) or η (its gd_step key). */
#include <stdlib.h>

#include "mfd_method.h"
#include "mfd_sense.h"

typedef struct gd_state {
    mfd_sense *s; /* not owned */
    double eta, gd_scale;
} gd_state;

static mfd_status gd_alloc(void *model, const mfd_method_params *p, void **state)
{
    gd_state *g = calloc(1, sizeof *g);
    if (!g)
        return MFD_ENOMEM;
    g->s = model;
    g->eta = p->eta;
    g->gd_scale = p->gd_scale > 0 ? p->gd_scale : 1.0;
    *state = g;
    return MFD_OK;
}

static mfd_status gd_step(void *state, mfd_stop *stop)
{
    (void)stop;
    gd_state *g = state;
    mfd_sense_update(g->s, g->eta / g->gd_scale);
    return MFD_OK;
}

static void gd_free(void *state) { free(state); }

const mfd_method_type mfd_gd_type = {
    .name = "gd",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = NULL,
    .alloc = gd_alloc,
    .step = gd_step,
    .lambda_used = NULL,
    .free = gd_free,
};
