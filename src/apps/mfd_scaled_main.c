/* mfd-scaled: scaled (preconditioned) gradient descent and its baselines on
 * factorization, Gaussian sensing, matrix completion and robust PCA
 * (THEORY.md §3).  parse -> check -> build -> loop -> write -> free. */
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

#define PROG "mfd-scaled"
static const char SYNOPSIS[] =
    "Scaled gradient descent and baselines on two-factor low-rank recovery: f(L R^T) for factorization,\n"
    "Gaussian sensing, matrix completion and robust PCA (THEORY.md section 3).  Monitors the relative error\n"
    "|L R^T - M*|_F / |M*|_F.  Writes <out>/run.ini, trace.csv (log-spaced; time_s is the algorithm's time),\n"
    "summary.csv.";

/* The update rules mfd-scaled offers, in the order --help lists them. */
static const mfd_method_type *const METHODS[] = {&mfd_gd_type,     &mfd_scaledgd_type,    &mfd_scaledgd_lambda_type,
                                                 &mfd_precgd_type, &mfd_altscaledgd_type, &mfd_altmin_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)

enum { PROBLEM_FACTORIZATION, PROBLEM_SENSING, PROBLEM_COMPLETION, PROBLEM_RPCA };
static const mfd_param_word PROBLEM_WORDS[] = {{"factorization", PROBLEM_FACTORIZATION},
                                               {"sensing", PROBLEM_SENSING},
                                               {"completion", PROBLEM_COMPLETION},
                                               {"rpca", PROBLEM_RPCA}};
static const mfd_param_word BASIS_WORDS[] = {
    {"rademacher", MFD_BASIS_RADEMACHER_QR}, {"haar", MFD_BASIS_HAAR}, {"rademacher_svd", MFD_BASIS_RADEMACHER_SVD}};
enum { GD_STEP_SIGMA1, GD_STEP_PLAIN };
static const mfd_param_word GD_STEP_WORDS[] = {{"sigma1", GD_STEP_SIGMA1}, {"plain", GD_STEP_PLAIN}};


typedef struct scaled_params {
    int method, problem;
    app_lowrank_keys lk;
    int basis, gd_step, outlier_model, noise_model;
    double eta, lambda, lambda_rel, precgd_c;
    long iters;
    app_loop_params loop;
    const char *out;
    int save_final, save_inputs;
    long threads;
    int share_operator;
} scaled_params;

#define OFF(f) offsetof(scaled_params, f)
static const mfd_param_spec ROWS[] = {
    APP_METHOD_KEY(scaled_params, method, "scaledgd",
                   "update rule ([TMC21] ScaledGD, [XSMC23] ScaledGD(lambda), [ZFZ23] PrecGD, [JWPFM23] "
                   "AltScaledGD, GD, alternating minimization)"),
    {"problem", MFD_P_CHOICE, "sensing", 0, 0, MFD_P_OPERATOR, "factorization|sensing|completion|rpca", OFF(problem),
     "factorization (A = I), Gaussian sensing, matrix completion (Bernoulli(p) mask), robust PCA"},
    {"model", MFD_P_CHOICE, "asym", 0, 0, MFD_P_OPERATOR, "asym|sym", OFF(lk.model),
     "asym: L R^T with f = 1/2 |A(L R^T) - y|^2; sym: X X^T with f = 1/4 |A(X X^T) - y|^2 (k >= r)"},
    APP_LOWRANK_SIZE_KEYS(scaled_params, lk, "100"),
    APP_LOWRANK_RANK_KEY(scaled_params, lk, "5"),
    {"k", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(lk.prob.k), "width of the factors (0: r; k > r over-parameterizes)"},
    APP_LOWRANK_SPECTRUM_KEYS(scaled_params, lk),
    APP_LOWRANK_SPECTRUM_SCALE_KEY(scaled_params, lk),
    {"basis", MFD_P_CHOICE, "rademacher", 0, 0, 0, "rademacher|haar|rademacher_svd", OFF(basis),
     "singular vectors of the truth: a Rademacher matrix's QR factor, Haar, or its left singular vectors "
     "([TMC21]'s scripts)"},
    APP_LOWRANK_SAME_BASIS_KEY(scaled_params, lk),
    {"operator", MFD_P_CHOICE, "auto", 0, 0, MFD_P_OPERATOR, "auto|identity|gaussian|gaussian_sym|gaussian_otf|gaussian_sym_otf",
     OFF(lk.op), "sensing operator (auto: gaussian_sym for sym, gaussian for asym; *_otf stores nothing)"},
    APP_LOWRANK_M_KEY(scaled_params, lk),
    {"p", MFD_P_REAL, "0.2", 0, 1, MFD_P_MIN_OPEN | MFD_P_OPERATOR, NULL, OFF(lk.prob.p), "completion: probability an entry is observed"},
    {"sparse", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(lk.prob.sparse),
     "completion: residual and gradients on the observed entries only, O(|Omega| k) per step"},
    {"outlier_frac", MFD_P_REAL, "0.1", 0, 1, MFD_P_MIN_OPEN, NULL, OFF(lk.prob.outlier_frac),
     "rpca: fraction of corrupted entries"},
    {"outlier_model", MFD_P_CHOICE, "uniform", 0, 0, 0, "uniform|tmc21", OFF(outlier_model),
     "rpca: outliers uniform in [-c, c] on a fraction outlier_frac of the entries (uniform), or [TMC21]'s "
     "T_a(G) with G iid N(0,1) and a = outlier_frac (tmc21)"},
    {"outlier_scale", MFD_P_REAL, "10", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(lk.prob.outlier_scale),
     "rpca, uniform outliers: c = outlier_scale * mean |M*_ij|"},
    {"rpca_alpha", MFD_P_REAL, "0", 0, 1, 0, NULL, OFF(lk.prob.rpca_alpha),
     "rpca: fraction kept by the projection T_alpha per row and column (0: twice outlier_frac)"},
    {"rpca_init_alpha", MFD_P_REAL, "0", 0, 1, 0, NULL, OFF(lk.prob.rpca_init_alpha),
     "rpca: the level of T_alpha in the spectral init Y - T_alpha(Y) (0: rpca_alpha; [TMC21]: outlier_frac)"},
    APP_LOWRANK_NOISE_KEY(scaled_params, lk),
    {"noise_model", MFD_P_CHOICE, "snr", 0, 0, 0, "snr|tmc21", OFF(noise_model),
     "noise std rms(A(M*)) 10^(-snr_db/20) per measurement (snr), or [TMC21]'s |M*|_F / (n 10^(snr_db/20)) per "
     "entry of M* (tmc21)"},
    {"init", MFD_P_CHOICE, "spectral", 0, 0, 0, "small|spectral|balanced|same|scaled|file", OFF(lk.init),
     "spectral (top-k of A*(y); rpca: of Y - T_alpha(Y)), small random, balanced, same (G0 = F0), scaled "
     "(G0 = g_ratio F0), file"},
    APP_LOWRANK_SMALL_INIT_KEYS(scaled_params, lk, "0.1", "1"),
    {"gauge_cond", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, OFF(lk.prob.gauge_cond),
     "P7: start from (L0 Q, R0 Q^-T) with a random Q of this condition number (1: none)"},
    APP_ETA_KEY(scaled_params, eta, "0.5"),
    {"lambda", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(lambda),
     "scaledgd_lambda: the damping lambda of (X^T X + lambda I)^-1; altmin: a ridge"},
    {"lambda_rel", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(lambda_rel),
     "scaledgd_lambda: lambda = lambda_rel * sigma_r(M*) instead of lambda ([XSMC23]'s lambda tied to sigma_min)"},
    {"precgd_c", MFD_P_REAL, "1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(precgd_c),
     "precgd: lambda_t = precgd_c * |A(M_t) - y|"},
    {"gd_step", MFD_P_CHOICE, "sigma1", 0, 0, 0, "sigma1|plain", OFF(gd_step),
     "gd: step eta / sigma_1(M*) ([TMC21]) or eta"},
    APP_ITERS_KEY(scaled_params, iters, "1000"),
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(lk.prob.seed),
     "seed of the run's random streams (target, noise, outliers, init; operator and mask without op_seed)"},
    APP_LOWRANK_OP_SEED_KEY(scaled_params, lk),
    APP_OUT_KEY(scaled_params, out),
    APP_LOOP_KEYS(scaled_params, loop, "1e-14", "1e3", "1e-13", "1e-3", "1e-2,1e-6,1e-10"),
    APP_LOWRANK_INPUT_KEYS(scaled_params, lk),
    APP_LOWRANK_FACTOR_KEYS(scaled_params, lk, "l0_file", "r0_file", "L", "R"),
    APP_LOWRANK_X0_KEY(scaled_params, lk),
    APP_LOWRANK_SAVE_KEYS(scaled_params, save_final, save_inputs, "L", "R"),
    APP_LOWRANK_THREADS_KEY(scaled_params, threads),
    APP_LOWRANK_SHARE_KEY(scaled_params, share_operator),
};
#undef OFF
static const app_program PROGRAM = {PROG, SYNOPSIS, ROWS, sizeof ROWS / sizeof *ROWS, METHODS, NMETHODS};
static const app_lowrank_names NAMES = {"l0_file", "r0_file"};

typedef struct run {
    app_table tab;
    scaled_params p;
    bool given[APP_MAX_KEYS];
    int problem, gd_step;           /* PROBLEM_*, GD_STEP_* */
    const mfd_method_type *rule;
    mfd_method_params mp;
    app_lowrank pb;
    mfd_method *alg;
    app_member *member; /* NULL: a run alone */
} run;

static void run_free(run *r)
{
    mfd_method_free(r->alg);
    app_lowrank_free(&r->pb);
    mfd_param_free(r->tab.t, &r->p);
}

/* ---- parse and check ---------------------------------------------------- */

static const char *problem_name(const run *r)
{
    for (size_t i = 0; i < sizeof PROBLEM_WORDS / sizeof *PROBLEM_WORDS; i++)
        if (PROBLEM_WORDS[i].value == r->problem)
            return PROBLEM_WORDS[i].name;
    return "";
}

/* Choices by name; the problem's model and operator. */
static int resolve(run *r)
{
    scaled_params *p = &r->p;
    mfd_lowrank_params *pp = &p->lk.prob;
    char err[256];
    int code, basis, outliers, noise;
    if ((code = app_lowrank_words(PROG, r->tab.t, p, &p->lk)) != APP_EXIT_OK)
        return code;
    if (mfd_param_word_value(r->tab.t, p, "problem", PROBLEM_WORDS, 4, &r->problem, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "basis", BASIS_WORDS, 3, &basis, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "gd_step", GD_STEP_WORDS, 2, &r->gd_step, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "outlier_model", mfd_lowrank_outlier_words, mfd_lowrank_outlier_nwords,
                             &outliers, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "noise_model", mfd_lowrank_noise_words, mfd_lowrank_noise_nwords, &noise,
                             err, sizeof err) != MFD_OK)
        return app_usage_error(PROG, "%s", err);
    bool sym = pp->symmetric;
    pp->basis = (mfd_basis_kind)basis;
    pp->outlier_model = (mfd_lowrank_outliers)outliers;
    pp->noise_model = (mfd_lowrank_noise)noise;
    /* robust PCA's own models: another value than the default with another problem would be ignored, so it
     * is refused (the default may be given, as a spec that zips problems with these keys gives it) */
    if (r->problem != PROBLEM_RPCA && pp->outlier_model != MFD_LOWRANK_OUTLIERS_UNIFORM)
        return app_usage_error(PROG, "key 'outlier_model': tmc21 is for problem=rpca, not %s", problem_name(r));
    if (r->problem != PROBLEM_RPCA && pp->rpca_init_alpha != 0)
        return app_usage_error(PROG, "key 'rpca_init_alpha': %g is for problem=rpca, not %s", pp->rpca_init_alpha,
                               problem_name(r));
    if (pp->outlier_model == MFD_LOWRANK_OUTLIERS_TMC21 && app_given(r->tab.t, r->given, "outlier_scale"))
        return app_usage_error(PROG, "key 'outlier_scale' sizes the uniform outliers; outlier_model=tmc21 keeps N(0, 1) "
                               "entries as they are");
    if (!app_given(r->tab.t, r->given, "k") || pp->k == 0)
        pp->k = pp->r;
    if (r->problem != PROBLEM_SENSING && (app_given(r->tab.t, r->given, "operator") || p->lk.operator_file))
        return app_usage_error(PROG, "keys 'operator' and 'operator_file' are for problem=sensing, not %s",
                               problem_name(r));
    if (r->problem == PROBLEM_FACTORIZATION || r->problem == PROBLEM_RPCA)
        pp->op = MFD_LOWRANK_OP_IDENTITY;
    else if (r->problem == PROBLEM_COMPLETION)
        pp->op = MFD_LOWRANK_OP_MASK;
    if (r->problem != PROBLEM_RPCA)
        pp->outlier_frac = 0; /* outliers only for robust PCA */
    else if (sym)
        return app_usage_error(PROG, "problem=rpca is asymmetric (model=asym)");
    if (r->problem == PROBLEM_COMPLETION && sym)
        return app_usage_error(PROG, "problem=completion is asymmetric (model=asym)");
    return APP_EXIT_OK;
}

/* The rule's settings and its own check, once the problem's sizes are known. */
static int check_method(run *r)
{
    scaled_params *p = &r->p;
    char msg[512];
    r->rule = app_method(r->tab.t, p, METHODS, NMETHODS);
    if (p->lambda_rel > 0 && r->rule != &mfd_scaledgd_lambda_type)
        return app_usage_error(PROG, "key 'lambda_rel' is for method=scaledgd_lambda, not %s", r->rule->name);
    if (p->lambda_rel > 0 && app_given(r->tab.t, r->given, "lambda"))
        return app_usage_error(PROG, "keys 'lambda' and 'lambda_rel' both set the damping; give one of them");
    r->mp.eta = p->eta;
    r->mp.lambda = p->lambda_rel > 0 ? p->lambda_rel : p->lambda; /* λ_rel·σ_r(M*) once the truth is built */
    r->mp.precgd_c = p->precgd_c;
    r->mp.gd_scale = 1.0; /* gd_step=sigma1: σ₁(M*), once the truth is built */
    r->mp.mem_limit = p->lk.prob.mem_limit;
    mfd_method_problem mpb = app_lowrank_method_problem(&p->lk);
    if (mfd_method_check(r->rule, &r->mp, &mpb, msg, sizeof msg) != MFD_OK)
        return app_usage_error(PROG, "%s", msg);
    return APP_EXIT_OK;
}

static int check(run *r)
{
    int code;
    if ((code = resolve(r)) != APP_EXIT_OK ||
        (code = app_lowrank_resolve(PROG, r->tab.t, r->given, &NAMES, &r->p.lk, &r->pb)) != APP_EXIT_OK ||
        (code = app_loop_check(PROG, &r->p.loop)) != APP_EXIT_OK)
        return code;
    return check_method(r);
}

/* ---- the loop's callbacks --------------------------------------------- */

static mfd_status scaled_eval(void *ctx, long t, double *monitor)
{
    (void)t;
    run *r = ctx;
    mfd_sense *s = r->pb.lr->s;
    MFD_CHECK(mfd_sense_eval(s));
    *monitor = s->rel_err;
    return MFD_OK;
}

static mfd_status scaled_log_row(void *ctx, long t, double *row) { return app_lowrank_log_row(&((run *)ctx)->pb, t, row); }

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
    MFD_CHECK(mfd_kv_add_str(kv, "problem", problem_name(r)));
    MFD_CHECK(app_lowrank_summary(&r->pb, kv));
    MFD_CHECK(mfd_kv_add_real(kv, "target_fro", r->pb.lr->target_fro));
    MFD_CHECK(mfd_kv_add_real(kv, "init_dev_op", r->pb.lr->init_dev_op));
    MFD_CHECK(mfd_kv_add_real(kv, "outlier_density", r->pb.lr->outlier_density));
    return mfd_kv_add_real(kv, "lambda_last", mfd_method_lambda_used(r->alg));
}

static mfd_status scaled_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    return app_lowrank_save_final(&r->pb, o, r->p.save_final, r->p.save_inputs, "L", "R", err, errlen);
}

static size_t scaled_factors(void *ctx, app_factor *f, size_t max)
{
    return app_lowrank_factors(&((run *)ctx)->pb, "L", "R", f, max);
}

/* Between iterations the run carries the rule's state and the tracked imbalance. */
static mfd_status scaled_save(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    mfd_method_save(r->alg, b);
    app_lowrank_save(&r->pb, b);
    return b->st;
}

static mfd_status scaled_load(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    MFD_CHECK(mfd_method_load(r->alg, b));
    return app_lowrank_load(&r->pb, b);
}

static mfd_status scaled_describe(void *ctx, mfd_kv *meta, mfd_kv *extra)
{
    run *r = ctx;
    MFD_CHECK(mfd_kv_add_str(meta, "method", r->rule->name));
    MFD_CHECK(mfd_kv_add_str(meta, "problem", problem_name(r)));
    return app_lowrank_meta(&r->pb, &r->p.lk, r->p.eta, meta, extra);
}

static mfd_status scaled_run_info(void *ctx, mfd_kv *kv) { return app_group_run_info(((run *)ctx)->member, kv); }

static int run_loop(run *r, int argc, char **argv)
{
    scaled_params *p = &r->p;
    app_loop_cfg cfg = app_loop_config(PROG, "rel_err", p->iters, &p->loop);
    app_model model = {.ctx = r,
                       .ncols = mfd_sensediag_ncols(r->pb.g),
                       .cols = r->pb.cols,
                       .describe = scaled_describe,
                       .eval = scaled_eval,
                       .log_row = scaled_log_row,
                       .step = scaled_step,
                       .summary = scaled_summary,
                       .write_final = scaled_write_final,
                       .run_info = scaled_run_info,
                       .factors = scaled_factors,
                       .save = scaled_save,
                       .load = scaled_load};
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
        if (r.gd_step == GD_STEP_SIGMA1)
            r.mp.gd_scale = r.pb.lr->sigma1;
        if (r.p.lambda_rel > 0) /* run.ini records the damping used */
            r.p.lambda = r.mp.lambda = r.p.lambda_rel * r.pb.lr->sigma_r;
        st = mfd_method_alloc(r.rule, r.pb.lr->s, &r.mp, &r.alg);
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
