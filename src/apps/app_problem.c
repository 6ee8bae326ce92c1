#define _POSIX_C_SOURCE 200809L
#include "app_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_common.h"
#include "mfd_rng.h"
#include "mfd_senseinit.h"

const char *const app_problem_op_names[] = {"auto", "identity", "gaussian", "gaussian_sym", "gaussian_otf",
                                            "gaussian_sym_otf", "file", "mask"};

int app_problem_resolve(const char *prog, app_problem_params *pp, app_problem *pb, mfd_param_table t,
                        const bool *given, const app_problem_names *names)
{
    bool sym = pp->symmetric != 0;
    int code;
    if (pp->operator_file)
        pp->op = PROB_OP_FILE;
    const char *init_path = sym ? pp->x0_file : pp->f0_file;
    if (sym && (pp->f0_file || pp->g0_file))
        return app_usage_error(prog, "keys '%s' and '%s' are for the asymmetric model; the symmetric one takes x0_file",
                               names->f0_file, names->g0_file);
    if (!sym && pp->x0_file)
        return app_usage_error(prog, "key 'x0_file' is for the symmetric model; the asymmetric one takes %s and %s",
                               names->f0_file, names->g0_file);
    if (!sym && (pp->f0_file != NULL) != (pp->g0_file != NULL))
        return app_usage_error(prog, "keys '%s' and '%s' go together", names->f0_file, names->g0_file);
    if ((code = app_file_choice(prog, "init", app_given(t, given, "init"), &pp->init, PROB_INIT_FILE,
                                sym ? "x0_file" : names->f0_file, init_path)) != APP_EXIT_OK)
        return code;
    if (sym && (pp->init == PROB_INIT_BALANCED || pp->init == PROB_INIT_SAME || pp->init == PROB_INIT_SCALED))
        return app_usage_error(prog, "key 'init': '%s' is for the asymmetric model",
                               pp->init == PROB_INIT_BALANCED ? "balanced" : pp->init == PROB_INIT_SAME ? "same" : "scaled");
    if (pp->op == PROB_OP_AUTO)
        pp->op = sym ? PROB_OP_GAUSSIAN_SYM : PROB_OP_GAUSSIAN;
    /* sizes */
    pb->n1 = (size_t)(pp->n1 > 0 ? pp->n1 : pp->n);
    pb->n2 = (size_t)(pp->n2 > 0 ? pp->n2 : pp->n);
    if (sym && (pp->n1 > 0 || pp->n2 > 0))
        return app_usage_error(prog, "keys 'n1' and 'n2' are for the asymmetric model; the symmetric one takes n");
    if (pp->target_file) {
        if ((code = app_read_npy(prog, "target_file", pp->target_file, &pb->target_npy)) != APP_EXIT_OK)
            return code;
        const mfd_npy *a = &pb->target_npy;
        if (a->ndim != 2 || a->field != MFD_REAL)
            return app_usage_error(prog, "key 'target_file': '%s' must be a real 2-D array (n1, n2); it has %d axes",
                                   pp->target_file, a->ndim);
        if ((app_given(t, given, "n") || app_given(t, given, "n1") || app_given(t, given, "n2")) &&
            (a->shape[0] != pb->n1 || a->shape[1] != pb->n2))
            return app_usage_error(prog, "key 'target_file': '%s' is %zu x %zu, which disagrees with n, n1, n2",
                                   pp->target_file, a->shape[0], a->shape[1]);
        pb->n1 = a->shape[0];
        pb->n2 = a->shape[1];
    }
    if (sym && pb->n1 != pb->n2)
        return app_usage_error(prog, "the symmetric model needs a square ground truth, not %zu x %zu", pb->n1, pb->n2);
    if (pp->same_basis && pb->n1 != pb->n2)
        return app_usage_error(prog, "key 'same_basis': V* = U* needs a square ground truth, not %zu x %zu", pb->n1,
                               pb->n2);
    if (pp->operator_file) {
        if ((code = app_read_npy(prog, "operator_file", pp->operator_file, &pb->op_npy)) != APP_EXIT_OK)
            return code;
        const mfd_npy *o = &pb->op_npy;
        if (o->ndim != 3 || o->field != MFD_REAL || o->shape[1] != pb->n1 || o->shape[2] != pb->n2)
            return app_usage_error(prog, "key 'operator_file': '%s' must be a real (m, %zu, %zu) array",
                                   pp->operator_file, pb->n1, pb->n2);
        if (app_given(t, given, "m") && (size_t)pp->m != o->shape[0])
            return app_usage_error(prog, "key 'm' disagrees with operator_file '%s' (m = %zu)", pp->operator_file,
                                   o->shape[0]);
        pb->m = o->shape[0];
    } else if (pp->op == PROB_OP_IDENTITY) {
        if (app_given(t, given, "m") && pp->m != 0 && (size_t)pp->m != pb->n1 * pb->n2)
            return app_usage_error(prog, "key 'm': the identity operator takes m = n1 n2 = %zu (or 0)",
                                   pb->n1 * pb->n2);
        pb->m = pb->n1 * pb->n2;
    }
    pb->k = (size_t)pp->k;
    if (init_path) {
        const char *key = sym ? "x0_file" : names->f0_file;
        if ((code = app_read_npy(prog, key, init_path, &pb->x0_npy)) != APP_EXIT_OK)
            return code;
        if (pb->x0_npy.ndim != 2 || pb->x0_npy.field != MFD_REAL || pb->x0_npy.shape[0] != pb->n1)
            return app_usage_error(prog, "key '%s': '%s' must be a real (%zu, k) array", key, init_path, pb->n1);
        if (app_given(t, given, "k") && pb->x0_npy.shape[1] != pb->k)
            return app_usage_error(prog, "key 'k' disagrees with '%s' (k = %zu)", init_path, pb->x0_npy.shape[1]);
        pb->k = pb->x0_npy.shape[1];
        if (!sym) {
            if ((code = app_read_npy(prog, names->g0_file, pp->g0_file, &pb->g0_npy)) != APP_EXIT_OK)
                return code;
            if (pb->g0_npy.ndim != 2 || pb->g0_npy.field != MFD_REAL || pb->g0_npy.shape[0] != pb->n2 ||
                pb->g0_npy.shape[1] != pb->k)
                return app_usage_error(prog, "key '%s': '%s' must be a real (%zu, %zu) array", names->g0_file,
                                       pp->g0_file, pb->n2, pb->k);
        }
    }
    pb->r = (size_t)pp->r;
    if (pp->spectrum.n > 0) {
        if (app_given(t, given, "r") && pp->spectrum.n != pb->r)
            return app_usage_error(prog, "key 'spectrum': %zu values but r = %zu", pp->spectrum.n, pb->r);
        pb->r = pp->spectrum.n;
    }
    size_t mn = pb->n1 < pb->n2 ? pb->n1 : pb->n2;
    if (pb->r > mn || pb->k > mn)
        return app_usage_error(prog, "keys 'r' and 'k' must be at most min(n1, n2) = %zu", mn);
    if (pb->m == 0 && pp->op != PROB_OP_MASK)
        pb->m = (size_t)(pp->m > 0 ? pp->m : 5 * (long)(pb->n1 > pb->n2 ? pb->n1 : pb->n2) * (long)pb->r);
    if (pp->y_file) {
        if (!pp->target_file)
            return app_usage_error(prog, "key 'y_file' needs target_file (rel_err is measured against the ground truth)");
        if (pp->op == PROB_OP_MASK)
            return app_usage_error(prog, "key 'y_file': completion draws its own mask; give operator_file with y_file");
        if ((code = app_read_npy(prog, "y_file", pp->y_file, &pb->y_npy)) != APP_EXIT_OK)
            return code;
        if (pb->y_npy.ndim != 1 || pb->y_npy.field != MFD_REAL || pb->y_npy.shape[0] != pb->m)
            return app_usage_error(prog, "key 'y_file': '%s' must be a real vector of the operator's m = %zu entries",
                                   pp->y_file, pb->m);
    }
    if ((pp->op == PROB_OP_GAUSSIAN_SYM || pp->op == PROB_OP_GAUSSIAN_SYM_OTF) && pb->n1 != pb->n2)
        return app_usage_error(prog, "key 'operator': %s needs a square ground truth, not %zu x %zu",
                               app_problem_op_names[pp->op], pb->n1, pb->n2);
    if (pp->sparse && (pp->op != PROB_OP_MASK || sym))
        return app_usage_error(prog, "key 'sparse': the sparse path is for asymmetric matrix completion");
    if (pp->sparse && pb->k + pb->r > mn)
        return app_usage_error(prog, "key 'sparse': the sparse path needs k + r <= min(n1, n2) = %zu", mn);
    if (pp->outlier_frac > 0 && (pp->op != PROB_OP_IDENTITY || sym))
        return app_usage_error(prog, "outliers (robust PCA) need the identity operator and the asymmetric model");
    if (pp->mem_limit <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
        pp->mem_limit = pages > 0 && psize > 0 ? 0.5 * (double)pages * (double)psize : 1e9;
    }
    if (pp->op == PROB_OP_GAUSSIAN || pp->op == PROB_OP_GAUSSIAN_SYM) {
        size_t bytes = mfd_sensop_dense_bytes(pb->m, pb->n1, pb->n2);
        if (bytes == 0 || (double)bytes > pp->mem_limit)
            return app_usage_error(prog,
                                   "key 'operator': the dense operator %s needs %.0f bytes (m n1 n2 = %zu x %zu x %zu "
                                   "doubles) but mem_limit is %.0f bytes; use operator=%s, which regenerates each A_k "
                                   "and stores nothing, or raise mem_limit",
                                   app_problem_op_names[pp->op], bytes ? (double)bytes : INFINITY, pb->m, pb->n1,
                                   pb->n2, pp->mem_limit, pp->op == PROB_OP_GAUSSIAN ? "gaussian_otf" : "gaussian_sym_otf");
    }
    pp->m = (long)pb->m;
    pp->k = (long)pb->k;
    pp->r = (long)pb->r;
    pp->n = (long)pb->n1;
    if (!sym) {
        pp->n1 = (long)pb->n1;
        pp->n2 = (long)pb->n2;
    }
    return APP_EXIT_OK;
}

/* Robust PCA outliers S*: each entry independently nonzero with probability
 * outlier_frac, uniform in [−c, c], c = outlier_scale × mean |M*_ij|. */
static void add_outliers(app_problem_params *pp, mfd_mat M, double *y)
{
    double mean = 0;
    for (size_t i = 0; i < M.rows * M.cols; i++)
        mean += fabs(M.data[i]);
    mean /= (double)(M.rows * M.cols);
    double c = pp->outlier_scale * mean;
    mfd_rng rng;
    mfd_rng_init(&rng, pp->seed, MFD_STREAM_OUTLIER);
    for (size_t i = 0; i < M.rows * M.cols; i++)
        if (mfd_rng_uniform(&rng) < pp->outlier_frac)
            y[i] += c * (2 * mfd_rng_uniform(&rng) - 1);
}

mfd_status app_problem_build(app_problem_params *pp, app_problem *pb)
{
    bool sym = pp->symmetric != 0;
    mfd_rng rng;
    mfd_mat target;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, pb->n1, pb->n2, &target));
    mfd_status st;
    double *s = malloc(pb->r * sizeof(double));
    if (!s) {
        st = MFD_ENOMEM;
        goto done;
    }
    if ((st = mfd_mat_alloc(MFD_REAL, pb->n1, pb->r, &pb->Ustar)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, pb->n2, pb->r, &pb->Vstar)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, pb->n1, pb->r, &pb->USstar)) != MFD_OK)
        goto done;
    /* ground truth */
    if (pp->target_file) {
        mfd_mat_copy(target, mfd_npy_matrix(&pb->target_npy, 0));
        st = mfd_senseinit_top(target, pb->r, pb->Ustar, s, pb->Vstar);
    } else {
        if (pp->spectrum.n > 0)
            memcpy(s, pp->spectrum.v, pb->r * sizeof(double));
        else
            mfd_senseinit_spectrum(s, pb->r, pp->kappa);
        mfd_rng_init(&rng, pp->seed, MFD_STREAM_TARGET);
        st = mfd_senseinit_truth(&rng, pp->rademacher != 0, sym || pp->same_basis, s, pb->r, target, pb->Ustar,
                                 pb->Vstar);
    }
    if (st != MFD_OK)
        goto done;
    pb->sigma1 = s[0];
    mfd_mat_copy(pb->USstar, pb->Ustar);
    for (size_t i = 0; i < pb->r; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(pb->USstar, 0, i), MFD_REAL, pb->n1, 1, pb->n1), s[i]);
    /* operator */
    switch (pp->op) {
    case PROB_OP_IDENTITY: st = mfd_sensop_identity(pb->n1, pb->n2, &pb->op); break;
    case PROB_OP_GAUSSIAN:
    case PROB_OP_GAUSSIAN_SYM:
        st = mfd_sensop_gaussian(pb->m, pb->n1, pb->n2, pp->op == PROB_OP_GAUSSIAN_SYM, pp->seed, &pb->op);
        break;
    case PROB_OP_GAUSSIAN_OTF:
    case PROB_OP_GAUSSIAN_SYM_OTF:
        st = mfd_sensop_gaussian_otf(pb->m, pb->n1, pb->n2, pp->op == PROB_OP_GAUSSIAN_SYM_OTF, pp->seed, &pb->op);
        break;
    case PROB_OP_MASK:
        st = mfd_sensop_mask(pb->n1, pb->n2, pp->p, pp->seed, &pb->op);
        if (st == MFD_OK)
            pb->m = pb->op->m;
        pp->m = (long)pb->m;
        break;
    default: st = mfd_sensop_from_block(pb->m, pb->n1, pb->n2, pb->op_npy.data, &pb->op); break;
    }
    if (st != MFD_OK)
        goto done;
    /* measurements: y = A(M* [+ S*]) + noise at the given SNR, or from y_file */
    pb->y = malloc(pb->m * sizeof(double));
    if (!pb->y) {
        st = MFD_ENOMEM;
        goto done;
    }
    pb->noise_std = 0;
    if (pp->y_file) {
        memcpy(pb->y, pb->y_npy.data, pb->m * sizeof(double));
    } else {
        if ((st = mfd_sensop_apply(pb->op, target, pb->y)) != MFD_OK)
            goto done;
        if (isfinite(pp->snr_db)) {
            double ny = 0;
            for (size_t i = 0; i < pb->m; i++)
                ny += pb->y[i] * pb->y[i];
            pb->noise_std = sqrt(ny / (double)pb->m) / pow(10.0, pp->snr_db / 20.0);
            mfd_rng_init(&rng, pp->seed, MFD_STREAM_NOISE);
            for (size_t i = 0; i < pb->m; i++)
                pb->y[i] += pb->noise_std * mfd_rng_gaussian(&rng);
        }
        if (pp->outlier_frac > 0)
            add_outliers(pp, target, pb->y);
    }
    /* the model */
    if ((st = mfd_sense_alloc(sym, pb->n1, pb->n2, pb->k, pb->op, pb->y, &pb->s)) != MFD_OK ||
        (st = mfd_sense_set_target(pb->s, target)) != MFD_OK)
        goto done;
    if (pp->outlier_frac > 0) {
        /* the projection keeps twice the outlier fraction by default: exactly
         * the fraction leaves the rows and columns with more outliers than
         * average biased (measured: a 4.7% error floor at n = 200, 10%) */
        double alpha = pp->rpca_alpha > 0 ? pp->rpca_alpha : fmin(1.0, 2 * pp->outlier_frac);
        if ((st = mfd_rpca_alloc(pb->n1, pb->n2, alpha, &pb->rpca)) != MFD_OK ||
            (st = mfd_sense_set_robust(pb->s, pb->rpca)) != MFD_OK)
            goto done;
        pp->rpca_alpha = alpha;
    }
    if (pp->sparse && (st = mfd_sense_set_sparse(pb->s, pb->USstar, pb->Vstar)) != MFD_OK)
        goto done;
    /* initial factors */
    mfd_rng_init(&rng, pp->seed, MFD_STREAM_INIT);
    switch (pp->init) {
    case PROB_INIT_SMALL: mfd_senseinit_small(pb->s, &rng, pp->alpha, pp->g_ratio, pp->init_per_sqrt_n != 0); break;
    case PROB_INIT_SPECTRAL: st = mfd_senseinit_spectral(pb->s); break;
    case PROB_INIT_BALANCED: st = mfd_senseinit_balanced(pb->s, &rng, pp->alpha, pp->init_per_sqrt_n != 0); break;
    case PROB_INIT_SAME:
    case PROB_INIT_SCALED: /* G0 = F0, or g_ratio F0: imbalance (1 - g_ratio^2) F0^T F0 */
        mfd_senseinit_small(pb->s, &rng, pp->alpha, 1.0, pp->init_per_sqrt_n != 0);
        st = mfd_mat_copy(pb->s->G, pb->s->F);
        if (pp->init == PROB_INIT_SCALED)
            mfd_mat_scale(pb->s->G, pp->g_ratio);
        break;
    default:
        mfd_mat_copy(pb->s->F, mfd_npy_matrix(&pb->x0_npy, 0));
        if (!sym)
            mfd_mat_copy(pb->s->G, mfd_npy_matrix(&pb->g0_npy, 0));
        break;
    }
    pb->imb_init = pb->imb_fro_init = pb->imb_fro_max = NAN;
    if (st == MFD_OK && pp->gauge_cond > 1 && !sym)
        st = mfd_senseinit_gauge(pb->s, &rng, pp->gauge_cond);
    if (st != MFD_OK)
        goto done;
    pb->f0_norm = sqrt(mfd_mat_norm2(pb->s->F));
    pb->g0_norm = sqrt(mfd_mat_norm2(pb->s->G));
    if ((st = mfd_mat_alloc(MFD_REAL, pb->n1, pb->k, &pb->F0)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, pb->n2, pb->k, &pb->G0)) != MFD_OK)
        goto done;
    mfd_mat_copy(pb->F0, pb->s->F);
    mfd_mat_copy(pb->G0, pb->s->G);
    if ((st = mfd_sensediag_alloc(pb->s, pb->Ustar, pb->Vstar, &pb->g)) != MFD_OK)
        goto done;
    pb->cols = malloc(mfd_sensediag_ncols(pb->g) * sizeof *pb->cols);
    if (!pb->cols) {
        st = MFD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < mfd_sensediag_ncols(pb->g); i++)
        pb->cols[i] = mfd_sensediag_name(pb->g, i);
done:
    free(s);
    mfd_mat_free(&target);
    return st;
}

mfd_sensop_kind app_problem_op_kind(const app_problem_params *pp)
{
    switch (pp->op) {
    case PROB_OP_IDENTITY: return MFD_SENSOP_IDENTITY;
    case PROB_OP_GAUSSIAN_OTF:
    case PROB_OP_GAUSSIAN_SYM_OTF: return MFD_SENSOP_GAUSSIAN_OTF;
    case PROB_OP_MASK: return MFD_SENSOP_MASK;
    default: return MFD_SENSOP_DENSE;
    }
}

void app_problem_free(app_problem *pb)
{
    mfd_npy_free(&pb->target_npy);
    mfd_npy_free(&pb->op_npy);
    mfd_npy_free(&pb->y_npy);
    mfd_npy_free(&pb->x0_npy);
    mfd_npy_free(&pb->g0_npy);
    mfd_sensediag_free(pb->g);
    mfd_sense_free(pb->s);
    mfd_sensop_free(pb->op);
    mfd_rpca_free(pb->rpca);
    free(pb->y);
    mfd_mat_free(&pb->Ustar);
    mfd_mat_free(&pb->Vstar);
    mfd_mat_free(&pb->USstar);
    mfd_mat_free(&pb->F0);
    mfd_mat_free(&pb->G0);
    free(pb->cols);
}

mfd_status app_problem_log_row(app_problem *pb, long t, double *row)
{
    MFD_CHECK(mfd_sensediag_compute(pb->g, pb->s));
    mfd_sensediag_row(pb->g, row);
    if (!pb->s->symmetric) {
        double rel = pb->g->imb_fro / mfd_mat_norm2(pb->s->F);
        if (t == 0) {
            pb->imb_init = pb->g->imb_min_abs;
            pb->imb_fro_init = pb->imb_fro_max = rel;
        } else if (rel > pb->imb_fro_max || isnan(rel)) {
            pb->imb_fro_max = rel;
        }
    }
    return MFD_OK;
}

mfd_status app_problem_meta(const app_problem *pb, const app_problem_params *pp, double eta, mfd_kv *meta,
                            mfd_kv *extra)
{
    char started[32];
    app_utc_iso(started, sizeof started);
    MFD_CHECK(mfd_kv_add_int(meta, "n1", (long)pb->n1));
    MFD_CHECK(mfd_kv_add_int(meta, "n2", (long)pb->n2));
    MFD_CHECK(mfd_kv_add_int(meta, "k", (long)pb->k));
    MFD_CHECK(mfd_kv_add_int(meta, "r", (long)pb->r));
    MFD_CHECK(mfd_kv_add_int(meta, "m", (long)pb->m));
    MFD_CHECK(mfd_kv_add_real(meta, "kappa", pp->kappa));
    MFD_CHECK(mfd_kv_add_real(meta, "eta", eta));
    MFD_CHECK(mfd_kv_add_int(meta, "seed", (long)pp->seed));
    MFD_CHECK(mfd_kv_add_str(meta, "started", started));
    MFD_CHECK(mfd_kv_add_str(extra, "streams", "philox4x64(seed, s): s = 1 target, 2 init, 3 operator (A_k from "
                                               "substream k), 4 noise, 5 mask, 6 outliers"));
    return mfd_kv_add_real(extra, "noise_std", pb->noise_std);
}

mfd_status app_problem_summary(const app_problem *pb, mfd_kv *kv)
{
    const mfd_sense *s = pb->s;
    const mfd_sensediag *g = pb->g;
    bool sym = s->symmetric;
    MFD_CHECK(mfd_kv_add_str(kv, "model", sym ? "sym" : "asym"));
    MFD_CHECK(mfd_kv_add_int(kv, "n1", (long)pb->n1));
    MFD_CHECK(mfd_kv_add_int(kv, "n2", (long)pb->n2));
    MFD_CHECK(mfd_kv_add_int(kv, "k", (long)pb->k));
    MFD_CHECK(mfd_kv_add_int(kv, "r", (long)pb->r));
    MFD_CHECK(mfd_kv_add_int(kv, "m", (long)pb->m));
    MFD_CHECK(mfd_kv_add_real(kv, "loss", s->loss));
    MFD_CHECK(mfd_kv_add_real(kv, "err_abs", s->err_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "signal_min", g->sig_min[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "excess_fro", g->exc_fro[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "align_sin", g->align_sin[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs_init", pb->imb_init));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs", sym ? NAN : g->imb_min_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_fro_init", pb->imb_fro_init));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_fro_max", pb->imb_fro_max));
    double fg = NAN; /* ‖F − G‖_F / ‖F‖_F: 0 when the asymmetric run is the symmetric one */
    if (!sym && s->F.rows == s->G.rows) {
        double d2 = 0;
        for (size_t j = 0; j < s->F.cols; j++)
            for (size_t i = 0; i < s->F.rows; i++) {
                double e = s->F.data[i + j * s->F.ld] - s->G.data[i + j * s->G.ld];
                d2 += e * e;
            }
        fg = sqrt(d2 / mfd_mat_norm2(s->F));
    }
    MFD_CHECK(mfd_kv_add_real(kv, "fg_rel_diff", fg));
    MFD_CHECK(mfd_kv_add_real(kv, "f0_norm", pb->f0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "g0_norm", sym ? NAN : pb->g0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "noise_std", pb->noise_std));
    MFD_CHECK(mfd_kv_add_real(kv, "sigma1", pb->sigma1));
    return MFD_OK;
}

static mfd_status write_mat(mfd_out *o, const char *name, mfd_mat M, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/final/%s", o->dir, name);
    return mfd_npy_write_mat(path, M, err, errlen);
}

mfd_status app_problem_save_final(const app_problem *pb, mfd_out *o, bool factors, bool inputs, const char *f_name,
                                  const char *g_name, const char *f0_name, const char *g0_name, char *err,
                                  size_t errlen)
{
    char path[4096];
    bool sym = pb->s->symmetric;
    if (!factors && !inputs)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, "final", err, errlen));
    if (factors) {
        MFD_CHECK(write_mat(o, sym ? "X.npy" : f_name, pb->s->F, err, errlen));
        if (!sym)
            MFD_CHECK(write_mat(o, g_name, pb->s->G, err, errlen));
    }
    if (!inputs)
        return MFD_OK;
    MFD_CHECK(write_mat(o, "target.npy", pb->s->target, err, errlen));
    MFD_CHECK(write_mat(o, sym ? "X0.npy" : f0_name, pb->F0, err, errlen));
    if (!sym)
        MFD_CHECK(write_mat(o, g0_name, pb->G0, err, errlen));
    size_t ym = pb->m;
    snprintf(path, sizeof path, "%s/final/y.npy", o->dir);
    MFD_CHECK(mfd_npy_write(path, MFD_REAL, 1, &ym, pb->y, err, errlen));
    if (pb->op->kind == MFD_SENSOP_DENSE) {
        size_t shape[3] = {pb->m, pb->n1, pb->n2};
        snprintf(path, sizeof path, "%s/final/operator.npy", o->dir);
        MFD_CHECK(mfd_npy_write(path, MFD_REAL, 3, shape, pb->op->block, err, errlen));
    }
    return MFD_OK;
}
