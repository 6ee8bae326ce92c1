/* mfd_deepmon's Thm 8 first-order terms against LAPACK's singular values,
 * with gradients chosen so that the one of largest Frobenius norm is not the
 * one of largest operator norm (the monitor solves the first first and skips
 * a gradient only when its Frobenius norm cannot reach the largest operator
 * norm found);
 * and its Thm 11 monitor: its excess against the definition
 * log L(t) − log L_ori(T₀) + η σ^{3/2} (t − T₀), recomputed here from the
 * losses of the same run, and its covariance under σ → s σ.
 *
 * With W_j = σ^{1/4} V_j, Σ = σ I and a = 0, L(W) = σ² L(V) and a GD step
 * of size η on W is a step of size η σ^{3/2} on V: runs at (σ, η) and
 * (s σ, η s^{−3/2}) from layers scaled by s^{1/4} follow the same V to
 * rounding.  The monitor's local region and its bound must then give the
 * same T₀ and the same excess; a wrong power of σ in either shifts the
 * excess by η (σ^p − σ^{3/2}) (t − T₀), O(1e-2) per step here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepinit.h"
#include "mfd_deepmon.h"
#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "testhelp.h"

#define D 3
#define STEPS 80

typedef struct {
    long t0;
    double max_excess, direct_max; /* the monitor's, and recomputed here */
} thm11_result;

/* T steps of GD at (sigma, eta) from the balanced factorization of
 * sigma (I + 0.2 G), G from the seed: the same G at every sigma, far enough
 * from the optimum that the skew error keeps the run out of the local region
 * for the first steps (T0 > 0). */
static thm11_result run(double sigma, double eta, unsigned seed)
{
    size_t dims[5] = {D, D, D, D, D};
    mfd_deep *m;
    mfd_deep_alloc(MFD_REAL, 4, dims, &m);
    for (size_t i = 0; i < D; i++)
        m->target.data[i * m->target.ld + i] = sigma;
    mfd_mat A;
    mfd_mat_alloc(MFD_REAL, D, D, &A);
    mfd_rng r;
    mfd_rng_init(&r, seed, MFD_STREAM_INIT);
    mfd_random_gaussian(&r, A, 0.2);
    for (size_t j = 0; j < D; j++)
        for (size_t i = 0; i < D; i++)
            A.data[j * A.ld + i] = sigma * ((i == j) + A.data[j * A.ld + i]);
    mfd_deepinit_balanced_from_product(m, A);
    mfd_deepmon *mon;
    mfd_deepmon_alloc(m, (mfd_deepmon_params){.thm11 = true, .eta = eta, .sigma = sigma, .skew_tol = 0.1}, &mon);
    thm11_result res = {-1, NAN, -INFINITY};
    double l0 = NAN;
    for (long t = 0; t <= STEPS; t++) {
        mfd_deep_eval(m);
        mfd_deepmon_observe(mon, m, t);
        if (mon->thm11_t0 == t)
            l0 = m->loss_ori;
        if (mon->thm11_t0 >= 0 && t > mon->thm11_t0) {
            double L = m->loss_ori + m->loss_reg;
            res.direct_max = fmax(res.direct_max, log(L / l0) + eta * sigma * sqrt(sigma) * (double)(t - mon->thm11_t0));
        }
        mfd_deep_update(m, eta);
    }
    res.t0 = mon->thm11_t0;
    res.max_excess = mon->thm11_max_excess;
    mfd_deepmon_free(mon);
    mfd_mat_free(&A);
    mfd_deep_free(m);
    return res;
}

/* The singular values of the D × D matrix X (descending) by LAPACK's SVD. */
static void svals(mfd_mat X, double s[D])
{
    mfd_la_ws ws;
    mfd_mat C;
    mfd_mat_alloc(X.field, X.rows, X.cols, &C);
    mfd_mat_copy(C, X);
    mfd_la_ws_alloc(X.field, X.rows, &ws);
    mfd_la_svd(C, s, NULL, NULL, &ws);
    mfd_la_ws_free(&ws);
    mfd_mat_free(&C);
}

/* Depth 3, d = 3, a = 1: G_1 = u vᵀ (‖·‖_F = ‖·‖_op = 1), G_2 = 0.866 I
 * (‖·‖_F = 1.5, ‖·‖_op = 0.866), G_3 small: g = 1, from the gradient solved
 * second.  prev_up must be 2 η σ_max g and prev_lo 2 η σ_min g, σ over all
 * layers' singular values. */
static void thm8_terms_case(void)
{
    size_t dims[4] = {D, D, D, D};
    mfd_deep *m;
    mfd_rng r;
    mfd_rng_init(&r, 11, 3);
    if (mfd_deep_alloc(MFD_REAL, 3, dims, &m) != MFD_OK || mfd_deep_keep_grad_ori(m) != MFD_OK) {
        CHECK("allocation", false);
        return;
    }
    m->a = 1.0;
    mfd_deepinit_gaussian(m, &r, 0.7);
    double *g = m->grad_ori;
    memset(g, 0, mfd_deep_ndoubles(m) * sizeof *g);
    const double u[D] = {0.6, 0.8, 0.0}, v[D] = {0.0, 0.6, 0.8};
    for (int j = 0; j < D; j++)
        for (int i = 0; i < D; i++)
            g[i + j * D] = u[i] * v[j]; /* G_1 */
    for (int i = 0; i < D; i++)
        g[D * D + i + i * D] = 1.5 / sqrt((double)D); /* G_2 */
    g[2 * D * D + 4] = 0.1; /* G_3 */
    mfd_deepmon *mon;
    mfd_deepmon_params p = {.thm8 = true, .eta = 0.5, .sigma = 1.0, .skew_tol = 0.1};
    CHECK("the Thm 8 monitor is set up", mfd_deepmon_alloc(m, p, &mon) == MFD_OK);
    CHECK("one observation", mfd_deepmon_observe(mon, m, 0) == MFD_OK);
    double gop = 0, sbig = 0, ssmall = INFINITY, s[D];
    for (int j = 1; j <= 3; j++) {
        svals(mfd_mat_view(g + (size_t)(j - 1) * D * D, MFD_REAL, D, D, D), s);
        gop = fmax(gop, s[0]);
        svals(mfd_deep_layer(m, j), s);
        sbig = fmax(sbig, s[0]);
        ssmall = fmin(ssmall, s[D - 1]);
    }
    CHECK_CLOSE("the largest gradient operator norm is G_1's, 1", gop, 1.0, 1e-14);
    CHECK_CLOSE("Thm 8's upper term is 2 eta sigma_max max_j |grad_j|_op", mon->prev_up, 2 * 0.5 * sbig * gop, 1e-12);
    CHECK_CLOSE("Thm 8's lower term is 2 eta sigma_min max_j |grad_j|_op", mon->prev_lo, 2 * 0.5 * ssmall * gop, 1e-10);
    mfd_deepmon_free(mon);
    mfd_deep_free(m);
}

int main(void)
{
    thm8_terms_case();
    const double sigmas[] = {1.0, 0.01, 100.0};
    char name[200];
    thm11_result ref = run(1.0, 0.01, 7);
    snprintf(name, sizeof name, "the run at sigma = 1 enters the local region after a few steps (T0 = %ld)", ref.t0);
    CHECK(name, ref.t0 > 0 && ref.t0 < STEPS / 2);
    for (size_t k = 0; k < sizeof sigmas / sizeof *sigmas; k++) {
        double s = sigmas[k];
        thm11_result x = run(s, 0.01 / (s * sqrt(s)), 7);
        /* the excess sums O(STEPS) rounded logs of O(1) numbers: 1e-12 is far above their rounding and far
         * below the 1e-2 per step of a wrong power */
        snprintf(name, sizeof name, "sigma = %g: the monitor's largest excess is log L(t)/L(T0) + eta sigma^1.5 (t - T0)",
                 s);
        CHECK_CLOSE(name, x.max_excess, x.direct_max, 1e-12);
        snprintf(name, sizeof name, "sigma = %g, eta = 0.01 sigma^-1.5 (sigma = 1 rescaled): the same T0 (%ld, %ld)", s,
                 x.t0, ref.t0);
        CHECK(name, x.t0 == ref.t0);
        snprintf(name, sizeof name, "sigma = %g (sigma = 1 rescaled): the same largest excess", s);
        CHECK_CLOSE(name, x.max_excess, ref.max_excess, 1e-10);
        snprintf(name, sizeof name, "sigma = %g: the pathwise bound holds (largest excess < 0)", s);
        CHECK_LE(name, x.max_excess, 0.0);
    }
    TEST_REPORT();
}
