/* mfd-deep: gradient descent on deep (N-layer) matrix factorization,
 * THEORY.md §1.  parse -> check -> build -> loop -> write -> free. */
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
#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepmon.h"
#include "mfd_deepprob.h"
#include "mfd_npy.h"
#include "mfd_out.h"
#include "mfd_rate.h"

#define PROG "mfd-deep"
static const char SYNOPSIS[] =
    "Gradient descent on L = 1/2 |S - W_N...W_1|^2 + (a/4) sum_j |W_j W_j^H - W_{j+1}^H W_{j+1}|^2\n"
    "(THEORY.md section 1).  Writes <out>/run.ini, trace.csv (log-spaced), summary.csv.";

static const mfd_param_word FIELD_WORDS[] = {{"real", MFD_REAL}, {"complex", MFD_COMPLEX}};

/* The update rules mfd-deep offers. */
static const mfd_method_type *const METHODS[] = {&mfd_deepgd_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)

typedef struct deep_params {
    int method;
    long depth, d;
    mfd_list widths;
    int field;
    double a, eta;
    long iters;
    uint64_t seed;
    const char *out;
    int target;
    double sigma;
    mfd_list target_diag;
    long target_rank;
    const char *target_file;
    long observed;
    int init;
    double eps, init_shift;
    const char *init_file;
    app_loop_params loop;
    double balance_tol;
    int monitor_invariants, monitor_thm8, monitor_thm11;
    double thm11_skew_tol;
    int save_final, save_inputs;
    long threads;
} deep_params;

#define OFF(f) offsetof(deep_params, f)
static const mfd_param_spec ROWS[] = {
    APP_METHOD_KEY(deep_params, method, "gd", "update rule: gd, W_j <- W_j - eta grad_j L for all layers at once"),
    {"depth", MFD_P_INT, "4", 2, MFD_DEEP_MAX_DEPTH, 0, NULL, OFF(depth), "number of layers N"},
    {"d", MFD_P_INT, "4", 1, 65536, 0, NULL, OFF(d), "size of the square layers (d x d)"},
    {"widths", MFD_P_LIST, NULL, 1, 65536, MFD_P_INTEGERS, NULL, OFF(widths),
     "rectangular layers d_0,...,d_N (W_j is d_j x d_{j-1}); replaces d and depth"},
    {"field", MFD_P_CHOICE, "real", 0, 0, 0, "real|complex", OFF(field), "number field of layers and target"},
    {"a", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(a), "balancing regularizer a >= 0 of [LXGFD25]"},
    APP_ETA_KEY(deep_params, eta, "0.01"),
    APP_ITERS_KEY(deep_params, iters, "10000"),
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(seed), "seed of the run's random streams (target, init)"},
    APP_OUT_KEY(deep_params, out),
    {"target", MFD_P_CHOICE, "identity", 0, 0, 0, "identity|haar|diag|lowrank|sym_negative|file", OFF(target),
     "target: sigma*I, sigma*Haar, diag(target_diag), rank-r [ACHL19], symmetric with a negative eigenvalue, "
     "target_file"},
    {"sigma", MFD_P_REAL, "1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(sigma),
     "scale of the identity, haar and sym_negative targets"},
    {"target_diag", MFD_P_LIST, NULL, -INFINITY, INFINITY, 0, NULL, OFF(target_diag),
     "diagonal of target=diag; eigenvalues of target=sym_negative (default sigma*(1,...,1,-1))"},
    {"target_rank", MFD_P_INT, "1", 1, 65536, 0, NULL, OFF(target_rank), "rank r of target=lowrank"},
    {"target_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(target_file),
     "target as a d_N x d_0 .npy (float64 or complex128); implies target=file"},
    {"observed", MFD_P_INT, "0", 0, 1e15, 0, NULL, OFF(observed),
     "matrix completion ([ACHL19], D8): fit only this many target entries, drawn uniformly without replacement "
     "(0: all); the rest measure test_err"},
    {"init", MFD_P_CHOICE, "gaussian", 0, 0, 0,
     "gaussian|gaussian_achl|balanced_gaussian|balanced_from_product|identity|orthogonal|decoupled|file",
     OFF(init), "initialization of the layers (THEORY.md section 1)"},
    {"eps", MFD_P_REAL, "0.1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(eps),
     "init scale: entry std (gaussian), end-to-end s (gaussian_achl), epsilon (balanced_gaussian), Gaussian "
     "product scale (balanced_from_product), alpha with W_j = alpha^(1/N) I (identity), layer scale "
     "(orthogonal), mode strength u0 (decoupled)"},
    {"init_shift", MFD_P_REAL, "0", -INFINITY, INFINITY, 0, NULL, OFF(init_shift),
     "balanced_from_product: end-to-end A = init_shift*target + eps*G"},
    {"init_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(init_file),
     "initial layers as an (N,d,d) .npy, W_1 first; depth, d and field come from it; implies init=file"},
    APP_LOOP_KEYS(deep_params, loop, "1e-24", "1e12", "1e-20", "1e-8", "1e-2,1e-6,1e-10"),
    {"balance_tol", MFD_P_REAL, "1e-3", 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, OFF(balance_tol),
     "layers count as balanced when max_j |Delta_j| / |W_j|^2 <= balance_tol"},
    {"monitor_invariants", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(monitor_invariants),
     "N = 4: check at every step that the skew error does not rise and the Hermitian sigma_min does not fall "
     "([LXGFD25] Thm 4, 5)"},
    {"monitor_thm8", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(monitor_thm8),
     "check at every step the per-step change of the extreme squared layer singular values against "
     "2 eta sigma |grad L_ori|_op ([LXGFD25] Thm 8)"},
    {"monitor_thm11", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(monitor_thm11),
     "N = 4, target sigma I: from the first step in the local region, check L(t) <= L_ori(T0) "
     "exp(-eta sigma^1.5 (t - T0)) at every step ([LXGFD25] Thm 11)"},
    {"thm11_skew_tol", MFD_P_REAL, "0.1", 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, OFF(thm11_skew_tol),
     "monitor_thm11: the local region starts where herm_smin >= 2^(3/4) sigma^(1/4) and skew_err <= this"},
    {"save_final", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_final),
     "write final/W.npy (final layers, the layout of init_file)"},
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_inputs), "write final/target.npy and final/W0.npy"},
    APP_THREADS_KEY(deep_params, threads),
};
#undef OFF
static const app_program PROGRAM = {PROG, SYNOPSIS, ROWS, sizeof ROWS / sizeof *ROWS, METHODS, NMETHODS};

/* Everything a run holds; freed in one place. */
typedef struct run {
    app_table tab;
    deep_params p;
    bool given[APP_MAX_KEYS];
    mfd_npy target_npy, init_npy;
    mfd_deepprob_params dpp; /* the instance's values, from the keys and the files */
    mfd_deepprob *dp;
    mfd_method *alg;
    mfd_deepdiag *g;
    mfd_deepmon *mon;    /* per-step monitors, or NULL */
    mfd_deeptrack tr;
    mfd_linreg band_ori; /* rate of L_ori beside the loop's rate of L (they differ when a > 0) */
    double test_min;     /* completion: the smallest test_err over all iterations */
    const char **cols;   /* diagnostics columns of trace.csv */
    char layer_names[MFD_DEEP_MAX_DEPTH][16]; /* rectangular layers' factor names: W_1, ... */
} run;

static void run_free(run *r)
{
    mfd_npy_free(&r->target_npy);
    mfd_npy_free(&r->init_npy);
    mfd_deepdiag_free(r->g);
    mfd_deepmon_free(r->mon);
    mfd_method_free(r->alg);
    mfd_deepprob_free(r->dp);
    free(r->cols);
    mfd_param_free(r->tab.t, &r->p);
}

/* ---- parse and check ---------------------------------------------------- */

/* Choices by name: field, target, init (and "file" with its path). */
static int resolve_words(run *r)
{
    deep_params *p = &r->p;
    mfd_deepprob_params *dpp = &r->dpp;
    char err[256];
    int field, target, init, code;
    if (mfd_param_word_value(r->tab.t, p, "field", FIELD_WORDS, 2, &field, err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "target", mfd_deepprob_target_words, mfd_deepprob_target_nwords, &target,
                             err, sizeof err) != MFD_OK ||
        mfd_param_word_value(r->tab.t, p, "init", mfd_deepprob_init_words, mfd_deepprob_init_nwords, &init, err,
                             sizeof err) != MFD_OK)
        return app_usage_error(PROG, "%s", err);
    if ((code = app_file_choice(PROG, "target", app_given(r->tab.t, r->given, "target"), &target,
                                MFD_DEEPPROB_TARGET_FILE, "target_file", p->target_file)) != APP_EXIT_OK ||
        (code = app_file_choice(PROG, "init", app_given(r->tab.t, r->given, "init"), &init, MFD_DEEPPROB_INIT_FILE,
                                "init_file", p->init_file)) != APP_EXIT_OK)
        return code;
    dpp->field = (mfd_field)field;
    dpp->target = (mfd_deepprob_target)target;
    dpp->init = (mfd_deepprob_init)init;
    /* run.ini records "file" when a path chose it */
    if (mfd_param_word_store(r->tab.t, p, "target", mfd_deepprob_target_words, mfd_deepprob_target_nwords, target) !=
            MFD_OK ||
        mfd_param_word_store(r->tab.t, p, "init", mfd_deepprob_init_words, mfd_deepprob_init_nwords, init) != MFD_OK)
        return APP_EXIT_FAILURE;
    return APP_EXIT_OK;
}

/* The layers' shapes: from init_file, widths, or depth and d. */
static int resolve_shape(run *r)
{
    deep_params *p = &r->p;
    mfd_deepprob_params *dpp = &r->dpp;
    int code;
    if (p->target_file) {
        if ((code = app_read_npy(PROG, "target_file", p->target_file, &r->target_npy)) != APP_EXIT_OK)
            return code;
        if (r->target_npy.ndim != 2)
            return app_usage_error(PROG, "key 'target_file': '%s' has %d axes; expected a 2-D (d_N, d_0) array",
                                   p->target_file, r->target_npy.ndim);
    }
    if (p->init_file) {
        if ((code = app_read_npy(PROG, "init_file", p->init_file, &r->init_npy)) != APP_EXIT_OK)
            return code;
        const mfd_npy *a = &r->init_npy;
        if (a->ndim != 3 || a->shape[1] != a->shape[2] || a->shape[0] < 2 || a->shape[0] > MFD_DEEP_MAX_DEPTH ||
            a->shape[1] < 1)
            return app_usage_error(PROG, "key 'init_file': '%s' has shape %s; expected (N, d, d) with 2 <= N <= %d",
                                   p->init_file,
                                   a->ndim == 3 ? "(N, rows, cols) with rows != cols or N out of range"
                                                : "of another rank",
                                   MFD_DEEP_MAX_DEPTH);
        if (app_given(r->tab.t, r->given, "field") && a->field != dpp->field)
            return app_usage_error(PROG, "key 'field' is %s but init_file '%s' is %s", mfd_field_name(dpp->field),
                                   p->init_file, a->field == MFD_COMPLEX ? "complex128" : "float64");
        if ((app_given(r->tab.t, r->given, "depth") && (size_t)p->depth != a->shape[0]) ||
            (app_given(r->tab.t, r->given, "d") && (size_t)p->d != a->shape[1]) ||
            app_given(r->tab.t, r->given, "widths"))
            return app_usage_error(PROG,
                                   "keys 'depth', 'd' and 'widths' disagree with init_file '%s' of shape (%zu, %zu, %zu)",
                                   p->init_file, a->shape[0], a->shape[1], a->shape[2]);
        dpp->field = a->field;
        dpp->depth = (int)a->shape[0];
        for (int j = 0; j <= dpp->depth; j++)
            dpp->dims[j] = a->shape[1];
        dpp->layers = a->data;
    } else if (p->widths.n > 0) {
        if (p->widths.n < 3 || p->widths.n > MFD_DEEP_MAX_DEPTH + 1)
            return app_usage_error(PROG, "key 'widths': %zu entries; expected d_0,...,d_N with 2 <= N <= %d",
                                   p->widths.n, MFD_DEEP_MAX_DEPTH);
        if (app_given(r->tab.t, r->given, "depth") || app_given(r->tab.t, r->given, "d"))
            return app_usage_error(PROG, "key 'widths' replaces 'depth' and 'd'; give only one of them");
        dpp->depth = (int)p->widths.n - 1;
        for (int j = 0; j <= dpp->depth; j++)
            dpp->dims[j] = (size_t)p->widths.v[j];
    } else {
        dpp->depth = (int)p->depth;
        for (int j = 0; j <= dpp->depth; j++)
            dpp->dims[j] = (size_t)p->d;
    }
    /* run.ini records what the run used, files included */
    p->depth = dpp->depth;
    p->d = (long)dpp->dims[0];
    return mfd_param_word_store(r->tab.t, p, "field", FIELD_WORDS, 2, (int)dpp->field) == MFD_OK ? APP_EXIT_OK
                                                                                                  : APP_EXIT_FAILURE;
}

/* The target file against the layers (naming the file), then the values. */
static int check(run *r)
{
    deep_params *p = &r->p;
    mfd_deepprob_params *dpp = &r->dpp;
    int code;
    if ((code = resolve_words(r)) != APP_EXIT_OK || (code = resolve_shape(r)) != APP_EXIT_OK)
        return code;
    size_t rows = dpp->dims[dpp->depth], cols = dpp->dims[0];
    if (p->target_file) {
        const mfd_npy *t = &r->target_npy;
        if (t->shape[0] != rows || t->shape[1] != cols)
            return app_usage_error(PROG, "key 'target_file': '%s' is %zu x %zu; the layers need a %zu x %zu target",
                                   p->target_file, t->shape[0], t->shape[1], rows, cols);
        if (t->field == MFD_COMPLEX && dpp->field == MFD_REAL)
            return app_usage_error(PROG, "key 'target_file': '%s' is complex128 but field=real", p->target_file);
        dpp->target_given = mfd_npy_matrix(t, 0);
    }
    dpp->a = p->a;
    dpp->sigma = p->sigma;
    dpp->target_diag = p->target_diag;
    dpp->target_rank = p->target_rank;
    dpp->observed = p->observed;
    dpp->eps = p->eps;
    dpp->init_shift = p->init_shift;
    dpp->seed = p->seed;
    char msg[512];
    if (mfd_deepprob_check(dpp, msg, sizeof msg) != MFD_OK)
        return app_usage_error(PROG, "%s", msg);
    bool square = true;
    for (int j = 1; j <= dpp->depth; j++)
        square = square && dpp->dims[j] == dpp->dims[0];
    if ((p->monitor_invariants || p->monitor_thm11) && !(dpp->depth == 4 && square))
        return app_usage_error(PROG, "key '%s': the skew error and the Hermitian sigma_min need depth = 4 and square "
                               "layers, not depth = %d%s", p->monitor_invariants ? "monitor_invariants" : "monitor_thm11",
                               dpp->depth, square ? "" : " with rectangular ones");
    if (p->monitor_thm8 && !square)
        return app_usage_error(PROG, "key 'monitor_thm8': needs square layers (d x d)");
    if (p->monitor_thm11 && dpp->target != MFD_DEEPPROB_TARGET_IDENTITY)
        return app_usage_error(PROG, "key 'monitor_thm11': Thm 11 is stated for the target sigma I (target=identity)");
    return app_loop_check(PROG, &p->loop);
}

/* ---- the loop's callbacks --------------------------------------------- */

/* An iteration a monitor reports, or NaN when it has none. */
static mfd_status add_iter(mfd_kv *kv, const char *name, long t)
{
    return t >= 0 ? mfd_kv_add_int(kv, name, t) : mfd_kv_add_real(kv, name, NAN);
}

/* The per-step monitors' columns: NaN for a part not enabled. */
static mfd_status monitor_summary(const mfd_deepmon *mon, double a, mfd_kv *kv)
{
    bool inv = mon && mon->p.invariants, t8 = mon && mon->p.thm8, t11 = mon && mon->p.thm11;
    bool moved = mon && mon->prev_t > 0;
    MFD_CHECK(mfd_kv_add_real(kv, "step_skew_max_rise", inv && moved ? mon->skew_max_rise : NAN));
    MFD_CHECK(add_iter(kv, "step_skew_rise_iter", inv && moved ? mon->skew_rise_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "step_herm_max_drop", inv && moved ? mon->herm_max_drop : NAN));
    MFD_CHECK(add_iter(kv, "step_herm_drop_iter", inv && moved ? mon->herm_drop_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_max_excess", t8 && moved ? mon->thm8_max_excess : NAN));
    MFD_CHECK(add_iter(kv, "thm8_max_iter", t8 && moved ? mon->thm8_max_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_min_excess", t8 && moved ? mon->thm8_min_excess : NAN));
    MFD_CHECK(add_iter(kv, "thm8_min_iter", t8 && moved ? mon->thm8_min_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_c", t8 && moved ? mfd_deepmon_thm8_c(mon, a) : NAN));
    MFD_CHECK(add_iter(kv, "thm11_t0", t11 ? mon->thm11_t0 : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm11_max_excess",
                              t11 && mon->thm11_excess_iter >= 0 ? mon->thm11_max_excess : NAN));
    return add_iter(kv, "thm11_excess_iter", t11 ? mon->thm11_excess_iter : -1);
}

static mfd_status deep_eval(void *ctx, long t, double *monitor)
{
    run *r = ctx;
    mfd_deep *m = r->dp->m;
    MFD_CHECK(mfd_deep_eval(m));
    if (r->mon)
        MFD_CHECK(mfd_deepmon_observe(r->mon, m, t));
    mfd_rate_band_add(&r->band_ori, r->p.loop.rate_lo, r->p.loop.rate_hi, (double)t, m->loss_ori);
    if (m->mask) {
        double te = mfd_deep_test_err(m);
        if (te < r->test_min || isnan(te))
            r->test_min = te;
    }
    *monitor = m->loss_ori + m->loss_reg;
    return MFD_OK;
}

static mfd_status deep_log_row(void *ctx, long t, double *row)
{
    run *r = ctx;
    MFD_CHECK(mfd_deepdiag_compute(r->g, r->dp->m));
    mfd_deepdiag_row(r->g, row);
    mfd_deeptrack_update(&r->tr, r->g, r->dp->m, t, r->p.eta);
    return MFD_OK;
}

static mfd_status deep_step(void *ctx, long t, mfd_stop *stop)
{
    (void)t;
    run *r = ctx;
    return mfd_method_step(r->alg, stop);
}

static mfd_status deep_summary(void *ctx, mfd_stop stop, mfd_kv *kv)
{
    (void)stop;
    run *r = ctx;
    const mfd_deep *m = r->dp->m;
    const mfd_deepdiag *g = r->g;
    const mfd_deeptrack *tr = &r->tr;
    double rho_ori, rho_ori_se;
    mfd_rate_rho(mfd_linreg_fit(&r->band_ori), &rho_ori, &rho_ori_se);
    bool moved = tr->nlogged > 1;
    MFD_CHECK(mfd_kv_add_str(kv, "field", mfd_field_name(m->field)));
    MFD_CHECK(mfd_kv_add_int(kv, "depth", m->depth));
    MFD_CHECK(mfd_kv_add_int(kv, "d", (long)m->dims[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "loss_ori", m->loss_ori));
    MFD_CHECK(mfd_kv_add_real(kv, "loss_reg", m->loss_reg));
    MFD_CHECK(mfd_kv_add_real(kv, "rate_ori", rho_ori));
    MFD_CHECK(mfd_kv_add_real(kv, "rate_ori_se", rho_ori_se));
    MFD_CHECK(mfd_kv_add_real(kv, "sv_max", g->sv[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "sv_min", g->sv[g->nsv - 1]));
    MFD_CHECK(mfd_kv_add_real(kv, "erank_entropy", g->erank_ent));
    MFD_CHECK(mfd_kv_add_real(kv, "layer_sv_max_step", tr->layer_sv_max_step));
    MFD_CHECK(mfd_kv_add_real(kv, "layer_sv_max_step_bal", tr->iter_balanced >= 0 ? tr->layer_sv_max_step_bal : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "deficiency_margin", r->dp->margin));
    MFD_CHECK(mfd_kv_add_real(kv, "test_err", mfd_deep_test_err(m)));
    MFD_CHECK(mfd_kv_add_real(kv, "test_err_min", m->mask ? r->test_min : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_init", tr->det_sign_init));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_final", g->square ? g->det_sign : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_balanced", tr->det_sign_balanced));
    if (tr->iter_balanced >= 0)
        MFD_CHECK(mfd_kv_add_int(kv, "iter_balanced", tr->iter_balanced));
    else /* never balanced: missing */
        MFD_CHECK(mfd_kv_add_real(kv, "iter_balanced", NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "init_q_init", tr->init_q_init));
    MFD_CHECK(mfd_kv_add_real(kv, "init_q_final", g->square ? g->init_q : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_init", tr->skew_init));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_final", g->four ? g->skew_err : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_init", tr->herm_init));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_final", g->four ? g->herm_smin : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_max_rise", g->four && moved ? tr->skew_max_rise : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_max_drop", g->four && moved ? tr->herm_max_drop : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "sandwich_max_violation", g->four ? tr->sandwich_max_violation : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "eq11_max_violation", g->four ? tr->eq11_max_violation : NAN));
    for (size_t k = 0; k < MFD_DEEP_MODES; k++)
        for (size_t l = 0; l < MFD_DEEP_NFRAC; l++) {
            char name[32];
            snprintf(name, sizeof name, "mode%zu_t%02.0f", k + 1, 100 * MFD_DEEP_MODE_FRAC[l]);
            MFD_CHECK(mfd_kv_add_real(kv, name, tr->mode_t[k][l]));
        }
    return monitor_summary(r->mon, r->p.a, kv);
}

static mfd_status deep_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    deep_params *p = &r->p;
    const mfd_deep *m = r->dp->m;
    char path[4096];
    if (!p->save_final && !p->save_inputs)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, "final", err, errlen));
    size_t shape[3] = {(size_t)m->depth, m->dims[0], m->dims[0]};
    bool square = mfd_deep_is_square(m);
    for (int which = 0; which < 2; which++) {
        if (which == 0 ? !p->save_final : !p->save_inputs)
            continue;
        const double *block = which == 0 ? m->w : r->dp->w0;
        const char *base = which == 0 ? "W" : "W0";
        if (square) {
            snprintf(path, sizeof path, "%s/final/%s.npy", o->dir, base);
            MFD_CHECK(mfd_npy_write(path, m->field, 3, shape, block, err, errlen));
        } else { /* rectangular layers: one file per layer */
            for (int j = 1; j <= m->depth; j++) {
                size_t sh[2] = {m->dims[j], m->dims[j - 1]};
                snprintf(path, sizeof path, "%s/final/%s_%d.npy", o->dir, base, j);
                MFD_CHECK(mfd_npy_write(path, m->field, 2, sh, block + m->off[j - 1], err, errlen));
            }
        }
    }
    if (p->save_inputs) {
        snprintf(path, sizeof path, "%s/final/target.npy", o->dir);
        MFD_CHECK(mfd_npy_write_mat(path, m->target, err, errlen));
    }
    return MFD_OK;
}

static mfd_status deep_describe(void *ctx, mfd_kv *meta, mfd_kv *extra)
{
    run *r = ctx;
    const deep_params *p = &r->p;
    const mfd_deep *m = r->dp->m;
    char dims_text[1024] = "", started[32];
    for (int j = 0, n = 0; j <= m->depth && (size_t)n < sizeof dims_text; j++)
        n += snprintf(dims_text + n, sizeof dims_text - (size_t)n, j ? ",%zu" : "%zu", m->dims[j]);
    app_utc_iso(started, sizeof started);
    MFD_CHECK(mfd_kv_add_str(meta, "field", mfd_field_name(m->field)));
    MFD_CHECK(mfd_kv_add_int(meta, "depth", m->depth));
    MFD_CHECK(mfd_kv_add_str(meta, "widths", dims_text));
    MFD_CHECK(mfd_kv_add_real(meta, "a", p->a));
    MFD_CHECK(mfd_kv_add_real(meta, "eta", p->eta));
    MFD_CHECK(mfd_kv_add_int(meta, "seed", (long)p->seed));
    MFD_CHECK(mfd_kv_add_str(meta, "started", started));
    MFD_CHECK(mfd_kv_add_str(extra, "widths", dims_text));
    MFD_CHECK(mfd_kv_add_str(extra, "stream_target", "philox4x64(seed, 1)"));
    MFD_CHECK(mfd_kv_add_str(extra, "stream_init", "philox4x64(seed, 2)"));
    return mfd_kv_add_str(extra, "stream_mask", "philox4x64(seed, 5)");
}

/* Square layers are one factor, W (N, d, d); rectangular ones one each, W_j. */
static size_t deep_factors(void *ctx, app_factor *f, size_t max)
{
    run *r = ctx;
    mfd_deep *m = r->dp->m;
    if (mfd_deep_is_square(m)) {
        f[0] = (app_factor){"W", m->field, (size_t)m->depth, m->dims[0], m->dims[0], m->w};
        return max >= 1 ? 1 : 0;
    }
    if (max < (size_t)m->depth)
        return 0;
    for (int j = 1; j <= m->depth; j++) {
        snprintf(r->layer_names[j - 1], sizeof r->layer_names[j - 1], "W_%d", j);
        f[j - 1] = (app_factor){r->layer_names[j - 1], m->field, 0, m->dims[j], m->dims[j - 1], m->w + m->off[j - 1]};
    }
    return (size_t)m->depth;
}

/* Between iterations the run carries the rule's state, the tracker of the
 * logged diagnostics, the rate fit of L_ori, the least test error and the
 * per-step monitors. */
static mfd_status deep_save(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    mfd_method_save(r->alg, b);
    mfd_deeptrack_save(&r->tr, b);
    mfd_linreg_save(&r->band_ori, b);
    mfd_ckpt_put_tag(b, "deep");
    mfd_ckpt_put_f64(b, r->test_min);
    mfd_ckpt_put_u64(b, r->mon != NULL);
    if (r->mon)
        mfd_deepmon_save(r->mon, b);
    return b->st;
}

static mfd_status deep_load(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    MFD_CHECK(mfd_method_load(r->alg, b));
    MFD_CHECK(mfd_deeptrack_load(&r->tr, b));
    MFD_CHECK(mfd_linreg_load(&r->band_ori, b));
    mfd_ckpt_get_tag(b, "deep");
    r->test_min = mfd_ckpt_get_f64(b);
    if (mfd_ckpt_get_u64(b) != (r->mon != NULL))
        return MFD_EFORMAT;
    return r->mon ? mfd_deepmon_load(r->mon, b) : b->st;
}

static int run_loop(run *r, int argc, char **argv)
{
    deep_params *p = &r->p;
    size_t ncols = mfd_deepdiag_ncols(r->g);
    r->cols = malloc(ncols * sizeof *r->cols);
    if (!r->cols) {
        app_error(PROG, "%s", mfd_status_str(MFD_ENOMEM));
        return APP_EXIT_FAILURE;
    }
    for (size_t i = 0; i < ncols; i++)
        r->cols[i] = mfd_deepdiag_name(r->g, i);
    mfd_deeptrack_init(&r->tr, p->balance_tol);
    mfd_deeptrack_set_modes(&r->tr, r->dp->target_sv, r->dp->ntarget_sv);
    mfd_linreg_reset(&r->band_ori);
    r->test_min = INFINITY;
    app_loop_cfg cfg = app_loop_config(PROG, "loss", p->iters, &p->loop);
    app_model model = {.ctx = r,
                       .ncols = ncols,
                       .cols = r->cols,
                       .describe = deep_describe,
                       .eval = deep_eval,
                       .log_row = deep_log_row,
                       .step = deep_step,
                       .summary = deep_summary,
                       .write_final = deep_write_final,
                       .factors = deep_factors,
                       .save = deep_save,
                       .load = deep_load};
    return app_loop_run(&cfg, &model, p->out, r->tab.t, p, argc, argv);
}

/* One run: the whole program for one command line. */
static int run_one(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int code;
    if (!app_start(&PROGRAM, &r.tab, &r.p, r.given, argc, argv, &code) || (code = check(&r)) != APP_EXIT_OK) {
        run_free(&r);
        return code;
    }
    mfd_status st = mfd_deepprob_build(&r.dpp, &r.dp);
    if (st == MFD_OK) {
        mfd_method_params mp = {.eta = r.p.eta};
        st = mfd_method_alloc(app_method(r.tab.t, &r.p, METHODS, NMETHODS), r.dp->m, &mp, &r.alg);
    }
    if (st == MFD_OK)
        st = mfd_deepdiag_alloc(r.dp->m, &r.g);
    if (st == MFD_OK && (r.p.monitor_invariants || r.p.monitor_thm8 || r.p.monitor_thm11)) {
        mfd_deepmon_params mp = {.invariants = r.p.monitor_invariants != 0, .thm8 = r.p.monitor_thm8 != 0,
                                 .thm11 = r.p.monitor_thm11 != 0, .eta = r.p.eta, .sigma = r.p.sigma,
                                 .skew_tol = r.p.thm11_skew_tol};
        if (mp.thm8)
            st = mfd_deep_keep_grad_ori(r.dp->m);
        if (st == MFD_OK)
            st = mfd_deepmon_alloc(r.dp->m, mp, &r.mon);
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

int main(int argc, char **argv) { return app_main(PROG, argc, argv, run_one); }
