/* mfd_lowrank: every check message names the value that does not fit; an
 * instance built from plain values has the sizes, truth, measurements and
 * initial factors its params say; given arrays are used as given; the same
 * seed gives the same instance, and an operator stream does not move the
 * truth's.  The scaled spectrum, [TMC21]'s outlier and noise models, and the
 * spectral init's deviation ‖Y − M*‖_op with the bound it implies. */
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

/* ‖A‖_op by a values-only SVD of a copy. */
static double op_norm(mfd_mat A)
{
    size_t mn = A.rows < A.cols ? A.rows : A.cols;
    mfd_mat C;
    mfd_la_ws ws;
    double *sv = malloc(mn * sizeof(double));
    mfd_mat_alloc(MFD_REAL, A.rows, A.cols, &C);
    mfd_la_ws_alloc(MFD_REAL, A.rows > A.cols ? A.rows : A.cols, &ws);
    mfd_mat_copy(C, A);
    mfd_la_svd(C, sv, NULL, NULL, &ws);
    double v = sv[0];
    mfd_la_ws_free(&ws);
    mfd_mat_free(&C);
    free(sv);
    return v;
}

/* ‖A*(y) [− T(A*(y))] − M*‖_op formed here from the instance (proj: the
 * projection of a robust init, or NULL). */
static double dev_op_direct(const mfd_lowrank *lr, mfd_rpca *proj)
{
    mfd_mat Y, S;
    mfd_mat_alloc(MFD_REAL, lr->n1, lr->n2, &Y);
    mfd_mat_alloc(MFD_REAL, lr->n1, lr->n2, &S);
    mfd_sensop_adjoint(lr->op, lr->y, Y);
    if (proj) {
        mfd_rpca_project(proj, Y, S);
        mfd_mat_axpy(-1.0, S, Y);
    }
    mfd_mat_axpy(-1.0, lr->s->target, Y);
    double v = op_norm(Y);
    mfd_mat_free(&Y);
    mfd_mat_free(&S);
    return v;
}

/* ‖F0 G0ᵀ − M*‖_F */
static double init_err(const mfd_lowrank *lr)
{
    mfd_mat M;
    mfd_mat_alloc(MFD_REAL, lr->n1, lr->n2, &M);
    mfd_la_gemm('N', 'T', 1.0, lr->F0, lr->s->symmetric ? lr->F0 : lr->G0, 0.0, M);
    double e = mfd_mat_dist(M, lr->s->target);
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
    p = base();
    p.rpca_init_alpha = 0.1;
    CHECK("rpca_init_alpha without outliers is refused naming it", refused(p, "key 'rpca_init_alpha': 0.1"));
    p.outlier_frac = 0.1;
    p.rpca_init_alpha = 1.5;
    CHECK("rpca_init_alpha above 1 is refused naming it", refused(p, "key 'rpca_init_alpha': 1.5 is out of range"));
    p = base();
    p.target = (mfd_mat){y, MFD_REAL, 1, 3, 1};
    p.spectrum_scale = 2;
    CHECK("spectrum_scale with a given truth is refused naming it", refused(p, "key 'spectrum_scale': 2"));

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


    /* ---- the scaled spectrum: sigma_1 = spectrum_scale, the bases unchanged ---- */
    p = base();
    p.spectrum_scale = 10;
    mfd_lowrank *sc = NULL, *one = NULL;
    CHECK("an instance with spectrum_scale 10 is built", mfd_lowrank_build(&p, &sc) == MFD_OK);
    p.spectrum_scale = 0; /* 0 means 1 (mfd-sense leaves it unset) */
    mfd_lowrank_build(&p, &one);
    CHECK_CLOSE("its sigma_1 is 10", sc->sigma1, 10, 0);
    CHECK_CLOSE("its sigma_r is 10 / kappa (kappa 4)", sc->sigma_r, 2.5, 1e-15);
    mfd_mat_scale(one->s->target, 10);
    CHECK_LE("its truth is 10 times the unscaled one (same bases)",
             mfd_mat_dist(sc->s->target, one->s->target) / sqrt(mfd_mat_norm2(one->s->target)), 1e-15);
    CHECK_CLOSE("target_fro is the truth's norm: 10 |(1, 1/4)|", sc->target_fro, 10 * sqrt(1 + 1.0 / 16), 1e-13);
    mfd_lowrank_free(sc);
    mfd_lowrank_free(one);

    /* ---- [TMC21]'s outliers: S* = T_alpha(G), G standard Gaussian ---- */
    p = base();
    p.n = p.n1 = p.n2 = 60;
    p.outlier_frac = 0.1;
    p.outlier_model = MFD_LOWRANK_OUTLIERS_TMC21;
    mfd_lowrank *tm = NULL;
    CHECK("a robust-PCA instance with tmc21 outliers is built", mfd_lowrank_build(&p, &tm) == MFD_OK);
    mfd_mat S, TS;
    mfd_mat_alloc(MFD_REAL, 60, 60, &S);
    mfd_mat_alloc(MFD_REAL, 60, 60, &TS);
    size_t nnz = 0, row_max = 0, col_max = 0;
    double smin = INFINITY;
    for (size_t j = 0; j < 60; j++)
        for (size_t i = 0; i < 60; i++) {
            double v = tm->y[i + 60 * j] - *mfd_mat_at(tm->s->target, i, j);
            *mfd_mat_at(S, i, j) = v;
            if (v != 0) {
                nnz++;
                smin = fmin(smin, fabs(v));
            }
        }
    for (size_t i = 0; i < 60; i++) {
        size_t rc = 0, cc = 0;
        for (size_t j = 0; j < 60; j++) {
            rc += *mfd_mat_at(S, i, j) != 0;
            cc += *mfd_mat_at(S, j, i) != 0;
        }
        row_max = rc > row_max ? rc : row_max;
        col_max = cc > col_max ? cc : col_max;
    }
    CHECK_CLOSE("outlier_density is the fraction of corrupted entries", tm->outlier_density, (double)nnz / 3600, 0);
    /* at most floor(0.1 * 60) = 6 per row and column (ties have probability 0) */
    CHECK("no row or column holds more than floor(alpha n) = 6 outliers", row_max <= 6 && col_max <= 6);
    /* the 6th largest |G_ij| of 60 standard normals is about 1.6; 1 leaves room for every row */
    CHECK("the outliers are the Gaussian tail (every |S*_ij| above 1)", smin > 1.0);
    /* a fraction close to alpha, not alpha^2: [TMC21]'s 0.0946 at n = 1000; the count of 360
     * possible is at least 5 s.d. of a binomial(3600, 0.08) above 0.06 * 3600 */
    CHECK("their density lies between 0.06 and 0.1", tm->outlier_density > 0.06 && tm->outlier_density <= 0.1);
    mfd_rpca *t10 = NULL;
    mfd_rpca_alloc(60, 60, 0.1, &t10);
    mfd_rpca_project(t10, S, TS);
    CHECK("T_alpha leaves S* as it is (each entry is in its row's and column's top alpha)",
          mfd_mat_maxabs_diff(S, TS) == 0);
    mfd_lowrank_free(tm);

    /* ---- [TMC21]'s noise: std |M*|_F / (n 10^(snr/20)) per entry ---- */
    p = base();
    p.n = p.n1 = p.n2 = 60;
    p.snr_db = 40;
    p.noise_model = MFD_LOWRANK_NOISE_TMC21;
    mfd_lowrank *nz = NULL;
    CHECK("an instance with tmc21 noise is built", mfd_lowrank_build(&p, &nz) == MFD_OK);
    CHECK_CLOSE("its noise_std is |M*|_F / (n 10^(snr_db/20))", nz->noise_std, nz->target_fro / (60 * 100.0), 1e-18);
    double ss = 0;
    for (size_t j = 0; j < 60; j++)
        for (size_t i = 0; i < 60; i++) {
            double e = nz->y[i + 60 * j] - *mfd_mat_at(nz->s->target, i, j);
            ss += e * e;
        }
    /* the sample variance of 3600 normals: relative s.d. sqrt(2 / 3600) = 0.024; 5 s.d. */
    CHECK_CLOSE("the noise has that standard deviation (sample of 3600, 5 s.d.)", sqrt(ss / 3600) / nz->noise_std, 1,
                0.06);
    mfd_lowrank_free(nz);
    p.op = MFD_LOWRANK_OP_MASK;
    p.p = 0.25;
    CHECK("a completion instance with tmc21 noise is built", mfd_lowrank_build(&p, &nz) == MFD_OK);
    CHECK_CLOSE("its measurements carry the entry noise / sqrt(p)", nz->noise_std,
                nz->target_fro / (60 * 100.0) / sqrt(0.25), 1e-18);
    mfd_lowrank_free(nz);

    /* ---- the spectral init: |Y - M*|_op and the bound |F0 G0^T - M*|_F <= 2 sqrt(k + r) |Y - M*|_op ---- */
    struct {
        const char *name;
        mfd_lowrank_op op;
        int sym;
        double outliers, init_alpha;
        long k;
    } spec[] = {
        {"sensing (Gaussian, m = 3 n r)", MFD_LOWRANK_OP_GAUSSIAN, 0, 0, 0, 2},
        {"symmetric sensing, k = 3 > r", MFD_LOWRANK_OP_GAUSSIAN_SYM, 1, 0, 0, 3},
        {"completion (Y / p)", MFD_LOWRANK_OP_MASK, 0, 0, 0, 2},
        {"robust PCA (Y - T_alpha(Y), the init's own level)", MFD_LOWRANK_OP_IDENTITY, 0, 0.1, 0.1, 2},
    };
    for (size_t c = 0; c < sizeof spec / sizeof *spec; c++) {
        p = base();
        p.n = p.n1 = p.n2 = 24;
        p.symmetric = spec[c].sym != 0;
        if (p.symmetric)
            p.n1 = p.n2 = 0;
        p.op = spec[c].op;
        p.m = spec[c].op == MFD_LOWRANK_OP_IDENTITY ? 0 : 3 * 24 * 2;
        p.p = 0.3;
        p.k = spec[c].k;
        p.outlier_frac = spec[c].outliers;
        p.outlier_scale = 10;
        p.rpca_init_alpha = spec[c].init_alpha;
        p.init = MFD_LOWRANK_INIT_SPECTRAL;
        mfd_lowrank *sp = NULL;
        char name[256];
        snprintf(name, sizeof name, "%s: the spectral instance is built", spec[c].name);
        CHECK(name, mfd_lowrank_build(&p, &sp) == MFD_OK);
        if (!sp)
            continue;
        mfd_rpca *proj = NULL;
        if (spec[c].outliers > 0)
            mfd_rpca_alloc(24, 24, spec[c].init_alpha, &proj);
        double want = dev_op_direct(sp, proj);
        snprintf(name, sizeof name, "%s: init_dev_op is |Y - M*|_op", spec[c].name);
        CHECK_CLOSE(name, sp->init_dev_op, want, 1e-12 * want);
        snprintf(name, sizeof name, "%s: |F0 G0^T - M*|_F <= 2 sqrt(k + r) init_dev_op", spec[c].name);
        CHECK_LE(name, init_err(sp), 2 * sqrt((double)(p.k + 2)) * sp->init_dev_op);
        mfd_rpca_free(proj);
        mfd_lowrank_free(sp);
    }
    p = base();
    mfd_lowrank *sm = NULL;
    mfd_lowrank_build(&p, &sm);
    CHECK("a small init has no init_dev_op (NaN)", isnan(sm->init_dev_op));
    mfd_lowrank_free(sm);
    mfd_rpca_free(t10);
    mfd_mat_free(&S);
    mfd_mat_free(&TS);

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
