#include "mfd_deepprob.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deepinit.h"
#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_target.h"

const mfd_param_word mfd_deepprob_target_words[] = {
    {"identity", MFD_DEEPPROB_TARGET_IDENTITY}, {"haar", MFD_DEEPPROB_TARGET_HAAR},
    {"diag", MFD_DEEPPROB_TARGET_DIAG},         {"lowrank", MFD_DEEPPROB_TARGET_LOWRANK},
    {"sym_negative", MFD_DEEPPROB_TARGET_SYM_NEGATIVE}, {"file", MFD_DEEPPROB_TARGET_FILE},
};
const size_t mfd_deepprob_target_nwords = sizeof mfd_deepprob_target_words / sizeof *mfd_deepprob_target_words;

const mfd_param_word mfd_deepprob_init_words[] = {
    {"gaussian", MFD_DEEPPROB_INIT_GAUSSIAN},
    {"gaussian_achl", MFD_DEEPPROB_INIT_GAUSSIAN_ACHL},
    {"balanced_gaussian", MFD_DEEPPROB_INIT_BALANCED_GAUSSIAN},
    {"balanced_from_product", MFD_DEEPPROB_INIT_BALANCED_FROM_PRODUCT},
    {"identity", MFD_DEEPPROB_INIT_IDENTITY},
    {"orthogonal", MFD_DEEPPROB_INIT_ORTHOGONAL},
    {"decoupled", MFD_DEEPPROB_INIT_DECOUPLED},
    {"file", MFD_DEEPPROB_INIT_FILE},
};
const size_t mfd_deepprob_init_nwords = sizeof mfd_deepprob_init_words / sizeof *mfd_deepprob_init_words;

mfd_status mfd_deepprob_check(const mfd_deepprob_params *p, char *msg, size_t len)
{
    int N = p->depth;
    if (N < 2 || N > MFD_DEEP_MAX_DEPTH)
        return mfd_status_invalid(msg, len, "key 'depth': %d is out of range; expected an integer in [2, %d]", N, MFD_DEEP_MAX_DEPTH);
    bool square = true;
    for (int j = 0; j <= N; j++) {
        if (p->dims[j] < 1)
            return mfd_status_invalid(msg, len, "key 'widths': d_%d = 0; every width must be at least 1", j);
        square = square && p->dims[j] == p->dims[0];
    }
    size_t rows = p->dims[N], cols = p->dims[0], k = rows < cols ? rows : cols;
    if ((p->target == MFD_DEEPPROB_TARGET_FILE) != (p->target_given.data != NULL))
        return mfd_status_invalid(msg, len, "key 'target': 'file' and the given target go together");
    if (p->target_given.data && (p->target_given.rows != rows || p->target_given.cols != cols))
        return mfd_status_invalid(msg, len, "the given target is %zu x %zu; the layers need a %zu x %zu target",
                    p->target_given.rows, p->target_given.cols, rows, cols);
    if (p->target_given.data && p->target_given.field == MFD_COMPLEX && p->field == MFD_REAL)
        return mfd_status_invalid(msg, len, "the given target is complex but field=real");
    if ((p->init == MFD_DEEPPROB_INIT_FILE) != (p->layers != NULL) || (p->layers && !square))
        return mfd_status_invalid(msg, len, "key 'init': 'file' and given square layers go together");
    if (!square) {
        if (p->init != MFD_DEEPPROB_INIT_GAUSSIAN && p->init != MFD_DEEPPROB_INIT_GAUSSIAN_ACHL)
            return mfd_status_invalid(msg, len, "key 'init': the rectangular layers of 'widths' need init=gaussian or gaussian_achl");
        if (p->target == MFD_DEEPPROB_TARGET_HAAR || p->target == MFD_DEEPPROB_TARGET_SYM_NEGATIVE)
            return mfd_status_invalid(msg, len, "key 'target': haar and sym_negative need square layers");
    }
    if (p->target == MFD_DEEPPROB_TARGET_DIAG && p->target_diag.n != k)
        return mfd_status_invalid(msg, len, "key 'target_diag': %zu values; target=diag needs %zu", p->target_diag.n, k);
    if (p->target == MFD_DEEPPROB_TARGET_SYM_NEGATIVE && p->target_diag.n != 0 && p->target_diag.n != cols)
        return mfd_status_invalid(msg, len, "key 'target_diag': %zu values; target=sym_negative needs %zu eigenvalues",
                    p->target_diag.n, cols);
    if (p->target == MFD_DEEPPROB_TARGET_LOWRANK && (p->target_rank < 1 || (size_t)p->target_rank > k))
        return mfd_status_invalid(msg, len, "key 'target_rank': %ld is out of range; expected an integer in [1, %zu]", p->target_rank,
                    k);
    if (p->observed < 0 || (size_t)p->observed >= rows * cols)
        return mfd_status_invalid(msg, len, "key 'observed': %ld is out of range; expected fewer than the %zu entries of the target (0: all)",
                    p->observed, rows * cols);
    return MFD_OK;
}

static mfd_status make_target(const mfd_deepprob_params *p, mfd_deep *m)
{
    mfd_mat T = m->target;
    mfd_rng rng;
    mfd_rng_init(&rng, p->seed, MFD_STREAM_TARGET);
    switch (p->target) {
    case MFD_DEEPPROB_TARGET_IDENTITY: mfd_target_identity(T, p->sigma); return MFD_OK;
    case MFD_DEEPPROB_TARGET_HAAR: return mfd_target_haar(T, p->sigma, &rng);
    case MFD_DEEPPROB_TARGET_DIAG: return mfd_target_diag(T, p->target_diag.v, p->target_diag.n);
    case MFD_DEEPPROB_TARGET_LOWRANK: return mfd_target_lowrank(T, (size_t)p->target_rank, &rng);
    case MFD_DEEPPROB_TARGET_SYM_NEGATIVE: {
        size_t d = T.rows;
        double *lam = malloc(d * sizeof(double));
        if (!lam)
            return MFD_ENOMEM;
        for (size_t i = 0; i < d; i++)
            lam[i] = p->target_diag.n ? p->target_diag.v[i] : (i + 1 < d ? p->sigma : -p->sigma);
        mfd_status st = mfd_target_hermitian(T, lam, &rng);
        free(lam);
        return st;
    }
    case MFD_DEEPPROB_TARGET_FILE: {
        mfd_mat src = p->target_given;
        if (src.field == T.field)
            return mfd_mat_copy(T, src);
        mfd_mat_zero(T); /* a real file for a complex model */
        for (size_t j = 0; j < T.cols; j++)
            for (size_t i = 0; i < T.rows; i++)
                mfd_mat_at(T, i, j)[0] = mfd_mat_at(src, i, j)[0];
        return MFD_OK;
    }
    }
    return MFD_EINVAL;
}

/* observed > 0: a uniform draw of that many entries (a partial Fisher-Yates
 * shuffle on the mask stream), kept by the model. */
static mfd_status make_mask(const mfd_deepprob_params *p, mfd_deep *m)
{
    if (p->observed == 0)
        return MFD_OK;
    size_t n = m->target.rows * m->target.cols, k = (size_t)p->observed;
    size_t *idx = malloc(n * sizeof *idx);
    unsigned char *mask = calloc(n, 1);
    mfd_status st = idx && mask ? MFD_OK : MFD_ENOMEM;
    if (st == MFD_OK) {
        mfd_rng rng;
        mfd_rng_init(&rng, p->seed, MFD_STREAM_MASK);
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        for (size_t i = 0; i < k; i++) {
            size_t j = i + (size_t)(mfd_rng_uniform(&rng) * (double)(n - i));
            j = j < n ? j : n - 1;
            size_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            mask[idx[i]] = 1;
        }
        st = mfd_deep_set_mask(m, mask);
    }
    free(idx);
    free(mask);
    return st;
}

static mfd_status make_init(const mfd_deepprob_params *p, mfd_deep *m)
{
    mfd_rng rng;
    mfd_rng_init(&rng, p->seed, MFD_STREAM_INIT);
    switch (p->init) {
    case MFD_DEEPPROB_INIT_GAUSSIAN: mfd_deepinit_gaussian(m, &rng, p->eps); return MFD_OK;
    case MFD_DEEPPROB_INIT_GAUSSIAN_ACHL: mfd_deepinit_gaussian_achl(m, &rng, p->eps); return MFD_OK;
    case MFD_DEEPPROB_INIT_BALANCED_GAUSSIAN: return mfd_deepinit_balanced_gaussian(m, &rng, p->eps);
    case MFD_DEEPPROB_INIT_BALANCED_FROM_PRODUCT: {
        mfd_mat A;
        MFD_CHECK(mfd_mat_alloc(m->field, m->dims[0], m->dims[0], &A));
        mfd_random_gaussian(&rng, A, p->eps); /* A = init_shift * target + eps * G */
        mfd_status st = mfd_mat_axpy(p->init_shift, m->target, A);
        if (st == MFD_OK)
            st = mfd_deepinit_balanced_from_product(m, A);
        mfd_mat_free(&A);
        return st;
    }
    case MFD_DEEPPROB_INIT_IDENTITY: return mfd_deepinit_identity(m, p->eps);
    case MFD_DEEPPROB_INIT_ORTHOGONAL: return mfd_deepinit_orthogonal(m, &rng, p->eps);
    case MFD_DEEPPROB_INIT_DECOUPLED: return mfd_deepinit_decoupled(m, p->eps);
    case MFD_DEEPPROB_INIT_FILE: mfd_deep_set_layers(m, p->layers); return MFD_OK;
    }
    return MFD_EINVAL;
}

/* The target's singular values (for the mode times of D7) and
 * σ_min(Σ) − ‖W(0) − Σ‖_F, [ACGH19]'s deficiency margin (square layers). */
static mfd_status target_spectrum(mfd_deepprob *dp)
{
    mfd_deep *m = dp->m;
    size_t ns = m->target.rows < m->target.cols ? m->target.rows : m->target.cols;
    size_t big = m->target.rows > m->target.cols ? m->target.rows : m->target.cols;
    mfd_mat T;
    MFD_CHECK(mfd_mat_alloc(m->field, m->target.rows, m->target.cols, &T));
    dp->target_sv = malloc(ns * sizeof(double));
    mfd_la_ws ws;
    mfd_status st = dp->target_sv ? mfd_la_ws_alloc(m->field, big, &ws) : MFD_ENOMEM;
    if (st == MFD_OK) {
        mfd_mat_copy(T, m->target);
        st = mfd_la_svd(T, dp->target_sv, NULL, NULL, &ws);
        if (st == MFD_OK)
            st = mfd_deep_loss(m); /* L_ori at W(0) */
        if (st == MFD_OK) {
            dp->ntarget_sv = ns;
            dp->margin = mfd_deep_is_square(m) ? dp->target_sv[ns - 1] - sqrt(2.0 * m->loss_ori) : NAN;
        }
        mfd_la_ws_free(&ws);
    }
    mfd_mat_free(&T);
    return st;
}

mfd_status mfd_deepprob_build(const mfd_deepprob_params *p, mfd_deepprob **out)
{
    *out = NULL;
    if (mfd_deepprob_check(p, NULL, 0) != MFD_OK)
        return MFD_EINVAL;
    mfd_deepprob *dp = calloc(1, sizeof *dp);
    if (!dp)
        return MFD_ENOMEM;
    dp->margin = NAN;
    mfd_status st = mfd_deep_alloc(p->field, p->depth, p->dims, &dp->m);
    if (st == MFD_OK) {
        dp->m->a = p->a;
        st = make_target(p, dp->m);
    }
    if (st == MFD_OK)
        st = make_mask(p, dp->m);
    if (st == MFD_OK)
        st = make_init(p, dp->m);
    if (st == MFD_OK) {
        dp->w0 = malloc(mfd_deep_ndoubles(dp->m) * sizeof(double));
        if (!dp->w0)
            st = MFD_ENOMEM;
        else
            memcpy(dp->w0, dp->m->w, mfd_deep_ndoubles(dp->m) * sizeof(double));
    }
    if (st == MFD_OK)
        st = target_spectrum(dp);
    if (st != MFD_OK) {
        mfd_deepprob_free(dp);
        return st;
    }
    *out = dp;
    return MFD_OK;
}

void mfd_deepprob_free(mfd_deepprob *dp)
{
    if (!dp)
        return;
    mfd_deep_free(dp->m);
    free(dp->w0);
    free(dp->target_sv);
    free(dp);
}
