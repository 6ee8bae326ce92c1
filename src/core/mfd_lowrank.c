#include "mfd_lowrank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_rng.h"
#include "mfd_sensbatch.h"
#include "mfd_senseinit.h"

const mfd_param_word mfd_lowrank_op_words[] = {
    {"auto", MFD_LOWRANK_OP_AUTO},
    {"identity", MFD_LOWRANK_OP_IDENTITY},
    {"gaussian", MFD_LOWRANK_OP_GAUSSIAN},
    {"gaussian_sym", MFD_LOWRANK_OP_GAUSSIAN_SYM},
    {"gaussian_otf", MFD_LOWRANK_OP_GAUSSIAN_OTF},
    {"gaussian_sym_otf", MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF},
    {"file", MFD_LOWRANK_OP_FILE},
    {"mask", MFD_LOWRANK_OP_MASK},
};
const size_t mfd_lowrank_op_nwords = sizeof mfd_lowrank_op_words / sizeof *mfd_lowrank_op_words;

const mfd_param_word mfd_lowrank_init_words[] = {
    {"small", MFD_LOWRANK_INIT_SMALL},       {"spectral", MFD_LOWRANK_INIT_SPECTRAL},
    {"balanced", MFD_LOWRANK_INIT_BALANCED}, {"same", MFD_LOWRANK_INIT_SAME},
    {"scaled", MFD_LOWRANK_INIT_SCALED},     {"file", MFD_LOWRANK_INIT_FILE},
};
const size_t mfd_lowrank_init_nwords = sizeof mfd_lowrank_init_words / sizeof *mfd_lowrank_init_words;

const mfd_param_word mfd_lowrank_outlier_words[] = {{"uniform", MFD_LOWRANK_OUTLIERS_UNIFORM},
                                                    {"tmc21", MFD_LOWRANK_OUTLIERS_TMC21}};
const size_t mfd_lowrank_outlier_nwords = sizeof mfd_lowrank_outlier_words / sizeof *mfd_lowrank_outlier_words;

const mfd_param_word mfd_lowrank_noise_words[] = {{"snr", MFD_LOWRANK_NOISE_SNR}, {"tmc21", MFD_LOWRANK_NOISE_TMC21}};
const size_t mfd_lowrank_noise_nwords = sizeof mfd_lowrank_noise_words / sizeof *mfd_lowrank_noise_words;

static const char *word(const mfd_param_word *words, size_t n, int value)
{
    for (size_t i = 0; i < n; i++)
        if (words[i].value == value)
            return words[i].name;
    return "";
}

const char *mfd_lowrank_op_name(mfd_lowrank_op op)
{
    return word(mfd_lowrank_op_words, mfd_lowrank_op_nwords, (int)op);
}

mfd_sensop_kind mfd_lowrank_op_kind(mfd_lowrank_op op)
{
    switch (op) {
    case MFD_LOWRANK_OP_IDENTITY: return MFD_SENSOP_IDENTITY;
    case MFD_LOWRANK_OP_GAUSSIAN_OTF:
    case MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF: return MFD_SENSOP_GAUSSIAN_OTF;
    case MFD_LOWRANK_OP_MASK: return MFD_SENSOP_MASK;
    default: return MFD_SENSOP_DENSE;
    }
}

void mfd_lowrank_get_dims(const mfd_lowrank_params *p, mfd_lowrank_dims *d)
{
    d->op = p->op == MFD_LOWRANK_OP_AUTO ? (p->symmetric ? MFD_LOWRANK_OP_GAUSSIAN_SYM : MFD_LOWRANK_OP_GAUSSIAN)
                                         : p->op;
    d->n1 = (size_t)(p->n1 > 0 ? p->n1 : p->n);
    d->n2 = (size_t)(p->n2 > 0 ? p->n2 : p->n);
    if (p->target.data) {
        d->n1 = p->target.rows;
        d->n2 = p->target.cols;
    }
    d->k = p->f0.data ? p->f0.cols : (size_t)p->k;
    d->r = p->spectrum.n > 0 ? p->spectrum.n : (size_t)p->r;
    if (d->op == MFD_LOWRANK_OP_FILE)
        d->m = p->op_m;
    else if (d->op == MFD_LOWRANK_OP_IDENTITY)
        d->m = d->n1 * d->n2;
    else if (d->op == MFD_LOWRANK_OP_MASK)
        d->m = 0;
    else
        d->m = (size_t)(p->m > 0 ? p->m : 5 * (long)(d->n1 > d->n2 ? d->n1 : d->n2) * (long)d->r);
}

static bool is_real_matrix(mfd_mat a, size_t rows, size_t cols)
{
    return a.field == MFD_REAL && a.rows == rows && a.cols == cols;
}

mfd_status mfd_lowrank_check(const mfd_lowrank_params *p, char *msg, size_t len)
{
    bool sym = p->symmetric;
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(p, &d);
    size_t mn = d.n1 < d.n2 ? d.n1 : d.n2;
    if (sym && (p->init == MFD_LOWRANK_INIT_BALANCED || p->init == MFD_LOWRANK_INIT_SAME ||
                p->init == MFD_LOWRANK_INIT_SCALED))
        return mfd_status_invalid(msg, len, "key 'init': '%s' is for the asymmetric model",
                    word(mfd_lowrank_init_words, mfd_lowrank_init_nwords, (int)p->init));
    if (sym && (p->n1 > 0 || p->n2 > 0))
        return mfd_status_invalid(msg, len, "keys 'n1' and 'n2' are for the asymmetric model; the symmetric one takes n");
    if (d.n1 < 1 || d.n2 < 1 || d.k < 1 || d.r < 1)
        return mfd_status_invalid(msg, len, "the sizes n1 = %zu, n2 = %zu, k = %zu, r = %zu must be at least 1", d.n1, d.n2, d.k,
                    d.r);
    if (p->target.data && p->target.field != MFD_REAL)
        return mfd_status_invalid(msg, len, "the given ground truth must be real");
    if (p->target.data && p->spectrum_scale > 0 && p->spectrum_scale != 1)
        return mfd_status_invalid(msg, len, "key 'spectrum_scale': %g scales a drawn truth; the given ground truth is used "
                                  "as it is", p->spectrum_scale);
    if (sym && d.n1 != d.n2)
        return mfd_status_invalid(msg, len, "the symmetric model needs a square ground truth, not %zu x %zu", d.n1, d.n2);
    if (p->same_basis && d.n1 != d.n2)
        return mfd_status_invalid(msg, len, "key 'same_basis': V* = U* needs a square ground truth, not %zu x %zu", d.n1, d.n2);
    if ((d.op == MFD_LOWRANK_OP_FILE) != (p->op_block != NULL))
        return mfd_status_invalid(msg, len, "key 'operator': 'file' and the given operator matrices go together");
    if (d.op == MFD_LOWRANK_OP_IDENTITY && p->m != 0 && (size_t)p->m != d.n1 * d.n2)
        return mfd_status_invalid(msg, len, "key 'm': the identity operator takes m = n1 n2 = %zu (or 0)", d.n1 * d.n2);
    if ((p->init == MFD_LOWRANK_INIT_FILE) != (p->f0.data != NULL) ||
        (p->init == MFD_LOWRANK_INIT_FILE && !sym && !p->g0.data))
        return mfd_status_invalid(msg, len, "key 'init': 'file' and the given initial factors go together");
    if (p->f0.data && !is_real_matrix(p->f0, d.n1, d.k))
        return mfd_status_invalid(msg, len, "the initial F must be a real %zu x k matrix, not %zu x %zu", d.n1, p->f0.rows,
                    p->f0.cols);
    if (p->f0.data && !sym && !is_real_matrix(p->g0, d.n2, d.k))
        return mfd_status_invalid(msg, len, "the initial G must be a real %zu x %zu matrix, not %zu x %zu", d.n2, d.k, p->g0.rows,
                    p->g0.cols);
    if (d.r > mn || d.k > mn)
        return mfd_status_invalid(msg, len, "keys 'r' and 'k' must be at most min(n1, n2) = %zu", mn);
    if (p->y && !p->target.data)
        return mfd_status_invalid(msg, len, "given measurements need the given ground truth (rel_err is measured against it)");
    if (p->y && d.op == MFD_LOWRANK_OP_MASK)
        return mfd_status_invalid(msg, len, "given measurements need the given operator: completion draws its own mask");
    if (p->y && p->y_len != d.m)
        return mfd_status_invalid(msg, len, "%zu measurements are given for the operator's m = %zu", p->y_len, d.m);
    if ((d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM || d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF) && d.n1 != d.n2)
        return mfd_status_invalid(msg, len, "key 'operator': %s needs a square ground truth, not %zu x %zu",
                    mfd_lowrank_op_name(d.op), d.n1, d.n2);
    if (p->sparse && (d.op != MFD_LOWRANK_OP_MASK || sym))
        return mfd_status_invalid(msg, len, "key 'sparse': the sparse path is for asymmetric matrix completion");
    if (p->sparse && d.k + d.r > mn)
        return mfd_status_invalid(msg, len, "key 'sparse': the sparse path needs k + r <= min(n1, n2) = %zu", mn);
    if (p->outlier_frac > 0 && (d.op != MFD_LOWRANK_OP_IDENTITY || sym))
        return mfd_status_invalid(msg, len, "outliers (robust PCA) need the identity operator and the asymmetric model");
    if (p->rpca_init_alpha > 0 && !(p->outlier_frac > 0))
        return mfd_status_invalid(msg, len, "key 'rpca_init_alpha': %g is the spectral init's projection level in robust "
                                  "PCA; there are no outliers here", p->rpca_init_alpha);
    if (!(p->rpca_init_alpha >= 0 && p->rpca_init_alpha <= 1))
        return mfd_status_invalid(msg, len, "key 'rpca_init_alpha': %g is out of range; expected a fraction in [0, 1]",
                                  p->rpca_init_alpha);
    if (d.op == MFD_LOWRANK_OP_GAUSSIAN || d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM) {
        bool packed = d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM; /* stores the upper triangles (mfd_sensop.h) */
        size_t bytes = mfd_sensop_dense_bytes(d.m, d.n1, d.n2, packed);
        char what[128];
        if (packed)
            snprintf(what, sizeof what, "m n (n + 1)/2 = %zu x %zu doubles", d.m, mfd_sensop_nent(d.n1, d.n2, true));
        else
            snprintf(what, sizeof what, "m n1 n2 = %zu x %zu x %zu doubles", d.m, d.n1, d.n2);
        if (bytes == 0 || (double)bytes > p->mem_limit)
            return mfd_status_invalid(msg, len,
                        "key 'operator': the dense operator %s needs %.0f bytes (%s) but mem_limit is %.0f bytes; "
                        "use operator=%s, which regenerates each A_k and stores nothing, or raise mem_limit",
                        mfd_lowrank_op_name(d.op), bytes ? (double)bytes : INFINITY, what, p->mem_limit,
                        packed ? "gaussian_sym_otf" : "gaussian_otf");
    }
    return MFD_OK;
}

/* Robust PCA outliers S*, added to y (the identity operator: y = vec(M*)),
 * and the fraction of entries they touch.  uniform: each entry independently
 * nonzero with probability outlier_frac, uniform in [−c, c], c =
 * outlier_scale × mean |M*_ij|.  tmc21: S* = T_α(G), G iid N(0, 1), α =
 * outlier_frac, as RPCA.m L17: the entries of G large in both their row and
 * their column, so slightly fewer than α of them (0.0946 at n = 1000, α =
 * 0.1), and about 2 in size where M*'s entries are about 1/n. */
static mfd_status add_outliers(const mfd_lowrank_params *p, mfd_lowrank *lr, mfd_mat M, double *y)
{
    size_t nn = M.rows * M.cols, nnz = 0;
    mfd_rng rng;
    mfd_rng_init(&rng, p->seed, MFD_STREAM_OUTLIER);
    if (p->outlier_model == MFD_LOWRANK_OUTLIERS_TMC21) {
        mfd_mat G;
        mfd_rpca *proj;
        MFD_CHECK(mfd_mat_alloc(MFD_REAL, M.rows, M.cols, &G));
        mfd_status st = mfd_rpca_alloc(M.rows, M.cols, p->outlier_frac, &proj);
        if (st != MFD_OK) {
            mfd_mat_free(&G);
            return st;
        }
        for (size_t j = 0; j < M.cols; j++)
            for (size_t i = 0; i < M.rows; i++)
                *mfd_mat_at(G, i, j) = mfd_rng_gaussian(&rng);
        mfd_rpca_project(proj, G, G);
        for (size_t j = 0; j < M.cols; j++)
            for (size_t i = 0; i < M.rows; i++) {
                double v = *mfd_mat_at(G, i, j);
                y[i + j * M.rows] += v;
                nnz += v != 0;
            }
        mfd_rpca_free(proj);
        mfd_mat_free(&G);
    } else {
        double mean = 0;
        for (size_t i = 0; i < nn; i++)
            mean += fabs(M.data[i]);
        mean /= (double)nn;
        double c = p->outlier_scale * mean;
        for (size_t i = 0; i < nn; i++)
            if (mfd_rng_uniform(&rng) < p->outlier_frac) {
                y[i] += c * (2 * mfd_rng_uniform(&rng) - 1);
                nnz++;
            }
    }
    lr->outlier_density = (double)nnz / (double)nn;
    return MFD_OK;
}

/* M* into target, with its factors and σ₁. */
static mfd_status make_truth(const mfd_lowrank_params *p, mfd_lowrank *lr, mfd_mat target, double *s)
{
    mfd_rng rng;
    mfd_status st;
    if (p->target.data) {
        mfd_mat_copy(target, p->target);
        st = mfd_senseinit_top(target, lr->r, lr->Ustar, s, lr->Vstar);
    } else {
        if (p->spectrum.n > 0)
            memcpy(s, p->spectrum.v, lr->r * sizeof(double));
        else
            mfd_senseinit_spectrum(s, lr->r, p->kappa);
        if (p->spectrum_scale > 0)
            for (size_t i = 0; i < lr->r; i++)
                s[i] *= p->spectrum_scale;
        mfd_rng_init(&rng, p->seed, MFD_STREAM_TARGET);
        st = mfd_senseinit_truth(&rng, p->basis, p->symmetric || p->same_basis, s, lr->r, target,
                                 lr->Ustar, lr->Vstar);
    }
    if (st != MFD_OK)
        return st;
    lr->sigma1 = s[0];
    lr->sigma_r = s[lr->r - 1];
    lr->target_fro = sqrt(mfd_mat_norm2(target));
    mfd_mat_copy(lr->USstar, lr->Ustar);
    for (size_t i = 0; i < lr->r; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(lr->USstar, 0, i), MFD_REAL, lr->n1, 1, lr->n1), s[i]);
    return MFD_OK;
}

uint64_t mfd_lowrank_op_seed(const mfd_lowrank_params *p) { return p->has_op_seed ? p->op_seed : p->seed; }

static bool is_gaussian(mfd_lowrank_op op)
{
    return op == MFD_LOWRANK_OP_GAUSSIAN || op == MFD_LOWRANK_OP_GAUSSIAN_SYM || op == MFD_LOWRANK_OP_GAUSSIAN_OTF ||
           op == MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF;
}

bool mfd_lowrank_op_matches(const mfd_lowrank_params *p, const mfd_sensop *op)
{
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(p, &d);
    if (!op || !is_gaussian(d.op))
        return false;
    bool otf = d.op == MFD_LOWRANK_OP_GAUSSIAN_OTF || d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF;
    bool sym = d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM || d.op == MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF;
    return op->kind == (otf ? MFD_SENSOP_GAUSSIAN_OTF : MFD_SENSOP_DENSE) && op->symmetrized == sym &&
           op->m == d.m && op->n1 == d.n1 && op->n2 == d.n2 && op->seed == mfd_lowrank_op_seed(p) &&
           (otf || op->block != NULL);
}

mfd_sensop *mfd_lowrank_release_op(mfd_lowrank *lr)
{
    if (lr->op_borrowed || !is_gaussian(lr->op_type))
        return NULL;
    lr->op_borrowed = true;
    return lr->op;
}

static mfd_status make_operator(const mfd_lowrank_params *p, mfd_lowrank *lr)
{
    mfd_lowrank_op op = lr->op_type;
    uint64_t seed = mfd_lowrank_op_seed(p);
    if (p->shared_op && mfd_lowrank_op_matches(p, p->shared_op)) { /* one copy for the runs that share it */
        lr->op = (mfd_sensop *)p->shared_op;
        lr->op_borrowed = true;
        return MFD_OK;
    }
    switch (op) {
    case MFD_LOWRANK_OP_IDENTITY: return mfd_sensop_identity(lr->n1, lr->n2, &lr->op);
    case MFD_LOWRANK_OP_GAUSSIAN:
    case MFD_LOWRANK_OP_GAUSSIAN_SYM:
        return mfd_sensop_gaussian(lr->m, lr->n1, lr->n2, op == MFD_LOWRANK_OP_GAUSSIAN_SYM, seed, &lr->op);
    case MFD_LOWRANK_OP_GAUSSIAN_OTF:
    case MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF:
        return mfd_sensop_gaussian_otf(lr->m, lr->n1, lr->n2, op == MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF, seed, &lr->op);
    case MFD_LOWRANK_OP_MASK:
        MFD_CHECK(mfd_sensop_mask(lr->n1, lr->n2, p->p, seed, &lr->op));
        lr->m = lr->op->m;
        return MFD_OK;
    default: return mfd_sensop_from_block(lr->m, lr->n1, lr->n2, p->op_block, &lr->op);
    }
}

/* The standard deviation of the noise on each measurement y_k = A(M*)_k.
 * snr: rms(A(M*))·10^(−snr_db/20).  tmc21: ‖M*‖_F/(n·10^(snr_db/20)) on
 * each entry of M*, n = √(n1 n2) (square in [TMC21]); a mask measures
 * entries scaled by 1/√p (mfd_sensop.h), so its y_k carry that noise / √p. */
static double noise_std(const mfd_lowrank_params *p, const mfd_lowrank *lr)
{
    double snr = pow(10.0, p->snr_db / 20.0);
    if (p->noise_model == MFD_LOWRANK_NOISE_TMC21) {
        double per_entry = lr->target_fro / (sqrt((double)lr->n1 * (double)lr->n2) * snr);
        return lr->op->kind == MFD_SENSOP_MASK ? per_entry * lr->op->scale : per_entry;
    }
    double ny = 0;
    for (size_t i = 0; i < lr->m; i++)
        ny += lr->y[i] * lr->y[i];
    return sqrt(ny / (double)lr->m) / snr;
}

/* y = A(M* [+ S*]) + noise at the given SNR, or the given y. */
static mfd_status make_measurements(const mfd_lowrank_params *p, mfd_lowrank *lr, mfd_mat target)
{
    lr->y = malloc(lr->m * sizeof(double));
    if (!lr->y)
        return MFD_ENOMEM;
    lr->noise_std = 0;
    lr->outlier_density = NAN;
    if (p->y) {
        memcpy(lr->y, p->y, lr->m * sizeof(double));
        return MFD_OK;
    }
    if (mfd_sensbatch_serves(lr->op) && target.ld == target.rows) {
        /* in the batched map's order: stored and on-the-fly operators give the same y */
        double *row = lr->op->kind == MFD_SENSOP_GAUSSIAN_OTF ? malloc(lr->n1 * lr->n2 * sizeof(double)) : NULL;
        mfd_status st = lr->op->kind == MFD_SENSOP_GAUSSIAN_OTF && !row
                            ? MFD_ENOMEM
                            : mfd_sensbatch_apply(lr->op, target.data, lr->y, row);
        free(row);
        MFD_CHECK(st);
    } else {
        MFD_CHECK(mfd_sensop_apply(lr->op, target, lr->y));
    }
    if (isfinite(p->snr_db)) {
        lr->noise_std = noise_std(p, lr);
        mfd_rng rng;
        mfd_rng_init(&rng, p->seed, MFD_STREAM_NOISE);
        for (size_t i = 0; i < lr->m; i++)
            lr->y[i] += lr->noise_std * mfd_rng_gaussian(&rng);
    }
    if (p->outlier_frac > 0)
        return add_outliers(p, lr, target, lr->y);
    return MFD_OK;
}

/* The model with its options: robust PCA, the sparse path. */
static mfd_status make_model(const mfd_lowrank_params *p, mfd_lowrank *lr, mfd_mat target)
{
    MFD_CHECK(mfd_sense_alloc(p->symmetric, lr->n1, lr->n2, lr->k, lr->op, lr->y, &lr->s));
    MFD_CHECK(mfd_sense_set_target(lr->s, target));
    if (p->outlier_frac > 0) {
        /* the projection keeps twice the outlier fraction by default: exactly
         * the fraction leaves the rows and columns with more outliers than
         * average biased (measured: a 4.7% error floor at n = 200, 10%) */
        double alpha = p->rpca_alpha > 0 ? p->rpca_alpha : fmin(1.0, 2 * p->outlier_frac);
        MFD_CHECK(mfd_rpca_alloc(lr->n1, lr->n2, alpha, &lr->rpca));
        MFD_CHECK(mfd_sense_set_robust(lr->s, lr->rpca));
        lr->rpca_alpha = alpha;
        lr->rpca_init_alpha = p->rpca_init_alpha > 0 ? p->rpca_init_alpha : alpha;
        if (lr->rpca_init_alpha != alpha)
            MFD_CHECK(mfd_rpca_alloc(lr->n1, lr->n2, lr->rpca_init_alpha, &lr->rpca_init));
    }
    if (p->sparse)
        MFD_CHECK(mfd_sense_set_sparse(lr->s, lr->USstar, lr->Vstar));
    return MFD_OK;
}

/* The initial factors, P7's gauge, and their copies. */
static mfd_status make_init(const mfd_lowrank_params *p, mfd_lowrank *lr)
{
    mfd_sense *s = lr->s;
    mfd_status st = MFD_OK;
    mfd_rng rng;
    mfd_rng_init(&rng, p->seed, MFD_STREAM_INIT);
    lr->init_dev_op = NAN;
    switch (p->init) {
    case MFD_LOWRANK_INIT_SMALL: mfd_senseinit_small(s, &rng, p->alpha, p->g_ratio, p->init_per_sqrt_n != 0); break;
    case MFD_LOWRANK_INIT_SPECTRAL: st = mfd_senseinit_spectral(s, lr->rpca_init, &lr->init_dev_op); break;
    case MFD_LOWRANK_INIT_BALANCED: st = mfd_senseinit_balanced(s, &rng, p->alpha, p->init_per_sqrt_n != 0); break;
    case MFD_LOWRANK_INIT_SAME:
    case MFD_LOWRANK_INIT_SCALED: /* G0 = F0, or g_ratio F0: imbalance (1 - g_ratio^2) F0^T F0 */
        mfd_senseinit_small(s, &rng, p->alpha, 1.0, p->init_per_sqrt_n != 0);
        st = mfd_mat_copy(s->G, s->F);
        if (p->init == MFD_LOWRANK_INIT_SCALED)
            mfd_mat_scale(s->G, p->g_ratio);
        break;
    default:
        mfd_mat_copy(s->F, p->f0);
        if (!p->symmetric)
            mfd_mat_copy(s->G, p->g0);
        break;
    }
    if (st == MFD_OK && p->gauge_cond > 1 && !p->symmetric)
        st = mfd_senseinit_gauge(s, &rng, p->gauge_cond);
    if (st != MFD_OK)
        return st;
    lr->f0_norm = sqrt(mfd_mat_norm2(s->F));
    lr->g0_norm = sqrt(mfd_mat_norm2(s->G));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, lr->n1, lr->k, &lr->F0));
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, lr->n2, lr->k, &lr->G0));
    mfd_mat_copy(lr->F0, s->F);
    mfd_mat_copy(lr->G0, s->G);
    return MFD_OK;
}

mfd_status mfd_lowrank_build(const mfd_lowrank_params *p, mfd_lowrank **out)
{
    *out = NULL;
    if (mfd_lowrank_check(p, NULL, 0) != MFD_OK)
        return MFD_EINVAL;
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(p, &d);
    mfd_lowrank *lr = calloc(1, sizeof *lr);
    if (!lr)
        return MFD_ENOMEM;
    lr->n1 = d.n1;
    lr->n2 = d.n2;
    lr->k = d.k;
    lr->r = d.r;
    lr->m = d.m;
    lr->op_type = d.op;
    mfd_mat target;
    mfd_status st = mfd_mat_alloc(MFD_REAL, lr->n1, lr->n2, &target);
    if (st != MFD_OK) {
        free(lr);
        return st;
    }
    double *s = malloc(lr->r * sizeof(double));
    if (!s) {
        st = MFD_ENOMEM;
        goto done;
    }
    if ((st = mfd_mat_alloc(MFD_REAL, lr->n1, lr->r, &lr->Ustar)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, lr->n2, lr->r, &lr->Vstar)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, lr->n1, lr->r, &lr->USstar)) != MFD_OK ||
        (st = make_truth(p, lr, target, s)) != MFD_OK || (st = make_operator(p, lr)) != MFD_OK ||
        (st = make_measurements(p, lr, target)) != MFD_OK || (st = make_model(p, lr, target)) != MFD_OK)
        goto done;
    st = make_init(p, lr);
done:
    free(s);
    mfd_mat_free(&target);
    if (st != MFD_OK) {
        mfd_lowrank_free(lr);
        return st;
    }
    *out = lr;
    return MFD_OK;
}

void mfd_lowrank_free(mfd_lowrank *lr)
{
    if (!lr)
        return;
    mfd_sense_free(lr->s);
    if (!lr->op_borrowed)
        mfd_sensop_free(lr->op);
    mfd_rpca_free(lr->rpca);
    mfd_rpca_free(lr->rpca_init);
    free(lr->y);
    mfd_mat_free(&lr->Ustar);
    mfd_mat_free(&lr->Vstar);
    mfd_mat_free(&lr->USstar);
    mfd_mat_free(&lr->F0);
    mfd_mat_free(&lr->G0);
    free(lr);
}
