#include "mfd_sensediag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mfd_status build_names(mfd_sensediag *g)
{
    mfd_strlist *l = &g->names;
    MFD_CHECK(mfd_strlist_addf(l, "loss"));
    MFD_CHECK(mfd_strlist_addf(l, "rel_err"));
    MFD_CHECK(mfd_strlist_addf(l, "err_abs"));
    int nf = g->symmetric ? 1 : 2;
    const char *fac[2] = {g->symmetric ? "" : "f_", "g_"};
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < g->k; i++)
            MFD_CHECK(mfd_strlist_addf(l, "%ssv_%zu", fac[f], i + 1));
    static const char *const part[5] = {"signal_max", "signal_min", "excess_fro", "excess_op", "align_sin"};
    for (int f = 0; f < nf; f++)
        for (int q = 0; q < 5; q++)
            MFD_CHECK(mfd_strlist_addf(l, "%s%s", fac[f], part[q]));
    if (!g->symmetric) {
        for (size_t i = 0; i < g->k; i++)
            MFD_CHECK(mfd_strlist_addf(l, "imb_%zu", i + 1));
        MFD_CHECK(mfd_strlist_addf(l, "imb_min_abs"));
        MFD_CHECK(mfd_strlist_addf(l, "imb_fro"));
    }
    return MFD_OK;
}

mfd_status mfd_sensediag_alloc(const mfd_sense *s, mfd_mat Ustar, mfd_mat Vstar, mfd_sensediag **out)
{
    *out = NULL;
    size_t r = Ustar.cols, n = s->n1 > s->n2 ? s->n1 : s->n2, k = s->k;
    if (Ustar.rows != s->n1 || Vstar.rows != s->n2 || Vstar.cols != r || k > s->n1 || k > s->n2)
        return MFD_EINVAL;
    mfd_sensediag *g = calloc(1, sizeof *g);
    if (!g)
        return MFD_ENOMEM;
    g->symmetric = s->symmetric;
    g->n1 = s->n1;
    g->n2 = s->n2;
    g->k = k;
    g->r = r;
    size_t big = n > k ? n : k;
    mfd_status st = MFD_ENOMEM;
    g->svF = calloc(big, sizeof(double));
    g->svG = calloc(big, sizeof(double));
    g->imb = calloc(big, sizeof(double));
    g->sv = calloc(big, sizeof(double));
    if (!g->svF || !g->svG || !g->imb || !g->sv)
        goto free_diag;
    if ((st = mfd_mat_alloc(MFD_REAL, s->n1, r, &g->U)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, s->n2, r, &g->V)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n, big, &g->A)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n, big, &g->B)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, n, big, &g->UF)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, big, big, &g->VH)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, big, big, &g->C)) != MFD_OK ||
        (st = mfd_la_ws_alloc(MFD_REAL, big, &g->ws)) != MFD_OK || (st = build_names(g)) != MFD_OK)
        goto free_diag;
    mfd_mat_copy(g->U, Ustar);
    mfd_mat_copy(g->V, Vstar);
    *out = g;
    return MFD_OK;
free_diag:
    mfd_sensediag_free(g);
    return st;
}

void mfd_sensediag_free(mfd_sensediag *g)
{
    if (!g)
        return;
    free(g->svF);
    free(g->svG);
    free(g->imb);
    free(g->sv);
    mfd_mat_free(&g->U);
    mfd_mat_free(&g->V);
    mfd_mat_free(&g->A);
    mfd_mat_free(&g->B);
    mfd_mat_free(&g->UF);
    mfd_mat_free(&g->VH);
    mfd_mat_free(&g->C);
    mfd_la_ws_free(&g->ws);
    mfd_strlist_free(&g->names);
    free(g);
}

static mfd_mat part(mfd_mat buf, size_t rows, size_t cols) { return mfd_mat_view(buf.data, MFD_REAL, rows, cols, rows); }

/* Singular values, signal, excess and alignment of one factor X (n×k)
 * against the truth's basis B (n×r).  f indexes the result slots. */
static mfd_status factor_parts(mfd_sensediag *g, mfd_mat X, mfd_mat B, double *svX, int f)
{
    size_t n = X.rows, k = X.cols, r = B.cols;
    mfd_mat A = part(g->A, n, k), UF = part(g->UF, n, k), VH = part(g->VH, k, k);
    MFD_CHECK(mfd_mat_copy(A, X));
    MFD_CHECK(mfd_la_svd(A, svX, &UF, &VH, &g->ws)); /* X = UF diag(svX) VH */
    /* signal: σ(Bᵀ X) */
    mfd_mat S = part(g->C, r, k);
    MFD_CHECK(mfd_la_gemm('T', 'N', 1.0, B, X, 0.0, S));
    mfd_mat E = part(g->B, n, k); /* excess X − B (Bᵀ X), before S is overwritten */
    MFD_CHECK(mfd_mat_copy(E, X));
    MFD_CHECK(mfd_la_gemm('N', 'N', -1.0, B, S, 1.0, E));
    size_t rk = r < k ? r : k;
    MFD_CHECK(mfd_la_svd(S, g->sv, NULL, NULL, &g->ws));
    g->sig_max[f] = g->sv[0];
    g->sig_min[f] = g->sv[rk - 1];
    g->exc_fro[f] = sqrt(mfd_mat_norm2(E));
    MFD_CHECK(mfd_la_svd(E, g->sv, NULL, NULL, &g->ws));
    g->exc_op[f] = g->sv[0];
    /* alignment: ‖(I − BBᵀ) UF[:, :r]‖_op */
    if (k < r) {
        g->align_sin[f] = NAN;
        return MFD_OK;
    }
    mfd_mat Ur = mfd_mat_view(UF.data, MFD_REAL, n, r, n);
    mfd_mat T = part(g->C, r, r), P = part(g->A, n, r);
    MFD_CHECK(mfd_la_gemm('T', 'N', 1.0, B, Ur, 0.0, T));
    MFD_CHECK(mfd_mat_copy(P, Ur));
    MFD_CHECK(mfd_la_gemm('N', 'N', -1.0, B, T, 1.0, P));
    MFD_CHECK(mfd_la_svd(P, g->sv, NULL, NULL, &g->ws));
    g->align_sin[f] = g->sv[0];
    return MFD_OK;
}

mfd_status mfd_sensediag_compute(mfd_sensediag *g, const mfd_sense *s)
{
    g->loss = s->loss;
    g->rel_err = s->rel_err;
    g->err_abs = s->err_abs;
    if (!mfd_mat_is_finite(s->F) || (!s->symmetric && !mfd_mat_is_finite(s->G))) {
        for (size_t i = 0; i < g->k; i++)
            g->svF[i] = g->svG[i] = g->imb[i] = NAN;
        for (int f = 0; f < 2; f++)
            g->sig_max[f] = g->sig_min[f] = g->exc_fro[f] = g->exc_op[f] = g->align_sin[f] = NAN;
        g->imb_min_abs = g->imb_fro = NAN;
        return MFD_OK;
    }
    MFD_CHECK(factor_parts(g, s->F, g->U, g->svF, 0));
    if (s->symmetric)
        return MFD_OK;
    MFD_CHECK(factor_parts(g, s->G, g->V, g->svG, 1));
    size_t k = g->k;
    mfd_mat D = part(g->C, k, k);
    MFD_CHECK(mfd_la_gemm('T', 'N', 1.0, s->F, s->F, 0.0, D));
    MFD_CHECK(mfd_la_gemm('T', 'N', -1.0, s->G, s->G, 1.0, D));
    if (!mfd_mat_is_finite(D)) { /* finite factors whose Gram matrices overflowed */
        for (size_t i = 0; i < g->k; i++)
            g->imb[i] = NAN;
        g->imb_min_abs = g->imb_fro = NAN;
        return MFD_OK;
    }
    MFD_CHECK(mfd_la_eigh(D, g->imb, 0, &g->ws));
    g->imb_min_abs = INFINITY;
    double ss = 0;
    for (size_t i = 0; i < k; i++) {
        g->imb_min_abs = fmin(g->imb_min_abs, fabs(g->imb[i]));
        ss += g->imb[i] * g->imb[i];
    }
    g->imb_fro = sqrt(ss);
    return MFD_OK;
}

size_t mfd_sensediag_ncols(const mfd_sensediag *g) { return g->names.n; }

const char *mfd_sensediag_name(const mfd_sensediag *g, size_t i) { return g->names.s[i]; }

void mfd_sensediag_row(const mfd_sensediag *g, double *row)
{
    size_t c = 0;
    row[c++] = g->loss;
    row[c++] = g->rel_err;
    row[c++] = g->err_abs;
    int nf = g->symmetric ? 1 : 2;
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < g->k; i++)
            row[c++] = f == 0 ? g->svF[i] : g->svG[i];
    for (int f = 0; f < nf; f++) {
        row[c++] = g->sig_max[f];
        row[c++] = g->sig_min[f];
        row[c++] = g->exc_fro[f];
        row[c++] = g->exc_op[f];
        row[c++] = g->align_sin[f];
    }
    if (!g->symmetric) {
        for (size_t i = 0; i < g->k; i++)
            row[c++] = g->imb[i];
        row[c++] = g->imb_min_abs;
        row[c++] = g->imb_fro;
    }
}

double mfd_sensediag_fg_rel_diff(const mfd_sense *s)
{
    double fg = NAN;
    if (!s->symmetric && s->F.rows == s->G.rows) {
        double d2 = 0;
        for (size_t j = 0; j < s->F.cols; j++)
            for (size_t i = 0; i < s->F.rows; i++) {
                double e = s->F.data[i + j * s->F.ld] - s->G.data[i + j * s->G.ld];
                d2 += e * e;
            }
        fg = sqrt(d2 / mfd_mat_norm2(s->F));
    }
    return fg;
}

void mfd_sensediag_track_init(mfd_sensediag_track *tr) { tr->imb_init = tr->imb_fro_init = tr->imb_fro_max = NAN; }

void mfd_sensediag_track_update(mfd_sensediag_track *tr, const mfd_sensediag *g, const mfd_sense *s, long t)
{
    if (s->symmetric)
        return;
    double rel = g->imb_fro / mfd_mat_norm2(s->F);
    if (t == 0) {
        tr->imb_init = g->imb_min_abs;
        tr->imb_fro_init = tr->imb_fro_max = rel;
    } else if (rel > tr->imb_fro_max || isnan(rel)) {
        tr->imb_fro_max = rel;
    }
}

void mfd_sensediag_track_save(const mfd_sensediag_track *tr, mfd_ckpt_buf *b)
{
    double v[3] = {tr->imb_init, tr->imb_fro_init, tr->imb_fro_max};
    mfd_ckpt_put_tag(b, "sensetrk");
    mfd_ckpt_put_f64s(b, v, 3);
}

mfd_status mfd_sensediag_track_load(mfd_sensediag_track *tr, mfd_ckpt_buf *b)
{
    double v[3];
    mfd_ckpt_get_tag(b, "sensetrk");
    MFD_CHECK(mfd_ckpt_get_f64s(b, v, 3));
    tr->imb_init = v[0];
    tr->imb_fro_init = v[1];
    tr->imb_fro_max = v[2];
    return MFD_OK;
}
