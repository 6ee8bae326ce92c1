/* mfd_sensop, mfd_sense, mfd_senseinit, mfd_sensediag: gradients, operator
 * statistics, the on-the-fly operator, the re-imbalancing step and the gauge,
 * and what a run follows of the factors' balance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_gauss.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_sense.h"
#include "mfd_sensediag.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"
#include "testhelp.h"
#include "fd_sense.h"

/* Central differences of f against mfd_sense_eval (h = 1e-6; the loss is a
 * quartic polynomial, so truncation is h² |f'''| / 6 and rounding u |f| / h:
 * both below 1e-8 relative to max(1, |∇f|) here). */
static void fd_check(bool sym, unsigned seed)
{
    size_t n1 = 5, n2 = sym ? 5 : 4, k = 3, m = 40;
    mfd_sensop *op;
    mfd_sensop_gaussian(m, n1, n2, false, seed, &op); /* a plain operator: sym(Z) is exercised */
    double *y = malloc(m * sizeof(double));
    mfd_rng r;
    mfd_rng_init(&r, seed, 9);
    mfd_rng_fill_gaussian(&r, y, m, 1.0);
    mfd_sense *s;
    mfd_sense_alloc(sym, n1, n2, k, op, y, &s);
    mfd_mat T;
    mfd_mat_alloc(MFD_REAL, n1, n2, &T);
    mfd_random_gaussian(&r, T, 1.0);
    mfd_sense_set_target(s, T);
    mfd_random_gaussian(&r, s->F, 0.7);
    if (!sym)
        mfd_random_gaussian(&r, s->G, 0.7);
    CHECK_LE(sym ? "finite differences match the gradient of 1/4 |A(XX^T) - y|^2"
                 : "finite differences match both gradients of 1/2 |A(FG^T) - y|^2",
             fd_sense_error(s), 1e-8);
    mfd_mat_free(&T);
    mfd_sense_free(s);
    mfd_sensop_free(op);
    free(y);
}

int main(void)
{
    fd_check(true, 1);
    fd_check(false, 2);

    /* E[A*A(D)] = D: with m measurements each entry of A*A(D) − D has
     * standard deviation sqrt((|D|² + D_ij²) / m) <= sqrt(2/m) |D| (Gaussian
     * A_k; the symmetrized ones on symmetric D likewise).  Allow 5 of them. */
    for (int symop = 0; symop <= 1; symop++) {
        size_t n = 4, m = 40000;
        mfd_sensop *op;
        mfd_sensop_gaussian(m, n, n, symop, 7, &op);
        mfd_mat D, Z;
        mfd_mat_alloc(MFD_REAL, n, n, &D);
        mfd_mat_alloc(MFD_REAL, n, n, &Z);
        mfd_rng r;
        mfd_rng_init(&r, 3, 3);
        mfd_random_gaussian(&r, D, 1.0);
        if (symop) /* symmetric D for the symmetrized operator */
            for (size_t j = 0; j < n; j++)
                for (size_t i = j + 1; i < n; i++)
                    *mfd_mat_at(D, i, j) = *mfd_mat_at(D, j, i);
        double *yv = malloc(m * sizeof(double));
        mfd_sensop_apply(op, D, yv);
        mfd_sensop_adjoint(op, yv, Z);
        double sd = sqrt(2.0 / (double)m) * sqrt(mfd_mat_norm2(D));
        CHECK_LE(symop ? "symmetrized Gaussian operator: A*A(D) = D within 5 sd (symmetric D)"
                       : "Gaussian operator: A*A(D) = D within 5 sd",
                 mfd_mat_maxabs_diff(Z, D), 5 * sd);
        free(yv);
        mfd_mat_free(&D);
        mfd_mat_free(&Z);
        mfd_sensop_free(op);
    }

    /* The on-the-fly operator regenerates the stored one: every A_k the same
     * bits, so A(X) and A*(r) agree to summation order, 1e-14 relative.  A
     * row length that is not a multiple of the generator's batches (30, 36)
     * exercises the partial groups. */
    for (int symop = 0; symop <= 1; symop++) {
        size_t n1 = 6, n2 = symop ? 6 : 5, m = 300, N = n1 * n2;
        mfd_sensop *dense, *otf;
        mfd_sensop_gaussian(m, n1, n2, symop, 11, &dense);
        mfd_sensop_gaussian_otf(m, n1, n2, symop, 11, &otf);
        mfd_mat X, Z1, Z2, A1, A2;
        mfd_mat_alloc(MFD_REAL, n1, n2, &X);
        mfd_mat_alloc(MFD_REAL, n1, n2, &Z1);
        mfd_mat_alloc(MFD_REAL, n1, n2, &Z2);
        mfd_mat_alloc(MFD_REAL, n1, n2, &A1);
        mfd_mat_alloc(MFD_REAL, n1, n2, &A2);
        mfd_rng r;
        mfd_rng_init(&r, 4, 4);
        mfd_random_gaussian(&r, X, 1.0);
        double *y1 = malloc(m * sizeof(double)), *y2 = malloc(m * sizeof(double)), dy = 0, ny = 0;
        mfd_sensop_apply(dense, X, y1);
        mfd_sensop_apply(otf, X, y2);
        for (size_t i = 0; i < m; i++) {
            dy = fmax(dy, fabs(y1[i] - y2[i]));
            ny = fmax(ny, fabs(y1[i]));
        }
        CHECK_LE(symop ? "on-the-fly A(X) equals the stored one (symmetrized)" : "on-the-fly A(X) equals the stored one",
                 dy / ny, 1e-14);
        mfd_sensop_adjoint(dense, y1, Z1);
        mfd_sensop_adjoint(otf, y1, Z2);
        CHECK_LE("on-the-fly A*(r) equals the stored one", mfd_mat_maxabs_diff(Z1, Z2) / sqrt(mfd_mat_norm2(Z1)), 1e-14);
        int same = 1, sym_ok = 1;
        for (size_t k = 0; k < m; k++) {
            mfd_sensop_row(dense, k, A1);
            mfd_sensop_row(otf, k, A2);
            same &= memcmp(A1.data, A2.data, N * sizeof(double)) == 0;
            for (size_t j = 0; symop && j < n2; j++)
                for (size_t i = 0; i < n1; i++)
                    sym_ok &= A1.data[i + j * n1] == A1.data[j + i * n1];
        }
        CHECK(symop ? "all 300 A_k bit for bit the same in both (symmetrized)" : "all 300 A_k bit for bit the same in both",
              same);
        if (symop)
            CHECK("the symmetrized A_k are symmetric", sym_ok);

        /* ⟨A(X), y⟩ = ⟨X, A*(y)⟩ for both, to rounding: each side sums m n1 n2
         * products of size |A_k| |X| |y| ~ 1/√m; allow 1e-13 of Σ|terms|. */
        double *yr = malloc(m * sizeof(double));
        mfd_rng_fill_gaussian(&r, yr, m, 1.0);
        mfd_sensop *ops[2] = {dense, otf};
        for (int o = 0; o < 2; o++) {
            mfd_sensop_apply(ops[o], X, y2);
            mfd_sensop_adjoint(ops[o], yr, Z2);
            double lhs = 0, rhs = 0, mag = 0;
            for (size_t k = 0; k < m; k++) {
                lhs += y2[k] * yr[k];
                mag += fabs(y2[k] * yr[k]);
            }
            for (size_t i = 0; i < N; i++) {
                rhs += X.data[i] * Z2.data[i];
                mag += fabs(X.data[i] * Z2.data[i]);
            }
            CHECK_LE(o ? "adjoint identity <A(X), y> = <X, A*(y)>, on-the-fly operator"
                       : "adjoint identity <A(X), y> = <X, A*(y)>, stored operator",
                     fabs(lhs - rhs) / mag, 1e-13);
        }

        /* The on-the-fly A(X) and A*(y) on every generator path the CPU has:
         * the same bits (the sums run in one fixed order on every path). */
        const char *paths[] = {"plain", "avx2", "avx512"};
        double *yp = malloc(m * sizeof(double));
        mfd_gauss_set_path("plain");
        mfd_sensop_apply(otf, X, y1);
        mfd_sensop_adjoint(otf, yr, Z1);
        int runs = 0, apply_same = 1, adjoint_same = 1;
        for (int p = 1; p < 3; p++) {
            if (mfd_gauss_set_path(paths[p]) != MFD_OK)
                continue;
            runs++;
            mfd_sensop_apply(otf, X, yp);
            mfd_sensop_adjoint(otf, yr, Z2);
            apply_same &= memcmp(y1, yp, m * sizeof(double)) == 0;
            adjoint_same &= memcmp(Z1.data, Z2.data, N * sizeof(double)) == 0;
        }
        mfd_gauss_set_path("auto");
        printf("generator paths compared with plain: %d\n", runs);
        CHECK("on-the-fly A(X): the same bits on every generator path", apply_same);
        CHECK("on-the-fly A*(y): the same bits on every generator path", adjoint_same);
        free(yp);
        free(yr);
        free(y1);
        free(y2);
        mfd_mat_free(&X);
        mfd_mat_free(&Z1);
        mfd_mat_free(&Z2);
        mfd_mat_free(&A1);
        mfd_mat_free(&A2);
        mfd_sensop_free(dense);
        mfd_sensop_free(otf);
    }
    {
        mfd_sensop *op;
        CHECK("a symmetrized operator on a rectangular target is refused",
              mfd_sensop_gaussian(10, 3, 4, true, 1, &op) == MFD_EINVAL && op == NULL);
        CHECK("an operator whose size overflows is refused", mfd_sensop_dense_bytes((size_t)1 << 40, 1 << 20, 1 << 20, false) == 0 &&
                  mfd_sensop_dense_bytes((size_t)1 << 40, 1 << 20, 1 << 20, true) == 0);
        CHECK("an on-the-fly A_k beyond 2^33 entries is refused",
              mfd_sensop_gaussian_otf(10, (size_t)1 << 17, (size_t)1 << 17, false, 1, &op) == MFD_ERANGE && op == NULL);
        CHECK("an on-the-fly A_k of 2^33 entries is taken (nothing of its size is allocated)",
              mfd_sensop_gaussian_otf(10, (size_t)1 << 16, (size_t)1 << 17, false, 1, &op) == MFD_OK);
        mfd_sensop_free(op);
    }

    /* Re-imbalancing: FGᵀ unchanged to 1e-12, FᵀF = scale I to 1e-12. */
    {
        size_t n1 = 8, n2 = 7, k = 4;
        mfd_sensop *op;
        mfd_sensop_identity(n1, n2, &op);
        double *y = calloc(n1 * n2, sizeof(double));
        mfd_sense *s;
        mfd_sense_alloc(false, n1, n2, k, op, y, &s);
        mfd_rng r;
        mfd_rng_init(&r, 5, 5);
        mfd_random_gaussian(&r, s->F, 0.1); /* small and unbalanced: cond(FᵀF) ~ 10 */
        mfd_random_gaussian(&r, s->G, 1.0);
        mfd_mat P0, P1, FtF, I;
        mfd_mat_alloc(MFD_REAL, n1, n2, &P0);
        mfd_mat_alloc(MFD_REAL, n1, n2, &P1);
        mfd_mat_alloc(MFD_REAL, k, k, &FtF);
        mfd_mat_alloc(MFD_REAL, k, k, &I);
        mfd_la_gemm('N', 'T', 1.0, s->F, s->G, 0.0, P0);
        CHECK("rebalance succeeds", mfd_sense_rebalance(s, 2.5) == MFD_OK);
        mfd_la_gemm('N', 'T', 1.0, s->F, s->G, 0.0, P1);
        CHECK_LE("re-imbalancing leaves F G^T unchanged (relative)", mfd_mat_dist(P0, P1) / sqrt(mfd_mat_norm2(P0)), 1e-12);
        mfd_la_gemm('T', 'N', 1.0, s->F, s->F, 0.0, FtF);
        mfd_mat_set_identity(I, 2.5);
        CHECK_LE("re-imbalancing sets F^T F = sigma_1 I", mfd_mat_maxabs_diff(FtF, I) / 2.5, 1e-12);
        /* P7's gauge: F G^T unchanged; cond(Q) = 100 scales F's columns apart */
        mfd_la_gemm('N', 'T', 1.0, s->F, s->G, 0.0, P0);
        CHECK("a gauge of condition 100 is applied", mfd_senseinit_gauge(s, &r, 100.0) == MFD_OK);
        mfd_la_gemm('N', 'T', 1.0, s->F, s->G, 0.0, P1);
        /* rounding of F Q and G Q^-T: about cond(Q) u per entry */
        CHECK_LE("the gauge leaves F G^T unchanged (relative)", mfd_mat_dist(P0, P1) / sqrt(mfd_mat_norm2(P0)), 1e-11);
        mfd_la_gemm('T', 'N', 1.0, s->F, s->F, 0.0, FtF);
        CHECK("the gauge moves F^T F away from sigma_1 I (the check can fail)", mfd_mat_maxabs_diff(FtF, I) > 1.0);
        mfd_mat Q, Qit, small;
        mfd_mat_alloc(MFD_REAL, k, k, &Q);
        mfd_mat_alloc(MFD_REAL, k, k, &Qit);
        mfd_mat_alloc(MFD_REAL, n2, k, &small);
        mfd_mat_set_identity(Q, 2.0);
        mfd_mat_set_identity(Qit, 0.5);
        CHECK("a transform with too small a scratch is refused", mfd_sense_transform(s, Q, Qit, small) == MFD_EINVAL);
        mfd_mat_free(&Q);
        mfd_mat_free(&Qit);
        mfd_mat_free(&small);
        mfd_mat_zero(s->F);
        CHECK("re-imbalancing a zero F is a numerical failure, not NaN", mfd_sense_rebalance(s, 1.0) == MFD_ENUMERIC);
        mfd_sense_free(s);
        mfd_sensop_free(op);
        free(y);
        mfd_mat_free(&P0);
        mfd_mat_free(&P1);
        mfd_mat_free(&FtF);
        mfd_mat_free(&I);
    }

    /* Ground truth: PSD rank r with the given spectrum; balanced init exactly balanced. */
    {
        size_t n = 9, r = 3, k = 5;
        double s3[3];
        mfd_senseinit_spectrum(s3, r, 10.0);
        CHECK("linspace(1, 1/kappa, r)", s3[0] == 1.0 && fabs(s3[1] - 0.55) < 1e-15 && fabs(s3[2] - 0.1) < 1e-15);
        mfd_mat M, U, V, Ut, Vt;
        mfd_mat_alloc(MFD_REAL, n, n, &M);
        mfd_mat_alloc(MFD_REAL, n, r, &U);
        mfd_mat_alloc(MFD_REAL, n, r, &V);
        mfd_mat_alloc(MFD_REAL, n, r, &Ut);
        mfd_mat_alloc(MFD_REAL, n, r, &Vt);
        mfd_rng rng;
        mfd_rng_init(&rng, 1, 1);
        mfd_senseinit_truth(&rng, MFD_BASIS_HAAR, true, s3, r, M, U, V);
        double got[3];
        mfd_senseinit_top(M, r, Ut, got, Vt);
        CHECK_LE("the PSD truth has the requested spectrum",
                 fmax(fabs(got[0] - 1), fmax(fabs(got[1] - 0.55), fabs(got[2] - 0.1))), 1e-14);
        double asym = 0;
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++)
                asym = fmax(asym, fabs(*mfd_mat_at(M, i, j) - *mfd_mat_at(M, j, i)));
        CHECK_LE("the PSD truth is symmetric to rounding", asym, 1e-15);
        mfd_sensop *op;
        mfd_sensop_identity(n, n, &op);
        double *y = calloc(n * n, sizeof(double));
        mfd_sense *s;
        mfd_sense_alloc(false, n, n, k, op, y, &s);
        mfd_senseinit_balanced(s, &rng, 0.01, false);
        mfd_mat A, B;
        mfd_mat_alloc(MFD_REAL, k, k, &A);
        mfd_mat_alloc(MFD_REAL, k, k, &B);
        mfd_la_gemm('T', 'N', 1.0, s->F, s->F, 0.0, A);
        mfd_la_gemm('T', 'N', 1.0, s->G, s->G, 0.0, B);
        CHECK_LE("balanced init: F0^T F0 = G0^T G0 (relative)", mfd_mat_maxabs_diff(A, B) / sqrt(mfd_mat_norm2(A)), 1e-12);
        mfd_sense_free(s);
        mfd_sensop_free(op);
        free(y);
        mfd_mat_free(&A);
        mfd_mat_free(&B);
        mfd_mat_free(&M);
        mfd_mat_free(&U);
        mfd_mat_free(&V);
        mfd_mat_free(&Ut);
        mfd_mat_free(&Vt);
    }
    /* ‖F − G‖/‖F‖ and the imbalance followed over logged iterations */
    {
        size_t n = 6, k = 2;
        mfd_sensop *op;
        mfd_sensop_identity(n, n, &op);
        double *y = calloc(n * n, sizeof(double));
        mfd_sense *s, *x;
        mfd_sense_alloc(false, n, n, k, op, y, &s);
        mfd_sense_alloc(true, n, n, k, op, y, &x);
        mfd_rng r;
        mfd_rng_init(&r, 9, 2);
        mfd_random_gaussian(&r, s->F, 1.0);
        mfd_mat_copy(s->G, s->F);
        CHECK("fg_rel_diff is 0 when G = F", mfd_sensediag_fg_rel_diff(s) == 0);
        mfd_mat_scale(s->G, 0.5);
        CHECK_CLOSE("fg_rel_diff of G = F/2 is 1/2", mfd_sensediag_fg_rel_diff(s), 0.5, 4 * TH_U);
        CHECK("fg_rel_diff is NaN for the symmetric model", isnan(mfd_sensediag_fg_rel_diff(x)));
        mfd_mat U, V;
        mfd_mat_alloc(MFD_REAL, n, 1, &U);
        mfd_mat_alloc(MFD_REAL, n, 1, &V);
        *mfd_mat_at(U, 0, 0) = *mfd_mat_at(V, 0, 0) = 1.0;
        mfd_sensediag *g;
        mfd_sensediag_alloc(s, U, V, &g);
        mfd_sensediag_track tr;
        mfd_sensediag_track_init(&tr);
        CHECK("nothing is followed before the first logged iteration", isnan(tr.imb_init) && isnan(tr.imb_fro_max));
        mfd_sense_eval(s);
        mfd_sensediag_compute(g, s);
        mfd_sensediag_track_update(&tr, g, s, 0);
        /* FᵀF − GᵀG = (3/4) FᵀF: its norm relative to ‖F‖² is (3/4)‖FᵀF‖/‖F‖² */
        CHECK("t = 0 sets the initial imbalance and the running maximum",
              tr.imb_fro_init == tr.imb_fro_max && tr.imb_fro_init > 0 && tr.imb_init == g->imb_min_abs);
        double first = tr.imb_fro_max;
        mfd_mat_scale(s->G, 0.0);
        mfd_sense_eval(s);
        mfd_sensediag_compute(g, s);
        mfd_sensediag_track_update(&tr, g, s, 10);
        CHECK("a larger imbalance later raises the maximum, not the initial value",
              tr.imb_fro_max > first && tr.imb_fro_init == first);
        mfd_sensediag_free(g);
        mfd_mat_free(&U);
        mfd_mat_free(&V);
        mfd_sense_free(s);
        mfd_sense_free(x);
        mfd_sensop_free(op);
        free(y);
    }
    TEST_REPORT();
}
