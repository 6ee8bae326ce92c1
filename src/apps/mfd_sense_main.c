/* mfd-sense: gradient descent on over-parameterized matrix sensing with a
 * symmetric (XXᵀ) or asymmetric (FGᵀ) factorization, THEORY.md §2.
 * parse -> check -> build -> loop -> write -> free. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_common.h"
#include "app_loop.h"
#include "app_runs.h"
#include "app_lowrank.h"
#include "mfd_method.h"

#define PROG "mfd-sense"
static const char SYNOPSIS[] =
    "Gradient descent on matrix sensing: symmetric f(X) = 1/4 |A(X X^T) - y|^2 or asymmetric\n"
    "f(F, G) = 1/2 |A(F G^T) - y|^2 (THEORY.md section 2).  Monitors the relative error\n"
    "|M - M*|_F / |M*|_F.  Writes <out>/run.ini, trace.csv (log-spaced), summary.csv.";

/* The update rules mfd-sense offers. */
static const mfd_method_type *const METHODS[] = {&mfd_gd_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)

typedef struct sense_params {
    int method;
    app_lowrank_keys lk;
    double eta;
    long iters;
    app_loop_params loop;
    double rebalance_eps0;
    const char *out;
    int save_final, save_inputs;
    long threads;
    int share_operator;
} sense_params;

#define OFF(f) offsetof(sense_params, f)
static const mfd_param_spec ROWS[] = {
    APP_METHOD_KEY(sense_params, method, "gd", "update rule: gd, F <- F - eta grad_F f, G <- G - eta grad_G f"),
    {"model", MFD_P_CHOICE, "sym", 0, 0, MFD_P_OPERATOR, "sym|asym", OFF(lk.model),
     "sym: X X^T with the 1/4 loss; asym: F G^T with the 1/2 loss"},
    APP_LOWRANK_SIZE_KEYS(sense_params, lk, "20"),
    {"k", MFD_P_INT, "4", 1, 1e6, 0, NULL, OFF(lk.prob.k), "width of the factors (k >= r over-parameterizes)"},
    APP_LOWRANK_RANK_KEY(sense_params, lk, "2"),
    APP_LOWRANK_SPECTRUM_KEYS(sense_params, lk),
    APP_LOWRANK_SPECTRUM_SCALE_KEY(sense_params, lk),
    APP_LOWRANK_SAME_BASIS_KEY(sense_params, lk),
    {"operator", MFD_P_CHOICE, "auto", 0, 0, MFD_P_OPERATOR,
     "auto|identity|gaussian|gaussian_sym|gaussian_otf|gaussian_sym_otf|file", OFF(lk.op),
     "measurement operator (auto: gaussian_sym for sym, gaussian for asym; *_otf regenerates A_k, storing "
     "nothing; identity: plain factorization)"},
    APP_LOWRANK_M_KEY(sense_params, lk),
    APP_LOWRANK_NOISE_KEY(sense_params, lk),
    {"init", MFD_P_CHOICE, "small", 0, 0, 0, "small|spectral|balanced|same|scaled|file", OFF(lk.init),
     "small random; spectral (top-k of A*(y)); balanced (asym, F0^T F0 = G0^T G0); same (asym, G0 = F0); "
     "scaled (asym, G0 = g_ratio F0); file"},
    APP_LOWRANK_SMALL_INIT_KEYS(sense_params, lk, "1e-3", "0.3333333333333333"),
    APP_ETA_KEY(sense_params, eta, "0.05"),
    APP_ITERS_KEY(sense_params, iters, "10000"),
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(lk.prob.seed),
     "seed of the run's random streams (target, noise, init; the operator without op_seed)"},
    APP_LOWRANK_OP_SEED_KEY(sense_params, lk),
    APP_OUT_KEY(sense_params, out),
    APP_LOOP_KEYS(sense_params, loop, "1e-13", "1e6", "1e-12", "1e-4", "1e-2,1e-4,1e-6,1e-10"),
    {"rebalance_eps0", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(rebalance_eps0),
     "asym: re-imbalance once, (F, G) <- (F P, G P^-T), when rel_err first falls below this (0: never)"},
    APP_LOWRANK_INPUT_KEYS(sense_params, lk),
    APP_LOWRANK_X0_KEY(sense_params, lk),
    APP_LOWRANK_FACTOR_KEYS(sense_params, lk, "f0_file", "g0_file", "F", "G"),
    APP_LOWRANK_SAVE_KEYS(sense_params, save_final, save_inputs, "F", "G"),
    APP_LOWRANK_THREADS_KEY(sense_params, threads),
    APP_LOWRANK_SHARE_KEY(sense_params, share_operator),
};
#undef OFF
static const app_program PROGRAM = {PROG, SYNOPSIS, ROWS, sizeof ROWS / sizeof *ROWS, METHODS, NMETHODS};
static const app_lowrank_names NAMES = {"f0_file", "g0_file"};

typedef struct run {
    app_table tab;
    sense_params p;
    bool given[APP_MAX_KEYS];
    app_lowrank pb;
    mfd_method *alg;
    long rebalance_iter, last_t;
    app_member *member; /* NULL: a run alone */
} run;

static void run_free(run *r)
{
    mfd_method_free(r->alg);
    app_lowrank_free(&r->pb);
    mfd_param_free(r->tab.t, &r->p);
}

/* ---- parse and check ---------------------------------------------------- */

static int check(run *r)
{
    sense_params *p = &r->p;
    int code;
    if ((code = app_lowrank_words(PROG, r->tab.t, p, &p->lk)) != APP_EXIT_OK ||
        (code = app_lowrank_resolve(PROG, r->tab.t, r->given, &NAMES, &p->lk, &r->pb)) != APP_EXIT_OK ||
        (code = app_loop_check(PROG, &p->loop)) != APP_EXIT_OK)
        return code;
    if (p->rebalance_eps0 > 0 && p->lk.prob.symmetric)
        return app_usage_error(PROG, "key 'rebalance_eps0': the re-imbalancing step is for model=asym");
    return APP_EXIT_OK;
}

/* ---- the loop's callbacks --------------------------------------------- */

static mfd_status sense_eval(void *ctx, long t, double *monitor)
{
    run *r = ctx;
    mfd_sense *s = r->pb.lr->s;
    MFD_CHECK(mfd_sense_eval(s));
    r->last_t = t;
    *monitor = s->rel_err;
    return MFD_OK;
}

/* S4: one re-imbalancing step, when rel_err first falls to rebalance_eps0;
 * FGᵀ is unchanged, the gradients are not (the loop evaluates again). */
static mfd_status sense_adjust(void *ctx, long t, bool *moved)
{
    run *r = ctx;
    mfd_sense *s = r->pb.lr->s;
    if (r->p.rebalance_eps0 > 0 && r->rebalance_iter < 0 && s->rel_err <= r->p.rebalance_eps0) {
        MFD_CHECK(mfd_sense_rebalance(s, r->pb.lr->sigma1));
        r->rebalance_iter = t;
        *moved = true;
    }
    return MFD_OK;
}

static mfd_status sense_log_row(void *ctx, long t, double *row) { return app_lowrank_log_row(&((run *)ctx)->pb, t, row); }

static mfd_status sense_step(void *ctx, long t, mfd_stop *stop)
{
    (void)t;
    run *r = ctx;
    return mfd_method_step(r->alg, stop);
}

static mfd_status sense_summary(void *ctx, mfd_stop stop, mfd_kv *kv)
{
    (void)stop;
    run *r = ctx;
    const mfd_lowrank *lr = r->pb.lr;
    const mfd_sense *s = lr->s;
    MFD_CHECK(app_lowrank_summary(&r->pb, kv));
    MFD_CHECK(mfd_kv_add_str(kv, "operator", mfd_lowrank_op_name(lr->op_type)));
    /* S1: t |X_t X_tᵀ − M*| and its predicted limit sqrt(k − r) / (2 eta) */
    MFD_CHECK(mfd_kv_add_real(kv, "t_err_abs", (double)r->last_t * s->err_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "s1_limit", s->symmetric ? sqrt((double)(lr->k - lr->r)) / (2 * r->p.eta) : NAN));
    if (r->rebalance_iter >= 0)
        MFD_CHECK(mfd_kv_add_int(kv, "rebalance_iter", r->rebalance_iter));
    else /* never applied: missing */
        MFD_CHECK(mfd_kv_add_real(kv, "rebalance_iter", NAN));
    return MFD_OK;
}

static mfd_status sense_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    return app_lowrank_save_final(&r->pb, o, r->p.save_final, r->p.save_inputs, "F", "G", err, errlen);
}

static size_t sense_factors(void *ctx, app_factor *f, size_t max)
{
    return app_lowrank_factors(&((run *)ctx)->pb, "F", "G", f, max);
}

/* Between iterations the run carries the rule's state, the tracked
 * imbalance, and whether and where S4's step was taken. */
static mfd_status sense_save(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    mfd_method_save(r->alg, b);
    app_lowrank_save(&r->pb, b);
    mfd_ckpt_put_tag(b, "sense");
    mfd_ckpt_put_i64(b, r->rebalance_iter);
    mfd_ckpt_put_i64(b, r->last_t);
    return b->st;
}

static mfd_status sense_load(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    MFD_CHECK(mfd_method_load(r->alg, b));
    MFD_CHECK(app_lowrank_load(&r->pb, b));
    mfd_ckpt_get_tag(b, "sense");
    r->rebalance_iter = (long)mfd_ckpt_get_i64(b);
    r->last_t = (long)mfd_ckpt_get_i64(b);
    return b->st;
}

static mfd_status sense_describe(void *ctx, mfd_kv *meta, mfd_kv *extra)
{
    run *r = ctx;
    MFD_CHECK(mfd_kv_add_str(meta, "model", r->p.lk.prob.symmetric ? "sym" : "asym"));
    MFD_CHECK(mfd_kv_add_str(meta, "operator", mfd_lowrank_op_name(r->pb.lr->op_type)));
    return app_lowrank_meta(&r->pb, &r->p.lk, r->p.eta, meta, extra);
}

static mfd_status sense_run_info(void *ctx, mfd_kv *kv) { return app_group_run_info(((run *)ctx)->member, kv); }

static int run_loop(run *r, int argc, char **argv)
{
    sense_params *p = &r->p;
    r->rebalance_iter = -1;
    app_loop_cfg cfg = app_loop_config(PROG, "rel_err", p->iters, &p->loop);
    app_model model = {.ctx = r,
                       .ncols = mfd_sensediag_ncols(r->pb.g),
                       .cols = r->pb.cols,
                       .describe = sense_describe,
                       .eval = sense_eval,
                       .adjust = sense_adjust,
                       .log_row = sense_log_row,
                       .step = sense_step,
                       .summary = sense_summary,
                       .write_final = sense_write_final,
                       .run_info = sense_run_info,
                       .factors = sense_factors,
                       .save = sense_save,
                       .load = sense_load};
    return app_loop_run(&cfg, &model, p->out, r->tab.t, p, argc, argv);
}

/* One run: the whole program for one command line (member: in a group of
 * runs that share the operator, app_group.h). */
static int run_one(int argc, char **argv, app_member *member)
{
    run r;
    memset(&r, 0, sizeof r);
    int code;
    if (!app_start(&PROGRAM, &r.tab, &r.p, r.given, argc, argv, &code) || (code = check(&r)) != APP_EXIT_OK) {
        run_free(&r);
        return code;
    }
    app_lowrank_threads(r.p.threads);
    r.member = member;
    r.p.lk.prob.shared_op = app_group_shared_op(member, &r.p.lk.prob);
    mfd_status st = app_lowrank_build(r.tab.t, &r.p, &r.p.lk, &r.pb);
    if (st == MFD_OK) {
        app_group_adopt_op(member, r.pb.lr);
        app_lowrank_op_threads(r.p.threads, r.pb.lr->op);
        mfd_method_params mp = {.eta = r.p.eta, .gd_scale = 1.0};
        st = mfd_method_alloc(app_method(r.tab.t, &r.p, METHODS, NMETHODS), r.pb.lr->s, &mp, &r.alg);
    }
    if (st == MFD_OK)
        st = app_group_join(member, r.pb.lr->s);
    if (st != MFD_OK) {
        app_error(PROG, "setting up the run failed: %s", mfd_status_str(st));
        run_free(&r);
        return APP_EXIT_FAILURE;
    }
    code = run_loop(&r, argc, argv);
    run_free(&r);
    return code;
}

int main(int argc, char **argv)
{
    mfd_param_table t = {ROWS, sizeof ROWS / sizeof *ROWS};
    return app_main_grouped(PROG, argc, argv, t, run_one);
}
