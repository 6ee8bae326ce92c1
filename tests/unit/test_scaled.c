/* The scaled rules (src/core/methods), mfd_rpca, the mask operator and the sparse path: every update
 * against its closed form with explicit inverses, gradients by finite
 * differences, T_α against a sort-based implementation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_rpca.h"
#include "mfd_method.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"
#include "testhelp.h"
#include "fd_sense.h"

/* inv(A) for a small SPD A by solving A X = I with an LU factorization. */
static void explicit_inverse(mfd_mat A, mfd_mat Ainv)
{
    size_t k = A.rows;
    mfd_mat LU;
    mfd_mat_alloc(MFD_REAL, k, k, &LU);
    mfd_mat_copy(LU, A);
    int *ipiv = malloc(k * sizeof(int));
    mfd_la_lu(LU, ipiv);
    mfd_mat_set_identity(Ainv, 1.0);
    mfd_la_lu_solve('N', LU, ipiv, Ainv);
    free(ipiv);
    mfd_mat_free(&LU);
}

/* pred = X − eta * grad * inv(otherᵀ other + λI) */
static void closed_form(mfd_mat X, mfd_mat grad, mfd_mat other, double lambda, double eta, mfd_mat pred)
{
    size_t k = X.cols;
    mfd_mat Gm, Gi;
    mfd_mat_alloc(MFD_REAL, k, k, &Gm);
    mfd_mat_alloc(MFD_REAL, k, k, &Gi);
    mfd_la_gemm('T', 'N', 1.0, other, other, 0.0, Gm);
    for (size_t i = 0; i < k; i++)
        *mfd_mat_at(Gm, i, i) += lambda;
    explicit_inverse(Gm, Gi);
    mfd_mat_copy(pred, X);
    mfd_la_gemm('N', 'N', -eta, grad, Gi, 1.0, pred);
    mfd_mat_free(&Gm);
    mfd_mat_free(&Gi);
}

/* A rule on s: lambda is also precgd's c; gd's step is eta / gd_scale. */
static mfd_status rule(const mfd_method_type *type, mfd_sense *s, double eta, double lambda, double gd_scale,
                       mfd_method **out)
{
    mfd_method_params p = {.eta = eta, .lambda = lambda, .precgd_c = lambda, .gd_scale = gd_scale, .mem_limit = 1e18};
    return mfd_method_alloc(type, s, &p, out);
}

typedef struct problem {
    mfd_sensop *op;
    double *y;
    mfd_sense *s;
    mfd_rpca *rpca;
} problem;

/* n1 x n2 rank-2 truth; operator: 0 identity, 1 gaussian, 2 mask, 3 rpca (identity + outliers) */
static problem make(bool sym, int kind, size_t n1, size_t n2, size_t k, unsigned seed)
{
    problem P = {0};
    mfd_rng r;
    mfd_rng_init(&r, seed, 1);
    mfd_mat M, U, V;
    mfd_mat_alloc(MFD_REAL, n1, n2, &M);
    mfd_mat_alloc(MFD_REAL, n1, 2, &U);
    mfd_mat_alloc(MFD_REAL, n2, 2, &V);
    double s[2] = {1.0, 0.4};
    mfd_senseinit_truth(&r, MFD_BASIS_RADEMACHER_QR, sym, s, 2, M, U, V);
    if (kind == 1)
        mfd_sensop_gaussian(4 * n1 * n2, n1, n2, sym, seed, &P.op);
    else if (kind == 2)
        mfd_sensop_mask(n1, n2, 0.6, seed, &P.op);
    else
        mfd_sensop_identity(n1, n2, &P.op);
    P.y = malloc(P.op->m * sizeof(double));
    mfd_sensop_apply(P.op, M, P.y);
    if (kind == 3) /* a few large outliers */
        for (size_t i = 0; i < P.op->m; i += 7)
            P.y[i] += 5.0 * (mfd_rng_uniform(&r) - 0.5);
    mfd_sense_alloc(sym, n1, n2, k, P.op, P.y, &P.s);
    mfd_sense_set_target(P.s, M);
    if (kind == 3) {
        mfd_rpca_alloc(n1, n2, 0.2, &P.rpca);
        mfd_sense_set_robust(P.s, P.rpca);
    }
    mfd_random_gaussian(&r, P.s->F, 0.5);
    if (!sym)
        mfd_random_gaussian(&r, P.s->G, 0.5);
    mfd_mat_free(&M);
    mfd_mat_free(&U);
    mfd_mat_free(&V);
    return P;
}

static void unmake(problem *P)
{
    mfd_sense_free(P->s);
    mfd_sensop_free(P->op);
    mfd_rpca_free(P->rpca);
    free(P->y);
}

/* Direct T_α: sort each row's and each column's magnitudes. */
static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int main(void)
{
    /* ---- the truth's Rademacher bases: QR factor and left singular vectors of the same sign matrix ---- */
    {
        size_t n = 40, r = 4;
        double s[4] = {1.0, 0.7, 0.4, 0.1};
        mfd_mat M, U1, U2, R, P;
        mfd_mat_alloc(MFD_REAL, n, n, &M);
        mfd_mat_alloc(MFD_REAL, n, r, &U1);
        mfd_mat_alloc(MFD_REAL, n, r, &U2);
        mfd_mat_alloc(MFD_REAL, n, r, &R);
        mfd_mat_alloc(MFD_REAL, r, r, &P);
        mfd_rng g;
        mfd_rng_init(&g, 11, 1);
        mfd_senseinit_truth(&g, MFD_BASIS_RADEMACHER_QR, true, s, r, M, U1, U1);
        mfd_rng_init(&g, 11, 1);
        mfd_senseinit_truth(&g, MFD_BASIS_RADEMACHER_SVD, true, s, r, M, U2, U2);
        mfd_rng_init(&g, 11, 1);
        mfd_random_rademacher(&g, R); /* the sign matrix both were built from */
        /* orthonormal, and the same span: U1ᵀU2 is orthogonal (its Gram matrix the identity) */
        double worst_orth = 0, worst_span = 0, off = 0, same = 0;
        mfd_la_gemm('T', 'N', 1.0, U2, U2, 0.0, P);
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < r; j++)
                worst_orth = fmax(worst_orth, fabs(*mfd_mat_at(P, i, j) - (i == j)));
        mfd_mat Q;
        mfd_mat_alloc(MFD_REAL, r, r, &Q);
        mfd_la_gemm('T', 'N', 1.0, U1, U2, 0.0, Q);
        mfd_la_gemm('T', 'N', 1.0, Q, Q, 0.0, P);
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < r; j++) {
                worst_span = fmax(worst_span, fabs(*mfd_mat_at(P, i, j) - (i == j)));
                same = fmax(same, fabs(fabs(*mfd_mat_at(Q, i, j)) - (i == j)));
            }
        /* left singular vectors: U2ᵀR Rᵀ U2 is diagonal, its entries descending */
        mfd_mat T;
        mfd_mat_alloc(MFD_REAL, r, r, &T);
        mfd_la_gemm('T', 'N', 1.0, U2, R, 0.0, Q);
        mfd_la_gemm('N', 'T', 1.0, Q, Q, 0.0, T);
        bool descending = true;
        for (size_t i = 0; i < r; i++) {
            for (size_t j = 0; j < r; j++)
                if (i != j)
                    off = fmax(off, fabs(*mfd_mat_at(T, i, j)) / *mfd_mat_at(T, 0, 0));
            if (i > 0 && *mfd_mat_at(T, i, i) > *mfd_mat_at(T, i - 1, i - 1))
                descending = false;
        }
        /* tolerances: rounding of O(n) sums on unit vectors, with room (n eps ~ 1e-14) */
        CHECK_LE("rademacher_svd basis orthonormal", worst_orth, 1e-12);
        CHECK_LE("rademacher_svd and rademacher span the same subspace", worst_span, 1e-12);
        CHECK_LE("rademacher_svd: the sign matrix's left singular vectors", off, 1e-12);
        CHECK("rademacher_svd: in the order of the singular values", descending);
        CHECK("the QR and SVD bases differ within the span", same > 0.1);
        mfd_mat_free(&M);
        mfd_mat_free(&U1);
        mfd_mat_free(&U2);
        mfd_mat_free(&R);
        mfd_mat_free(&P);
        mfd_mat_free(&Q);
        mfd_mat_free(&T);
    }

    /* ---- each update equals its closed form with explicit inverses ---- */
    for (int sym = 0; sym <= 1; sym++) {
        size_t n = 7, k = 3;
        double eta = 0.3;
        const mfd_method_type *methods[] = {&mfd_gd_type, &mfd_scaledgd_lambda_type, &mfd_precgd_type};
        const char *names[] = {"gd", "scaledgd(lambda)", "precgd"};
        for (int mi = 0; mi < 3; mi++) {
            problem P = make(sym, 1, n, n, k, 3);
            mfd_sense *s = P.s;
            double lambda = mi == 1 ? 0.05 : mi == 2 ? 0.7 : 0.0;
            mfd_method *alg;
            rule(methods[mi], s, eta, lambda, 2.0, &alg);
            mfd_sense_eval(s);
            mfd_mat pF, pG;
            mfd_mat_alloc(MFD_REAL, n, k, &pF);
            mfd_mat_alloc(MFD_REAL, n, k, &pG);
            double lam = lambda;
            if (methods[mi] == &mfd_precgd_type) {
                double r2 = 0;
                for (size_t i = 0; i < P.op->m; i++)
                    r2 += s->resid[i] * s->resid[i];
                lam = lambda * sqrt(r2);
            }
            if (methods[mi] == &mfd_gd_type) {
                mfd_mat_copy(pF, s->F);
                mfd_mat_axpy(-eta / 2.0, s->gF, pF);
                mfd_mat_copy(pG, s->G);
                mfd_mat_axpy(-eta / 2.0, s->gG, pG);
            } else {
                closed_form(s->F, s->gF, s->G, lam, eta, pF);
                closed_form(s->G, s->gG, s->F, lam, eta, pG);
            }
            mfd_stop stop = MFD_STOP_NONE;
            mfd_method_step(alg, &stop);
            double dev = mfd_mat_maxabs_diff(s->F, pF);
            if (!sym)
                dev = fmax(dev, mfd_mat_maxabs_diff(s->G, pG));
            char name[128];
            snprintf(name, sizeof name, "%s update equals its closed form (%s)", names[mi], sym ? "sym" : "asym");
            /* Cholesky + two solves vs LU-based explicit inverse: O(k cond u) apart */
            CHECK_LE(name, dev, 1e-12);
            mfd_method_free(alg);
            mfd_mat_free(&pF);
            mfd_mat_free(&pG);
            unmake(&P);
        }
    }
    { /* AltScaledGD: L then R with the new L */
        size_t n1 = 7, n2 = 6, k = 3;
        double eta = 0.4;
        problem P = make(false, 1, n1, n2, k, 5);
        mfd_sense *s = P.s;
        mfd_method *alg;
        rule(&mfd_altscaledgd_type, s, eta, 0.0, 1.0, &alg);
        mfd_mat L1, R0, R1;
        mfd_mat_alloc(MFD_REAL, n1, k, &L1);
        mfd_mat_alloc(MFD_REAL, n2, k, &R0);
        mfd_mat_alloc(MFD_REAL, n2, k, &R1);
        mfd_sense_eval(s);
        closed_form(s->F, s->gF, s->G, 0.0, eta, L1);
        mfd_mat_copy(R0, s->G);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(alg, &stop);
        /* the R half-step from (L1, R0): gradient at (L1, R0) */
        mfd_sense *q;
        mfd_sense_alloc(false, n1, n2, k, P.op, P.y, &q);
        mfd_sense_set_target(q, s->target);
        mfd_mat_copy(q->F, L1);
        mfd_mat_copy(q->G, R0);
        mfd_sense_eval(q);
        closed_form(R0, q->gG, L1, 0.0, eta, R1);
        CHECK_LE("altscaledgd: L half-step equals its closed form", mfd_mat_maxabs_diff(s->F, L1), 1e-12);
        CHECK_LE("altscaledgd: R half-step uses the new L", mfd_mat_maxabs_diff(s->G, R1), 1e-12);
        mfd_sense_free(q);
        mfd_method_free(alg);
        mfd_mat_free(&L1);
        mfd_mat_free(&R0);
        mfd_mat_free(&R1);
        unmake(&P);
    }
    { /* AltMin for factorization: L = Y R (RᵀR)⁻¹, then R = Yᵀ L (LᵀL)⁻¹ */
        size_t n1 = 8, n2 = 6, k = 2;
        problem P = make(false, 0, n1, n2, k, 7);
        mfd_sense *s = P.s;
        mfd_method *alg;
        rule(&mfd_altmin_type, s, 1.0, 0.0, 1.0, &alg);
        mfd_mat Y = mfd_mat_view(P.y, MFD_REAL, n1, n2, n1), YR, L, YtL, R, Gm, Gi;
        mfd_mat_alloc(MFD_REAL, n1, k, &YR);
        mfd_mat_alloc(MFD_REAL, n1, k, &L);
        mfd_mat_alloc(MFD_REAL, n2, k, &YtL);
        mfd_mat_alloc(MFD_REAL, n2, k, &R);
        mfd_mat_alloc(MFD_REAL, k, k, &Gm);
        mfd_mat_alloc(MFD_REAL, k, k, &Gi);
        mfd_la_gemm('N', 'N', 1.0, Y, s->G, 0.0, YR);
        mfd_la_gemm('T', 'N', 1.0, s->G, s->G, 0.0, Gm);
        explicit_inverse(Gm, Gi);
        mfd_la_gemm('N', 'N', 1.0, YR, Gi, 0.0, L);
        mfd_la_gemm('T', 'N', 1.0, Y, L, 0.0, YtL);
        mfd_la_gemm('T', 'N', 1.0, L, L, 0.0, Gm);
        explicit_inverse(Gm, Gi);
        mfd_la_gemm('N', 'N', 1.0, YtL, Gi, 0.0, R);
        mfd_sense_eval(s);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(alg, &stop);
        CHECK_LE("altmin (factorization) equals the least-squares solutions", fmax(mfd_mat_maxabs_diff(s->F, L), mfd_mat_maxabs_diff(s->G, R)), 1e-11);
        mfd_method_free(alg);
        mfd_mat_free(&YR);
        mfd_mat_free(&L);
        mfd_mat_free(&YtL);
        mfd_mat_free(&R);
        mfd_mat_free(&Gm);
        mfd_mat_free(&Gi);
        unmake(&P);
    }
    { /* AltMin for completion: the gradient in L vanishes after the L half, in R after the R half */
        problem P = make(false, 2, 12, 10, 2, 9);
        mfd_sense *s = P.s;
        mfd_method *alg;
        rule(&mfd_altmin_type, s, 1.0, 0.0, 1.0, &alg);
        mfd_sense_eval(s);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(alg, &stop);
        mfd_sense_eval(s);
        double gR = sqrt(mfd_mat_norm2(s->gG)), gL = sqrt(mfd_mat_norm2(s->gF));
        CHECK_LE("altmin (completion): R is optimal given L (gradient in R at rounding)", gR, 1e-12);
        CHECK("altmin (completion): the L gradient moved off zero once R changed (the check can fail)", gL > 1e-8);
        mfd_method_free(alg);
        unmake(&P);
    }

    { /* AltMin on a stored sensing operator: each half solves its least squares (gradient zero) */
        problem P = make(false, 1, 6, 5, 2, 11);
        mfd_sense *s = P.s;
        mfd_method *alg;
        CHECK("altmin on a stored sensing operator is set up", rule(&mfd_altmin_type, s, 1.0, 0.0, 1.0, &alg) == MFD_OK);
        mfd_sense_eval(s);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(alg, &stop);
        mfd_sense_eval(s);
        CHECK_LE("altmin (sensing): R is optimal given L (gradient in R at rounding)",
                 sqrt(mfd_mat_norm2(s->gG)) / sqrt(2 * s->loss + 1e-300), 1e-10);
        mfd_method_free(alg);
        unmake(&P);
    }

    /* ---- finite-difference gradients per problem ---- */
    const char *pnames[4] = {"factorization", "Gaussian sensing", "completion (mask, 1/p scaling)",
                             "robust PCA (outliers fixed at T_alpha of the residual)"};
    for (int kind = 0; kind < 4; kind++) {
        problem P = make(false, kind, 8, 7, 3, (unsigned)(20 + kind));
        char name[128];
        snprintf(name, sizeof name, "finite differences match the gradients: %s", pnames[kind]);
        CHECK_LE(name, fd_sense_error(P.s), 1e-7);
        unmake(&P);
    }

    /* ---- the mask operator: A*A = P_Ω / p ---- */
    {
        mfd_sensop *op;
        mfd_sensop_mask(30, 20, 0.3, 4, &op);
        double frac = (double)op->m / 600.0;
        /* binomial: sd sqrt(p(1-p)/600) = 0.0187; 4 sd */
        CHECK_CLOSE("the mask observes a fraction p of the entries", frac, 0.3, 4 * 0.0187);
        mfd_mat X, Z;
        mfd_mat_alloc(MFD_REAL, 30, 20, &X);
        mfd_mat_alloc(MFD_REAL, 30, 20, &Z);
        mfd_rng r;
        mfd_rng_init(&r, 1, 1);
        mfd_random_gaussian(&r, X, 1.0);
        double *yv = malloc(op->m * sizeof(double));
        mfd_sensop_apply(op, X, yv);
        mfd_sensop_adjoint(op, yv, Z);
        int ok = 1;
        for (size_t e = 0; e < op->m; e++) {
            size_t i = op->mi[e], j = op->mj[e];
            ok = ok && fabs(*mfd_mat_at(Z, i, j) - *mfd_mat_at(X, i, j) / 0.3) < 1e-14;
        }
        CHECK("A*A(X) = P_Omega(X) / p on the observed entries", ok);
        free(yv);
        mfd_mat_free(&X);
        mfd_mat_free(&Z);
        mfd_sensop_free(op);
    }

    /* ---- the sparse completion path equals the dense one ---- */
    {
        problem D = make(false, 2, 15, 12, 3, 31), S = make(false, 2, 15, 12, 3, 31);
        mfd_mat US, V, U;
        mfd_mat_alloc(MFD_REAL, 15, 2, &US);
        mfd_mat_alloc(MFD_REAL, 12, 2, &V);
        mfd_mat_alloc(MFD_REAL, 15, 2, &U);
        double sv[2];
        mfd_senseinit_top(D.s->target, 2, U, sv, V);
        mfd_mat_copy(US, U);
        for (size_t c = 0; c < 2; c++)
            mfd_mat_scale(mfd_mat_view(mfd_mat_at(US, 0, c), MFD_REAL, 15, 1, 15), sv[c]);
        CHECK("the sparse path is set up", mfd_sense_set_sparse(S.s, US, V) == MFD_OK);
        double worst = 0, werr = 0;
        for (int t = 0; t < 30; t++) {
            mfd_sense_eval(D.s);
            mfd_sense_eval(S.s);
            worst = fmax(worst, fabs(D.s->loss - S.s->loss) / D.s->loss);
            werr = fmax(werr, fabs(D.s->rel_err - S.s->rel_err) / D.s->rel_err);
            worst = fmax(worst, mfd_mat_maxabs_diff(D.s->gF, S.s->gF) / sqrt(mfd_mat_norm2(D.s->gF)));
            mfd_sense_update(D.s, 0.05);
            mfd_sense_update(S.s, 0.05);
        }
        CHECK_LE("sparse completion: loss and gradients equal the dense path's along 30 steps (relative)", worst, 1e-12);
        CHECK_LE("sparse completion: the QR-based error equals the explicit one", werr, 1e-12);
        mfd_mat_free(&US);
        mfd_mat_free(&V);
        mfd_mat_free(&U);
        unmake(&D);
        unmake(&S);
    }

    /* ---- T_α against a direct implementation ---- */
    for (int trial = 0; trial < 3; trial++) {
        size_t n1 = 13 + (size_t)trial * 7, n2 = 11 + (size_t)trial * 5;
        double alpha = 0.15 + 0.1 * trial;
        mfd_mat D, S, T;
        mfd_mat_alloc(MFD_REAL, n1, n2, &D);
        mfd_mat_alloc(MFD_REAL, n1, n2, &S);
        mfd_mat_alloc(MFD_REAL, n1, n2, &T);
        mfd_rng r;
        mfd_rng_init(&r, (uint64_t)trial, 2);
        mfd_random_gaussian(&r, D, 1.0);
        mfd_rpca *w;
        mfd_rpca_alloc(n1, n2, alpha, &w);
        mfd_rpca_project(w, D, S);
        size_t kr = (size_t)floor(alpha * (double)n2), kc = (size_t)floor(alpha * (double)n1);
        double *buf = malloc((n1 > n2 ? n1 : n2) * sizeof(double));
        double *rt = malloc(n1 * sizeof(double)), *ct = malloc(n2 * sizeof(double));
        for (size_t i = 0; i < n1; i++) {
            for (size_t j = 0; j < n2; j++)
                buf[j] = fabs(*mfd_mat_at(D, i, j));
            qsort(buf, n2, sizeof(double), cmp_desc);
            rt[i] = kr ? buf[kr - 1] : INFINITY;
        }
        for (size_t j = 0; j < n2; j++) {
            for (size_t i = 0; i < n1; i++)
                buf[i] = fabs(*mfd_mat_at(D, i, j));
            qsort(buf, n1, sizeof(double), cmp_desc);
            ct[j] = kc ? buf[kc - 1] : INFINITY;
        }
        size_t kept = 0;
        for (size_t j = 0; j < n2; j++)
            for (size_t i = 0; i < n1; i++) {
                double v = *mfd_mat_at(D, i, j);
                int keep = fabs(v) >= rt[i] && fabs(v) >= ct[j];
                *mfd_mat_at(T, i, j) = keep ? v : 0.0;
                kept += (size_t)keep;
            }
        char name[128];
        snprintf(name, sizeof name, "T_alpha equals the sort-based projection (%zu x %zu, alpha %.2f, %zu kept)", n1,
                 n2, alpha, kept);
        CHECK(name, mfd_mat_maxabs_diff(S, T) == 0.0 && kept > 0);
        free(buf);
        free(rt);
        free(ct);
        mfd_rpca_free(w);
        mfd_mat_free(&D);
        mfd_mat_free(&S);
        mfd_mat_free(&T);
    }

    /* ---- λ = 0 with a rank-deficient factor: singular_preconditioner, factors untouched ---- */
    {
        problem P = make(true, 0, 6, 6, 4, 40);
        mfd_sense *s = P.s;
        for (size_t i = 0; i < 6; i++) /* two zero columns: XᵀX has rank 2 */
            *mfd_mat_at(s->F, i, 2) = *mfd_mat_at(s->F, i, 3) = 0.0;
        mfd_mat F0;
        mfd_mat_alloc(MFD_REAL, 6, 4, &F0);
        mfd_mat_copy(F0, s->F);
        mfd_method *alg;
        rule(&mfd_scaledgd_type, s, 0.5, 0.0, 1.0, &alg);
        mfd_sense_eval(s);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_status st = mfd_method_step(alg, &stop);
        CHECK("scaledgd with lambda = 0 on rank-deficient factors stops with singular_preconditioner",
              st == MFD_OK && stop == MFD_STOP_SINGULAR_PRECONDITIONER);
        CHECK("the factors are untouched and finite", mfd_mat_maxabs_diff(s->F, F0) == 0.0 && mfd_mat_is_finite(s->F));
        mfd_method_free(alg);
        rule(&mfd_scaledgd_lambda_type, s, 0.5, 1e-3, 1.0, &alg);
        stop = MFD_STOP_NONE;
        mfd_method_step(alg, &stop);
        CHECK("with lambda > 0 the same step is taken", stop == MFD_STOP_NONE && mfd_mat_is_finite(s->F));
        mfd_method_free(alg);
        mfd_mat_free(&F0);
        unmake(&P);
    }
    {
        problem P = make(true, 0, 5, 5, 2, 41);
        mfd_method *alg;
        CHECK("altscaledgd on the symmetric model is refused",
              rule(&mfd_altscaledgd_type, P.s, 0.5, 0, 1, &alg) == MFD_EINVAL);
        unmake(&P);
    }
    TEST_REPORT();
}
