#include "mfd_deepmon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"
#include "mfd_small.h"

mfd_status mfd_deepmon_alloc(const mfd_deep *m, mfd_deepmon_params p, mfd_deepmon **out)
{
    *out = NULL;
    bool four = m->depth == 4 && mfd_deep_is_square(m);
    if ((p.invariants || p.thm11) && !four)
        return MFD_EINVAL;
    if (p.thm8 && (!mfd_deep_is_square(m) || (m->a > 0 && !m->grad_ori)))
        return MFD_EINVAL;
    mfd_deepmon *mon = calloc(1, sizeof *mon);
    if (!mon)
        return MFD_ENOMEM;
    mon->p = p;
    mon->depth = m->depth;
    mon->d = m->dims[0];
    mon->field = m->field;
    mon->four = four;
    size_t dd = mfd_field_width(m->field) * mon->d * mon->d;
    /* up to depth + 1 Gram matrices solved together (thm8_terms) */
    mon->ngram = (size_t)m->depth + 1;
    mon->gstride = dd + MFD_MAT_PAD;
    mon->gram = calloc(mon->ngram * mon->gstride, sizeof(double));
    mon->lu = calloc(dd + MFD_MAT_PAD, sizeof(double));
    mon->z = calloc(dd + MFD_MAT_PAD, sizeof(double));
    mon->h = calloc(dd + MFD_MAT_PAD, sizeof(double));
    mon->ev = calloc(mon->ngram * mon->d, sizeof(double));
    mon->ipiv = calloc(mon->d, sizeof(int));
    mon->gnorm2 = calloc((size_t)m->depth, sizeof(double));
    if (!mon->gram || !mon->lu || !mon->z || !mon->h || !mon->ev || !mon->ipiv || !mon->gnorm2) {
        mfd_deepmon_free(mon);
        return MFD_ENOMEM;
    }
    mon->prev_t = -1;
    mon->skew_max_rise = mon->herm_max_drop = mon->thm8_max_excess = mon->thm8_min_excess = -INFINITY;
    mon->skew_rise_iter = mon->herm_drop_iter = mon->thm8_max_iter = mon->thm8_min_iter = -1;
    mon->thm11_t0 = mon->thm11_excess_iter = -1;
    mon->thm11_l0 = NAN;
    mon->thm11_max_excess = -INFINITY;
    *out = mon;
    return MFD_OK;
}

void mfd_deepmon_free(mfd_deepmon *mon)
{
    if (!mon)
        return;
    free(mon->gram);
    free(mon->lu);
    free(mon->z);
    free(mon->h);
    free(mon->ev);
    free(mon->gnorm2);
    free(mon->ipiv);
    free(mon);
}

static mfd_mat square(const mfd_deepmon *mon, double *buf) { return mfd_mat_view(buf, mon->field, mon->d, mon->d, mon->d); }

/* The extreme eigenvalues of X_i ᴴ X_i (the squares of X_i's extreme
 * singular values) for i < count ≤ mon->ngram, their Jacobi rotations done
 * together (mfd_small_eigvalsh_many: each gets the bits it gets alone). */
static mfd_status gram_extremes(mfd_deepmon *mon, size_t count, const mfd_mat *X, double *lo, double *hi)
{
    double *A[MFD_DEEP_MAX_DEPTH + 1], *w[MFD_DEEP_MAX_DEPTH + 1];
    size_t d = mon->d, ld = 0;
    if (count == 0)
        return MFD_OK;
    for (size_t i = 0; i < count; i++) {
        mfd_mat G = square(mon, mon->gram + i * mon->gstride);
        MFD_CHECK(mfd_la_gemm('C', 'N', 1.0, X[i], X[i], 0.0, G));
        A[i] = G.data;
        w[i] = mon->ev + i * d;
        ld = G.ld;
    }
    mfd_small_eigvalsh_many(mon->field == MFD_COMPLEX, d, count, A, ld, w, NULL);
    for (size_t i = 0; i < count; i++) {
        lo[i] = fmax(w[i][0], 0.0);
        hi[i] = fmax(w[i][d - 1], 0.0);
    }
    return MFD_OK;
}

/* skew = ‖W_1 − Z‖_F and herm = σ_min(W_1 + Z), Z = W_2⁻¹ W_3ᴴ W_4ᴴ, as
 * mfd_deepdiag computes them (NaN when W_2 is singular); smax1 = σ_max(W_1). */
static mfd_status invariants(mfd_deepmon *mon, const mfd_deep *m, double *skew, double *herm, double *smax1)
{
    mfd_mat W1 = mfd_deep_layer(m, 1), W2 = mfd_deep_layer(m, 2), W3 = mfd_deep_layer(m, 3),
            W4 = mfd_deep_layer(m, 4);
    mfd_mat LU = square(mon, mon->lu), Z = square(mon, mon->z), H = square(mon, mon->h);
    double lo[2], hi[2];
    MFD_CHECK(mfd_mat_copy(LU, W2));
    mfd_status st = mfd_la_lu(LU, mon->ipiv);
    if (st == MFD_ENUMERIC) {
        *skew = *herm = NAN;
        MFD_CHECK(gram_extremes(mon, 1, &W1, lo, hi));
        *smax1 = sqrt(hi[0]);
        return MFD_OK;
    }
    MFD_CHECK(st);
    MFD_CHECK(mfd_la_gemm('C', 'C', 1.0, W3, W4, 0.0, Z));
    MFD_CHECK(mfd_la_lu_solve('N', LU, mon->ipiv, Z));
    *skew = mfd_mat_dist(W1, Z);
    MFD_CHECK(mfd_mat_copy(H, Z));
    MFD_CHECK(mfd_mat_axpy(1.0, W1, H));
    mfd_mat X[2] = {W1, H};
    MFD_CHECK(gram_extremes(mon, 2, X, lo, hi));
    *smax1 = sqrt(hi[0]);
    *herm = sqrt(lo[1]);
    return MFD_OK;
}

/* ∇_j L_ori (with a = 0 the whole gradient is ∇L_ori). */
static mfd_mat grad_ori(const mfd_deep *m, int j)
{
    return m->grad_ori ? mfd_mat_view(m->grad_ori + m->off[j - 1], m->field, m->dims[j], m->dims[j - 1], m->dims[j])
                       : mfd_deep_grad(m, j);
}

/* M, m (extreme squared layer singular values) and the first-order terms
 * 2 η σ⁺ g and 2 η σ⁻ g of Thm 8 at the current layers. */
static mfd_status thm8_terms(mfd_deepmon *mon, const mfd_deep *m, double *M, double *mn, double *up, double *lo)
{
    int N = m->depth;
    mfd_mat X[MFD_DEEP_MAX_DEPTH + 1];
    double a[MFD_DEEP_MAX_DEPTH + 1], b[MFD_DEEP_MAX_DEPTH + 1];
    /* g = max_j ‖∇_j‖_op: the gradient of largest Frobenius norm first,
     * solved with the layers; a gradient whose ‖·‖_F² is below its g² by
     * more than the rounding of either (1e-10 relative) cannot raise g
     * (‖·‖_op ≤ ‖·‖_F), and its eigenvalue problem is skipped: the same g as
     * solving them all, in about half the problems at N = 4 */
    int first = 1;
    for (int j = 1; j <= N; j++) {
        mon->gnorm2[j - 1] = mfd_mat_norm2(grad_ori(m, j));
        if (mon->gnorm2[j - 1] > mon->gnorm2[first - 1])
            first = j;
    }
    for (int j = 1; j <= N; j++)
        X[j - 1] = mfd_deep_layer(m, j);
    X[N] = grad_ori(m, first);
    MFD_CHECK(gram_extremes(mon, (size_t)N + 1, X, a, b));
    double big = 0, small = INFINITY;
    for (int j = 0; j < N; j++) {
        big = fmax(big, b[j]);
        small = fmin(small, a[j]);
    }
    double g = sqrt(b[N]);
    size_t nrest = 0;
    for (int j = 1; j <= N; j++)
        if (j != first && mon->gnorm2[j - 1] * (1 + 1e-10) >= g * g)
            X[nrest++] = grad_ori(m, j);
    if (nrest > 0)
        MFD_CHECK(gram_extremes(mon, nrest, X, a, b));
    for (size_t i = 0; i < nrest; i++)
        g = fmax(g, sqrt(b[i]));
    *M = big;
    *mn = small;
    *up = 2 * mon->p.eta * sqrt(big) * g;
    *lo = 2 * mon->p.eta * sqrt(small) * g;
    return MFD_OK;
}

static void raise_to(double *x, long *at, double v, long t)
{
    if (v > *x || (isnan(v) && !isnan(*x))) {
        *x = v;
        *at = t;
    }
}

mfd_status mfd_deepmon_observe(mfd_deepmon *mon, const mfd_deep *m, long t)
{
    const mfd_deepmon_params *p = &mon->p;
    bool first = mon->prev_t < 0;
    bool need_inv = p->invariants || (p->thm11 && mon->thm11_t0 < 0);
    double skew = NAN, herm = NAN, smax1 = NAN;
    if (need_inv)
        MFD_CHECK(invariants(mon, m, &skew, &herm, &smax1));
    if (p->invariants) {
        if (!first) {
            double scale = 2 * smax1;
            raise_to(&mon->skew_max_rise, &mon->skew_rise_iter, (skew - mon->prev_skew) / scale, t);
            raise_to(&mon->herm_max_drop, &mon->herm_drop_iter, (mon->prev_herm - herm) / scale, t);
        }
        mon->prev_skew = skew;
        mon->prev_herm = herm;
    }
    if (p->thm8) {
        double M, mn, up, lo;
        MFD_CHECK(thm8_terms(mon, m, &M, &mn, &up, &lo));
        if (!first) {
            raise_to(&mon->thm8_max_excess, &mon->thm8_max_iter, (M - mon->prev_M) - mon->prev_up, t);
            raise_to(&mon->thm8_min_excess, &mon->thm8_min_iter, -mon->prev_lo - (mn - mon->prev_m), t);
        }
        mon->prev_M = M;
        mon->prev_m = mn;
        mon->prev_up = up;
        mon->prev_lo = lo;
    }
    if (p->thm11) {
        double L = m->loss_ori + m->loss_reg;
        if (mon->thm11_t0 < 0) {
            if (herm >= pow(2.0, 0.75) * pow(p->sigma, 0.25) && skew <= p->skew_tol * pow(p->sigma, 0.25)) {
                mon->thm11_t0 = t;
                mon->thm11_l0 = m->loss_ori;
            }
        }
        if (mon->thm11_t0 >= 0 && t > mon->thm11_t0 && mon->thm11_l0 > 0) {
            double excess = log(L / mon->thm11_l0) + p->eta * pow(p->sigma, 1.5) * (double)(t - mon->thm11_t0);
            if (L > 0)
                raise_to(&mon->thm11_max_excess, &mon->thm11_excess_iter, excess, t);
        }
    }
    mon->prev_t = t;
    return MFD_OK;
}

double mfd_deepmon_thm8_c(const mfd_deepmon *mon, double a)
{
    if (!(a > 0) || !mon->p.thm8)
        return NAN;
    double ex = fmax(fmax(mon->thm8_max_excess, mon->thm8_min_excess), 0.0);
    return ex / (mon->p.eta * mon->p.eta * a * a);
}

#define MON_NREALS 11
#define MON_NITERS 7

void mfd_deepmon_save(const mfd_deepmon *mon, mfd_ckpt_buf *b)
{
    double r[MON_NREALS] = {mon->prev_skew,       mon->prev_herm,       mon->prev_M,          mon->prev_m,
                            mon->prev_up,         mon->prev_lo,         mon->skew_max_rise,   mon->herm_max_drop,
                            mon->thm8_max_excess, mon->thm8_min_excess, mon->thm11_max_excess};
    long it[MON_NITERS] = {mon->prev_t,        mon->skew_rise_iter, mon->herm_drop_iter, mon->thm8_max_iter,
                           mon->thm8_min_iter, mon->thm11_t0,       mon->thm11_excess_iter};
    mfd_ckpt_put_tag(b, "deepmon");
    mfd_ckpt_put_u64(b, (uint64_t)mon->p.invariants | (uint64_t)mon->p.thm8 << 1 | (uint64_t)mon->p.thm11 << 2);
    mfd_ckpt_put_f64s(b, r, MON_NREALS);
    mfd_ckpt_put_f64(b, mon->thm11_l0);
    for (size_t i = 0; i < MON_NITERS; i++)
        mfd_ckpt_put_i64(b, it[i]);
}

mfd_status mfd_deepmon_load(mfd_deepmon *mon, mfd_ckpt_buf *b)
{
    double r[MON_NREALS];
    long it[MON_NITERS];
    mfd_ckpt_get_tag(b, "deepmon");
    uint64_t parts = mfd_ckpt_get_u64(b);
    mfd_ckpt_get_f64s(b, r, MON_NREALS);
    double l0 = mfd_ckpt_get_f64(b);
    for (size_t i = 0; i < MON_NITERS; i++)
        it[i] = (long)mfd_ckpt_get_i64(b);
    MFD_CHECK(b->st);
    if (parts != ((uint64_t)mon->p.invariants | (uint64_t)mon->p.thm8 << 1 | (uint64_t)mon->p.thm11 << 2))
        return MFD_EFORMAT;
    mon->prev_skew = r[0];
    mon->prev_herm = r[1];
    mon->prev_M = r[2];
    mon->prev_m = r[3];
    mon->prev_up = r[4];
    mon->prev_lo = r[5];
    mon->skew_max_rise = r[6];
    mon->herm_max_drop = r[7];
    mon->thm8_max_excess = r[8];
    mon->thm8_min_excess = r[9];
    mon->thm11_max_excess = r[10];
    mon->thm11_l0 = l0;
    mon->prev_t = it[0];
    mon->skew_rise_iter = it[1];
    mon->herm_drop_iter = it[2];
    mon->thm8_max_iter = it[3];
    mon->thm8_min_iter = it[4];
    mon->thm11_t0 = it[5];
    mon->thm11_excess_iter = it[6];
    return MFD_OK;
}
