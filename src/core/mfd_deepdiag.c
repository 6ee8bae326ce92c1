#include "mfd_deepdiag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mfd_status build_names(mfd_deepdiag *g)
{
    mfd_strlist *l = &g->names;
    static const char *const first[] = {"loss_ori", "loss_reg", "loss"};
    for (size_t i = 0; i < 3; i++)
        MFD_CHECK(mfd_strlist_addf(l, "%s", first[i]));
    if (g->masked)
        MFD_CHECK(mfd_strlist_addf(l, "test_err"));
    for (int j = 1; j < g->depth; j++)
        MFD_CHECK(mfd_strlist_addf(l, "delta_%d", j));
    for (size_t i = 0; i < g->nsv; i++)
        MFD_CHECK(mfd_strlist_addf(l, "sv_%zu", i + 1));
    for (int j = 1; j <= g->depth; j++) {
        MFD_CHECK(mfd_strlist_addf(l, "layer%d_smax", j));
        MFD_CHECK(mfd_strlist_addf(l, "layer%d_smin", j));
    }
    MFD_CHECK(mfd_strlist_addf(l, "erank_nuc"));
    MFD_CHECK(mfd_strlist_addf(l, "erank_entropy"));
    if (g->square) {
        MFD_CHECK(mfd_strlist_addf(l, "%s", g->field == MFD_REAL ? "det_sign" : "det_phase"));
        MFD_CHECK(mfd_strlist_addf(l, "log_abs_det"));
        MFD_CHECK(mfd_strlist_addf(l, "init_q"));
    }
    if (g->four) {
        static const char *const four[] = {"skew_err", "herm_smin", "sandwich_lo", "sandwich_hi",
                                           "eq11_lo",  "eq11_mid",  "eq11_hi"};
        for (size_t i = 0; i < 7; i++)
            MFD_CHECK(mfd_strlist_addf(l, "%s", four[i]));
    }
    return MFD_OK;
}

mfd_status mfd_deepdiag_alloc(const mfd_deep *m, mfd_deepdiag **out)
{
    *out = NULL;
    mfd_deepdiag *g = calloc(1, sizeof *g);
    if (!g)
        return MFD_ENOMEM;
    int N = m->depth;
    size_t dmax = 0;
    for (int j = 0; j <= N; j++)
        if (m->dims[j] > dmax)
            dmax = m->dims[j];
    g->depth = N;
    g->field = m->field;
    g->square = mfd_deep_is_square(m);
    g->four = g->square && N == 4;
    g->masked = m->mask != NULL;
    g->nsv = m->dims[N] < m->dims[0] ? m->dims[N] : m->dims[0];
    mfd_status st = MFD_ENOMEM;
    g->delta_norm = calloc((size_t)N, sizeof(double));
    g->sv = calloc(dmax, sizeof(double));
    g->svtmp = calloc(dmax, sizeof(double));
    g->layer_smax = calloc((size_t)N, sizeof(double));
    g->layer_smin = calloc((size_t)N, sizeof(double));
    g->ipiv = calloc(dmax, sizeof(int));
    if (!g->delta_norm || !g->sv || !g->svtmp || !g->layer_smax || !g->layer_smin || !g->ipiv)
        goto free_diag;
    if ((st = mfd_la_ws_alloc(m->field, dmax, &g->ws)) != MFD_OK)
        goto free_diag;
    mfd_mat *mats[] = {&g->A, &g->B, &g->C, &g->U, &g->VH};
    for (size_t i = 0; i < sizeof mats / sizeof *mats; i++)
        if ((st = mfd_mat_alloc(m->field, dmax, dmax, mats[i])) != MFD_OK)
            goto free_diag;
    if ((st = build_names(g)) != MFD_OK)
        goto free_diag;
    *out = g;
    return MFD_OK;
free_diag:
    mfd_deepdiag_free(g);
    return st;
}

void mfd_deepdiag_free(mfd_deepdiag *g)
{
    if (!g)
        return;
    free(g->delta_norm);
    free(g->sv);
    free(g->svtmp);
    free(g->layer_smax);
    free(g->layer_smin);
    free(g->ipiv);
    mfd_la_ws_free(&g->ws);
    mfd_mat_free(&g->A);
    mfd_mat_free(&g->B);
    mfd_mat_free(&g->C);
    mfd_mat_free(&g->U);
    mfd_mat_free(&g->VH);
    mfd_strlist_free(&g->names);
    free(g);
}

/* A rows×cols view on the first entries of a workspace matrix. */
static mfd_mat scratch(mfd_mat buf, size_t rows, size_t cols)
{
    return mfd_mat_view(buf.data, buf.field, rows, cols, rows);
}

/* Singular values of M (copied: M is kept) into s. */
static mfd_status singular_values(mfd_deepdiag *g, mfd_mat M, double *s)
{
    mfd_mat T = scratch(g->C, M.rows, M.cols);
    MFD_CHECK(mfd_mat_copy(T, M));
    return mfd_la_svd(T, s, NULL, NULL, &g->ws);
}

static void set_nan_square(mfd_deepdiag *g)
{
    g->det_sign = g->log_abs_det = g->init_q = NAN;
    g->skew_err = g->herm_smin = g->sandwich_lo = g->sandwich_hi = NAN;
    g->skew_op = g->eq11_lo = g->eq11_mid = g->eq11_hi = NAN;
}

/* init_q = σ_min(W + U S Uᴴ) with W = U S Vᴴ; sv gets S. */
static mfd_status init_quantity(mfd_deepdiag *g, mfd_mat W)
{
    size_t d = W.rows;
    mfd_mat A = scratch(g->A, d, d), U = scratch(g->U, d, d), VH = scratch(g->VH, d, d),
            B = scratch(g->B, d, d);
    MFD_CHECK(mfd_mat_copy(A, W));
    MFD_CHECK(mfd_la_svd(A, g->sv, &U, &VH, &g->ws));
    MFD_CHECK(mfd_mat_copy(B, U)); /* B = U S */
    for (size_t i = 0; i < d; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(B, 0, i), W.field, d, 1, d), g->sv[i]);
    MFD_CHECK(mfd_mat_copy(A, W)); /* A = W + (U S) Uᴴ */
    MFD_CHECK(mfd_la_gemm('N', 'C', 1.0, B, U, 1.0, A));
    MFD_CHECK(mfd_la_svd(A, g->svtmp, NULL, NULL, &g->ws));
    g->init_q = g->svtmp[d - 1];
    return MFD_OK;
}

/* skew_err and herm_smin of [LXGFD25] from the four layers. */
static mfd_status four_layer(mfd_deepdiag *g, const mfd_deep *m)
{
    size_t d = m->dims[0];
    mfd_mat W1 = mfd_deep_layer(m, 1), W2 = mfd_deep_layer(m, 2), W3 = mfd_deep_layer(m, 3),
            W4 = mfd_deep_layer(m, 4);
    mfd_mat LU = scratch(g->A, d, d), Z = scratch(g->B, d, d);
    MFD_CHECK(mfd_mat_copy(LU, W2));
    mfd_status st = mfd_la_lu(LU, g->ipiv);
    if (st == MFD_ENUMERIC) { /* W_2 singular: Z undefined */
        g->skew_err = g->herm_smin = g->skew_op = NAN;
        return MFD_OK;
    }
    MFD_CHECK(st);
    MFD_CHECK(mfd_la_gemm('C', 'C', 1.0, W3, W4, 0.0, Z)); /* W_3ᴴ W_4ᴴ */
    MFD_CHECK(mfd_la_lu_solve('N', LU, g->ipiv, Z));       /* Z = W_2⁻¹ W_3ᴴ W_4ᴴ */
    g->skew_err = mfd_mat_dist(W1, Z);
    mfd_mat S = scratch(g->U, d, d); /* W_1 − Z (U is free once init_q is known) */
    MFD_CHECK(mfd_mat_copy(S, W1));
    MFD_CHECK(mfd_mat_axpy(-1.0, Z, S));
    MFD_CHECK(mfd_la_svd(S, g->svtmp, NULL, NULL, &g->ws));
    g->skew_op = g->svtmp[0];
    MFD_CHECK(mfd_mat_axpy(1.0, W1, Z));
    MFD_CHECK(mfd_la_svd(Z, g->svtmp, NULL, NULL, &g->ws));
    g->herm_smin = g->svtmp[d - 1];
    return MFD_OK;
}

mfd_status mfd_deepdiag_compute(mfd_deepdiag *g, mfd_deep *m)
{
    int N = m->depth;
    g->loss_ori = m->loss_ori;
    g->loss_reg = m->loss_reg;
    g->test_err = m->mask ? sqrt(2.0 * m->loss_test) / m->test_norm : NAN;
    /* A diverged run is logged too: LAPACK refuses non-finite input, so
     * report NaN rather than an error (non-finite layers here, a product that
     * overflowed below). */
    const double *w = m->w;
    for (size_t i = 0, n = mfd_deep_ndoubles(m); i < n; i++)
        if (!isfinite(w[i])) {
            for (int j = 0; j < N; j++) {
                g->layer_smax[j] = g->layer_smin[j] = NAN;
                if (j < N - 1)
                    g->delta_norm[j] = NAN;
            }
            for (size_t k = 0; k < g->nsv; k++)
                g->sv[k] = NAN;
            g->erank_nuc = g->erank_ent = NAN;
            set_nan_square(g);
            return MFD_OK;
        }
    if (m->a == 0)
        MFD_CHECK(mfd_deep_imbalance(m));
    for (int j = 1; j < N; j++)
        g->delta_norm[j - 1] = sqrt(mfd_mat_norm2(mfd_deep_delta(m, j)));
    for (int j = 1; j <= N; j++) {
        mfd_mat W = mfd_deep_layer(m, j);
        MFD_CHECK(singular_values(g, W, g->svtmp));
        size_t k = W.rows < W.cols ? W.rows : W.cols;
        g->layer_smax[j - 1] = g->svtmp[0];
        g->layer_smin[j - 1] = g->svtmp[k - 1];
    }
    mfd_mat W = mfd_deep_product(m);
    if (!mfd_mat_is_finite(W)) { /* finite layers whose product overflowed */
        for (size_t k = 0; k < g->nsv; k++)
            g->sv[k] = NAN;
        g->erank_nuc = g->erank_ent = NAN;
        set_nan_square(g);
        return MFD_OK;
    }
    if (g->square)
        MFD_CHECK(init_quantity(g, W));
    else
        MFD_CHECK(singular_values(g, W, g->sv));
    double ssum = 0, ent = 0;
    for (size_t i = 0; i < g->nsv; i++)
        ssum += g->sv[i];
    for (size_t i = 0; i < g->nsv && ssum > 0; i++) {
        double p = g->sv[i] / ssum;
        if (p > 0)
            ent -= p * log(p);
    }
    g->erank_nuc = g->sv[0] > 0 ? ssum / g->sv[0] : 0.0;
    g->erank_ent = ssum > 0 ? exp(ent) : 0.0;
    if (!g->square)
        return MFD_OK;
    size_t d = W.rows;
    mfd_mat LU = scratch(g->A, d, d);
    MFD_CHECK(mfd_mat_copy(LU, W));
    mfd_status st = mfd_la_lu(LU, g->ipiv);
    if (st != MFD_OK && st != MFD_ENUMERIC)
        return st;
    mfd_la_lu_logdet(LU, g->ipiv, &g->log_abs_det, &g->det_sign);
    if (m->field == MFD_COMPLEX)
        g->det_sign /= MFD_PI;
    if (g->four) {
        MFD_CHECK(four_layer(g, m));
        double smax = g->sv[0], smin = g->sv[d - 1];
        g->sandwich_lo = g->layer_smin[0] * g->init_q / smax;
        g->sandwich_hi = smin > 0 ? g->layer_smax[0] * g->init_q / smin : INFINITY;
        /* [LXGFD25] eq. (11) for N = 4 */
        g->eq11_lo = 0.5 * g->herm_smin;
        g->eq11_mid = pow(smin, 0.25);
        g->eq11_hi = 0.5 * sqrt(g->herm_smin * g->herm_smin + g->skew_op * g->skew_op);
    }
    return MFD_OK;
}

size_t mfd_deepdiag_ncols(const mfd_deepdiag *g) { return g->names.n; }

const char *mfd_deepdiag_name(const mfd_deepdiag *g, size_t i) { return g->names.s[i]; }

void mfd_deepdiag_row(const mfd_deepdiag *g, double *row)
{
    size_t k = 0;
    row[k++] = g->loss_ori;
    row[k++] = g->loss_reg;
    row[k++] = g->loss_ori + g->loss_reg;
    if (g->masked)
        row[k++] = g->test_err;
    for (int j = 1; j < g->depth; j++)
        row[k++] = g->delta_norm[j - 1];
    for (size_t i = 0; i < g->nsv; i++)
        row[k++] = g->sv[i];
    for (int j = 0; j < g->depth; j++) {
        row[k++] = g->layer_smax[j];
        row[k++] = g->layer_smin[j];
    }
    row[k++] = g->erank_nuc;
    row[k++] = g->erank_ent;
    if (g->square) {
        row[k++] = g->det_sign;
        row[k++] = g->log_abs_det;
        row[k++] = g->init_q;
    }
    if (g->four) {
        row[k++] = g->skew_err;
        row[k++] = g->herm_smin;
        row[k++] = g->sandwich_lo;
        row[k++] = g->sandwich_hi;
        row[k++] = g->eq11_lo;
        row[k++] = g->eq11_mid;
        row[k++] = g->eq11_hi;
    }
}

const double MFD_DEEP_MODE_FRAC[MFD_DEEP_NFRAC] = {0.1, 0.5, 0.9};

void mfd_deeptrack_init(mfd_deeptrack *tr, double balance_tol)
{
    memset(tr, 0, sizeof *tr);
    for (size_t k = 0; k < MFD_DEEP_MODES; k++)
        for (size_t l = 0; l < MFD_DEEP_NFRAC; l++)
            tr->mode_t[k][l] = NAN;
    tr->balance_tol = balance_tol;
    tr->skew_max_rise = tr->herm_max_drop = tr->sandwich_max_violation = tr->layer_sv_max_step = -INFINITY;
    tr->eq11_max_violation = -INFINITY;
    tr->layer_sv_max_step_bal = -INFINITY;
    tr->det_sign_init = tr->init_q_init = tr->skew_init = tr->herm_init = tr->det_sign_balanced = NAN;
    tr->iter_balanced = -1;
}

/* max that lets a NaN through, so a broken run never reads as a pass */
static void raise_to(double *acc, double v)
{
    if (v > *acc || isnan(v))
        *acc = v;
}

void mfd_deeptrack_update(mfd_deeptrack *tr, const mfd_deepdiag *g, const mfd_deep *m, long t, double eta)
{
    int N = m->depth;
    double scale = 2.0 * g->layer_smax[0];
    if (tr->nlogged == 0) {
        tr->det_sign_init = g->square ? g->det_sign : NAN;
        tr->init_q_init = g->square ? g->init_q : NAN;
        tr->skew_init = g->four ? g->skew_err : NAN;
        tr->herm_init = g->four ? g->herm_smin : NAN;
    } else {
        double dt = (double)(t - tr->prev_t);
        for (int j = 0; j < N; j++) {
            double ds = fmax(fabs(g->layer_smax[j] - tr->prev_lsv[2 * j]),
                             fabs(g->layer_smin[j] - tr->prev_lsv[2 * j + 1]));
            raise_to(&tr->layer_sv_max_step, ds / (dt * eta));
            if (tr->iter_balanced >= 0)
                raise_to(&tr->layer_sv_max_step_bal, ds / (dt * eta));
        }
        if (g->four) {
            raise_to(&tr->skew_max_rise, (g->skew_err - tr->prev_skew) / scale);
            raise_to(&tr->herm_max_drop, (tr->prev_herm - g->herm_smin) / scale);
        }
    }
    if (g->four) {
        raise_to(&tr->sandwich_max_violation,
                 fmax(g->sandwich_lo - g->herm_smin, g->herm_smin - g->sandwich_hi) / scale);
        raise_to(&tr->eq11_max_violation, fmax(g->eq11_lo - g->eq11_mid, g->eq11_mid - g->eq11_hi) / scale);
        tr->prev_skew = g->skew_err;
        tr->prev_herm = g->herm_smin;
    }
    if (tr->iter_balanced < 0 && g->square) {
        double worst = 0;
        for (int j = 1; j < N; j++) {
            double wn = mfd_mat_norm2(mfd_deep_layer(m, j));
            worst = fmax(worst, wn > 0 ? g->delta_norm[j - 1] / wn : INFINITY);
        }
        if (worst <= tr->balance_tol) {
            tr->iter_balanced = t;
            tr->det_sign_balanced = g->det_sign;
        }
    }
    for (int j = 0; j < N; j++) {
        tr->prev_lsv[2 * j] = g->layer_smax[j];
        tr->prev_lsv[2 * j + 1] = g->layer_smin[j];
    }
    for (size_t k = 0; k < tr->nmodes && k < g->nsv; k++) {
        for (size_t l = 0; l < MFD_DEEP_NFRAC; l++) {
            double level = MFD_DEEP_MODE_FRAC[l] * tr->mode_s[k];
            if (!isnan(tr->mode_t[k][l]) || !(g->sv[k] >= level))
                continue;
            if (tr->nlogged == 0 || !(g->sv[k] > tr->prev_sv[k]))
                tr->mode_t[k][l] = (double)t;
            else /* linear interpolation between the two logged points */
                tr->mode_t[k][l] = (double)tr->prev_t + (double)(t - tr->prev_t) * (level - tr->prev_sv[k]) /
                                                            (g->sv[k] - tr->prev_sv[k]);
        }
        tr->prev_sv[k] = g->sv[k];
    }
    tr->prev_t = t;
    tr->nlogged++;
}

void mfd_deeptrack_set_modes(mfd_deeptrack *tr, const double *s, size_t n)
{
    tr->nmodes = 0;
    for (size_t k = 0; k < n && tr->nmodes < MFD_DEEP_MODES; k++)
        if (s[k] > 0)
            tr->mode_s[tr->nmodes++] = s[k];
}

/* The gathered scalars, in one fixed order for save and load. */
#define TRACK_NSCALARS 13

static void track_scalars(const mfd_deeptrack *tr, double *v)
{
    double s[TRACK_NSCALARS] = {tr->prev_skew,          tr->prev_herm,          tr->skew_max_rise,
                                tr->herm_max_drop,      tr->sandwich_max_violation, tr->layer_sv_max_step,
                                tr->layer_sv_max_step_bal, tr->eq11_max_violation, tr->det_sign_init,
                                tr->init_q_init,        tr->skew_init,          tr->herm_init,
                                tr->det_sign_balanced};
    memcpy(v, s, sizeof s);
}

void mfd_deeptrack_save(const mfd_deeptrack *tr, mfd_ckpt_buf *b)
{
    double v[TRACK_NSCALARS];
    track_scalars(tr, v);
    mfd_ckpt_put_tag(b, "deeptrk");
    mfd_ckpt_put_f64(b, tr->balance_tol);
    mfd_ckpt_put_u64(b, (uint64_t)tr->nmodes);
    mfd_ckpt_put_f64s(b, tr->mode_s, MFD_DEEP_MODES);
    mfd_ckpt_put_i64(b, tr->nlogged);
    mfd_ckpt_put_i64(b, tr->prev_t);
    mfd_ckpt_put_i64(b, tr->iter_balanced);
    mfd_ckpt_put_f64s(b, v, TRACK_NSCALARS);
    mfd_ckpt_put_f64s(b, tr->prev_lsv, 2 * MFD_DEEP_MAX_DEPTH);
    mfd_ckpt_put_f64s(b, tr->prev_sv, MFD_DEEP_MODES);
    mfd_ckpt_put_f64s(b, &tr->mode_t[0][0], MFD_DEEP_MODES * MFD_DEEP_NFRAC);
}

mfd_status mfd_deeptrack_load(mfd_deeptrack *tr, mfd_ckpt_buf *b)
{
    double v[TRACK_NSCALARS], modes[MFD_DEEP_MODES];
    mfd_deeptrack in = *tr;
    mfd_ckpt_get_tag(b, "deeptrk");
    double tol = mfd_ckpt_get_f64(b);
    size_t nmodes = (size_t)mfd_ckpt_get_u64(b);
    mfd_ckpt_get_f64s(b, modes, MFD_DEEP_MODES);
    in.nlogged = (long)mfd_ckpt_get_i64(b);
    in.prev_t = (long)mfd_ckpt_get_i64(b);
    in.iter_balanced = (long)mfd_ckpt_get_i64(b);
    mfd_ckpt_get_f64s(b, v, TRACK_NSCALARS);
    mfd_ckpt_get_f64s(b, in.prev_lsv, 2 * MFD_DEEP_MAX_DEPTH);
    mfd_ckpt_get_f64s(b, in.prev_sv, MFD_DEEP_MODES);
    MFD_CHECK(mfd_ckpt_get_f64s(b, &in.mode_t[0][0], MFD_DEEP_MODES * MFD_DEEP_NFRAC));
    /* the settings are the run's: another balance_tol or target spectrum is another run */
    if (tol != tr->balance_tol || nmodes != tr->nmodes || memcmp(modes, tr->mode_s, sizeof modes) != 0)
        return MFD_EFORMAT;
    in.prev_skew = v[0];
    in.prev_herm = v[1];
    in.skew_max_rise = v[2];
    in.herm_max_drop = v[3];
    in.sandwich_max_violation = v[4];
    in.layer_sv_max_step = v[5];
    in.layer_sv_max_step_bal = v[6];
    in.eq11_max_violation = v[7];
    in.det_sign_init = v[8];
    in.init_q_init = v[9];
    in.skew_init = v[10];
    in.herm_init = v[11];
    in.det_sign_balanced = v[12];
    *tr = in;
    return MFD_OK;
}
