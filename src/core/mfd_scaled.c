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
    if (method == MFD_METHOD_ALTMIN && (s->symmetric || s->op->kind == MFD_SENSOP_GAUSSIAN_OTF))
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
    if (method == MFD_METHOD_ALTMIN && s->op->kind == MFD_SENSOP_DENSE) {
        size_t q = (s->n1 > s->n2 ? s->n1 : s->n2) * s->k;
        if (mfd_scaled_altmin_bytes(s->op->m, s->n1, s->n2, s->k) == 0) {
            st = MFD_ERANGE;
            goto fail;
        }
        if ((st = mfd_mat_alloc(MFD_REAL, q, s->op->m, &m->design)) != MFD_OK ||
            (st = mfd_mat_alloc(MFD_REAL, q, q, &m->normal)) != MFD_OK)
            goto fail;
        m->rhs = malloc(q * sizeof(double));
        if (!m->rhs) {
            st = MFD_ENOMEM;
            goto fail;
        }
    }
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
    mfd_mat_free(&m->design);
    mfd_mat_free(&m->normal);
    free(m);
}

size_t mfd_scaled_altmin_bytes(size_t m, size_t n1, size_t n2, size_t k)
{
    size_t q = (n1 > n2 ? n1 : n2) * k;
    if (k != 0 && q / k != (n1 > n2 ? n1 : n2))
        return 0;
    double bytes = 8.0 * ((double)q * (double)m + (double)q * (double)q + (double)q);
    return bytes < 1e18 ? (size_t)bytes : 0;
}

/* Exact least squares in F (or in G when for_g) over a stored operator:
 * column j of the design is vec(A_j G) (vec(A_jᵀ F)); solve the normal
 * equations (D Dᵀ + λI) vec(X) = D y by Cholesky. */
static mfd_status dense_least_squares(mfd_scaled *m, bool for_g)
{
    mfd_sense *s = m->s;
    const mfd_sensop *op = s->op;
    size_t n1 = s->n1, n2 = s->n2, k = s->k, nx = for_g ? n2 : n1, q = nx * k;
    mfd_mat Fix = for_g ? s->F : s->G, X = for_g ? s->G : s->F;
    mfd_mat D = mfd_mat_view(m->design.data, MFD_REAL, q, op->m, q);
    mfd_mat N = mfd_mat_view(m->normal.data, MFD_REAL, q, q, q);
    for (size_t j = 0; j < op->m; j++) {
        mfd_mat Aj = mfd_mat_view(op->block + j * n1 * n2, MFD_REAL, n1, n2, n1);
        mfd_mat col = mfd_mat_view(mfd_mat_at(D, 0, j), MFD_REAL, nx, k, nx);
        MFD_CHECK(mfd_la_gemm(for_g ? 'T' : 'N', 'N', 1.0, Aj, Fix, 0.0, col));
    }
    MFD_CHECK(mfd_la_gemm('N', 'T', 1.0, D, D, 0.0, N));
    for (size_t i = 0; i < q; i++)
        *mfd_mat_at(N, i, i) += m->lambda;
    MFD_CHECK(mfd_la_dgemv('N', 1.0, D, s->y, 0.0, m->rhs));
    MFD_CHECK(mfd_la_cholesky(N));
    mfd_mat rhs = mfd_mat_view(m->rhs, MFD_REAL, q, 1, q);
    MFD_CHECK(mfd_la_trsm_lower('L', 'N', N, rhs));
    MFD_CHECK(mfd_la_trsm_lower('L', 'T', N, rhs));
    return mfd_mat_copy(X, mfd_mat_view(m->rhs, MFD_REAL, nx, k, nx));
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
        if (m->method == MFD_METHOD_ALTMIN && s->op->kind != MFD_SENSOP_IDENTITY) {
            /* exact least squares in F, then in G (a singular system leaves both as they were) */
            bool dense = s->op->kind == MFD_SENSOP_DENSE;
            MFD_CHECK(mfd_mat_copy(m->pF, s->F));
            MFD_CHECK(mfd_mat_copy(m->pG, s->G));
            st = dense ? dense_least_squares(m, false) : mask_least_squares(m, false);
            if (st == MFD_OK)
                st = dense ? dense_least_squares(m, true) : mask_least_squares(m, true);
            if (st != MFD_OK) {
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
