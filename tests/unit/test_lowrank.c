/* mfd_lowrank: every check message names the value that does not fit; an
 * instance built from plain values has the sizes, truth, measurements and
 * initial factors its params say; given arrays are used as given; the same
 * seed gives the same instance, and an operator stream does not move the
 * truth's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"
#include "mfd_lowrank.h"
#include "testhelp.h"

static char msg[512];
static int has(const char *s) { return strstr(msg, s) != NULL; }

/* A valid asymmetric identity-operator problem: 8 x 6, rank 2, k 3. */
static mfd_lowrank_params base(void)
{
    mfd_lowrank_params p;
    memset(&p, 0, sizeof p);
    p.n = 8;
    p.n1 = 8;
    p.n2 = 6;
    p.k = 3;
    p.r = 2;
    p.kappa = 4;
    p.op = MFD_LOWRANK_OP_IDENTITY;
    p.snr_db = INFINITY;
    p.init = MFD_LOWRANK_INIT_SMALL;
    p.alpha = 0.1;
    p.g_ratio = 1;
    p.gauge_cond = 1;
    p.mem_limit = 1e9;
    p.seed = 7;
    return p;
}

/* check(p) fails with a message holding want; prints it. */
static int refused(mfd_lowrank_params p, const char *want)
{
    msg[0] = '\0';
    mfd_status st = mfd_lowrank_check(&p, msg, sizeof msg);
    printf("     message: %s\n", msg);
    return st == MFD_EINVAL && has(want);
}

/* ‖USstar Vstarᵀ − target‖_F / ‖target‖_F */
static double truth_err(const mfd_lowrank *lr)
{
    mfd_mat M;
    mfd_mat_alloc(MFD_REAL, lr->n1, lr->n2, &M);
    mfd_la_gemm('N', 'T', 1.0, lr->USstar, lr->Vstar, 0.0, M);
    double e = mfd_mat_dist(M, lr->s->target) / sqrt(mfd_mat_norm2(lr->s->target));
    mfd_mat_free(&M);
    return e;
}

int main(void)
{
    /* ---- check: each bad value named ---- */
    mfd_lowrank_params p = base();
    CHECK("a valid problem passes", mfd_lowrank_check(&p, msg, sizeof msg) == MFD_OK);
    p = base();
    p.symmetric = true;
    p.n1 = p.n2 = 0;
    p.init = MFD_LOWRANK_INIT_BALANCED;
    CHECK("a balanced init for the symmetric model is refused naming it", refused(p, "key 'init': 'balanced'"));
    p = base();
    p.symmetric = true;
    CHECK("n1 and n2 for the symmetric model are refused naming them", refused(p, "keys 'n1' and 'n2'"));
    p = base();
    p.same_basis = 1;
    CHECK("same_basis on a rectangular truth is refused naming it", refused(p, "key 'same_basis'") && has("8 x 6"));
    p = base();
    p.k = 7;
    CHECK("k above min(n1, n2) is refused with the bound", refused(p, "must be at most min(n1, n2) = 6"));
    p = base();
    p.m = 10;
    CHECK("an identity operator with another m is refused naming m", refused(p, "key 'm'") && has("= 48"));
    p = base();
    p.op = MFD_LOWRANK_OP_GAUSSIAN_SYM;
    CHECK("a symmetrized operator on a rectangular truth is refused naming it", refused(p, "gaussian_sym needs a square"));
    p = base();
    p.sparse = 1;
    CHECK("the sparse path off completion is refused naming sparse", refused(p, "key 'sparse'"));
    p = base();
    p.op = MFD_LOWRANK_OP_MASK;
    p.p = 0.5;
    p.sparse = 1;
    p.k = 5;
    CHECK("the sparse path with k + r above min(n1, n2) is refused", refused(p, "k + r <= min(n1, n2) = 6"));
    p = base();
    p.op = MFD_LOWRANK_OP_GAUSSIAN;
    p.outlier_frac = 0.1;
    CHECK("outliers off the identity operator are refused", refused(p, "outliers (robust PCA) need the identity"));
    p = base();
    p.op = MFD_LOWRANK_OP_GAUSSIAN;
    p.m = 1000;
    p.mem_limit = 1000;
    CHECK("a stored operator above mem_limit is refused with its bytes and the alternative",
          refused(p, "needs 384000 bytes") && has("use operator=gaussian_otf"));
    p.op = MFD_LOWRANK_OP_GAUSSIAN_OTF;
    CHECK("the same on the fly passes", mfd_lowrank_check(&p, msg, sizeof msg) == MFD_OK);
    p = base();
    p.op = MFD_LOWRANK_OP_FILE;
    CHECK("operator=file without matrices is refused", refused(p, "key 'operator': 'file'"));
    p = base();
    p.init = MFD_LOWRANK_INIT_FILE;
    CHECK("init=file without factors is refused", refused(p, "key 'init': 'file'"));
    double y[3] = {1, 2, 3};
    p = base();
    p.y = y;
    p.y_len = 3;
    CHECK("measurements without a given truth are refused", refused(p, "given measurements need the given ground truth"));

    /* ---- build: a drawn instance ---- */
    p = base();
    p.gauge_cond = 10;
    mfd_lowrank *lr = NULL;
    CHECK("an instance is built", mfd_lowrank_build(&p, &lr) == MFD_OK && lr != NULL);
    CHECK("its sizes are the params'", lr->n1 == 8 && lr->n2 == 6 && lr->k == 3 && lr->r == 2 && lr->m == 48);
    CHECK("sigma_1 is 1 for linspace(1, 1/kappa, r)", lr->sigma1 == 1.0);
    CHECK_LE("the truth's factors give the truth", truth_err(lr), 1e-14);
    double ydev = 0;
    for (size_t j = 0; j < lr->n2; j++)
        for (size_t i = 0; i < lr->n1; i++)
            ydev = fmax(ydev, fabs(lr->y[i + j * lr->n1] - *mfd_mat_at(lr->s->target, i, j)));
    CHECK("the identity operator measures the truth itself", ydev == 0 && lr->noise_std == 0);
    CHECK("F0 and G0 are copies of the initial factors",
          mfd_mat_maxabs_diff(lr->F0, lr->s->F) == 0 && mfd_mat_maxabs_diff(lr->G0, lr->s->G) == 0);
    CHECK_CLOSE("f0_norm is the norm of F0", lr->f0_norm, sqrt(mfd_mat_norm2(lr->F0)), 0);

    /* the same seed, the same instance; the gauge does not move the truth */
    mfd_lowrank *again = NULL;
    p.gauge_cond = 1;
    mfd_lowrank_build(&p, &again);
    CHECK("the truth does not depend on the gauge (its own stream)",
          mfd_mat_maxabs_diff(lr->s->target, again->s->target) == 0);
    mfd_mat P0, P1;
    mfd_mat_alloc(MFD_REAL, 8, 6, &P0);
    mfd_mat_alloc(MFD_REAL, 8, 6, &P1);
    mfd_la_gemm('N', 'T', 1.0, lr->F0, lr->G0, 0.0, P0);
    mfd_la_gemm('N', 'T', 1.0, again->F0, again->G0, 0.0, P1);
    /* F0 Q (G0 Q^-T)^T = F0 G0^T up to cond(Q) u */
    CHECK_LE("P7: the gauge keeps F0 G0^T", mfd_mat_dist(P0, P1) / sqrt(mfd_mat_norm2(P1)), 1e-13);
    CHECK("and changes F0", mfd_mat_maxabs_diff(lr->F0, again->F0) > 1e-6);
    mfd_lowrank_free(again);

    /* ---- build from given arrays: the instance is the arrays ---- */
    mfd_lowrank_params q = base();
    q.target = lr->s->target;
    q.init = MFD_LOWRANK_INIT_FILE;
    q.f0 = lr->F0;
    q.g0 = lr->G0;
    q.y = lr->y;
    q.y_len = lr->m;
    q.n = q.n1 = q.n2 = 0; /* the truth's shape decides */
    q.k = 0;               /* F0's width decides */
    q.seed = 99;
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(&q, &d);
    CHECK("given arrays fix the sizes", d.n1 == 8 && d.n2 == 6 && d.k == 3 && d.m == 48);
    CHECK("given arrays pass the check", mfd_lowrank_check(&q, msg, sizeof msg) == MFD_OK);
    mfd_lowrank *given = NULL;
    CHECK("an instance is built from them", mfd_lowrank_build(&q, &given) == MFD_OK);
    CHECK("its truth, measurements and factors are the arrays, whatever the seed",
          mfd_mat_maxabs_diff(given->s->target, lr->s->target) == 0 &&
              memcmp(given->y, lr->y, lr->m * sizeof(double)) == 0 && mfd_mat_maxabs_diff(given->s->F, lr->F0) == 0 &&
              mfd_mat_maxabs_diff(given->s->G, lr->G0) == 0);
    CHECK_LE("its truth's factors are the given truth's top r", truth_err(given), 1e-13);
    mfd_lowrank_free(given);
    q.g0 = lr->F0; /* 8 x 3 where 6 x 3 is due */
    CHECK("a given G0 of the wrong shape is refused with its shape", refused(q, "the initial G must be a real 6 x 3"));

    /* ---- a completion mask: m from its draw ---- */
    p = base();
    p.op = MFD_LOWRANK_OP_MASK;
    p.p = 0.5;
    mfd_lowrank_get_dims(&p, &d);
    mfd_lowrank *mk = NULL;
    CHECK("a mask's m is open before the draw", d.m == 0);
    CHECK("a completion instance is built with the mask's m",
          mfd_lowrank_build(&p, &mk) == MFD_OK && mk->m == mk->op->m && mk->m > 0 && mk->m < 48);
    mfd_lowrank_free(mk);

    /* ---- robust PCA: the level of T_alpha ---- */
    p = base();
    p.outlier_frac = 0.1;
    p.outlier_scale = 10;
    mfd_lowrank *rp = NULL;
    CHECK("a robust-PCA instance keeps twice the outlier fraction by default",
          mfd_lowrank_build(&p, &rp) == MFD_OK && rp->rpca_alpha == 0.2 && rp->rpca != NULL);
    mfd_lowrank_free(rp);

    /* ---- names and errors ---- */
    CHECK("operator names by value", strcmp(mfd_lowrank_op_name(MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF), "gaussian_sym_otf") == 0 &&
                                         strcmp(mfd_lowrank_op_name(MFD_LOWRANK_OP_MASK), "mask") == 0);
    CHECK("operator kinds", mfd_lowrank_op_kind(MFD_LOWRANK_OP_FILE) == MFD_SENSOP_DENSE &&
                                mfd_lowrank_op_kind(MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF) == MFD_SENSOP_GAUSSIAN_OTF);
    p = base();
    p.k = 9;
    mfd_lowrank *bad = (mfd_lowrank *)&bad;
    CHECK("build refuses what check refuses, and leaves nothing", mfd_lowrank_build(&p, &bad) == MFD_EINVAL && bad == NULL);
    mfd_lowrank_free(NULL);
    CHECK("mfd_lowrank_free(NULL) is a no-op", 1);
    mfd_mat_free(&P0);
    mfd_mat_free(&P1);
    mfd_lowrank_free(lr);
    TEST_REPORT();
}
