#define _POSIX_C_SOURCE 200809L
#include "app_lowrank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_common.h"
#include "mfd_la.h"
#include "mfd_sensbatch.h"

static const mfd_param_word MODEL_WORDS[] = {{"sym", 1}, {"asym", 0}};
static const mfd_param_word INIT_NORM_WORDS[] = {{"entry", 0}, {"sqrt_n", 1}};

int app_lowrank_words(const char *prog, mfd_param_table t, const void *params, app_lowrank_keys *lk)
{
    char err[256];
    int sym, op, init, per_sqrt_n;
    if (mfd_param_word_value(t, params, "model", MODEL_WORDS, 2, &sym, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(t, params, "operator", mfd_lowrank_op_words, mfd_lowrank_op_nwords, &op, err,
                             sizeof err) != MFD_OK ||
        mfd_param_word_value(t, params, "init", mfd_lowrank_init_words, mfd_lowrank_init_nwords, &init, err,
                             sizeof err) != MFD_OK ||
        mfd_param_word_value(t, params, "init_norm", INIT_NORM_WORDS, 2, &per_sqrt_n, err, sizeof err) != MFD_OK)
        return app_usage_error(prog, "%s", err);
    lk->prob.symmetric = sym != 0;
    lk->prob.op = (mfd_lowrank_op)op;
    lk->prob.init = (mfd_lowrank_init)init;
    lk->prob.init_per_sqrt_n = per_sqrt_n;
    return APP_EXIT_OK;
}

/* The files of the initial factors: which go with the model, and together. */
static int factor_file_keys(const char *prog, const app_lowrank_keys *lk, const app_lowrank_names *names)
{
    bool sym = lk->prob.symmetric;
    if (sym && (lk->f0_file || lk->g0_file))
        return app_usage_error(prog, "keys '%s' and '%s' are for the asymmetric model; the symmetric one takes x0_file",
                               names->f0_file, names->g0_file);
    if (!sym && lk->x0_file)
        return app_usage_error(prog, "key 'x0_file' is for the symmetric model; the asymmetric one takes %s and %s",
                               names->f0_file, names->g0_file);
    if (!sym && (lk->f0_file != NULL) != (lk->g0_file != NULL))
        return app_usage_error(prog, "keys '%s' and '%s' go together", names->f0_file, names->g0_file);
    return APP_EXIT_OK;
}

/* target_file: its shape is the truth's (n, n1, n2, when given, must agree). */
static int read_target(const char *prog, mfd_param_table t, const bool *given, app_lowrank_keys *lk, app_lowrank *a,
                       size_t n1, size_t n2)
{
    int code;
    if ((code = app_read_npy(prog, "target_file", lk->target_file, &a->target_npy)) != APP_EXIT_OK)
        return code;
    const mfd_npy *f = &a->target_npy;
    if (f->ndim != 2 || f->field != MFD_REAL)
        return app_usage_error(prog, "key 'target_file': '%s' must be a real 2-D array (n1, n2); it has %d axes",
                               lk->target_file, f->ndim);
    if ((app_given(t, given, "n") || app_given(t, given, "n1") || app_given(t, given, "n2")) &&
        (f->shape[0] != n1 || f->shape[1] != n2))
        return app_usage_error(prog, "key 'target_file': '%s' is %zu x %zu, which disagrees with n, n1, n2",
                               lk->target_file, f->shape[0], f->shape[1]);
    lk->prob.target = mfd_npy_matrix(f, 0);
    return APP_EXIT_OK;
}

/* operator_file: a real (m, n1, n2) stack (m, when given, must agree). */
static int read_operator(const char *prog, mfd_param_table t, const bool *given, app_lowrank_keys *lk,
                         app_lowrank *a, size_t n1, size_t n2)
{
    int code;
    if ((code = app_read_npy(prog, "operator_file", lk->operator_file, &a->op_npy)) != APP_EXIT_OK)
        return code;
    const mfd_npy *o = &a->op_npy;
    if (o->ndim != 3 || o->field != MFD_REAL || o->shape[1] != n1 || o->shape[2] != n2)
        return app_usage_error(prog, "key 'operator_file': '%s' must be a real (m, %zu, %zu) array",
                               lk->operator_file, n1, n2);
    if (app_given(t, given, "m") && (size_t)lk->prob.m != o->shape[0])
        return app_usage_error(prog, "key 'm' disagrees with operator_file '%s' (m = %zu)", lk->operator_file,
                               o->shape[0]);
    lk->prob.op_block = o->data;
    lk->prob.op_m = o->shape[0];
    return APP_EXIT_OK;
}

/* The initial factors' files: X0 or F0 (n1, k), and G0 (n2, k). */
static int read_factors(const char *prog, mfd_param_table t, const bool *given, const app_lowrank_names *names,
                        app_lowrank_keys *lk, app_lowrank *a, size_t n1, size_t n2)
{
    bool sym = lk->prob.symmetric;
    const char *key = sym ? "x0_file" : names->f0_file, *path = sym ? lk->x0_file : lk->f0_file;
    int code;
    if ((code = app_read_npy(prog, key, path, &a->x0_npy)) != APP_EXIT_OK)
        return code;
    if (a->x0_npy.ndim != 2 || a->x0_npy.field != MFD_REAL || a->x0_npy.shape[0] != n1)
        return app_usage_error(prog, "key '%s': '%s' must be a real (%zu, k) array", key, path, n1);
    size_t k = a->x0_npy.shape[1];
    if (app_given(t, given, "k") && k != (size_t)lk->prob.k)
        return app_usage_error(prog, "key 'k' disagrees with '%s' (k = %zu)", path, k);
    lk->prob.f0 = mfd_npy_matrix(&a->x0_npy, 0);
    if (sym)
        return APP_EXIT_OK;
    if ((code = app_read_npy(prog, names->g0_file, lk->g0_file, &a->g0_npy)) != APP_EXIT_OK)
        return code;
    if (a->g0_npy.ndim != 2 || a->g0_npy.field != MFD_REAL || a->g0_npy.shape[0] != n2 || a->g0_npy.shape[1] != k)
        return app_usage_error(prog, "key '%s': '%s' must be a real (%zu, %zu) array", names->g0_file, lk->g0_file,
                               n2, k);
    lk->prob.g0 = mfd_npy_matrix(&a->g0_npy, 0);
    return APP_EXIT_OK;
}

/* A symmetrized stored operator (packed) as the (m, n, n) stack of its A_k,
 * one at a time through a stream: the same file as an unpacked block. */
static mfd_status write_packed_op(const mfd_sensop *op, const char *path, char *err, size_t errlen)
{
    mfd_npy_stream st;
    mfd_mat A;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, op->n1, op->n2, &A));
    mfd_status s = mfd_npy_stream_open(&st, path, 0, MFD_REAL, 0, op->n1, op->n2, false, 0, err, errlen);
    for (size_t k = 0; s == MFD_OK && k < op->m; k++)
        if ((s = mfd_sensop_row(op, k, A)) == MFD_OK)
            s = mfd_npy_stream_append(&st, A.data, err, errlen);
    if (s == MFD_OK)
        s = mfd_npy_stream_finish(&st, err, errlen);
    mfd_npy_stream_close(&st, false);
    mfd_mat_free(&A);
    return s;
}

/* y_file: a real vector of the operator's m entries. */
static int read_measurements(const char *prog, app_lowrank_keys *lk, app_lowrank *a)
{
    int code;
    if (!lk->target_file)
        return app_usage_error(prog, "key 'y_file' needs target_file (rel_err is measured against the ground truth)");
    if (lk->prob.op == MFD_LOWRANK_OP_MASK)
        return app_usage_error(prog, "key 'y_file': completion draws its own mask; give operator_file with y_file");
    if ((code = app_read_npy(prog, "y_file", lk->y_file, &a->y_npy)) != APP_EXIT_OK)
        return code;
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(&lk->prob, &d);
    if (a->y_npy.ndim != 1 || a->y_npy.field != MFD_REAL || a->y_npy.shape[0] != d.m)
        return app_usage_error(prog, "key 'y_file': '%s' must be a real vector of the operator's m = %zu entries",
                               lk->y_file, d.m);
    lk->prob.y = a->y_npy.data;
    lk->prob.y_len = a->y_npy.shape[0];
    return APP_EXIT_OK;
}

int app_lowrank_resolve(const char *prog, mfd_param_table t, const bool *given, const app_lowrank_names *names,
                        app_lowrank_keys *lk, app_lowrank *a)
{
    mfd_lowrank_params *pp = &lk->prob;
    bool sym = pp->symmetric;
    int code;
    if (lk->operator_file)
        pp->op = MFD_LOWRANK_OP_FILE;
    pp->has_op_seed = app_given(t, given, "op_seed");
    if (!pp->has_op_seed) { /* resolved to seed's, so that run.ini records the operator's seed */
        pp->op_seed = pp->seed;
        pp->has_op_seed = 1;
    }
    const char *init_path = sym ? lk->x0_file : lk->f0_file;
    if ((code = factor_file_keys(prog, lk, names)) != APP_EXIT_OK)
        return code;
    int init = (int)pp->init;
    if ((code = app_file_choice(prog, "init", app_given(t, given, "init"), &init, MFD_LOWRANK_INIT_FILE,
                                sym ? "x0_file" : names->f0_file, init_path)) != APP_EXIT_OK)
        return code;
    pp->init = (mfd_lowrank_init)init;
    size_t n1 = (size_t)(pp->n1 > 0 ? pp->n1 : pp->n), n2 = (size_t)(pp->n2 > 0 ? pp->n2 : pp->n);
    if (lk->target_file) {
        if ((code = read_target(prog, t, given, lk, a, n1, n2)) != APP_EXIT_OK)
            return code;
        n1 = pp->target.rows;
        n2 = pp->target.cols;
    }
    if (lk->operator_file && (code = read_operator(prog, t, given, lk, a, n1, n2)) != APP_EXIT_OK)
        return code;
    if (init_path && (code = read_factors(prog, t, given, names, lk, a, n1, n2)) != APP_EXIT_OK)
        return code;
    if (pp->spectrum.n > 0 && app_given(t, given, "r") && pp->spectrum.n != (size_t)pp->r)
        return app_usage_error(prog, "key 'spectrum': %zu values but r = %ld", pp->spectrum.n, pp->r);
    if (lk->y_file && (code = read_measurements(prog, lk, a)) != APP_EXIT_OK)
        return code;
    if (pp->mem_limit <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
        pp->mem_limit = pages > 0 && psize > 0 ? 0.5 * (double)pages * (double)psize : 1e9;
    }
    char msg[1024];
    if (mfd_lowrank_check(pp, msg, sizeof msg) != MFD_OK)
        return app_usage_error(prog, "%s", msg);
    return APP_EXIT_OK;
}

mfd_method_problem app_lowrank_method_problem(const app_lowrank_keys *lk)
{
    mfd_lowrank_dims d;
    mfd_lowrank_get_dims(&lk->prob, &d);
    mfd_method_problem pb = {MFD_METHOD_TWO_FACTOR, lk->prob.symmetric, mfd_lowrank_op_kind(d.op), d.n1, d.n2, d.k,
                             d.m};
    return pb;
}

mfd_status app_lowrank_build(mfd_param_table t, void *params, app_lowrank_keys *lk, app_lowrank *a)
{
    mfd_lowrank_params *pp = &lk->prob;
    MFD_CHECK(mfd_lowrank_build(pp, &a->lr));
    const mfd_lowrank *lr = a->lr;
    MFD_CHECK(mfd_sensediag_alloc(lr->s, lr->Ustar, lr->Vstar, &a->g));
    a->cols = malloc(mfd_sensediag_ncols(a->g) * sizeof *a->cols);
    if (!a->cols)
        return MFD_ENOMEM;
    for (size_t i = 0; i < mfd_sensediag_ncols(a->g); i++)
        a->cols[i] = mfd_sensediag_name(a->g, i);
    mfd_sensediag_track_init(&a->tr);
    /* run.ini records what ran */
    pp->m = (long)lr->m;
    pp->k = (long)lr->k;
    pp->r = (long)lr->r;
    pp->n = (long)lr->n1;
    if (!pp->symmetric) {
        pp->n1 = (long)lr->n1;
        pp->n2 = (long)lr->n2;
    }
    if (pp->outlier_frac > 0) {
        pp->rpca_alpha = lr->rpca_alpha;
        pp->rpca_init_alpha = lr->rpca_init_alpha;
    }
    MFD_CHECK(mfd_param_word_store(t, params, "operator", mfd_lowrank_op_words, mfd_lowrank_op_nwords,
                                   (int)lr->op_type));
    return mfd_param_word_store(t, params, "init", mfd_lowrank_init_words, mfd_lowrank_init_nwords, (int)pp->init);
}

void app_lowrank_free(app_lowrank *a)
{
    mfd_npy_free(&a->target_npy);
    mfd_npy_free(&a->op_npy);
    mfd_npy_free(&a->y_npy);
    mfd_npy_free(&a->x0_npy);
    mfd_npy_free(&a->g0_npy);
    mfd_sensediag_free(a->g);
    mfd_lowrank_free(a->lr);
    free(a->cols);
}

mfd_status app_lowrank_log_row(app_lowrank *a, long t, double *row)
{
    MFD_CHECK(mfd_sensediag_compute(a->g, a->lr->s));
    mfd_sensediag_row(a->g, row);
    mfd_sensediag_track_update(&a->tr, a->g, a->lr->s, t);
    return MFD_OK;
}

mfd_status app_lowrank_meta(const app_lowrank *a, const app_lowrank_keys *lk, double eta, mfd_kv *meta,
                            mfd_kv *extra)
{
    const mfd_lowrank *lr = a->lr;
    char started[32];
    app_utc_iso(started, sizeof started);
    MFD_CHECK(mfd_kv_add_int(meta, "n1", (long)lr->n1));
    MFD_CHECK(mfd_kv_add_int(meta, "n2", (long)lr->n2));
    MFD_CHECK(mfd_kv_add_int(meta, "k", (long)lr->k));
    MFD_CHECK(mfd_kv_add_int(meta, "r", (long)lr->r));
    MFD_CHECK(mfd_kv_add_int(meta, "m", (long)lr->m));
    MFD_CHECK(mfd_kv_add_real(meta, "kappa", lk->prob.kappa));
    MFD_CHECK(mfd_kv_add_real(meta, "eta", eta));
    MFD_CHECK(mfd_kv_add_int(meta, "seed", (long)lk->prob.seed));
    MFD_CHECK(mfd_kv_add_int(meta, "op_seed", (long)mfd_lowrank_op_seed(&lk->prob)));
    MFD_CHECK(mfd_kv_add_str(meta, "started", started));
    MFD_CHECK(mfd_kv_add_str(extra, "streams", "philox4x64(seed, s): s = 1 target, 2 init, 4 noise, 6 outliers; "
                                               "Gaussian operator: mfd_gauss(op_seed, 3), A_k from row k; "
                                               "philox4x64(op_seed, 5) mask"));
    MFD_CHECK(mfd_kv_add_int(extra, "op_threads", mfd_sensbatch_threads()));
    return mfd_kv_add_real(extra, "noise_std", lr->noise_std);
}

mfd_status app_lowrank_summary(const app_lowrank *a, mfd_kv *kv)
{
    const mfd_lowrank *lr = a->lr;
    const mfd_sense *s = lr->s;
    const mfd_sensediag *g = a->g;
    bool sym = s->symmetric;
    MFD_CHECK(mfd_kv_add_str(kv, "model", sym ? "sym" : "asym"));
    MFD_CHECK(mfd_kv_add_int(kv, "n1", (long)lr->n1));
    MFD_CHECK(mfd_kv_add_int(kv, "n2", (long)lr->n2));
    MFD_CHECK(mfd_kv_add_int(kv, "k", (long)lr->k));
    MFD_CHECK(mfd_kv_add_int(kv, "r", (long)lr->r));
    MFD_CHECK(mfd_kv_add_int(kv, "m", (long)lr->m));
    MFD_CHECK(mfd_kv_add_real(kv, "loss", s->loss));
    MFD_CHECK(mfd_kv_add_real(kv, "err_abs", s->err_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "signal_min", g->sig_min[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "excess_fro", g->exc_fro[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "align_sin", g->align_sin[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs_init", a->tr.imb_init));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs", sym ? NAN : g->imb_min_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_fro_init", a->tr.imb_fro_init));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_fro_max", a->tr.imb_fro_max));
    MFD_CHECK(mfd_kv_add_real(kv, "fg_rel_diff", mfd_sensediag_fg_rel_diff(s)));
    MFD_CHECK(mfd_kv_add_real(kv, "f0_norm", lr->f0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "g0_norm", sym ? NAN : lr->g0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "noise_std", lr->noise_std));
    MFD_CHECK(mfd_kv_add_real(kv, "sigma1", lr->sigma1));
    MFD_CHECK(mfd_kv_add_real(kv, "sigma_r", lr->sigma_r));
    return MFD_OK;
}

static mfd_status write_mat(mfd_out *o, const char *name, const char *suffix, mfd_mat M, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/final/%s%s.npy", o->dir, name, suffix);
    return mfd_npy_write_mat(path, M, err, errlen);
}

mfd_status app_lowrank_save_final(const app_lowrank *a, mfd_out *o, bool factors, bool inputs, const char *F,
                                  const char *G, char *err, size_t errlen)
{
    const mfd_lowrank *lr = a->lr;
    char path[4096];
    bool sym = lr->s->symmetric;
    if (!factors && !inputs)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, "final", err, errlen));
    if (factors) {
        MFD_CHECK(write_mat(o, sym ? "X" : F, "", lr->s->F, err, errlen));
        if (!sym)
            MFD_CHECK(write_mat(o, G, "", lr->s->G, err, errlen));
    }
    if (!inputs)
        return MFD_OK;
    MFD_CHECK(write_mat(o, "target", "", lr->s->target, err, errlen));
    MFD_CHECK(write_mat(o, sym ? "X" : F, "0", lr->F0, err, errlen));
    if (!sym)
        MFD_CHECK(write_mat(o, G, "0", lr->G0, err, errlen));
    size_t ym = lr->m;
    snprintf(path, sizeof path, "%s/final/y.npy", o->dir);
    MFD_CHECK(mfd_npy_write(path, MFD_REAL, 1, &ym, lr->y, err, errlen));
    if (lr->op->kind == MFD_SENSOP_DENSE) {
        snprintf(path, sizeof path, "%s/final/operator.npy", o->dir);
        if (!lr->op->symmetrized) {
            size_t shape[3] = {lr->m, lr->n1, lr->n2};
            MFD_CHECK(mfd_npy_write(path, MFD_REAL, 3, shape, lr->op->block, err, errlen));
        } else {
            MFD_CHECK(write_packed_op(lr->op, path, err, errlen));
        }
    }
    return MFD_OK;
}

void app_lowrank_threads(long threads)
{
    mfd_sensbatch_set_threads(threads > 0 ? (int)threads : 1);
    app_blas_threads(threads, false);
}

void app_lowrank_op_threads(long threads, const mfd_sensop *op)
{
    if (threads > 0 || !op || op->kind != MFD_SENSOP_DENSE ||
        (double)op->m * (double)op->n1 * (double)op->n2 < APP_OP_THREADS_MIN)
        return;
    mfd_sensbatch_set_threads(app_threads_free());
}

size_t app_lowrank_factors(const app_lowrank *a, const char *F, const char *G, app_factor *f, size_t max)
{
    const mfd_sense *s = a->lr->s;
    size_t n = s->symmetric ? 1 : 2;
    if (max < n)
        return 0;
    f[0] = (app_factor){s->symmetric ? "X" : F, MFD_REAL, 0, s->n1, s->k, s->F.data};
    if (!s->symmetric)
        f[1] = (app_factor){G, MFD_REAL, 0, s->n2, s->k, s->G.data};
    return n;
}

void app_lowrank_save(const app_lowrank *a, mfd_ckpt_buf *b) { mfd_sensediag_track_save(&a->tr, b); }

mfd_status app_lowrank_load(app_lowrank *a, mfd_ckpt_buf *b) { return mfd_sensediag_track_load(&a->tr, b); }
