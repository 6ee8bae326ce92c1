#include "mfd_scaled.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mfd_status mfd_scaled_alloc(mfd_method method, mfd_sense *s, double eta, double lambda, double gd_scale,
                            mfd_scaled **out)
{
    *out = NULL;
    if (method == MFD_METHOD_ALTSCALEDGD && s->symmetric)
        return MFD_EINVAL;
    if (method == MFD_METHOD_ALTMIN &&
        (s->symmetric || (s->op->kind != MFD_SENSOP_IDENTITY && s->op->kind != MFD_SENSOP_MASK)))
        return MFD_EINVAL;
    mfd_scaled *m = calloc(1, sizeof *m);
    if (!m)
        return MFD_ENOMEM;
    m->method = method;
    m->s = s;
    m->eta = eta;
    m->lambda = lambda;
    m->gd_scale = gd_scale > 0 ? gd_scale : 1.0;
    mfd_status st;
    if ((st = mfd_mat_alloc(MFD_REAL, s->k, s->k, &m->gram)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n1, s->k, &m->pF)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n2, s->k, &m->pG)) != MFD_OK)
        goto fail;
    if (method == MFD_METHOD_ALTMIN && s->op->kind == MFD_SENSOP_MASK) {
        const mfd_sensop *op = s->op;
        m->row_start = calloc(s->n1 + 1, sizeof(size_t));
        m->row_entry = malloc(op->m * sizeof(size_t));
        m->rhs = malloc(s->k * sizeof(double));
        if (!m->row_start || !m->row_entry || !m->rhs) {
            st = MFD_ENOMEM;
            goto fail;
        }
        /* counting sort of the entries by row */
        for (size_t e = 0; e < op->m; e++)
            m->row_start[op->mi[e] + 1]++;
        for (size_t i = 0; i < s->n1; i++)
            m->row_start[i + 1] += m->row_start[i];
        size_t *fill = calloc(s->n1, sizeof(size_t));
        if (!fill) {
            st = MFD_ENOMEM;
            goto fail;
        }
        for (size_t e = 0; e < op->m; e++) {
            size_t i = op->mi[e];
            m->row_entry[m->row_start[i] + fill[i]++] = e;
        }
        free(fill);
    }
    *out = m;
    return MFD_OK;
fail:
    mfd_scaled_free(m);
    return st;
}

void mfd_scaled_free(mfd_scaled *m)
{
    if (!m)
        return;
    mfd_mat_free(&m->gram);
    mfd_mat_free(&m->pF);
    mfd_mat_free(&m->pG);
    free(m->row_start);
    free(m->row_entry);
    free(m->rhs);
    free(m);
}

/* Cholesky of the Gram matrix in m->gram (lower triangle). */
static mfd_status gram_cholesky(mfd_scaled *m, mfd_mat other, double lambda)
{
    MFD_CHECK(mfd_la_gemm('T', 'N', 1.0, other, other, 0.0, m->gram));
    for (size_t i = 0; i < m->s->k; i++)
        *mfd_mat_at(m->gram, i, i) += lambda;
    return mfd_la_cholesky(m->gram);
}

mfd_status mfd_scaled_precondition(mfd_scaled *m, mfd_mat grad, mfd_mat other, double lambda, mfd_mat out)
{
    MFD_CHECK(gram_cholesky(m, other, lambda));
    MFD_CHECK(mfd_mat_copy(out, grad));
    /* out ← grad C⁻ᵀ C⁻¹ = grad (C Cᵀ)⁻¹ */
    MFD_CHECK(mfd_la_trsm_lower('R', 'T', m->gram, out));
    return mfd_la_trsm_lower('R', 'N', m->gram, out);
}

/* Exact least squares of F's rows given G over a mask (G's rows given F
 * when by_column): row i solves (Σ_{j∈Ω_i} g_j g_jᵀ + λI) f_i = Σ Y_ij g_j. */
static mfd_status mask_least_squares(mfd_scaled *m, bool by_column)
{
    mfd_sense *s = m->s;
    const mfd_sensop *op = s->op;
    size_t k = s->k, nrow = by_column ? s->n2 : s->n1, nfix = by_column ? s->n1 : s->n2;
    mfd_mat X = by_column ? s->G : s->F, Fix = by_column ? s->F : s->G;
    (void)nfix;
    for (size_t i = 0; i < nrow; i++) {
        size_t lo = by_column ? op->col_start[i] : m->row_start[i];
        size_t hi = by_column ? op->col_start[i + 1] : m->row_start[i + 1];
        mfd_mat_zero(m->gram);
        memset(m->rhs, 0, k * sizeof(double));
        for (size_t q = lo; q < hi; q++) {
            size_t e = by_column ? q : m->row_entry[q];
            size_t j = by_column ? op->mi[e] : op->mj[e];
            double yv = s->y[e] / op->scale; /* the observed entry Y_ij */
            for (size_t b = 0; b < k; b++) {
                double gb = *mfd_mat_at(Fix, j, b);
                m->rhs[b] += yv * gb;
                for (size_t a = b; a < k; a++)
                    *mfd_mat_at(m->gram, a, b) += *mfd_mat_at(Fix, j, a) * gb;
            }
        }
        for (size_t a = 0; a < k; a++)
            *mfd_mat_at(m->gram, a, a) += m->lambda;
        MFD_CHECK(mfd_la_cholesky(m->gram));
        mfd_mat rhs = mfd_mat_view(m->rhs, MFD_REAL, k, 1, k);
        MFD_CHECK(mfd_la_trsm_lower('L', 'N', m->gram, rhs));
        MFD_CHECK(mfd_la_trsm_lower('L', 'T', m->gram, rhs));
        for (size_t b = 0; b < k; b++)
            *mfd_mat_at(X, i, b) = m->rhs[b];
    }
    return MFD_OK;
}

/* Map a failed factorization to the stop reason; pass other errors on. */
static mfd_status singular(mfd_status st, mfd_stop *stop)
{
    if (st == MFD_ENUMERIC) {
        *stop = MFD_STOP_SINGULAR_PRECONDITIONER;
        return MFD_OK;
    }
    return st;
}

mfd_status mfd_scaled_step(mfd_scaled *m, mfd_stop *stop)
{
    mfd_sense *s = m->s;
    mfd_status st;
    double lambda = m->lambda;
    switch (m->method) {
    case MFD_METHOD_GD:
        m->lambda_used = 0;
        mfd_sense_update(s, m->eta / m->gd_scale);
        return MFD_OK;
    case MFD_METHOD_PRECGD: {
        double r2 = 0;
        for (size_t i = 0; i < s->op->m; i++)
            r2 += s->resid[i] * s->resid[i];
        lambda = m->lambda * sqrt(r2);
    } /* fall through */
    case MFD_METHOD_SCALEDGD:
        m->lambda_used = lambda;
        /* both preconditioned gradients from the old factors, then both updates */
        if ((st = mfd_scaled_precondition(m, s->gF, s->G, lambda, m->pF)) != MFD_OK)
            return singular(st, stop);
        if (!s->symmetric && (st = mfd_scaled_precondition(m, s->gG, s->F, lambda, m->pG)) != MFD_OK)
            return singular(st, stop);
        MFD_CHECK(mfd_mat_axpy(-m->eta, m->pF, s->F));
        if (!s->symmetric)
            MFD_CHECK(mfd_mat_axpy(-m->eta, m->pG, s->G));
        return MFD_OK;
    case MFD_METHOD_ALTSCALEDGD:
    case MFD_METHOD_ALTMIN:
        m->lambda_used = lambda;
        if (m->method == MFD_METHOD_ALTMIN && s->op->kind == MFD_SENSOP_MASK) {
            /* exact least squares in F, then in G (an under-observed row is singular) */
            MFD_CHECK(mfd_mat_copy(m->pF, s->F));
            if ((st = mask_least_squares(m, false)) != MFD_OK) {
                mfd_mat_copy(s->F, m->pF);
                return singular(st, stop);
            }
            MFD_CHECK(mfd_mat_copy(m->pG, s->G));
            if ((st = mask_least_squares(m, true)) != MFD_OK) {
                mfd_mat_copy(s->F, m->pF);
                mfd_mat_copy(s->G, m->pG);
                return singular(st, stop);
            }
            return MFD_OK;
        }
        {
            double eta = m->method == MFD_METHOD_ALTMIN ? 1.0 : m->eta;
            if ((st = mfd_scaled_precondition(m, s->gF, s->G, lambda, m->pF)) != MFD_OK)
                return singular(st, stop);
            MFD_CHECK(mfd_mat_axpy(-eta, m->pF, s->F));
            MFD_CHECK(mfd_sense_eval(s)); /* the residual and ∇_G at the new F */
            if ((st = mfd_scaled_precondition(m, s->gG, s->F, lambda, m->pG)) != MFD_OK) {
                mfd_mat_axpy(eta, m->pF, s->F); /* undo the half step */
                return singular(st, stop);
            }
            return mfd_mat_axpy(-eta, m->pG, s->G);
        }
    }
    return MFD_EINVAL;
}
