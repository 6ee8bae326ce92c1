/* Quick, seeded checks of THEORY.md's sensing claims (label theory). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mfd_rate.h"
#include "mfd_rng.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"
#include "testhelp.h"

/* A symmetric factorization problem (identity operator) with spectrum s. */
static mfd_sense *factorization(size_t n, size_t k, const double *s, size_t r, double alpha, mfd_sensop **op,
                                double **y)
{
    mfd_sensop_identity(n, n, op);
    mfd_mat M, U, V;
    mfd_mat_alloc(MFD_REAL, n, n, &M);
    mfd_mat_alloc(MFD_REAL, n, r, &U);
    mfd_mat_alloc(MFD_REAL, n, r, &V);
    mfd_rng rng;
    mfd_rng_init(&rng, 1, MFD_STREAM_TARGET);
    mfd_senseinit_truth(&rng, MFD_BASIS_HAAR, true, s, r, M, U, V);
    *y = malloc(n * n * sizeof(double));
    mfd_sensop_apply(*op, M, *y);
    mfd_sense *sn;
    mfd_sense_alloc(true, n, n, k, *op, *y, &sn);
    mfd_sense_set_target(sn, M);
    mfd_rng_init(&rng, 1, MFD_STREAM_INIT);
    mfd_senseinit_small(sn, &rng, alpha, 1.0, false);
    mfd_mat_free(&M);
    mfd_mat_free(&U);
    mfd_mat_free(&V);
    return sn;
}

int main(void)
{
    /* S2 [XDD24]: k = r converges linearly.  In the factorization case the
     * error E = XXᵀ − M* evolves near the optimum as E ← E − η(EM* + M*E): in
     * M*'s eigenbasis the cross components (one index outside the range)
     * contract by 1 − ησ_i, the slowest by 1 − ησ_r. */
    for (int i = 0; i < 2; i++) {
        double eta = i ? 0.3 : 0.1, s[2] = {1.0, 0.5};
        mfd_sensop *op;
        double *y;
        mfd_sense *sn = factorization(10, 2, s, 2, 0.1, &op, &y);
        mfd_linreg band;
        mfd_linreg_reset(&band);
        long t;
        for (t = 0; t < 20000; t++) {
            mfd_sense_eval(sn);
            mfd_rate_band_add(&band, 1e-12, 1e-4, (double)t, sn->rel_err);
            if (sn->rel_err <= 1e-13)
                break;
            mfd_sense_update(sn, eta);
        }
        double rho, se;
        mfd_rate_rho(mfd_linreg_fit(&band), &rho, &se);
        char name[160];
        snprintf(name, sizeof name, "S2 sym k = r reaches rel_err 1e-13 linearly (eta = %g, %ld iterations)", eta, t);
        CHECK(name, sn->rel_err <= 1e-13);
        snprintf(name, sizeof name, "S2 per-step contraction gap 1 - rho = eta sigma_r (eta = %g; rho %.8f)", eta, rho);
        CHECK_CLOSE(name, 1 - rho, eta * s[1], 0.02 * eta * s[1]);
        mfd_sense_free(sn);
        mfd_sensop_free(op);
        free(y);
    }
    /* S1 [XDD24] in the factorization case, k > r: the k − r excess
     * directions follow x ← x(1 − ηx²), so |X_tX_tᵀ − M*| ≈ sqrt(k−r)/(2ηt):
     * a log-log slope of −1 (the claim's |.|² = Ω(1/T²)) and t |.| → sqrt(k−r)/(2η).
     * From α = 0.3 the asymptote holds after 2ηt ≫ 1/α² ≈ 11. */
    {
        double eta = 0.1, s[2] = {1.0, 1.0};
        size_t k = 4, r = 2;
        mfd_sensop *op;
        double *y;
        mfd_sense *sn = factorization(20, k, s, r, 0.3, &op, &y);
        mfd_linreg window;
        mfd_linreg_reset(&window);
        long T = 100000;
        for (long t = 0; t <= T; t++) {
            mfd_sense_eval(sn);
            mfd_rate_window_add(&window, 1e4, (double)T, (double)t, sn->err_abs);
            if (t < T)
                mfd_sense_update(sn, eta);
        }
        mfd_fit f = mfd_linreg_fit(&window);
        CHECK_CLOSE("S1 log-log slope of |X_t X_t^T - M*| over t in [1e4, 1e5] is -1", f.slope, -1.0, 0.02);
        double limit = sqrt((double)(k - r)) / (2 * eta);
        char name[128];
        snprintf(name, sizeof name, "S1 t |X_t X_t^T - M*| at t = 1e5 approaches sqrt(k-r)/(2 eta) = %.4f", limit);
        CHECK_CLOSE(name, (double)T * sn->err_abs, limit, 0.01 * limit);
        mfd_sense_free(sn);
        mfd_sensop_free(op);
        free(y);
    }
    TEST_REPORT();
}
