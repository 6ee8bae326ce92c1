/* mfd-sense: gradient descent on over-parameterized matrix sensing with a
 * symmetric (XXᵀ) or asymmetric (FGᵀ) factorization, THEORY.md §2.
 * parse -> check -> run -> write -> free. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_common.h"
#include "app_loop.h"
#include "app_problem.h"
#include "mfd_la.h"
#include "mfd_npy.h"

static const char *const PROG = "mfd-sense";
static const char *const SYNOPSIS =
    "Gradient descent on matrix sensing: symmetric f(X) = 1/4 |A(X X^T) - y|^2 or asymmetric\n"
    "f(F, G) = 1/2 |A(F G^T) - y|^2 (THEORY.md section 2).  Monitors the relative error\n"
    "|M - M*|_F / |M*|_F.  Writes <out>/run.ini, trace.csv (log-spaced), summary.csv.";

enum { MODEL_SYM, MODEL_ASYM };

/* The update rules mfd-sense offers. */
static const mfd_method_type *const METHODS[] = {&mfd_gd_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)

typedef struct sense_params {
    int method, model;
    app_problem_params prob;
    double eta;
    long iters;
    app_loop_params loop;
    double rebalance_eps0;
    const char *out;
    int save_final, save_inputs;
    long threads;
} sense_params;

#define OFF(f) offsetof(sense_params, f)
static const mfd_param_spec ROWS[] = {
    APP_METHOD_KEY(sense_params, method, "gd", "update rule: gd, F <- F - eta grad_F f, G <- G - eta grad_G f"),
    {"model", MFD_P_CHOICE, "sym", 0, 0, 0, "sym|asym", OFF(model),
     "sym: X X^T with the 1/4 loss; asym: F G^T with the 1/2 loss"},
    {"n", MFD_P_INT, "20", 1, 1e6, 0, NULL, OFF(prob.n), "size of the n x n ground truth"},
    {"n1", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(prob.n1), "asym: rows of the ground truth (0: n)"},
    {"n2", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(prob.n2), "asym: columns of the ground truth (0: n)"},
    {"k", MFD_P_INT, "4", 1, 1e6, 0, NULL, OFF(prob.k), "width of the factors (k >= r over-parameterizes)"},
    {"r", MFD_P_INT, "2", 1, 1e6, 0, NULL, OFF(prob.r), "rank of the ground truth"},
    {"kappa", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, OFF(prob.kappa),
     "condition number: singular values linspace(1, 1/kappa, r)"},
    {"spectrum", MFD_P_LIST, NULL, 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.spectrum),
     "the r singular values of the ground truth (replaces kappa)"},
    {"same_basis", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(prob.same_basis),
     "asym: V* = U*, a PSD ground truth (the symmetric model's truth, for comparing the two)"},
    {"operator", MFD_P_CHOICE, "auto", 0, 0, 0,
     "auto|identity|gaussian|gaussian_sym|gaussian_otf|gaussian_sym_otf|file", OFF(prob.op),
     "measurement operator (auto: gaussian_sym for sym, gaussian for asym; *_otf regenerates A_k, storing "
     "nothing; identity: plain factorization)"},
    {"m", MFD_P_INT, "0", 0, 1e12, 0, NULL, OFF(prob.m), "number of measurements (0: 5 n r; identity: n1 n2)"},
    {"snr_db", MFD_P_REAL, "inf", -INFINITY, INFINITY, MFD_P_INF_OK, NULL, OFF(prob.snr_db),
     "signal-to-noise ratio of the measurements in dB (inf: noiseless)"},
    {"init", MFD_P_CHOICE, "small", 0, 0, 0, "small|spectral|balanced|same|scaled|file", OFF(prob.init),
     "small random; spectral (top-k of A*(y)); balanced (asym, F0^T F0 = G0^T G0); same (asym, G0 = F0); "
     "scaled (asym, G0 = g_ratio F0); file"},
    {"alpha", MFD_P_REAL, "1e-3", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.alpha), "scale of the small init"},
    {"init_norm", MFD_P_CHOICE, "entry", 0, 0, 0, "entry|sqrt_n", OFF(prob.init_per_sqrt_n),
     "small init entries alpha N(0,1) (entry) or alpha N(0,1)/sqrt(n) (sqrt_n)"},
    {"g_ratio", MFD_P_REAL, "0.3333333333333333", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.g_ratio),
     "asym small and scaled init: scale of G0 relative to F0 ([XDD24] use 1/3 for small)"},
    {"eta", MFD_P_REAL, "0.05", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(eta), "step size"},
    {"iters", MFD_P_INT, "10000", 0, 1e15, MFD_P_OBSERVE, NULL, OFF(iters), "iteration budget"},
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(prob.seed),
     "seed of the run's random streams (target, operator, noise, init)"},
    {"out", MFD_P_STR, NULL, 0, 0, MFD_P_REQUIRED, NULL, OFF(out), "output directory of the run"},
    APP_LOOP_KEYS(sense_params, loop, "1e-13", "1e6", "1e-12", "1e-4", "1e-2,1e-4,1e-6,1e-10"),
    {"rebalance_eps0", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(rebalance_eps0),
     "asym: re-imbalance once, (F, G) <- (F P, G P^-T), when rel_err first falls below this (0: never)"},
    {"mem_limit", MFD_P_REAL, "0", 0, INFINITY, MFD_P_OBSERVE, NULL, OFF(prob.mem_limit),
     "bytes a dense operator may take (0: half the machine's memory)"},
    {"target_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.target_file), "ground truth M* as an n1 x n2 .npy"},
    {"operator_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.operator_file),
     "measurement matrices as an (m, n1, n2) .npy; implies operator=file"},
    {"y_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.y_file), "measurements as an (m,) .npy (needs target_file)"},
    {"x0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.x0_file), "sym: initial X as an (n, k) .npy; implies init=file"},
    {"f0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.f0_file), "asym: initial F as an (n1, k) .npy; implies init=file"},
    {"g0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.g0_file), "asym: initial G as an (n2, k) .npy (with f0_file)"},
    {"save_final", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_final),
     "write final/X.npy (sym) or final/F.npy and final/G.npy (asym)"},
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_inputs),
     "write final/target.npy, y.npy, the initial factors and (if stored) operator.npy"},
    {"threads", MFD_P_INT, "0", 0, 1024, MFD_P_OBSERVE, NULL, OFF(threads),
     "BLAS threads (0: OpenBLAS's default, or OPENBLAS_NUM_THREADS)"},
};
#undef OFF
static const app_problem_names NAMES = {"f0_file", "g0_file"};

typedef struct run {
    app_table tab;
    sense_params p;
    bool given[APP_MAX_KEYS];
    app_problem pb;
    mfd_method *alg;
    long rebalance_iter, last_t;
} run;

static void run_free(run *r)
{
    mfd_method_free(r->alg);
    app_problem_free(&r->pb);
    mfd_param_free(r->tab.t, &r->p);
}

/* ---- the loop's callbacks --------------------------------------------- */

static mfd_status sense_eval(void *ctx, long t, double *monitor)
{
    run *r = ctx;
    MFD_CHECK(mfd_sense_eval(r->pb.s));
    r->last_t = t;
    *monitor = r->pb.s->rel_err;
    return MFD_OK;
}

/* S4: one re-imbalancing step, when rel_err first falls to rebalance_eps0;
 * FGᵀ is unchanged, the gradients are not (the loop evaluates again). */
static mfd_status sense_adjust(void *ctx, long t, bool *moved)
{
    run *r = ctx;
    mfd_sense *s = r->pb.s;
    if (r->p.rebalance_eps0 > 0 && r->rebalance_iter < 0 && s->rel_err <= r->p.rebalance_eps0) {
        MFD_CHECK(mfd_sense_rebalance(s, r->pb.sigma1));
        r->rebalance_iter = t;
        *moved = true;
    }
    return MFD_OK;
}

static mfd_status sense_log_row(void *ctx, long t, double *row) { return app_problem_log_row(&((run *)ctx)->pb, t, row); }

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
    const app_problem *pb = &r->pb;
    const mfd_sense *s = pb->s;
    MFD_CHECK(app_problem_summary(pb, kv));
    MFD_CHECK(mfd_kv_add_str(kv, "operator", app_problem_op_names[r->p.prob.op]));
    /* S1: t |X_t X_tᵀ − M*| and its predicted limit sqrt(k − r) / (2 eta) */
    MFD_CHECK(mfd_kv_add_real(kv, "t_err_abs", (double)r->last_t * s->err_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "s1_limit", s->symmetric ? sqrt((double)(pb->k - pb->r)) / (2 * r->p.eta) : NAN));
    MFD_CHECK(mfd_kv_add_int(kv, "rebalance_iter", r->rebalance_iter));
    return MFD_OK;
}

static mfd_status sense_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    return app_problem_save_final(&r->pb, o, r->p.save_final, r->p.save_inputs, "F.npy", "G.npy", "F0.npy", "G0.npy",
                                  err, errlen);
}

static int run_loop(run *r, int argc, char **argv)
{
    sense_params *p = &r->p;
    app_problem *pb = &r->pb;
    r->rebalance_iter = -1;
    mfd_kv meta, extra;
    mfd_kv_init(&meta);
    mfd_kv_init(&extra);
    mfd_status st;
    int code = APP_EXIT_FAILURE;
    if ((st = mfd_kv_add_str(&meta, "program", PROG)) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "model", p->model == MODEL_SYM ? "sym" : "asym")) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "operator", app_problem_op_names[p->prob.op])) != MFD_OK ||
        (st = app_problem_meta(pb, &p->prob, p->eta, &meta, &extra)) != MFD_OK) {
        app_error(PROG, "%s", mfd_status_str(st));
    } else {
        app_loop_cfg cfg = app_loop_config(PROG, "rel_err", p->iters, &p->loop);
        app_model model = {.ctx = r,
                           .ncols = mfd_sensediag_ncols(pb->g),
                           .cols = pb->cols,
                           .eval = sense_eval,
                           .adjust = sense_adjust,
                           .log_row = sense_log_row,
                           .step = sense_step,
                           .summary = sense_summary,
                           .write_final = sense_write_final};
        code = app_loop_run(&cfg, &model, p->out, &meta, r->tab.t, p, &extra, argc, argv);
    }
    mfd_kv_free(&meta);
    mfd_kv_free(&extra);
    return code;
}

int main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int code;
    if (!app_table_init(PROG, &r.tab, ROWS, sizeof ROWS / sizeof *ROWS, METHODS, NMETHODS))
        return APP_EXIT_FAILURE;
    if (!app_parse(PROG, SYNOPSIS, r.tab.t, &r.p, r.given, argc, argv, &code)) {
        run_free(&r);
        return code;
    }
    r.p.prob.symmetric = r.p.model == MODEL_SYM;
    if ((code = app_problem_resolve(PROG, &r.p.prob, &r.pb, r.tab.t, r.given, &NAMES)) != APP_EXIT_OK ||
        (code = app_loop_check(PROG, &r.p.loop)) != APP_EXIT_OK) {
        run_free(&r);
        return code;
    }
    if (r.p.rebalance_eps0 > 0 && r.p.model == MODEL_SYM) {
        run_free(&r);
        return app_usage_error(PROG, "key 'rebalance_eps0': the re-imbalancing step is for model=asym");
    }
    if (r.p.threads > 0)
        mfd_la_set_blas_threads((int)r.p.threads);
    mfd_status st = app_problem_build(&r.p.prob, &r.pb);
    if (st == MFD_OK) {
        mfd_method_params mp = {.eta = r.p.eta, .gd_scale = 1.0};
        st = mfd_method_alloc(app_method(r.tab.t, &r.p, METHODS, NMETHODS), r.pb.s, &mp, &r.alg);
    }
    if (st != MFD_OK) {
        app_error(PROG, "setting up the run failed: %s", mfd_status_str(st));
        run_free(&r);
        return APP_EXIT_FAILURE;
    }
    code = run_loop(&r, argc, argv);
    run_free(&r);
    return code;
}
