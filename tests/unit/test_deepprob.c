/* mfd_deepprob: every check message names the value that does not fit; an
 * instance built from plain values has the target, mask and layers its
 * params say, its target's singular values and its deficiency margin; given
 * arrays are used as given. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deepprob.h"
#include "testhelp.h"

static char msg[512];
static int has(const char *s) { return strstr(msg, s) != NULL; }

/* A valid square problem: N = 3 layers of 4 x 4, real, sigma I, Gaussian init. */
static mfd_deepprob_params base(void)
{
    mfd_deepprob_params p;
    memset(&p, 0, sizeof p);
    p.field = MFD_REAL;
    p.depth = 3;
    for (int j = 0; j <= 3; j++)
        p.dims[j] = 4;
    p.target = MFD_DEEPPROB_TARGET_IDENTITY;
    p.sigma = 2;
    p.target_rank = 1;
    p.init = MFD_DEEPPROB_INIT_GAUSSIAN;
    p.eps = 0.3;
    p.seed = 5;
    return p;
}

static int refused(mfd_deepprob_params p, const char *want)
{
    msg[0] = '\0';
    mfd_status st = mfd_deepprob_check(&p, msg, sizeof msg);
    printf("     message: %s\n", msg);
    return st == MFD_EINVAL && has(want);
}

int main(void)
{
    /* ---- check: each bad value named ---- */
    mfd_deepprob_params p = base();
    CHECK("a valid problem passes", mfd_deepprob_check(&p, msg, sizeof msg) == MFD_OK);
    p.depth = 1;
    CHECK("depth 1 is refused naming depth", refused(p, "key 'depth': 1 is out of range"));
    p = base();
    size_t rect[4] = {3, 5, 4, 2};
    memcpy(p.dims, rect, sizeof rect);
    p.init = MFD_DEEPPROB_INIT_BALANCED_GAUSSIAN;
    CHECK("a balanced init on rectangular layers is refused naming init", refused(p, "key 'init': the rectangular"));
    p.init = MFD_DEEPPROB_INIT_GAUSSIAN_ACHL;
    p.target = MFD_DEEPPROB_TARGET_HAAR;
    CHECK("a Haar target on rectangular layers is refused naming target", refused(p, "key 'target': haar"));
    p.target = MFD_DEEPPROB_TARGET_LOWRANK;
    p.target_rank = 3;
    CHECK("a rank above min(d_N, d_0) is refused with the range", refused(p, "key 'target_rank': 3") && has("[1, 2]"));
    p = base();
    double diag[2] = {1, 2};
    p.target = MFD_DEEPPROB_TARGET_DIAG;
    p.target_diag.n = 2;
    p.target_diag.v = diag;
    CHECK("a diagonal of the wrong length is refused with both lengths", refused(p, "2 values; target=diag needs 4"));
    p.target = MFD_DEEPPROB_TARGET_SYM_NEGATIVE;
    CHECK("eigenvalues of the wrong length are refused", refused(p, "target=sym_negative needs 4 eigenvalues"));
    p = base();
    p.observed = 16;
    CHECK("observing every entry is refused naming observed", refused(p, "key 'observed': 16") && has("the 16 entries"));
    p = base();
    p.target = MFD_DEEPPROB_TARGET_FILE;
    CHECK("target=file without a target is refused", refused(p, "key 'target': 'file'"));
    double t33[9] = {0};
    p.target_given = mfd_mat_view(t33, MFD_REAL, 3, 3, 3);
    CHECK("a given target of the wrong shape is refused with both shapes", refused(p, "is 3 x 3; the layers need a 4 x 4"));
    p = base();
    p.init = MFD_DEEPPROB_INIT_FILE;
    CHECK("init=file without layers is refused", refused(p, "key 'init': 'file'"));

    /* ---- build: sigma I with a Gaussian init ---- */
    p = base();
    mfd_deepprob *dp = NULL;
    CHECK("an instance is built", mfd_deepprob_build(&p, &dp) == MFD_OK && dp && dp->m->depth == 3);
    CHECK("w0 is a copy of the initial layers", memcmp(dp->w0, dp->m->w, mfd_deep_ndoubles(dp->m) * sizeof(double)) == 0);
    CHECK("the target's singular values are sigma", dp->ntarget_sv == 4 && dp->target_sv[0] == 2 && dp->target_sv[3] == 2);
    /* the margin from its definition: sigma_min(S) - |W(0) - S|_F */
    mfd_deep_loss(dp->m);
    double diff = mfd_mat_dist(mfd_deep_product(dp->m), dp->m->target);
    CHECK_CLOSE("the deficiency margin is sigma_min - |W(0) - Sigma|_F", dp->margin, 2 - diff, 1e-14);
    mfd_deepprob *again = NULL;
    mfd_deepprob_build(&p, &again);
    CHECK("the same seed gives the same layers", memcmp(again->w0, dp->w0, mfd_deep_ndoubles(dp->m) * sizeof(double)) == 0);
    mfd_deepprob_free(again);

    /* ---- completion: the mask has `observed` entries ---- */
    p = base();
    p.target = MFD_DEEPPROB_TARGET_HAAR; /* dense: the unobserved entries are not all zero */
    p.observed = 7;
    mfd_deepprob *mk = NULL;
    CHECK("a completion instance is built", mfd_deepprob_build(&p, &mk) == MFD_OK && mk->m->mask != NULL);
    int count = 0;
    for (size_t i = 0; i < 16; i++)
        count += mk->m->mask[i];
    CHECK("its mask observes exactly `observed` entries", count == 7);
    CHECK("its test error is finite; without a mask it is NaN",
          mfd_deep_loss(mk->m) == MFD_OK && isfinite(mfd_deep_test_err(mk->m)) && isnan(mfd_deep_test_err(dp->m)));
    mfd_deepprob_free(mk);

    /* ---- given arrays: a real target for a complex model, given layers ---- */
    p = base();
    p.field = MFD_COMPLEX;
    double t44[16];
    for (int i = 0; i < 16; i++)
        t44[i] = i % 5 == 0 ? 3.0 : 0.0; /* 3 I */
    p.target = MFD_DEEPPROB_TARGET_FILE;
    p.target_given = mfd_mat_view(t44, MFD_REAL, 4, 4, 4);
    double *layers = calloc(3 * 16 * 2, sizeof(double));
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 4; i++)
            layers[2 * (16 * j + 5 * i)] = 1.0; /* W_j = I */
    p.init = MFD_DEEPPROB_INIT_FILE;
    p.layers = layers;
    mfd_deepprob *given = NULL;
    CHECK("an instance is built from given arrays", mfd_deepprob_build(&p, &given) == MFD_OK);
    CHECK("a real target enters a complex model as its real part",
          mfd_mat_at(given->m->target, 2, 2)[0] == 3.0 && mfd_mat_at(given->m->target, 2, 2)[1] == 0.0);
    CHECK("the layers are the given ones", memcmp(given->m->w, layers, 3 * 16 * 2 * sizeof(double)) == 0);
    CHECK_CLOSE("the margin of W(0) = I against 3 I is 3 - 2 |I|_F = -1", given->margin, -1.0, 1e-14);
    mfd_deepprob_free(given);
    free(layers);

    p = base();
    p.observed = 99;
    mfd_deepprob *bad = (mfd_deepprob *)&bad;
    CHECK("build refuses what check refuses, and leaves nothing", mfd_deepprob_build(&p, &bad) == MFD_EINVAL && bad == NULL);
    mfd_deepprob_free(NULL);
    CHECK("mfd_deepprob_free(NULL) is a no-op", 1);
    mfd_deepprob_free(dp);
    TEST_REPORT();
}
