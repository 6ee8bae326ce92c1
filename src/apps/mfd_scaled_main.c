/* mfd-scaled: scaled (preconditioned) gradient descent and its baselines on
 * factorization, Gaussian sensing, matrix completion and robust PCA
 * (THEORY.md §3).  parse -> check -> run -> write -> free. */
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
#include "mfd_method.h"

static const char *const PROG = "mfd-scaled";
static const char *const SYNOPSIS =
    "Scaled gradient descent and baselines on two-factor low-rank recovery: f(L R^T) for factorization,\n"
    "Gaussian sensing, matrix completion and robust PCA (THEORY.md section 3).  Monitors the relative error\n"
    "|L R^T - M*|_F / |M*|_F.  Writes <out>/run.ini, trace.csv (log-spaced; time_s is the algorithm's time),\n"
    "summary.csv.";

/* The update rules mfd-scaled offers, in the order --help lists them. */
static const mfd_method_type *const METHODS[] = {&mfd_gd_type,     &mfd_scaledgd_type,    &mfd_scaledgd_lambda_type,
                                                 &mfd_precgd_type, &mfd_altscaledgd_type, &mfd_altmin_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)
enum { PROBLEM_FACTORIZATION, PROBLEM_SENSING, PROBLEM_COMPLETION, PROBLEM_RPCA };
static const char *const PROBLEM_NAMES[] = {"factorization", "sensing", "completion", "rpca"};
enum { MODEL_ASYM, MODEL_SYM };
enum { GD_STEP_SIGMA1, GD_STEP_PLAIN };
enum { BASIS_RADEMACHER, BASIS_HAAR };

typedef struct scaled_params {
    int method, problem, model;
    app_problem_params prob;
    int basis, gd_step;
    double eta, lambda, precgd_c;
    long iters;
    app_loop_params loop;
    const char *out;
    int save_final, save_inputs;
    long threads;
} scaled_params;

#define OFF(f) offsetof(scaled_params, f)
static const mfd_param_spec ROWS[] = {
    APP_METHOD_KEY(scaled_params, method, "scaledgd",
                   "update rule ([TMC21] ScaledGD, [XSMC23] ScaledGD(lambda), [ZFZ23] PrecGD, [JWPFM23] "
                   "AltScaledGD, GD, alternating minimization)"),
    {"problem", MFD_P_CHOICE, "sensing", 0, 0, 0, "factorization|sensing|completion|rpca", OFF(problem),
     "factorization (A = I), Gaussian sensing, matrix completion (Bernoulli(p) mask), robust PCA"},
    {"model", MFD_P_CHOICE, "asym", 0, 0, 0, "asym|sym", OFF(model),
     "asym: L R^T with f = 1/2 |A(L R^T) - y|^2; sym: X X^T with f = 1/4 |A(X X^T) - y|^2 (k >= r)"},
    {"n", MFD_P_INT, "100", 1, 1e6, 0, NULL, OFF(prob.n), "size of the n x n ground truth"},
    {"n1", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(prob.n1), "asym: rows of the ground truth (0: n)"},
    {"n2", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(prob.n2), "asym: columns of the ground truth (0: n)"},
    {"r", MFD_P_INT, "5", 1, 1e6, 0, NULL, OFF(prob.r), "rank of the ground truth"},
    {"k", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(prob.k), "width of the factors (0: r; k > r over-parameterizes)"},
    {"kappa", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, OFF(prob.kappa),
     "condition number: singular values linspace(1, 1/kappa, r), so |M*|_op = 1"},
    {"spectrum", MFD_P_LIST, NULL, 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.spectrum),
     "the r singular values of the ground truth (replaces kappa)"},
    {"basis", MFD_P_CHOICE, "rademacher", 0, 0, 0, "rademacher|haar", OFF(basis),
     "singular vectors of the truth: orthonormalized Rademacher matrices ([TMC21]) or Haar"},
    {"same_basis", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(prob.same_basis),
     "V* = U* (the truth of [TMC21]'s Fig. 2 scripts)"},
    {"operator", MFD_P_CHOICE, "auto", 0, 0, 0, "auto|identity|gaussian|gaussian_sym|gaussian_otf|gaussian_sym_otf",
     OFF(prob.op), "sensing operator (auto: gaussian_sym for sym, gaussian for asym; *_otf stores nothing)"},
    {"m", MFD_P_INT, "0", 0, 1e12, 0, NULL, OFF(prob.m), "sensing: number of measurements (0: 5 n r)"},
    {"p", MFD_P_REAL, "0.2", 0, 1, MFD_P_MIN_OPEN, NULL, OFF(prob.p), "completion: probability an entry is observed"},
    {"sparse", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(prob.sparse),
     "completion: residual and gradients on the observed entries only, O(|Omega| k) per step"},
    {"outlier_frac", MFD_P_REAL, "0.1", 0, 1, MFD_P_MIN_OPEN, NULL, OFF(prob.outlier_frac),
     "rpca: fraction of corrupted entries"},
    {"outlier_scale", MFD_P_REAL, "10", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.outlier_scale),
     "rpca: outliers uniform in [-c, c], c = outlier_scale * mean |M*_ij|"},
    {"rpca_alpha", MFD_P_REAL, "0", 0, 1, 0, NULL, OFF(prob.rpca_alpha),
     "rpca: fraction kept by the projection T_alpha per row and column (0: twice outlier_frac)"},
    {"snr_db", MFD_P_REAL, "inf", -INFINITY, INFINITY, MFD_P_INF_OK, NULL, OFF(prob.snr_db),
     "signal-to-noise ratio of the measurements in dB (inf: noiseless)"},
    {"init", MFD_P_CHOICE, "spectral", 0, 0, 0, "small|spectral|balanced|same|scaled|file", OFF(prob.init),
     "spectral (top-k of A*(y); rpca: of Y - T_alpha(Y)), small random, balanced, same (G0 = F0), scaled "
     "(G0 = g_ratio F0), file"},
    {"alpha", MFD_P_REAL, "0.1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.alpha), "scale of the small init"},
    {"init_norm", MFD_P_CHOICE, "entry", 0, 0, 0, "entry|sqrt_n", OFF(prob.init_per_sqrt_n),
     "small init entries alpha N(0,1) (entry) or alpha N(0,1)/sqrt(n) (sqrt_n)"},
    {"g_ratio", MFD_P_REAL, "1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(prob.g_ratio),
     "small and scaled init: scale of R0 relative to L0"},
    {"gauge_cond", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, OFF(prob.gauge_cond),
     "P7: start from (L0 Q, R0 Q^-T) with a random Q of this condition number (1: none)"},
    {"eta", MFD_P_REAL, "0.5", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(eta), "step size"},
    {"lambda", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(lambda),
     "scaledgd_lambda: the damping lambda of (X^T X + lambda I)^-1; altmin: a ridge"},
    {"precgd_c", MFD_P_REAL, "1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(precgd_c),
     "precgd: lambda_t = precgd_c * |A(M_t) - y|"},
    {"gd_step", MFD_P_CHOICE, "sigma1", 0, 0, 0, "sigma1|plain", OFF(gd_step),
     "gd: step eta / sigma_1(M*) ([TMC21]) or eta"},
    {"iters", MFD_P_INT, "1000", 0, 1e15, MFD_P_OBSERVE, NULL, OFF(iters), "iteration budget"},
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(prob.seed),
     "seed of the run's random streams (target, operator, mask, noise, outliers, init)"},
    {"out", MFD_P_STR, NULL, 0, 0, MFD_P_REQUIRED, NULL, OFF(out), "output directory of the run"},
    APP_LOOP_KEYS(scaled_params, loop, "1e-14", "1e3", "1e-13", "1e-3", "1e-2,1e-6,1e-10"),
    {"mem_limit", MFD_P_REAL, "0", 0, INFINITY, MFD_P_OBSERVE, NULL, OFF(prob.mem_limit),
     "bytes a dense sensing operator may take (0: half the machine's memory)"},
    {"target_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.target_file), "ground truth M* as an n1 x n2 .npy"},
    {"operator_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.operator_file),
     "sensing: measurement matrices as an (m, n1, n2) .npy"},
    {"y_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.y_file), "measurements as an (m,) .npy (needs target_file)"},
    {"l0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.f0_file), "asym: initial L as an (n1, k) .npy; implies init=file"},
    {"r0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.g0_file), "asym: initial R as an (n2, k) .npy (with l0_file)"},
    {"x0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(prob.x0_file), "sym: initial X as an (n, k) .npy; implies init=file"},
    {"save_final", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_final),
     "write final/L.npy and final/R.npy (asym) or final/X.npy (sym)"},
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_inputs),
     "write final/target.npy, y.npy, the initial factors and (if stored) operator.npy"},
    {"threads", MFD_P_INT, "0", 0, 1024, MFD_P_OBSERVE, NULL, OFF(threads),
     "BLAS threads (0: OpenBLAS's default, or OPENBLAS_NUM_THREADS)"},
};
#undef OFF
static const app_problem_names NAMES = {"l0_file", "r0_file"};

typedef struct run {
    app_table tab;
    scaled_params p;
    bool given[APP_MAX_KEYS];
    const mfd_method_type *rule;
    mfd_method_params mp;
    app_problem pb;
    mfd_method *alg;
} run;

static void run_free(run *r)
{
    mfd_method_free(r->alg);
    app_problem_free(&r->pb);
    mfd_param_free(r->tab.t, &r->p);
}

/* Method, problem and model that go together; the operator the problem uses. */
static int resolve(run *r)
{
    scaled_params *p = &r->p;
    app_problem_params *pp = &p->prob;
    bool sym = p->model == MODEL_SYM;
    pp->symmetric = sym;
    pp->rademacher = p->basis == BASIS_RADEMACHER;
    if (!app_given(r->tab.t, r->given, "k") || pp->k == 0)
        pp->k = pp->r;
    if (p->problem != PROBLEM_SENSING && (app_given(r->tab.t, r->given, "operator") || pp->operator_file))
        return app_usage_error(PROG, "keys 'operator' and 'operator_file' are for problem=sensing, not %s",
                               PROBLEM_NAMES[p->problem]);
    if (p->problem == PROBLEM_FACTORIZATION || p->problem == PROBLEM_RPCA)
        pp->op = PROB_OP_IDENTITY;
    else if (p->problem == PROBLEM_COMPLETION)
        pp->op = PROB_OP_MASK;
    if (p->problem != PROBLEM_RPCA)
        pp->outlier_frac = 0; /* outliers only for robust PCA */
    else if (sym)
        return app_usage_error(PROG, "problem=rpca is asymmetric (model=asym)");
    if (p->problem == PROBLEM_COMPLETION && sym)
        return app_usage_error(PROG, "problem=completion is asymmetric (model=asym)");
    return APP_EXIT_OK;
}

/* The rule's settings and its own check, once the problem's sizes are known. */
static int check_method(run *r)
{
    scaled_params *p = &r->p;
    char msg[512];
    r->rule = app_method(r->tab.t, p, METHODS, NMETHODS);
    r->mp.eta = p->eta;
    r->mp.lambda = p->lambda;
    r->mp.precgd_c = p->precgd_c;
    r->mp.gd_scale = 1.0; /* gd_step=sigma1 sets sigma_1(M*) once the truth is built */
    r->mp.mem_limit = p->prob.mem_limit;
    mfd_method_problem mpb = {MFD_METHOD_TWO_FACTOR, p->prob.symmetric != 0, app_problem_op_kind(&p->prob),
                              r->pb.n1, r->pb.n2, r->pb.k, r->pb.m};
    if (!r->rule)
        return app_usage_error(PROG, "key 'method': no such rule");
    if (mfd_method_check(r->rule, &r->mp, &mpb, msg, sizeof msg) != MFD_OK)
        return app_usage_error(PROG, "%s", msg);
    return APP_EXIT_OK;
}

/* ---- the loop's callbacks --------------------------------------------- */

static mfd_status scaled_eval(void *ctx, long t, double *monitor)
{
    (void)t;
    run *r = ctx;
    MFD_CHECK(mfd_sense_eval(r->pb.s));
    *monitor = r->pb.s->rel_err;
    return MFD_OK;
}

static mfd_status scaled_log_row(void *ctx, long t, double *row) { return app_problem_log_row(&((run *)ctx)->pb, t, row); }

static mfd_status scaled_step(void *ctx, long t, mfd_stop *stop)
{
    (void)t;
    run *r = ctx;
    return mfd_method_step(r->alg, stop);
}

static mfd_status scaled_summary(void *ctx, mfd_stop stop, mfd_kv *kv)
{
    (void)stop;
    run *r = ctx;
    MFD_CHECK(mfd_kv_add_str(kv, "method", r->rule->name));
    MFD_CHECK(mfd_kv_add_str(kv, "problem", PROBLEM_NAMES[r->p.problem]));
    MFD_CHECK(app_problem_summary(&r->pb, kv));
    return mfd_kv_add_real(kv, "lambda_last", mfd_method_lambda_used(r->alg));
}

static mfd_status scaled_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    return app_problem_save_final(&r->pb, o, r->p.save_final, r->p.save_inputs, "L.npy", "R.npy", "L0.npy", "R0.npy",
                                  err, errlen);
}

static int run_loop(run *r, int argc, char **argv)
{
    scaled_params *p = &r->p;
    app_problem *pb = &r->pb;
    mfd_kv meta, extra;
    mfd_kv_init(&meta);
    mfd_kv_init(&extra);
    mfd_status st;
    int code = APP_EXIT_FAILURE;
    if ((st = mfd_kv_add_str(&meta, "program", PROG)) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "method", r->rule->name)) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "problem", PROBLEM_NAMES[p->problem])) != MFD_OK ||
        (st = app_problem_meta(pb, &p->prob, p->eta, &meta, &extra)) != MFD_OK) {
        app_error(PROG, "%s", mfd_status_str(st));
    } else {
        app_loop_cfg cfg = app_loop_config(PROG, "rel_err", p->iters, &p->loop);
        app_model model = {.ctx = r,
                           .ncols = mfd_sensediag_ncols(pb->g),
                           .cols = pb->cols,
                           .eval = scaled_eval,
                           .log_row = scaled_log_row,
                           .step = scaled_step,
                           .summary = scaled_summary,
                           .write_final = scaled_write_final};
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
    if ((code = resolve(&r)) != APP_EXIT_OK ||
        (code = app_problem_resolve(PROG, &r.p.prob, &r.pb, r.tab.t, r.given, &NAMES)) != APP_EXIT_OK ||
        (code = app_loop_check(PROG, &r.p.loop)) != APP_EXIT_OK || (code = check_method(&r)) != APP_EXIT_OK) {
        run_free(&r);
        return code;
    }
    if (r.p.threads > 0)
        mfd_la_set_blas_threads((int)r.p.threads);
    mfd_status st = app_problem_build(&r.p.prob, &r.pb);
    if (st == MFD_OK) {
        if (r.p.gd_step == GD_STEP_SIGMA1)
            r.mp.gd_scale = r.pb.sigma1;
        st = mfd_method_alloc(r.rule, r.pb.s, &r.mp, &r.alg);
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
