/* mfd_deep and mfd_deepinit: gradients, exact identities, initializations. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepinit.h"
#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_target.h"
#include "testhelp.h"

static double loss_at(mfd_deep *m)
{
    mfd_deep_loss(m);
    return m->loss_ori + m->loss_reg;
}

/* Central differences against mfd_deep_eval on every coordinate (real and
 * imaginary parts separately).  With h = 1e-5 the truncation error is
 * h^2 |L'''| / 6 and the rounding error u |L| / h; for these O(1) problems
 * (|L'''|, |L| < 1e2) both are below 1e-8, the tolerance relative to
 * max(1, max |G|).  A wrong term in the gradient is O(1). */
static void fd_check(mfd_field f, int depth, const size_t *dims, double a, unsigned seed, bool masked)
{
    mfd_deep *m;
    mfd_deep_alloc(f, depth, dims, &m);
    m->a = a;
    mfd_rng r;
    mfd_rng_init(&r, seed, MFD_STREAM_INIT);
    mfd_deepinit_gaussian(m, &r, 0.8);
    mfd_random_gaussian(&r, m->target, 1.0);
    if (masked) { /* completion: every other entry observed */
        unsigned char mask[64];
        for (size_t i = 0; i < dims[depth] * dims[0]; i++)
            mask[i] = (unsigned char)(i % 2);
        mfd_deep_set_mask(m, mask);
    }
    mfd_deep_eval(m);
    size_t n = mfd_deep_ndoubles(m);
    double *g = malloc(n * sizeof(double)), h = 1e-5, worst = 0, gmax = 0;
    memcpy(g, m->grad, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double w0 = m->w[i];
        m->w[i] = w0 + h;
        double lp = loss_at(m);
        m->w[i] = w0 - h;
        double lm = loss_at(m);
        m->w[i] = w0;
        worst = fmax(worst, fabs((lp - lm) / (2 * h) - g[i]));
        gmax = fmax(gmax, fabs(g[i]));
    }
    char name[160];
    int k = snprintf(name, sizeof name, "finite differences match the gradient%s: %s N=%d a=%g widths=",
                     masked ? " (masked)" : "", mfd_field_name(f), depth, a);
    for (int j = 0; j <= depth; j++)
        k += snprintf(name + k, sizeof name - (size_t)k, j ? ",%zu" : "%zu", dims[j]);
    CHECK_LE(name, worst / fmax(1.0, gmax), 1e-8);
    free(g);
    mfd_deep_free(m);
}

/* max_j ‖Δ_j‖ / ‖W_j‖² */
static double imbalance(mfd_deep *m)
{
    mfd_deep_imbalance(m);
    double worst = 0;
    for (int j = 1; j < m->depth; j++)
        worst = fmax(worst, sqrt(mfd_mat_norm2(mfd_deep_delta(m, j))) / mfd_mat_norm2(mfd_deep_layer(m, j)));
    return worst;
}

int main(void)
{
    /* ---- gradients ---- */
    for (int f = 1; f <= 2; f++)
        for (int N = 2; N <= 4; N++)
            for (int ia = 0; ia < 2; ia++) {
                size_t dims[5] = {3, 3, 3, 3, 3};
                fd_check((mfd_field)f, N, dims, ia ? 0.7 : 0.0, (unsigned)(10 * N + f + 100 * ia), false);
            }
    size_t rect[5] = {3, 5, 2, 4, 3};
    fd_check(MFD_REAL, 4, rect, 0.9, 5, false);
    fd_check(MFD_COMPLEX, 4, rect, 0.9, 6, false);
    fd_check(MFD_COMPLEX, 3, rect, 0.0, 7, false);
    size_t sq[5] = {3, 3, 3, 3, 3};
    fd_check(MFD_REAL, 3, sq, 0.0, 8, true);
    fd_check(MFD_COMPLEX, 4, sq, 0.5, 9, true);
    fd_check(MFD_REAL, 4, rect, 0.9, 10, true);

    /* ---- a mask splits the data term: observed + unobserved = the full loss ---- */
    {
        size_t dims[4] = {4, 4, 4, 4};
        mfd_deep *m;
        mfd_deep_alloc(MFD_COMPLEX, 3, dims, &m);
        mfd_rng r;
        mfd_rng_init(&r, 11, MFD_STREAM_INIT);
        mfd_deepinit_gaussian(m, &r, 0.7);
        mfd_random_gaussian(&r, m->target, 1.0);
        mfd_deep_loss(m);
        double full = m->loss_ori;
        unsigned char mask[16];
        for (size_t i = 0; i < 16; i++)
            mask[i] = (unsigned char)(i % 3 == 0);
        mfd_deep_set_mask(m, mask);
        mfd_deep_loss(m);
        CHECK_LE("observed + unobserved loss is the full loss", fabs(m->loss_ori + m->loss_test - full) / full, 1e-14);
        CHECK("the observed part is a strict part", m->loss_ori > 0 && m->loss_test > 0);
        mfd_deep_set_mask(m, NULL);
        mfd_deep_loss(m);
        CHECK("removing the mask restores the full loss", m->loss_ori == full && m->loss_test == 0);
        mfd_deep_free(m);
    }

    /* ---- with a = 0 one step changes Δ_j by exactly η²(G_jG_jᴴ − G_{j+1}ᴴG_{j+1}) ---- */
    for (int f = 1; f <= 2; f++) {
        size_t d = 5, dims[5] = {5, 5, 5, 5, 5};
        int N = 4;
        double eta = 0.3;
        mfd_deep *m;
        mfd_deep_alloc((mfd_field)f, N, dims, &m);
        mfd_rng r;
        mfd_rng_init(&r, 3, 3);
        mfd_deepinit_gaussian(m, &r, 0.7);
        mfd_random_gaussian(&r, m->target, 1.0);
        mfd_deep_eval(m);
        mfd_deep_imbalance(m);
        mfd_mat pred[3], G2;
        mfd_mat_alloc((mfd_field)f, d, d, &G2);
        double scale = 0, change = 0;
        for (int j = 1; j < N; j++) {
            mfd_mat_alloc((mfd_field)f, d, d, &pred[j - 1]);
            mfd_mat_copy(pred[j - 1], mfd_deep_delta(m, j));
            mfd_la_gemm('N', 'C', eta * eta, mfd_deep_grad(m, j), mfd_deep_grad(m, j), 1.0, pred[j - 1]);
            mfd_la_gemm('C', 'N', -eta * eta, mfd_deep_grad(m, j + 1), mfd_deep_grad(m, j + 1), 1.0, pred[j - 1]);
            scale = fmax(scale, mfd_mat_norm2(mfd_deep_layer(m, j)));
            change = fmax(change, mfd_mat_dist(pred[j - 1], mfd_deep_delta(m, j)));
        }
        mfd_deep_update(m, eta);
        mfd_deep_imbalance(m);
        double worst = 0;
        for (int j = 1; j < N; j++)
            worst = fmax(worst, mfd_mat_maxabs_diff(pred[j - 1], mfd_deep_delta(m, j)));
        /* rounding of the Gram products: O(d u (‖W‖² + η‖G‖‖W‖)) */
        char name[128];
        snprintf(name, sizeof name, "one GD step changes Delta_j by exactly eta^2 (G G^H - G^H G) (%s)",
                 mfd_field_name((mfd_field)f));
        CHECK_LE(name, worst, 100.0 * (double)d * TH_U * (1 + scale));
        CHECK("the predicted second-order change is far above rounding (the check can fail)", change > 1e-3);
        for (int j = 1; j < N; j++)
            mfd_mat_free(&pred[j - 1]);
        mfd_mat_free(&G2);
        mfd_deep_free(m);
    }

    /* ---- unitary equivariance of whole trajectories ---- */
    for (int f = 1; f <= 2; f++)
        for (int ia = 0; ia < 2; ia++) {
            size_t d = 4, dims[5] = {4, 4, 4, 4, 4};
            int N = 4, steps = 300;
            double eta = 0.02;
            mfd_field fl = (mfd_field)f;
            mfd_deep *m, *mt;
            mfd_deep_alloc(fl, N, dims, &m);
            mfd_deep_alloc(fl, N, dims, &mt);
            m->a = mt->a = ia ? 1.0 : 0.0;
            mfd_rng r;
            mfd_rng_init(&r, 17, 1);
            mfd_random_gaussian(&r, m->target, 1.0);
            mfd_deepinit_gaussian(m, &r, 0.5);
            /* Σ = U S VH; the transformed problem has target Uᴴ Σ V = diag(S) */
            mfd_la_ws ws;
            mfd_la_ws_alloc(fl, d, &ws);
            mfd_mat A, U, VH, tmp;
            mfd_mat_alloc(fl, d, d, &A);
            mfd_mat_alloc(fl, d, d, &U);
            mfd_mat_alloc(fl, d, d, &VH);
            mfd_mat_alloc(fl, d, d, &tmp);
            double s[4];
            mfd_mat_copy(A, m->target);
            mfd_la_svd(A, s, &U, &VH, &ws);
            mfd_target_diag(mt->target, s, d);
            memcpy(mt->w, m->w, mfd_deep_ndoubles(m) * sizeof(double));
            mfd_la_gemm('N', 'C', 1.0, mfd_deep_layer(m, 1), VH, 0.0, mfd_deep_layer(mt, 1)); /* W_1 V */
            mfd_la_gemm('C', 'N', 1.0, U, mfd_deep_layer(m, N), 0.0, mfd_deep_layer(mt, N)); /* Uᴴ W_N */
            for (int t = 0; t < steps; t++) {
                mfd_deep_eval(m);
                mfd_deep_eval(mt);
                mfd_deep_update(m, eta);
                mfd_deep_update(mt, eta);
            }
            double worst = 0;
            mfd_la_gemm('N', 'C', 1.0, mfd_deep_layer(m, 1), VH, 0.0, tmp);
            worst = fmax(worst, mfd_mat_maxabs_diff(tmp, mfd_deep_layer(mt, 1)));
            mfd_la_gemm('C', 'N', 1.0, U, mfd_deep_layer(m, N), 0.0, tmp);
            worst = fmax(worst, mfd_mat_maxabs_diff(tmp, mfd_deep_layer(mt, N)));
            for (int j = 2; j < N; j++)
                worst = fmax(worst, mfd_mat_maxabs_diff(mfd_deep_layer(m, j), mfd_deep_layer(mt, j)));
            char name[128];
            snprintf(name, sizeof name, "the run on U^H S V from transformed layers is the transformed run (%s, a=%g)",
                     mfd_field_name(fl), m->a);
            /* per-step rounding O(d u) propagated by a map with Lipschitz constant ~ 1 + eta L over 300 steps */
            CHECK_LE(name, worst, (double)steps * 100.0 * (double)d * TH_U);
            mfd_la_ws_free(&ws);
            mfd_mat_free(&A);
            mfd_mat_free(&U);
            mfd_mat_free(&VH);
            mfd_mat_free(&tmp);
            mfd_deep_free(m);
            mfd_deep_free(mt);
        }

    /* ---- initializations ---- */
    for (int f = 1; f <= 2; f++) {
        mfd_field fl = (mfd_field)f;
        size_t d = 8, dims[6] = {8, 8, 8, 8, 8, 8};
        int N = 5;
        mfd_deep *m;
        mfd_deep_alloc(fl, N, dims, &m);
        mfd_rng r;
        mfd_rng_init(&r, 23, 2);
        char name[128];

        mfd_deepinit_balanced_gaussian(m, &r, 0.7);
        snprintf(name, sizeof name, "balanced_gaussian is balanced to 1e-12 (%s)", mfd_field_name(fl));
        CHECK_LE(name, imbalance(m), 1e-12);
        /* each layer is marginally eps * Gaussian: E‖W_j‖² = eps² d² (loose: 5 sd over 5 layers of 64 entries) */
        double ms = 0;
        for (int j = 1; j <= N; j++)
            ms += mfd_mat_norm2(mfd_deep_layer(m, j));
        ms /= N * 0.49 * 64;
        CHECK_CLOSE("balanced_gaussian layers have the scale of eps * Gaussian", ms, 1.0, 0.5);

        mfd_mat A;
        mfd_mat_alloc(fl, d, d, &A);
        mfd_random_gaussian(&r, A, 1.3);
        mfd_deepinit_balanced_from_product(m, A);
        snprintf(name, sizeof name, "balanced_from_product is balanced to 1e-12 (%s)", mfd_field_name(fl));
        CHECK_LE(name, imbalance(m), 1e-12);
        mfd_deep_loss(m);
        snprintf(name, sizeof name, "balanced_from_product reproduces its product (%s)", mfd_field_name(fl));
        CHECK_LE(name, mfd_mat_dist(mfd_deep_product(m), A) / sqrt(mfd_mat_norm2(A)), 1e-13);

        double diag[8] = {3, 2.5, 2, 1.5, 1, 0.5, 0.25, 0.125};
        mfd_target_diag(m->target, diag, d);
        mfd_deepinit_decoupled(m, 1e-3);
        mfd_deep_loss(m);
        mfd_mat E;
        mfd_mat_alloc(fl, d, d, &E);
        mfd_mat_set_identity(E, 1e-3);
        snprintf(name, sizeof name, "decoupled on a diagonal target starts at u0 * I, balanced (%s)", mfd_field_name(fl));
        CHECK(name, mfd_mat_maxabs_diff(mfd_deep_product(m), E) <= 1e-15 && imbalance(m) <= 1e-12);

        mfd_deepinit_identity(m, 0.5);
        mfd_deep_loss(m);
        mfd_mat_set_identity(E, 0.5);
        CHECK("identity init has product alpha * I", mfd_mat_maxabs_diff(mfd_deep_product(m), E) <= 1e-15);

        mfd_deepinit_orthogonal(m, &r, 2.0);
        mfd_deep_loss(m);
        mfd_la_ws ws;
        mfd_la_ws_alloc(fl, d, &ws);
        double s[8];
        mfd_mat_copy(A, mfd_deep_product(m));
        mfd_la_svd(A, s, NULL, NULL, &ws);
        CHECK("orthogonal init: the product is 2^N times a unitary matrix",
              fabs(s[0] - 32) < 1e-12 && fabs(s[7] - 32) < 1e-12);
        mfd_la_ws_free(&ws);

        mfd_deepinit_gaussian_achl(m, &r, 0.5);
        mfd_deep_loss(m);
        double fro = sqrt(mfd_mat_norm2(mfd_deep_product(m)));
        /* [ACHL19]'s own check accepts 0.8..1.2 of s sqrt(d); at d = 8 the spread is larger */
        CHECK("gaussian_achl: |W(0)|_F is about s sqrt(d)", fro > 0.25 * 0.5 * sqrt(8.0) && fro < 4 * 0.5 * sqrt(8.0));

        mfd_mat_free(&A);
        mfd_mat_free(&E);
        mfd_deep_free(m);
    }
    {
        size_t dims[4] = {3, 4, 4, 3};
        mfd_deep *m;
        mfd_deep_alloc(MFD_REAL, 3, dims, &m);
        mfd_rng r;
        mfd_rng_init(&r, 1, 1);
        CHECK("balanced_gaussian on rectangular layers is MFD_EINVAL",
              mfd_deepinit_balanced_gaussian(m, &r, 1.0) == MFD_EINVAL);
        CHECK("identity on rectangular layers is MFD_EINVAL", mfd_deepinit_identity(m, 1.0) == MFD_EINVAL);
        mfd_deep_free(m);
        size_t bad[3] = {3, 0, 3};
        CHECK("a zero width is MFD_EINVAL", mfd_deep_alloc(MFD_REAL, 2, bad, &m) == MFD_EINVAL && m == NULL);
        CHECK("depth 1 is MFD_EINVAL", mfd_deep_alloc(MFD_REAL, 1, dims, &m) == MFD_EINVAL);
    }

    /* ---- four-layer diagnostics at the balanced optimum of Σ = σI ---- */
    for (int f = 1; f <= 2; f++) {
        size_t dims[5] = {6, 6, 6, 6, 6};
        double sigma = 2.0;
        mfd_deep *m;
        mfd_deep_alloc((mfd_field)f, 4, dims, &m);
        mfd_target_identity(m->target, sigma);
        mfd_rng r;
        mfd_rng_init(&r, 5, 5);
        /* balanced layers σ^{1/4} Q_j Q_{j−1}ᴴ have product σ I */
        mfd_mat Q0, Q1, Q2, Q3;
        mfd_mat_alloc((mfd_field)f, 6, 6, &Q0);
        mfd_mat_alloc((mfd_field)f, 6, 6, &Q1);
        mfd_mat_alloc((mfd_field)f, 6, 6, &Q2);
        mfd_mat_alloc((mfd_field)f, 6, 6, &Q3);
        mfd_random_haar(&r, Q0);
        mfd_random_haar(&r, Q1);
        mfd_random_haar(&r, Q2);
        mfd_random_haar(&r, Q3);
        double q = pow(sigma, 0.25);
        mfd_la_gemm('N', 'C', q, Q1, Q0, 0.0, mfd_deep_layer(m, 1));
        mfd_la_gemm('N', 'C', q, Q2, Q1, 0.0, mfd_deep_layer(m, 2));
        mfd_la_gemm('N', 'C', q, Q3, Q2, 0.0, mfd_deep_layer(m, 3));
        mfd_la_gemm('N', 'C', q, Q0, Q3, 0.0, mfd_deep_layer(m, 4));
        mfd_deep_loss(m);
        mfd_deepdiag *g;
        mfd_deepdiag_alloc(m, &g);
        mfd_deepdiag_compute(g, m);
        char name[128];
        snprintf(name, sizeof name, "at the balanced optimum the loss is 0 (%s)", mfd_field_name((mfd_field)f));
        CHECK_LE(name, m->loss_ori, 1e-26);
        snprintf(name, sizeof name, "at the balanced optimum herm_smin = 2 sigma^(1/4) (%s)", mfd_field_name((mfd_field)f));
        CHECK_CLOSE(name, g->herm_smin, 2 * q, 1e-13);
        snprintf(name, sizeof name, "at the balanced optimum skew_err = 0 (%s)", mfd_field_name((mfd_field)f));
        CHECK_LE(name, g->skew_err, 1e-13);
        CHECK_CLOSE("at the optimum init_q = 2 sigma", g->init_q, 2 * sigma, 1e-13);
        CHECK("the sandwich holds at the optimum", g->sandwich_lo <= g->herm_smin * (1 + 1e-13) &&
                                                       g->herm_smin <= g->sandwich_hi * (1 + 1e-13));
        CHECK_CLOSE("log|det W| = d log sigma at the optimum", g->log_abs_det, 6 * log(sigma), 1e-12);
        CHECK_CLOSE("effective rank of sigma I is d", g->erank_ent, 6.0, 1e-12);
        mfd_deepdiag_free(g);
        mfd_mat_free(&Q0);
        mfd_mat_free(&Q1);
        mfd_mat_free(&Q2);
        mfd_mat_free(&Q3);
        mfd_deep_free(m);
    }
    TEST_REPORT();
}
