#include "mfd_deep.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"

static size_t layer_doubles(const mfd_deep *m, int j)
{
    return mfd_field_width(m->field) * m->dims[j] * m->dims[j - 1];
}

mfd_status mfd_deep_alloc(mfd_field field, int depth, const size_t *dims, mfd_deep **out)
{
    *out = NULL;
    if (depth < 2 || depth > MFD_DEEP_MAX_DEPTH || (field != MFD_REAL && field != MFD_COMPLEX))
        return MFD_EINVAL;
    for (int j = 0; j <= depth; j++)
        if (dims[j] < 1 || dims[j] > 65536)
            return dims[j] < 1 ? MFD_EINVAL : MFD_ERANGE;
    mfd_deep *m = calloc(1, sizeof *m);
    if (!m)
        return MFD_ENOMEM;
    m->field = field;
    m->depth = depth;
    for (int j = 0; j <= depth; j++)
        m->dims[j] = dims[j];
    size_t w = mfd_field_width(field), d0 = dims[0], total = 0, ptotal = 0, dtotal = 0, tmax = 0;
    for (int j = 1; j <= depth; j++) {
        m->off[j - 1] = total;
        total += layer_doubles(m, j);
    }
    m->off[depth] = total;
    for (int j = 2; j <= depth; j++) {
        m->poff[j] = ptotal;
        ptotal += w * dims[j] * d0;
    }
    for (int j = 1; j < depth; j++) {
        m->doff[j] = dtotal;
        dtotal += w * dims[j] * dims[j];
        if (dims[j] * d0 > tmax)
            tmax = dims[j] * d0;
    }
    m->w = calloc(total + MFD_MAT_PAD, sizeof(double));
    m->grad = calloc(total + MFD_MAT_PAD, sizeof(double));
    m->prefix = calloc(ptotal + MFD_MAT_PAD, sizeof(double));
    m->delta = calloc(dtotal + MFD_MAT_PAD, sizeof(double));
    m->tbuf[0] = calloc(w * tmax + MFD_MAT_PAD, sizeof(double));
    m->tbuf[1] = calloc(w * tmax + MFD_MAT_PAD, sizeof(double));
    mfd_status st = MFD_ENOMEM;
    if (!m->w || !m->grad || !m->prefix || !m->delta || !m->tbuf[0] || !m->tbuf[1])
        goto free_model;
    if ((st = mfd_mat_alloc(field, dims[depth], d0, &m->target)) != MFD_OK)
        goto free_model;
    if ((st = mfd_mat_alloc(field, dims[depth], d0, &m->resid)) != MFD_OK)
        goto free_model;
    *out = m;
    return MFD_OK;
free_model:
    mfd_deep_free(m);
    return st;
}

void mfd_deep_free(mfd_deep *m)
{
    if (!m)
        return;
    free(m->w);
    free(m->grad);
    free(m->grad_ori);
    free(m->prefix);
    free(m->delta);
    free(m->tbuf[0]);
    free(m->tbuf[1]);
    mfd_mat_free(&m->target);
    mfd_mat_free(&m->resid);
    free(m->mask);
    free(m);
}

mfd_status mfd_deep_set_mask(mfd_deep *m, const unsigned char *mask)
{
    free(m->mask);
    m->mask = NULL;
    if (!mask)
        return MFD_OK;
    size_t n = m->dims[m->depth] * m->dims[0];
    if (!(m->mask = malloc(n)))
        return MFD_ENOMEM;
    memcpy(m->mask, mask, n);
    mfd_mat T = m->target;
    size_t w = T.field == MFD_COMPLEX ? 2 : 1;
    double s = 0.0;
    for (size_t j = 0; j < T.cols; j++)
        for (size_t i = 0; i < T.rows * w; i++)
            if (!mask[j * T.rows + i / w])
                s += T.data[w * j * T.ld + i] * T.data[w * j * T.ld + i];
    m->test_norm = sqrt(s);
    return MFD_OK;
}

/* Split the residual's energy into observed and unobserved entries and zero
 * the unobserved ones (the gradients then see P_Ω(W − Σ) only). */
static void apply_mask(mfd_deep *m)
{
    mfd_mat R = m->resid;
    size_t w = R.field == MFD_COMPLEX ? 2 : 1;
    double obs = 0.0, test = 0.0;
    /* selects rather than branches (the mask is random: a branch mispredicts
     * on a good part of the entries); adding 0.0 leaves a sum's bits as
     * they are, so the sums are those of the branches, in the same order */
    for (size_t j = 0; j < R.cols; j++) {
        double *col = R.data + w * j * R.ld;
        const unsigned char *f = m->mask + j * R.rows;
        for (size_t i = 0; i < R.rows * w; i++) {
            double e = col[i] * col[i];
            bool seen = f[w == 1 ? i : i / 2] != 0;
            obs += seen ? e : 0.0;
            test += seen ? 0.0 : e;
            col[i] = seen ? col[i] : 0.0;
        }
    }
    m->loss_ori = 0.5 * obs;
    m->loss_test = 0.5 * test;
}

mfd_status mfd_deep_keep_grad_ori(mfd_deep *m)
{
    if (!m->grad_ori && !(m->grad_ori = calloc(mfd_deep_ndoubles(m) + MFD_MAT_PAD, sizeof(double))))
        return MFD_ENOMEM;
    return MFD_OK;
}

bool mfd_deep_is_square(const mfd_deep *m)
{
    for (int j = 1; j <= m->depth; j++)
        if (m->dims[j] != m->dims[0])
            return false;
    return true;
}

mfd_mat mfd_deep_layer(const mfd_deep *m, int j)
{
    return mfd_mat_view(m->w + m->off[j - 1], m->field, m->dims[j], m->dims[j - 1], m->dims[j]);
}

mfd_mat mfd_deep_grad(const mfd_deep *m, int j)
{
    return mfd_mat_view(m->grad + m->off[j - 1], m->field, m->dims[j], m->dims[j - 1], m->dims[j]);
}

/* P_j = W_j ⋯ W_1 (P_1 is W_1 itself). */
static mfd_mat prefix(const mfd_deep *m, int j)
{
    if (j == 1)
        return mfd_deep_layer(m, 1);
    return mfd_mat_view(m->prefix + m->poff[j], m->field, m->dims[j], m->dims[0], m->dims[j]);
}

mfd_mat mfd_deep_product(const mfd_deep *m) { return prefix(m, m->depth); }

mfd_mat mfd_deep_delta(const mfd_deep *m, int j)
{
    return mfd_mat_view(m->delta + m->doff[j], m->field, m->dims[j], m->dims[j], m->dims[j]);
}

size_t mfd_deep_ndoubles(const mfd_deep *m) { return m->off[m->depth]; }

mfd_status mfd_deep_imbalance(mfd_deep *m)
{
    for (int j = 1; j < m->depth; j++) {
        mfd_mat D = mfd_deep_delta(m, j), Wj = mfd_deep_layer(m, j), Wn = mfd_deep_layer(m, j + 1);
        MFD_CHECK(mfd_la_gemm('N', 'C', 1.0, Wj, Wj, 0.0, D));
        MFD_CHECK(mfd_la_gemm('C', 'N', -1.0, Wn, Wn, 1.0, D));
    }
    return MFD_OK;
}

mfd_status mfd_deep_loss(mfd_deep *m)
{
    int N = m->depth;
    for (int j = 2; j <= N; j++)
        MFD_CHECK(mfd_la_gemm('N', 'N', 1.0, mfd_deep_layer(m, j), prefix(m, j - 1), 0.0, prefix(m, j)));
    m->loss_ori = 0.5 * mfd_mat_sub_norm2(prefix(m, N), m->target, m->resid);
    m->loss_test = 0.0;
    if (m->mask)
        apply_mask(m);
    m->loss_reg = 0.0;
    if (m->a > 0) {
        MFD_CHECK(mfd_deep_imbalance(m));
        double s = 0.0;
        for (int j = 1; j < N; j++)
            s += mfd_mat_norm2(mfd_deep_delta(m, j));
        m->loss_reg = 0.25 * m->a * s;
    }
    return MFD_OK;
}

mfd_status mfd_deep_eval(mfd_deep *m)
{
    MFD_CHECK(mfd_deep_loss(m));
    int N = m->depth;
    size_t d0 = m->dims[0];
    /* T_j = (W_N ⋯ W_{j+1})ᴴ (W − Σ), from T_N = W − Σ downwards; then
     * ∇_j = T_j P_{j−1}ᴴ, and T_1 is ∇_1 itself. */
    mfd_mat T = m->resid;
    for (int j = N; j >= 2; j--) {
        MFD_CHECK(mfd_la_gemm('N', 'C', 1.0, T, prefix(m, j - 1), 0.0, mfd_deep_grad(m, j)));
        mfd_mat next = j == 2 ? mfd_deep_grad(m, 1)
                              : mfd_mat_view(m->tbuf[j % 2], m->field, m->dims[j - 1], d0, m->dims[j - 1]);
        MFD_CHECK(mfd_la_gemm('C', 'N', 1.0, mfd_deep_layer(m, j), T, 0.0, next));
        T = next;
    }
    if (m->grad_ori)
        memcpy(m->grad_ori, m->grad, mfd_deep_ndoubles(m) * sizeof(double));
    if (m->a > 0) {
        for (int j = 1; j <= N; j++) {
            mfd_mat G = mfd_deep_grad(m, j), Wj = mfd_deep_layer(m, j);
            if (j < N)
                MFD_CHECK(mfd_la_gemm('N', 'N', m->a, mfd_deep_delta(m, j), Wj, 1.0, G));
            if (j > 1)
                MFD_CHECK(mfd_la_gemm('N', 'N', -m->a, Wj, mfd_deep_delta(m, j - 1), 1.0, G));
        }
    }
    return MFD_OK;
}

double mfd_deep_test_err(const mfd_deep *m) { return m->mask ? sqrt(2.0 * m->loss_test) / m->test_norm : NAN; }

/* A plain loop rather than BLAS daxpy: it vectorizes, and at small d the
 * call (and OpenBLAS's thread hand-off) would cost more than the update. */
void mfd_deep_update(mfd_deep *m, double eta)
{
    double *restrict w = m->w;
    const double *restrict g = m->grad;
    for (size_t i = 0, n = mfd_deep_ndoubles(m); i < n; i++)
        w[i] -= eta * g[i];
}

void mfd_deep_set_layers(mfd_deep *m, const double *block)
{
    memcpy(m->w, block, mfd_deep_ndoubles(m) * sizeof(double));
}
