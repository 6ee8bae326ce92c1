/* altmin — alternating minimization on the asymmetric two-factor model
 * (THEORY.md §3): exact least squares in F, then in G.
 *
 *   identity operator (factorization, robust PCA): altscaledgd's step with
 *     η = 1 and λ = 0 (a ridge λ when given) is the exact minimizer;
 *   completion (a mask): one k × k system per row of F over its observed
 *     entries, then one per column of G;
 *   a stored sensing operator: the normal equations of A(FGᵀ)_j = ⟨A_j G, F⟩
 *     in the n1 k unknowns of F (then ⟨A_jᵀ F, G⟩ for G), one (n k) × (n k)
 *     Cholesky each.
 *
 * A singular system leaves both factors as they were and stops the run with
 * singular_preconditioner. */
#include "altmin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "altscaledgd.h"
#include "mfd_la.h"
#include "mfd_method.h"

typedef struct altmin_state {
    mfd_scaledgd_ws ws; /* first: mfd_scaledgd_lambda_used reads it */
    /* on a mask: observed entries by row */
    size_t *row_start, *row_entry;
    double *rhs;
    /* on a stored sensing operator: design (n k) × m, normal matrix */
    mfd_mat design, normal;
    mfd_mat arow; /* a symmetrized operator's A_j, unpacked (n1×n2) */
} altmin_state;

size_t mfd_altmin_bytes(size_t m, size_t n1, size_t n2, size_t k)
{
    size_t q = (n1 > n2 ? n1 : n2) * k;
    if (k != 0 && q / k != (n1 > n2 ? n1 : n2))
        return 0;
    double bytes = 8.0 * ((double)q * (double)m + (double)q * (double)q + (double)q);
    return bytes < 1e18 ? (size_t)bytes : 0;
}

static mfd_status altmin_check(const mfd_method_params *p, const mfd_method_problem *pb, char *msg, size_t len)
{
    if (pb->symmetric)
        return mfd_status_invalid(msg, len, "method=altmin alternates between L and R: it needs model=asym");
    if (pb->op == MFD_SENSOP_GAUSSIAN_OTF)
        return mfd_status_invalid(msg, len, "method=altmin needs the stored operator (its least squares read every "
                                            "A_k twice per step); use operator=gaussian");
    if (pb->op == MFD_SENSOP_DENSE) {
        size_t need = mfd_altmin_bytes(pb->m, pb->n1, pb->n2, pb->k);
        if (need == 0 || (double)need > p->mem_limit)
            return mfd_status_invalid(msg, len,
                                      "method=altmin on sensing needs %.0f bytes for its normal equations (m = %zu, "
                                      "n k = %zu) but mem_limit is %.0f bytes",
                                      need ? (double)need : INFINITY, pb->m,
                                      (pb->n1 > pb->n2 ? pb->n1 : pb->n2) * pb->k, p->mem_limit);
    }
    return MFD_OK;
}

static void altmin_free(void *state)
{
    altmin_state *m = state;
    if (!m)
        return;
    mfd_scaledgd_ws_release(&m->ws);
    free(m->row_start);
    free(m->row_entry);
    free(m->rhs);
    mfd_mat_free(&m->design);
    mfd_mat_free(&m->normal);
    mfd_mat_free(&m->arow);
    free(m);
}

static mfd_status altmin_alloc(void *model, const mfd_method_params *p, void **state)
{
    mfd_sense *s = model;
    if (s->symmetric || s->op->kind == MFD_SENSOP_GAUSSIAN_OTF)
        return MFD_EINVAL;
    altmin_state *m = calloc(1, sizeof *m);
    if (!m)
        return MFD_ENOMEM;
    mfd_status st;
    if ((st = mfd_scaledgd_ws_init(s, p->eta, p->lambda, &m->ws)) != MFD_OK)
        goto fail;
    if (s->op->kind == MFD_SENSOP_DENSE) {
        size_t q = (s->n1 > s->n2 ? s->n1 : s->n2) * s->k;
        if (mfd_altmin_bytes(s->op->m, s->n1, s->n2, s->k) == 0) {
            st = MFD_ERANGE;
            goto fail;
        }
        if ((st = mfd_mat_alloc(MFD_REAL, q, s->op->m, &m->design)) != MFD_OK ||
            (st = mfd_mat_alloc(MFD_REAL, q, q, &m->normal)) != MFD_OK ||
            (s->op->symmetrized && (st = mfd_mat_alloc(MFD_REAL, s->n1, s->n2, &m->arow)) != MFD_OK))
            goto fail;
        m->rhs = malloc(q * sizeof(double));
        if (!m->rhs) {
            st = MFD_ENOMEM;
            goto fail;
        }
    }
    if (s->op->kind == MFD_SENSOP_MASK) {
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
    *state = m;
    return MFD_OK;
fail:
    altmin_free(m);
    return st;
}

/* Exact least squares in F (or in G when for_g) over a stored operator:
 * column j of the design is vec(A_j G) (vec(A_jᵀ F)); solve the normal
 * equations (D Dᵀ + λI) vec(X) = D y by Cholesky. */
static mfd_status dense_least_squares(altmin_state *m, bool for_g)
{
    mfd_sense *s = m->ws.s;
    const mfd_sensop *op = s->op;
    size_t n1 = s->n1, n2 = s->n2, k = s->k, nx = for_g ? n2 : n1, q = nx * k;
    mfd_mat Fix = for_g ? s->F : s->G, X = for_g ? s->G : s->F;
    mfd_mat D = mfd_mat_view(m->design.data, MFD_REAL, q, op->m, q);
    mfd_mat N = mfd_mat_view(m->normal.data, MFD_REAL, q, q, q);
    for (size_t j = 0; j < op->m; j++) {
        mfd_mat Aj = m->arow;
        if (op->symmetrized) /* stored packed (mfd_sensop.h) */
            MFD_CHECK(mfd_sensop_row(op, j, Aj));
        else
            Aj = mfd_mat_view(op->block + j * n1 * n2, MFD_REAL, n1, n2, n1);
        mfd_mat col = mfd_mat_view(mfd_mat_at(D, 0, j), MFD_REAL, nx, k, nx);
        MFD_CHECK(mfd_la_gemm(for_g ? 'T' : 'N', 'N', 1.0, Aj, Fix, 0.0, col));
    }
    MFD_CHECK(mfd_la_gemm('N', 'T', 1.0, D, D, 0.0, N));
    for (size_t i = 0; i < q; i++)
        *mfd_mat_at(N, i, i) += m->ws.lambda;
    MFD_CHECK(mfd_la_dgemv('N', 1.0, D, s->y, 0.0, m->rhs));
    MFD_CHECK(mfd_la_cholesky(N));
    mfd_mat rhs = mfd_mat_view(m->rhs, MFD_REAL, q, 1, q);
    MFD_CHECK(mfd_la_trsm_lower('L', 'N', N, rhs));
    MFD_CHECK(mfd_la_trsm_lower('L', 'T', N, rhs));
    return mfd_mat_copy(X, mfd_mat_view(m->rhs, MFD_REAL, nx, k, nx));
}

/* Exact least squares of F's rows given G over a mask (G's rows given F
 * when by_column): row i solves (Σ_{j∈Ω_i} g_j g_jᵀ + λI) f_i = Σ Y_ij g_j. */
static mfd_status mask_least_squares(altmin_state *m, bool by_column)
{
    mfd_sense *s = m->ws.s;
    const mfd_sensop *op = s->op;
    size_t k = s->k, nrow = by_column ? s->n2 : s->n1, nfix = by_column ? s->n1 : s->n2;
    mfd_mat X = by_column ? s->G : s->F, Fix = by_column ? s->F : s->G;
    (void)nfix;
    for (size_t i = 0; i < nrow; i++) {
        size_t lo = by_column ? op->col_start[i] : m->row_start[i];
        size_t hi = by_column ? op->col_start[i + 1] : m->row_start[i + 1];
        mfd_mat_zero(m->ws.gram);
        memset(m->rhs, 0, k * sizeof(double));
        for (size_t q = lo; q < hi; q++) {
            size_t e = by_column ? q : m->row_entry[q];
            size_t j = by_column ? op->mi[e] : op->mj[e];
            double yv = s->y[e] / op->scale; /* the observed entry Y_ij */
            for (size_t b = 0; b < k; b++) {
                double gb = *mfd_mat_at(Fix, j, b);
                m->rhs[b] += yv * gb;
                for (size_t a = b; a < k; a++)
                    *mfd_mat_at(m->ws.gram, a, b) += *mfd_mat_at(Fix, j, a) * gb;
            }
        }
        for (size_t a = 0; a < k; a++)
            *mfd_mat_at(m->ws.gram, a, a) += m->ws.lambda;
        MFD_CHECK(mfd_la_cholesky(m->ws.gram));
        mfd_mat rhs = mfd_mat_view(m->rhs, MFD_REAL, k, 1, k);
        MFD_CHECK(mfd_la_trsm_lower('L', 'N', m->ws.gram, rhs));
        MFD_CHECK(mfd_la_trsm_lower('L', 'T', m->ws.gram, rhs));
        for (size_t b = 0; b < k; b++)
            *mfd_mat_at(X, i, b) = m->rhs[b];
    }
    return MFD_OK;
}

static mfd_status altmin_step(void *state, mfd_stop *stop)
{
    altmin_state *m = state;
    mfd_sense *s = m->ws.s;
    mfd_status st;
    m->ws.lambda_used = m->ws.lambda;
    if (s->op->kind == MFD_SENSOP_IDENTITY) /* the identity: the scaled step with eta = 1 is exact */
        return mfd_altscaledgd_alternate(&m->ws, 1.0, m->ws.lambda, stop);
    /* exact least squares in F, then in G (a singular system leaves both as they were) */
    bool dense = s->op->kind == MFD_SENSOP_DENSE;
    MFD_CHECK(mfd_mat_copy(m->ws.pF, s->F));
    MFD_CHECK(mfd_mat_copy(m->ws.pG, s->G));
    st = dense ? dense_least_squares(m, false) : mask_least_squares(m, false);
    if (st == MFD_OK)
        st = dense ? dense_least_squares(m, true) : mask_least_squares(m, true);
    if (st != MFD_OK) {
        mfd_mat_copy(s->F, m->ws.pF);
        mfd_mat_copy(s->G, m->ws.pG);
        return mfd_scaledgd_singular(st, stop);
    }
    return MFD_OK;
}

const mfd_method_type mfd_altmin_type = {
    .name = "altmin",
    .model = MFD_METHOD_TWO_FACTOR,
    .check = altmin_check,
    .alloc = altmin_alloc,
    .step = altmin_step,
    .lambda_used = mfd_scaledgd_lambda_used,
    .save = mfd_scaledgd_save,
    .load = mfd_scaledgd_load,
    .free = altmin_free,
};
