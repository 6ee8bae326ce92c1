#include "mfd_sense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_sensbatch.h"

mfd_status mfd_sense_alloc(bool symmetric, size_t n1, size_t n2, size_t k, const mfd_sensop *op, const double *y,
                           mfd_sense **out)
{
    *out = NULL;
    if (k < 1 || n1 < 1 || n2 < 1 || (symmetric && n1 != n2) || op->n1 != n1 || op->n2 != n2)
        return MFD_EINVAL;
    mfd_sense *s = calloc(1, sizeof *s);
    if (!s)
        return MFD_ENOMEM;
    s->symmetric = symmetric;
    s->n1 = n1;
    s->n2 = n2;
    s->k = k;
    s->op = op;
    s->y = y;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, n1, k, &s->F)) != MFD_OK || (st = mfd_mat_alloc(MFD_REAL, n1, k, &s->gF)) != MFD_OK)
        goto free_model;
    if (symmetric) {
        s->G = s->F;
        s->gG = s->gF;
    } else if ((st = mfd_mat_alloc(MFD_REAL, n2, k, &s->G)) != MFD_OK ||
               (st = mfd_mat_alloc(MFD_REAL, n2, k, &s->gG)) != MFD_OK) {
        goto free_model;
    }
    if ((st = mfd_mat_alloc(MFD_REAL, n1, n2, &s->target)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n1, n2, &s->M)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n1, n2, &s->E)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n1, n2, &s->Z)) != MFD_OK)
        goto free_model;
    s->resid = malloc(op->m * sizeof(double));
    size_t nwork = mfd_sensbatch_work(op);
    if (nwork)
        s->op_work = malloc(nwork * sizeof(double));
    bool packed = op->symmetrized && mfd_sensbatch_serves(op);
    if (packed) {
        s->Mp = malloc(op->nent * sizeof(double));
        s->Zp = malloc(op->nent * sizeof(double));
    }
    if (!s->resid || (nwork && !s->op_work) || (packed && (!s->Mp || !s->Zp))) {
        st = MFD_ENOMEM;
        goto free_model;
    }
    *out = s;
    return MFD_OK;
free_model:
    mfd_sense_free(s);
    return st;
}

void mfd_sense_free(mfd_sense *s)
{
    if (!s)
        return;
    mfd_mat_free(&s->F);
    mfd_mat_free(&s->gF);
    if (!s->symmetric) {
        mfd_mat_free(&s->G);
        mfd_mat_free(&s->gG);
    }
    mfd_mat_free(&s->target);
    mfd_mat_free(&s->M);
    mfd_mat_free(&s->E);
    mfd_mat_free(&s->Z);
    mfd_mat_free(&s->S);
    mfd_mat_free(&s->Pa);
    mfd_mat_free(&s->Pb);
    mfd_mat_free(&s->Qa);
    mfd_mat_free(&s->Qb);
    mfd_mat_free(&s->Rab);
    free(s->tau);
    mfd_la_ws_free(&s->qr_ws);
    free(s->resid);
    free(s->op_work);
    free(s->Mp);
    free(s->Zp);
    free(s);
}

mfd_status mfd_sense_set_robust(mfd_sense *s, mfd_rpca *w)
{
    if (s->op->kind != MFD_SENSOP_IDENTITY || w->n1 != s->n1 || w->n2 != s->n2)
        return MFD_EINVAL;
    if (!s->S.data)
        MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n1, s->n2, &s->S));
    s->robust = w;
    return MFD_OK;
}

mfd_status mfd_sense_set_sparse(mfd_sense *s, mfd_mat US, mfd_mat V)
{
    size_t r = US.cols, w = s->k + r;
    if (s->op->kind != MFD_SENSOP_MASK || US.rows != s->n1 || V.rows != s->n2 || V.cols != r || s->symmetric ||
        w > s->n1 || w > s->n2)
        return MFD_EINVAL;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n1, w, &s->Pa));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n2, w, &s->Pb));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n1, w, &s->Qa));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, s->n2, w, &s->Qb));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, w, w, &s->Rab));
    s->tau = malloc(w * sizeof(double));
    if (!s->tau)
        return MFD_ENOMEM;
    MFD_CHECK(mfd_la_ws_alloc(MFD_REAL, s->n1 > s->n2 ? s->n1 : s->n2, &s->qr_ws));
    /* the truth's columns stay in place; F and G are copied in at each evaluation */
    for (size_t c = 0; c < r; c++)
        for (size_t i = 0; i < s->n1; i++)
            *mfd_mat_at(s->Pa, i, s->k + c) = -*mfd_mat_at(US, i, c);
    for (size_t c = 0; c < r; c++)
        for (size_t i = 0; i < s->n2; i++)
            *mfd_mat_at(s->Pb, i, s->k + c) = *mfd_mat_at(V, i, c);
    s->sparse = true;
    return MFD_OK;
}

/* ‖FGᵀ − M*‖_F from two thin QRs (see the header). */
static mfd_status sparse_error(mfd_sense *s)
{
    size_t k = s->k, w = s->Pa.cols;
    mfd_mat Fa = mfd_mat_view(s->Pa.data, MFD_REAL, s->n1, k, s->n1);
    mfd_mat Gb = mfd_mat_view(s->Pb.data, MFD_REAL, s->n2, k, s->n2);
    MFD_CHECK(mfd_mat_copy(Fa, s->F));
    MFD_CHECK(mfd_mat_copy(Gb, s->G));
    /* QR of copies (the truth's columns must survive); only the R factors are used */
    mfd_mat A = s->Qa, B = s->Qb;
    MFD_CHECK(mfd_mat_copy(A, s->Pa));
    MFD_CHECK(mfd_mat_copy(B, s->Pb));
    MFD_CHECK(mfd_la_qr(A, s->tau, &s->qr_ws));
    MFD_CHECK(mfd_la_qr(B, s->tau, &s->qr_ws));
    /* Rab = R_a R_bᵀ with the upper triangles of A and B */
    for (size_t j = 0; j < w; j++)
        for (size_t i = 0; i < w; i++) {
            double acc = 0;
            for (size_t l = (i > j ? i : j); l < w; l++)
                acc += *mfd_mat_at(A, i, l) * *mfd_mat_at(B, j, l);
            *mfd_mat_at(s->Rab, i, j) = acc;
        }
    s->err_abs = sqrt(mfd_mat_norm2(s->Rab));
    return MFD_OK;
}

/* Loss and both gradients over the observed entries only. */
static mfd_status sparse_eval(mfd_sense *s, bool gradients)
{
    const mfd_sensop *op = s->op;
    size_t k = s->k, n1 = s->n1, n2 = s->n2;
    const double *F = s->F.data, *G = s->G.data;
    double r2 = 0, sc = op->scale;
    if (gradients) {
        mfd_mat_zero(s->gF);
        mfd_mat_zero(s->gG);
    }
    for (size_t e = 0; e < op->m; e++) {
        size_t i = op->mi[e], j = op->mj[e];
        double dot = 0;
        for (size_t c = 0; c < k; c++)
            dot += F[i + c * n1] * G[j + c * n2];
        double r = sc * dot - s->y[e];
        s->resid[e] = r;
        r2 += r * r;
        if (gradients) {
            double wgt = sc * r;
            for (size_t c = 0; c < k; c++) {
                s->gF.data[i + c * n1] += wgt * G[j + c * n2];
                s->gG.data[j + c * n2] += wgt * F[i + c * n1];
            }
        }
    }
    s->loss = 0.5 * r2;
    MFD_CHECK(sparse_error(s));
    s->rel_err = s->err_abs / s->target_norm;
    return MFD_OK;
}

mfd_status mfd_sense_set_target(mfd_sense *s, mfd_mat target)
{
    MFD_CHECK(mfd_mat_copy(s->target, target));
    s->target_norm = sqrt(mfd_mat_norm2(s->target));
    return MFD_OK;
}

mfd_status mfd_sense_loss(mfd_sense *s)
{
    if (s->sparse)
        return sparse_eval(s, false);
    MFD_CHECK(mfd_sense_eval_product(s));
    MFD_CHECK(mfd_sensop_apply(s->op, s->M, s->resid));
    for (size_t i = 0; i < s->op->m; i++)
        s->resid[i] -= s->y[i];
    if (s->robust) { /* r ← r − T_α(r): the outliers S = T_α(Y − M) leave the residual */
        mfd_mat R = mfd_mat_view(s->resid, MFD_REAL, s->n1, s->n2, s->n1);
        mfd_rpca_project(s->robust, R, s->S);
        mfd_mat_axpy(-1.0, s->S, R);
    }
    double r2 = 0;
    for (size_t i = 0; i < s->op->m; i++)
        r2 += s->resid[i] * s->resid[i];
    s->loss = (s->symmetric ? 0.25 : 0.5) * r2;
    return MFD_OK;
}

bool mfd_sense_batchable(const mfd_sense *s)
{
    return !s->sparse && !s->robust && mfd_sensbatch_serves(s->op);
}

mfd_status mfd_sense_eval_product(mfd_sense *s)
{
    MFD_CHECK(mfd_la_gemm('N', 'T', 1.0, s->F, s->G, 0.0, s->M));
    double e2 = mfd_mat_sub_norm2(s->M, s->target, s->E);
    s->err_abs = sqrt(e2);
    s->rel_err = s->err_abs / s->target_norm;
    return MFD_OK;
}

/* The batched normal map's X for s: M, or its packed sums (symmetrized operator). */
static const double *normal_in(mfd_sense *s)
{
    if (!s->Mp)
        return s->M.data;
    mfd_sensop_pack(s->n1, s->M.data, s->Mp);
    return s->Mp;
}

/* Where the batched normal map puts s's Z; normal_done unpacks it. */
static double *normal_out(mfd_sense *s) { return s->Zp ? s->Zp : s->Z.data; }

static void normal_done(mfd_sense *s)
{
    if (s->Zp)
        mfd_sensop_unpack(s->n1, s->Zp, s->Z.data);
}

/* sym(Z) (symmetric model) and the gradients from Z. */
static mfd_status grad_from_z(mfd_sense *s)
{
    if (s->symmetric) {
        /* sym(Z) in place; a symmetrized operator makes this a no-op in exact arithmetic */
        size_t n = s->n1;
        for (size_t j = 0; j < n; j++)
            for (size_t i = j + 1; i < n; i++) {
                double *a = mfd_mat_at(s->Z, i, j), *b = mfd_mat_at(s->Z, j, i);
                double v = 0.5 * (*a + *b);
                *a = *b = v;
            }
        return mfd_la_gemm('N', 'N', 1.0, s->Z, s->F, 0.0, s->gF);
    }
    MFD_CHECK(mfd_la_gemm('N', 'N', 1.0, s->Z, s->G, 0.0, s->gF));
    return mfd_la_gemm('T', 'N', 1.0, s->Z, s->F, 0.0, s->gG);
}

/* The loss from the residual, then the gradients (after the normal map). */
static mfd_status eval_finish(mfd_sense *s)
{
    double r2 = 0;
    for (size_t i = 0; i < s->op->m; i++)
        r2 += s->resid[i] * s->resid[i];
    s->loss = (s->symmetric ? 0.25 : 0.5) * r2;
    return grad_from_z(s);
}

mfd_status mfd_sense_eval(mfd_sense *s)
{
    if (s->sparse)
        return sparse_eval(s, true);
    if (mfd_sense_batchable(s)) { /* the group's path with a group of one: the same bits (mfd_sensbatch.h) */
        MFD_CHECK(mfd_sense_eval_product(s));
        if (s->normal) {
            MFD_CHECK(s->normal(s->normal_ctx, s));
        } else {
            const double *X = normal_in(s), *y = s->y;
            double *r = s->resid, *Z = normal_out(s);
            MFD_CHECK(mfd_sensbatch_normal(s->op, 1, &X, &y, &r, &Z, &s->op_work));
            normal_done(s);
        }
        return eval_finish(s);
    }
    MFD_CHECK(mfd_sense_loss(s));
    MFD_CHECK(mfd_sensop_adjoint(s->op, s->resid, s->Z));
    return grad_from_z(s);
}

mfd_status mfd_sense_group_alloc(size_t cap, mfd_sense_group *grp)
{
    memset(grp, 0, sizeof *grp);
    grp->X = malloc((cap ? cap : 1) * sizeof *grp->X);
    grp->y = malloc((cap ? cap : 1) * sizeof *grp->y);
    grp->r = malloc((cap ? cap : 1) * sizeof *grp->r);
    grp->Z = malloc((cap ? cap : 1) * sizeof *grp->Z);
    grp->W = malloc((cap ? cap : 1) * sizeof *grp->W);
    if (!grp->X || !grp->y || !grp->r || !grp->Z || !grp->W) {
        mfd_sense_group_free(grp);
        return MFD_ENOMEM;
    }
    grp->cap = cap;
    return MFD_OK;
}

void mfd_sense_group_free(mfd_sense_group *grp)
{
    free(grp->X);
    free(grp->y);
    free(grp->r);
    free(grp->Z);
    free(grp->W);
    memset(grp, 0, sizeof *grp);
}

static bool same_operator(mfd_sense_group *grp, mfd_sense *const *s, size_t n)
{
    if (n > grp->cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!mfd_sense_batchable(s[i]) || s[i]->op != s[0]->op)
            return false;
    return true;
}

mfd_status mfd_sense_group_normal(mfd_sense_group *grp, mfd_sense *const *s, size_t n)
{
    if (!same_operator(grp, s, n))
        return MFD_EINVAL;
    for (size_t i = 0; i < n; i++) {
        grp->X[i] = normal_in(s[i]);
        grp->y[i] = s[i]->y;
        grp->r[i] = s[i]->resid;
        grp->Z[i] = normal_out(s[i]);
        grp->W[i] = s[i]->op_work;
    }
    if (n == 0)
        return MFD_OK;
    MFD_CHECK(mfd_sensbatch_normal(s[0]->op, n, grp->X, grp->y, grp->r, grp->Z, grp->W));
    for (size_t i = 0; i < n; i++)
        normal_done(s[i]);
    return MFD_OK;
}

mfd_status mfd_sense_eval_group(mfd_sense_group *grp, mfd_sense *const *s, size_t n)
{
    if (!same_operator(grp, s, n))
        return MFD_EINVAL;
    for (size_t i = 0; i < n; i++)
        MFD_CHECK(mfd_sense_eval_product(s[i]));
    MFD_CHECK(mfd_sense_group_normal(grp, s, n));
    for (size_t i = 0; i < n; i++)
        MFD_CHECK(eval_finish(s[i]));
    return MFD_OK;
}

mfd_status mfd_sense_set_normal(mfd_sense *s, mfd_sense_normal_fn fn, void *ctx)
{
    if (fn && !mfd_sense_batchable(s))
        return MFD_EINVAL;
    s->normal = fn;
    s->normal_ctx = ctx;
    return MFD_OK;
}

void mfd_sense_update(mfd_sense *s, double eta)
{
    mfd_mat_axpy(-eta, s->gF, s->F);
    if (!s->symmetric)
        mfd_mat_axpy(-eta, s->gG, s->G);
}

mfd_status mfd_sense_transform(mfd_sense *s, mfd_mat Q, mfd_mat Qit, mfd_mat scratch)
{
    size_t k = s->k;
    if (s->symmetric || Q.rows != k || Q.cols != k || Qit.rows != k || Qit.cols != k || scratch.cols < k ||
        scratch.rows < (s->n1 > s->n2 ? s->n1 : s->n2))
        return MFD_EINVAL;
    mfd_mat TF = mfd_mat_view(scratch.data, MFD_REAL, s->n1, k, s->n1);
    MFD_CHECK(mfd_la_gemm('N', 'N', 1.0, s->F, Q, 0.0, TF));
    mfd_mat_copy(s->F, TF);
    mfd_mat TG = mfd_mat_view(scratch.data, MFD_REAL, s->n2, k, s->n2);
    MFD_CHECK(mfd_la_gemm('N', 'N', 1.0, s->G, Qit, 0.0, TG));
    return mfd_mat_copy(s->G, TG);
}

mfd_status mfd_sense_rebalance(mfd_sense *s, double scale)
{
    if (s->symmetric || !(scale > 0))
        return MFD_EINVAL;
    size_t k = s->k;
    mfd_mat FtF, P, Pinv, T;
    mfd_la_ws ws;
    double *w = malloc(k * sizeof(double));
    mfd_status st = w ? mfd_la_ws_alloc(MFD_REAL, k > s->n1 ? k : s->n1, &ws) : MFD_ENOMEM;
    if (st != MFD_OK) {
        free(w);
        return st;
    }
    FtF.data = P.data = Pinv.data = T.data = NULL;
    if ((st = mfd_mat_alloc(MFD_REAL, k, k, &FtF)) != MFD_OK || (st = mfd_mat_alloc(MFD_REAL, k, k, &P)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, k, k, &Pinv)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n1 > s->n2 ? s->n1 : s->n2, k, &T)) != MFD_OK)
        goto done;
    if ((st = mfd_la_gemm('T', 'N', 1.0, s->F, s->F, 0.0, FtF)) != MFD_OK ||
        (st = mfd_la_eigh(FtF, w, 1, &ws)) != MFD_OK) /* FtF now holds its eigenvectors V */
        goto done;
    if (!(w[0] > 0)) {
        st = MFD_ENUMERIC;
        goto done;
    }
    /* P = V diag(√scale / √λ) Vᵀ,  P⁻ᵀ = P⁻¹ = V diag(√λ / √scale) Vᵀ */
    mfd_mat_copy(P, FtF);
    mfd_mat_copy(Pinv, FtF);
    for (size_t i = 0; i < k; i++) {
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(P, 0, i), MFD_REAL, k, 1, k), sqrt(scale / w[i]));
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(Pinv, 0, i), MFD_REAL, k, 1, k), sqrt(w[i] / scale));
    }
    mfd_mat Pv = mfd_mat_view(T.data, MFD_REAL, k, k, k); /* scratch for the products */
    if ((st = mfd_la_gemm('N', 'T', 1.0, P, FtF, 0.0, Pv)) != MFD_OK)
        goto done;
    mfd_mat_copy(P, Pv);
    if ((st = mfd_la_gemm('N', 'T', 1.0, Pinv, FtF, 0.0, Pv)) != MFD_OK)
        goto done;
    mfd_mat_copy(Pinv, Pv);
    st = mfd_sense_transform(s, P, Pinv, T);
done:
    mfd_mat_free(&FtF);
    mfd_mat_free(&P);
    mfd_mat_free(&Pinv);
    mfd_mat_free(&T);
    mfd_la_ws_free(&ws);
    free(w);
    return st;
}
