/* Quick, seeded checks of THEORY.md claims on deep factorization
 * (label theory).  Each prints the measured value next to the prediction. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepinit.h"
#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rate.h"
#include "mfd_rng.h"
#include "mfd_target.h"
#include "testhelp.h"

/* GD to loss <= 1e-26; per-step contractions fitted from every iteration:
 * L_ori on the band [1e-20, 1e-8], L on [1e-24, 1e-16] — the tail, where the
 * slower of its two parts has taken over (L_reg overtakes L_ori near 1e-14
 * in the a = 2 case below). */
static void local_rate(mfd_deep *m, double eta, long max_iter, double *rho, double *rho_ori)
{
    mfd_linreg band, band_ori;
    mfd_linreg_reset(&band);
    mfd_linreg_reset(&band_ori);
    for (long t = 0; t < max_iter; t++) {
        mfd_deep_eval(m);
        double L = m->loss_ori + m->loss_reg;
        mfd_rate_band_add(&band, 1e-24, 1e-16, (double)t, L);
        mfd_rate_band_add(&band_ori, 1e-20, 1e-8, (double)t, m->loss_ori);
        if (L <= 1e-26 || !isfinite(L))
            break;
        mfd_deep_update(m, eta);
    }
    double se;
    mfd_rate_rho(mfd_linreg_fit(&band), rho, &se);
    mfd_rate_rho(mfd_linreg_fit(&band_ori), rho_ori, &se);
}

/* D5 [LXGFD25 Thm 11]: at the balanced optimum of Σ = σI the end-to-end loss
 * L_ori contracts per step by (1 − 4 η σ^{3/2})² (N = 4).  With a > 0 the
 * imbalance decays on its own: linearizing Δ_j's dynamics at the optimum
 * (W_j = σ^{1/N} × unitary) gives Δ ← Δ − 2 a η σ^{2/N} (Dirichlet path
 * Laplacian) Δ, slowest factor 1 − 2 a η σ^{2/N} (2 − 2 cos(π/N)); L_reg ∝ |Δ|²
 * contracts by its square, and the total loss L by the slower of the two.
 * The checks compare contraction gaps 1 − ρ, the meaningful quantity, within
 * 2%, and the Thm 11 bound exp(−η σ^{3/2}). */
static void check_d5(mfd_field f, double sigma, double eta, double a, int random_init)
{
    size_t dims[5] = {5, 5, 5, 5, 5};
    mfd_deep *m;
    mfd_deep_alloc(f, 4, dims, &m);
    m->a = a;
    mfd_target_identity(m->target, sigma);
    mfd_rng r;
    mfd_rng_init(&r, 1, MFD_STREAM_INIT);
    if (random_init) {
        mfd_deepinit_gaussian(m, &r, 0.5);
    } else { /* balanced, near the optimum: product σI + 0.05 G */
        mfd_mat A;
        mfd_mat_alloc(f, 5, 5, &A);
        mfd_random_gaussian(&r, A, 0.05);
        mfd_mat_axpy(1.0, m->target, A);
        mfd_deepinit_balanced_from_product(m, A);
        mfd_mat_free(&A);
    }
    double rho, rho_ori;
    local_rate(m, eta, 200000, &rho, &rho_ori);
    double pred = pow(1 - 4 * eta * pow(sigma, 1.5), 2);
    double pred_imb = a > 0 ? pow(1 - 2 * a * eta * pow(sigma, 0.5) * (2 - 2 * cos(MFD_PI / 4)), 2) : 1.0;
    double pred_total = fmax(pred, pred_imb);
    const char *init = random_init ? "gaussian" : "near-optimal balanced";
    char name[200];
    snprintf(name, sizeof name, "D5 contraction gap of L_ori, %s, sigma=%g, eta=%g, a=%g, %s init (pred rho %.6f)",
             mfd_field_name(f), sigma, eta, a, init, pred);
    CHECK_CLOSE(name, 1 - rho_ori, 1 - pred, 0.02 * (1 - pred));
    if (a > 0) {
        snprintf(name, sizeof name, "D5 contraction gap of L = max(end-to-end, imbalance) rate, a=%g (pred rho %.6f)", a,
                 pred_total);
        CHECK_CLOSE(name, 1 - rho, 1 - pred_total, 0.02 * (1 - pred_total));
    }
    snprintf(name, sizeof name, "D5 Thm 11 bound: L contracts at least by exp(-eta sigma^1.5) per step (%s, a=%g)",
             mfd_field_name(f), a);
    CHECK_LE(name, rho, exp(-eta * pow(sigma, 1.5)));
    mfd_deep_free(m);
}

/* D2 [LXGFD25 Thm 6]: for real Gaussian init P(det W(0) > 0) = 1/2, and
 * det W < 0 implies σ_min(W + (WWᵀ)^{1/2}) = 0. */
static void check_d2(void)
{
    size_t d = 4, dims[5] = {4, 4, 4, 4, 4}, K = 10000, pos = 0, neg = 0, neg_zero = 0, pos_nonzero = 0;
    mfd_deep *m;
    mfd_deepdiag *g;
    mfd_deep_alloc(MFD_REAL, 4, dims, &m);
    mfd_target_identity(m->target, 1.0);
    mfd_deepdiag_alloc(m, &g);
    double worst_neg = 0;
    for (size_t k = 0; k < K; k++) {
        mfd_rng r;
        mfd_rng_init(&r, 1000 + k, MFD_STREAM_INIT);
        mfd_deepinit_gaussian(m, &r, 1.0);
        mfd_deep_loss(m);
        mfd_deepdiag_compute(g, m);
        /* rounding in forming W + U S Uᵀ and in its SVD: O(d u σ_max(W));
         * 100 d u σ_max leaves a margin of ~10 over what LAPACK attains */
        double tol = 100.0 * (double)d * TH_U * g->sv[0];
        if (g->det_sign > 0) {
            pos++;
            pos_nonzero += g->init_q > tol;
        } else {
            neg++;
            neg_zero += g->init_q <= tol;
            worst_neg = fmax(worst_neg, g->init_q / (TH_U * g->sv[0]));
        }
    }
    double frac = (double)pos / (double)K;
    /* binomial standard deviation 0.5/sqrt(K) = 0.005: allow 4 of them */
    CHECK_CLOSE("D2 real Gaussian init: fraction with det W(0) > 0 over 1e4 draws", frac, 0.5, 4 * 0.5 / sqrt((double)K));
    char name[160];
    snprintf(name, sizeof name, "D2 det W(0) < 0 implies init_q = 0 (to 100 d u sigma_max; worst %.1f u sigma_max)",
             worst_neg);
    CHECK(name, neg_zero == neg);
    snprintf(name, sizeof name, "D2 with det W(0) > 0, init_q is above that tolerance (%zu of %zu; the check can fail)",
             pos_nonzero, pos);
    CHECK(name, pos_nonzero >= (size_t)(0.99 * (double)pos));
    mfd_deepdiag_free(g);
    mfd_deep_free(m);
}

/* D3 [LXGFD25 Thm 4, 5]: from balanced init with a = 0 and small η, the skew
 * error never increases, the Hermitian σ_min never decreases, and the
 * sandwich bound holds at every logged step (mfdyn's form, see
 * mfd_deepdiag.h).  Measured relative to 2σ_max(W_1); rounding alone gives
 * ~1e-14, so 1e-10 still exposes any O(η²) effect (η² = 1e-5 here). */
static void check_d3(mfd_field f, unsigned seed, double *rise, double *drop, double *viol, double *det0)
{
    size_t dims[5] = {4, 4, 4, 4, 4};
    double eta = 0.003;
    mfd_deep *m;
    mfd_deepdiag *g;
    mfd_deep_alloc(f, 4, dims, &m);
    mfd_target_identity(m->target, 1.0);
    mfd_rng r;
    mfd_rng_init(&r, seed, MFD_STREAM_INIT);
    mfd_deepinit_balanced_gaussian(m, &r, 0.5);
    mfd_deepdiag_alloc(m, &g);
    mfd_deeptrack tr;
    mfd_deeptrack_init(&tr, 1e-3);
    long next = 0;
    for (long t = 0; t <= 8000; t++) {
        mfd_deep_eval(m);
        if (t == next) { /* 20 points per decade */
            mfd_deepdiag_compute(g, m);
            mfd_deeptrack_update(&tr, g, m, t, eta);
            next = t < 20 ? t + 1 : (long)ceil((double)t * pow(10, 0.05));
        }
        mfd_deep_update(m, eta);
    }
    *rise = tr.skew_max_rise;
    *drop = tr.herm_max_drop;
    *viol = tr.sandwich_max_violation;
    *det0 = tr.det_sign_init;
    mfd_deepdiag_free(g);
    mfd_deep_free(m);
}

int main(void)
{
    check_d5(MFD_REAL, 1.5, 0.01, 0.0, 0);
    check_d5(MFD_COMPLEX, 0.7, 0.03, 0.0, 0);
    check_d5(MFD_COMPLEX, 1.0, 0.01, 2.0, 1); /* imbalance slower: L follows L_reg */
    check_d5(MFD_COMPLEX, 1.0, 0.01, 8.0, 1); /* imbalance faster: L follows L_ori */
    check_d2();
    for (int f = 1; f <= 2; f++)
        for (unsigned seed = 4; seed <= 5; seed++) {
            double rise, drop, viol, det0;
            check_d3((mfd_field)f, seed, &rise, &drop, &viol, &det0);
            if (f == 1 && det0 < 0) { /* the real det<0 runs sit at a saddle: D3 holds up to O(η) there */
                printf("note: real seed %u has det W(0) < 0; skipped (reported by the D3 experiment)\n", seed);
                continue;
            }
            char name[128];
            snprintf(name, sizeof name, "D3 skew error never increases (%s, seed %u)", mfd_field_name((mfd_field)f), seed);
            CHECK_LE(name, rise, 1e-10);
            snprintf(name, sizeof name, "D3 Hermitian sigma_min never decreases (%s, seed %u)", mfd_field_name((mfd_field)f), seed);
            CHECK_LE(name, drop, 1e-10);
            snprintf(name, sizeof name, "D3 sandwich holds at every logged step (%s, seed %u)", mfd_field_name((mfd_field)f), seed);
            CHECK_LE(name, viol, 1e-10);
        }
    TEST_REPORT();
}
