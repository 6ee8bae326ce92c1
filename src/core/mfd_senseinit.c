#include "mfd_senseinit.h"

#include <math.h>
#include <stdlib.h>

#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_sensbatch.h"

void mfd_senseinit_spectrum(double *s, size_t r, double kappa)
{
    for (size_t i = 0; i < r; i++)
        s[i] = r == 1 ? 1.0 : 1.0 + (1.0 / kappa - 1.0) * (double)i / (double)(r - 1);
}

/* U diag(s) into T (rows×r). */
static void scale_columns(mfd_mat T, mfd_mat U, const double *s, double power)
{
    mfd_mat_copy(T, U);
    for (size_t i = 0; i < U.cols; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(T, 0, i), MFD_REAL, T.rows, 1, T.ld), pow(s[i], power));
}

/* An orthonormal n×r basis: Haar, or orthonormalized Rademacher columns (QR factor or left singular
 * vectors). */
static mfd_status basis(mfd_rng *rng, mfd_basis_kind kind, mfd_mat B)
{
    if (kind == MFD_BASIS_HAAR)
        return mfd_random_haar(rng, B);
    mfd_mat R, W;
    double *sv;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, B.rows, B.cols, &R));
    mfd_random_rademacher(rng, R);
    mfd_status st;
    if (kind == MFD_BASIS_RADEMACHER_QR)
        st = mfd_random_orthonormalize(R, B);
    else if (!(sv = malloc(B.cols * sizeof(double))))
        st = MFD_ENOMEM;
    else {
        if ((st = mfd_mat_alloc(MFD_REAL, B.cols, B.cols, &W)) == MFD_OK) {
            st = mfd_senseinit_top(R, B.cols, B, sv, W);
            mfd_mat_free(&W);
        }
        free(sv);
    }
    mfd_mat_free(&R);
    return st;
}

mfd_status mfd_senseinit_truth(mfd_rng *rng, mfd_basis_kind kind, bool same_basis, const double *s, size_t r, mfd_mat M,
                               mfd_mat U, mfd_mat V)
{
    if (U.cols != r || V.cols != r || U.rows != M.rows || V.rows != M.cols || (same_basis && M.rows != M.cols))
        return MFD_EINVAL;
    MFD_CHECK(basis(rng, kind, U));
    if (same_basis)
        MFD_CHECK(mfd_mat_copy(V, U));
    else
        MFD_CHECK(basis(rng, kind, V));
    mfd_mat US;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, U.rows, r, &US));
    scale_columns(US, U, s, 1.0);
    mfd_status st = mfd_la_gemm('N', 'T', 1.0, US, V, 0.0, M);
    mfd_mat_free(&US);
    return st;
}

mfd_status mfd_senseinit_top(mfd_mat M, size_t r, mfd_mat U, double *s, mfd_mat V)
{
    size_t n1 = M.rows, n2 = M.cols, mn = n1 < n2 ? n1 : n2;
    if (r > mn || U.rows != n1 || V.rows != n2 || U.cols != r || V.cols != r)
        return MFD_EINVAL;
    mfd_mat A, Uf, VH;
    mfd_la_ws ws;
    double *sv = malloc(mn * sizeof(double));
    A.data = Uf.data = VH.data = NULL;
    mfd_status st = sv ? mfd_la_ws_alloc(MFD_REAL, n1 > n2 ? n1 : n2, &ws) : MFD_ENOMEM;
    if (st != MFD_OK) {
        free(sv);
        return st;
    }
    if ((st = mfd_mat_alloc(MFD_REAL, n1, n2, &A)) != MFD_OK || (st = mfd_mat_alloc(MFD_REAL, n1, mn, &Uf)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, mn, n2, &VH)) != MFD_OK)
        goto done;
    mfd_mat_copy(A, M);
    if ((st = mfd_la_svd(A, sv, &Uf, &VH, &ws)) != MFD_OK)
        goto done;
    for (size_t i = 0; i < r; i++) {
        s[i] = sv[i];
        for (size_t a = 0; a < n1; a++)
            *mfd_mat_at(U, a, i) = *mfd_mat_at(Uf, a, i);
        for (size_t b = 0; b < n2; b++)
            *mfd_mat_at(V, b, i) = *mfd_mat_at(VH, i, b);
    }
done:
    mfd_mat_free(&A);
    mfd_mat_free(&Uf);
    mfd_mat_free(&VH);
    mfd_la_ws_free(&ws);
    free(sv);
    return st;
}

void mfd_senseinit_small(mfd_sense *s, mfd_rng *rng, double alpha, double g_ratio, bool per_sqrt_n)
{
    mfd_random_gaussian(rng, s->F, per_sqrt_n ? alpha / sqrt((double)s->n1) : alpha);
    if (!s->symmetric)
        mfd_random_gaussian(rng, s->G, g_ratio * (per_sqrt_n ? alpha / sqrt((double)s->n2) : alpha));
}

/* F0 = U_k S_k^{1/2}, G0 = V_k S_k^{1/2} from the top-k SVD of P (n1×n2). */
static mfd_status split_top(mfd_sense *s, mfd_mat P)
{
    size_t k = s->k;
    mfd_mat U, V;
    double *sv = malloc(k * sizeof(double));
    if (!sv)
        return MFD_ENOMEM;
    U.data = V.data = NULL;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, s->n1, k, &U)) == MFD_OK && (st = mfd_mat_alloc(MFD_REAL, s->n2, k, &V)) == MFD_OK &&
        (st = mfd_senseinit_top(P, k, U, sv, V)) == MFD_OK) {
        scale_columns(s->F, U, sv, 0.5);
        if (!s->symmetric)
            scale_columns(s->G, V, sv, 0.5);
    }
    mfd_mat_free(&U);
    mfd_mat_free(&V);
    free(sv);
    return st;
}

mfd_status mfd_senseinit_balanced(mfd_sense *s, mfd_rng *rng, double alpha, bool per_sqrt_n)
{
    if (s->symmetric)
        return MFD_EINVAL;
    mfd_mat A, B, P;
    A.data = B.data = P.data = NULL;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, s->n1, s->k, &A)) == MFD_OK &&
        (st = mfd_mat_alloc(MFD_REAL, s->n2, s->k, &B)) == MFD_OK &&
        (st = mfd_mat_alloc(MFD_REAL, s->n1, s->n2, &P)) == MFD_OK) {
        mfd_random_gaussian(rng, A, per_sqrt_n ? alpha / sqrt((double)s->n1) : alpha);
        mfd_random_gaussian(rng, B, per_sqrt_n ? alpha / sqrt((double)s->n2) : alpha);
        if ((st = mfd_la_gemm('N', 'T', 1.0, A, B, 0.0, P)) == MFD_OK)
            st = split_top(s, P);
    }
    mfd_mat_free(&A);
    mfd_mat_free(&B);
    mfd_mat_free(&P);
    return st;
}

/* ‖Y − M*‖_op (values-only SVD of a copy). */
static mfd_status deviation_op(mfd_mat Y, mfd_mat target, double *dev)
{
    size_t n1 = Y.rows, n2 = Y.cols, mn = n1 < n2 ? n1 : n2;
    mfd_mat D;
    mfd_la_ws ws;
    double *sv = malloc(mn * sizeof(double));
    if (!sv)
        return MFD_ENOMEM;
    mfd_status st = mfd_mat_alloc(MFD_REAL, n1, n2, &D);
    if (st != MFD_OK) {
        free(sv);
        return st;
    }
    if ((st = mfd_la_ws_alloc(MFD_REAL, n1 > n2 ? n1 : n2, &ws)) == MFD_OK) {
        mfd_mat_copy(D, Y);
        mfd_mat_axpy(-1.0, target, D);
        if ((st = mfd_la_svd(D, sv, NULL, NULL, &ws)) == MFD_OK)
            *dev = sv[0];
        mfd_la_ws_free(&ws);
    }
    mfd_mat_free(&D);
    free(sv);
    return st;
}

/* F ← the top-k eigenpairs of the symmetric Y (destroyed), U diag(√max(w, 0)). */
static mfd_status top_eigen(mfd_sense *s, mfd_mat Y)
{
    size_t n = s->n1, k = s->k;
    double *w = malloc(n * sizeof(double));
    mfd_la_ws ws;
    mfd_status st = w ? mfd_la_ws_alloc(MFD_REAL, n, &ws) : MFD_ENOMEM;
    if (st == MFD_OK) {
        if ((st = mfd_la_eigh(Y, w, 1, &ws)) == MFD_OK) /* ascending: the top k are the last columns */
            for (size_t i = 0; i < k; i++) {
                size_t c = n - 1 - i;
                double root = w[c] > 0 ? sqrt(w[c]) : 0.0;
                for (size_t a = 0; a < n; a++)
                    *mfd_mat_at(s->F, a, i) = root * *mfd_mat_at(Y, a, c);
            }
        mfd_la_ws_free(&ws);
    }
    free(w);
    return st;
}

mfd_status mfd_senseinit_spectral(mfd_sense *s, mfd_rpca *init_proj, double *dev_op)
{
    mfd_mat Y;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n1, s->n2, &Y));
    mfd_status st = mfd_sense_batchable(s) ? mfd_sensbatch_adjoint(s->op, s->y, Y.data, s->op_work)
                                           : mfd_sensop_adjoint(s->op, s->y, Y);
    if (st == MFD_OK && s->symmetric) { /* sym(A*(y)): the matrix whose eigenpairs are used */
        size_t n = s->n1;
        for (size_t j = 0; j < n; j++)
            for (size_t i = j + 1; i < n; i++) {
                double v = 0.5 * (*mfd_mat_at(Y, i, j) + *mfd_mat_at(Y, j, i));
                *mfd_mat_at(Y, i, j) = *mfd_mat_at(Y, j, i) = v;
            }
    } else if (st == MFD_OK && s->robust) { /* Y − T(Y) */
        mfd_rpca_project(init_proj ? init_proj : s->robust, Y, s->S);
        mfd_mat_axpy(-1.0, s->S, Y);
    }
    if (st == MFD_OK && dev_op)
        st = deviation_op(Y, s->target, dev_op);
    if (st == MFD_OK)
        st = s->symmetric ? top_eigen(s, Y) : split_top(s, Y);
    mfd_mat_free(&Y);
    return st;
}

mfd_status mfd_senseinit_gauge(mfd_sense *s, mfd_rng *rng, double cond)
{
    size_t k = s->k;
    mfd_mat U, V, Q, Qit, T;
    U.data = V.data = Q.data = Qit.data = T.data = NULL;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, k, k, &U)) != MFD_OK || (st = mfd_mat_alloc(MFD_REAL, k, k, &V)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, k, k, &Q)) != MFD_OK || (st = mfd_mat_alloc(MFD_REAL, k, k, &Qit)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n1 > s->n2 ? s->n1 : s->n2, k, &T)) != MFD_OK)
        goto done;
    if ((st = mfd_random_haar(rng, U)) != MFD_OK || (st = mfd_random_haar(rng, V)) != MFD_OK)
        goto done;
    double *q = malloc(k * sizeof(double));
    if (!q) {
        st = MFD_ENOMEM;
        goto done;
    }
    mfd_senseinit_spectrum(q, k, cond);
    mfd_mat Uq, Uqi; /* U diag(q) and U diag(1/q) in Q and Qit, then times Vᵀ */
    Uq = mfd_mat_view(T.data, MFD_REAL, k, k, k);
    mfd_mat_copy(Uq, U);
    for (size_t i = 0; i < k; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(Uq, 0, i), MFD_REAL, k, 1, k), q[i]);
    st = mfd_la_gemm('N', 'T', 1.0, Uq, V, 0.0, Q);
    Uqi = Uq;
    mfd_mat_copy(Uqi, U);
    for (size_t i = 0; i < k; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(Uqi, 0, i), MFD_REAL, k, 1, k), 1.0 / q[i]);
    if (st == MFD_OK)
        st = mfd_la_gemm('N', 'T', 1.0, Uqi, V, 0.0, Qit); /* Q⁻ᵀ = U diag(1/q) Vᵀ */
    free(q);
    if (st == MFD_OK)
        st = mfd_sense_transform(s, Q, Qit, T);
done:
    mfd_mat_free(&U);
    mfd_mat_free(&V);
    mfd_mat_free(&Q);
    mfd_mat_free(&Qit);
    mfd_mat_free(&T);
    return st;
}
