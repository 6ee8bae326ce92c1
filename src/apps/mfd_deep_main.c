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
#include "mfd_deep_model.h"
#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepens.h"
#include "mfd_deepmon.h"
#include "mfd_deepprob.h"
#include "mfd_la.h"
#include "mfd_npy.h"
#include "mfd_out.h"
#include "mfd_rate.h"
#include "mfd_small.h"

#define PROG "mfd-deep"

/* With threads = 0 and OPENBLAS_NUM_THREADS unset, a run gets one BLAS
 * thread unless a layer has at least this many rows or columns: below it a
 * second thread costs more than it saves (README, Threads; measured on the
 * idle 2-core VM). */
#define DEEP_THREADS_MIN_D 160

static const char SYNOPSIS[] =
    "Gradient descent on L = 1/2 |S - W_N...W_1|^2 + (a/4) sum_j |W_j W_j^H - W_{j+1}^H W_{j+1}|^2\n"
    "(THEORY.md section 1).  Writes <out>/run.ini, trace.csv (log-spaced), summary.csv.";

static const mfd_param_word FIELD_WORDS[] = {{"real", MFD_REAL}, {"complex", MFD_COMPLEX}};

/* The update rules mfd-deep offers. */
static const mfd_method_type *const METHODS[] = {&mfd_deepgd_type};
#define NMETHODS (sizeof METHODS / sizeof *METHODS)

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
     "gaussian|gaussian_achl|balanced_gaussian|balanced_from_product|identity|orthogonal|decoupled|file", OFF(init),
     "initialization of the layers (THEORY.md section 1)"},
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
     "monitor_thm11: the local region starts where herm_smin >= 2^(3/4) sigma^(1/4) and skew_err <= this "
     "times sigma^(1/4)"},
    {"save_final", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_final),
     "write final/W.npy (final layers, the layout of init_file)"},
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, OFF(save_inputs),
     "write final/target.npy and final/W0.npy"},
    APP_THREADS_KEY(deep_params, threads),
};
#undef OFF
static const app_program PROGRAM = {PROG, SYNOPSIS, ROWS, sizeof ROWS / sizeof *ROWS, METHODS, NMETHODS};

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
        mfd_param_word_value(r->tab.t, p, "target", mfd_deepprob_target_words, mfd_deepprob_target_nwords, &target, err,
                             sizeof err) != MFD_OK ||
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
            return app_usage_error(
                PROG, "key 'init_file': '%s' has shape %s; expected (N, d, d) with 2 <= N <= %d", p->init_file,
                a->ndim == 3 ? "(N, rows, cols) with rows != cols or N out of range" : "of another rank",
                MFD_DEEP_MAX_DEPTH);
        if (app_given(r->tab.t, r->given, "field") && a->field != dpp->field)
            return app_usage_error(PROG, "key 'field' is %s but init_file '%s' is %s", mfd_field_name(dpp->field),
                                   p->init_file, a->field == MFD_COMPLEX ? "complex128" : "float64");
        if ((app_given(r->tab.t, r->given, "depth") && (size_t)p->depth != a->shape[0]) ||
            (app_given(r->tab.t, r->given, "d") && (size_t)p->d != a->shape[1]) ||
            app_given(r->tab.t, r->given, "widths"))
            return app_usage_error(
                PROG, "keys 'depth', 'd' and 'widths' disagree with init_file '%s' of shape (%zu, %zu, %zu)",
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
        return app_usage_error(PROG,
                               "key '%s': the skew error and the Hermitian sigma_min need depth = 4 and square "
                               "layers, not depth = %d%s",
                               p->monitor_invariants ? "monitor_invariants" : "monitor_thm11", dpp->depth,
                               square ? "" : " with rectangular ones");
    if (p->monitor_thm8 && !square)
        return app_usage_error(PROG, "key 'monitor_thm8': needs square layers (d x d)");
    if (p->monitor_thm11 && dpp->target != MFD_DEEPPROB_TARGET_IDENTITY)
        return app_usage_error(PROG, "key 'monitor_thm11': Thm 11 is stated for the target sigma I (target=identity)");
    return app_loop_check(PROG, &p->loop);
}

/* The loop's configuration and callbacks; APP_EXIT_OK or the failure. */
static int run_prepare(run *r)
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
    r->cfg = app_loop_config(PROG, "loss", p->iters, &p->loop);
    r->model = mfd_deep_model(r, ncols);
    return APP_EXIT_OK;
}

/* Parse and check one command line into r (zeroed by the caller); false,
 * with *code the exit code, when the run is refused. */
static bool run_parse(run *r, int argc, char **argv, int *code)
{
    r->argc = argc;
    r->argv = argv;
    return app_start(&PROGRAM, &r->tab, &r->p, r->given, argc, argv, code) && (*code = check(r)) == APP_EXIT_OK;
}

/* The instance, the method, the diagnostics and the monitors of a parsed
 * run; APP_EXIT_OK or the failure (with the message). */
static int run_build(run *r)
{
    /* a run's BLAS threads as when it is invoked alone, before the build's
     * own products (a batch parses every run before it builds any) */
    size_t dmax = 0;
    for (int j = 0; j <= r->dpp.depth; j++)
        dmax = r->dpp.dims[j] > dmax ? r->dpp.dims[j] : dmax;
    app_blas_threads(r->p.threads, dmax >= DEEP_THREADS_MIN_D);
    mfd_status st = mfd_deepprob_build(&r->dpp, &r->dp);
    if (st == MFD_OK) {
        mfd_method_params mp = {.eta = r->p.eta};
        st = mfd_method_alloc(app_method(r->tab.t, &r->p, METHODS, NMETHODS), r->dp->m, &mp, &r->alg);
    }
    if (st == MFD_OK)
        st = mfd_deepdiag_alloc(r->dp->m, &r->g);
    if (st == MFD_OK && (r->p.monitor_invariants || r->p.monitor_thm8 || r->p.monitor_thm11)) {
        mfd_deepmon_params mp = {.invariants = r->p.monitor_invariants != 0,
                                 .thm8 = r->p.monitor_thm8 != 0,
                                 .thm11 = r->p.monitor_thm11 != 0,
                                 .eta = r->p.eta,
                                 .sigma = r->p.sigma,
                                 .skew_tol = r->p.thm11_skew_tol};
        if (mp.thm8)
            st = mfd_deep_keep_grad_ori(r->dp->m);
        if (st == MFD_OK)
            st = mfd_deepmon_alloc(r->dp->m, mp, &r->mon);
    }
    if (st != MFD_OK) {
        app_error(PROG, "setting up the run failed: %s", mfd_status_str(st));
        return APP_EXIT_FAILURE;
    }
    return APP_EXIT_OK;
}

/* A built run stepped alone, to its end. */
static int run_alone(run *r)
{
    int code = run_prepare(r);
    if (code != APP_EXIT_OK)
        return code;
    return app_loop_run(&r->cfg, &r->model, r->p.out, r->tab.t, &r->p, r->argc, r->argv);
}

/* One run: the whole program for one command line. */
static int run_one(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int code;
    if (run_parse(&r, argc, argv, &code) && (code = run_build(&r)) == APP_EXIT_OK)
        code = run_alone(&r);
    run_free(&r);
    return code;
}

/* ---- lock-step ensembles (--runs) --------------------------------------
 *
 * The runs of a batch that have the same shape (field, depth, square d x d
 * layers with d <= MFD_SMALL_CANON, a > 0 or a = 0) are stepped together in
 * one mfd_deepens: each run keeps its own loop (stopping tests, trace,
 * summary, files, every diagnostic), the ensemble evaluates and updates all
 * lanes at once, and a lane whose run has ended (converged, diverged,
 * plateau, budget) takes the next run of the shape.  Each lane's numbers are
 * bitwise those of the run stepped alone (mfd_deepens.h), so every file is
 * the same but for its times.  A run the ensemble cannot step goes the
 * single-run path: a completion mask (observed > 0), the per-step monitors
 * (monitor_*), rectangular layers or d > MFD_SMALL_CANON, and a shape that
 * only one run of the batch has. */

/* Can r (parsed) go into an ensemble, as far as its keys tell? */
static bool lockstep_candidate(const run *r)
{
    const mfd_deepprob_params *dpp = &r->dpp;
    for (int j = 1; j <= dpp->depth; j++)
        if (dpp->dims[j] != dpp->dims[0])
            return false;
    return dpp->dims[0] >= 1 && dpp->dims[0] <= MFD_SMALL_CANON && r->p.observed == 0 && !r->p.monitor_invariants &&
           !r->p.monitor_thm8 && !r->p.monitor_thm11;
}

static mfd_deepens_shape lockstep_shape(const run *r)
{
    mfd_deepens_shape s = {r->dpp.field, r->dpp.depth, r->dpp.dims[0], r->p.a > 0, false};
    return s;
}

static bool same_shape(const mfd_deepens_shape *x, const mfd_deepens_shape *y)
{
    return x->field == y->field && x->depth == y->depth && x->d == y->d && x->reg == y->reg &&
           x->keep_grad_ori == y->keep_grad_ori;
}

static void run_dispose(run **rp)
{
    if (*rp) {
        run_free(*rp);
        free(*rp);
        *rp = NULL;
    }
}

/* One ensemble: the runs grp[0 .. ng) of rr, all of the same shape. */
typedef struct ensemble {
    mfd_deepens *e;
    run **rr;
    const size_t *grp;
    size_t ng, next; /* the runs of the group, the next one to start */
    run ***lane;     /* the slot in rr of the run in each lane, or NULL */
    bool *ended;     /* the lane's run ended at this iteration */
    int code;
} ensemble;

/* Put the next run of the group that can start into lane (false when none
 * is left: the lane is emptied).  A run the ensemble cannot take after all
 * (a model it does not accept) is stepped alone here. */
static bool ensemble_fill(ensemble *E, size_t lane)
{
    while (E->next < E->ng) {
        run **rp = &E->rr[E->grp[E->next++]], *r = *rp;
        int code = run_build(r);
        if (code == APP_EXIT_OK && (!mfd_deepens_accepts(r->dp->m) || r->mon))
            code = run_alone(r);
        else if (code == APP_EXIT_OK && (code = run_prepare(r)) == APP_EXIT_OK &&
                 (r->loop = app_loop_begin(&r->cfg, &r->model, r->p.out, r->tab.t, &r->p, r->argc, r->argv, &code)) !=
                     NULL) {
            /* the lane is set after app_loop_begin: a run continued from its checkpoint enters with the
             * layers it saved */
            if (mfd_deepens_set(E->e, lane, r->dp->m, r->p.eta) == MFD_OK) {
                r->ens = E->e;
                r->lane = lane;
                E->lane[lane] = rp;
                return true;
            }
            while (app_loop_next(r->loop)) /* not the ensemble's shape after all: the same loop, alone */
                ;
            code = app_loop_end(r->loop);
            r->loop = NULL;
        }
        E->code = app_runs_worse(E->code, code);
        run_dispose(rp);
    }
    mfd_deepens_clear(E->e, lane);
    E->lane[lane] = NULL;
    return false;
}

static int lockstep(run **rr, const size_t *grp, size_t ng)
{
    mfd_deepens_shape shape = lockstep_shape(rr[grp[0]]);
    size_t lanes = mfd_deepens_default_lanes();
    ensemble E = {NULL, rr, grp, ng, 0, NULL, NULL, APP_EXIT_OK};
    if (mfd_deepens_alloc(&shape, ng < lanes ? ng : lanes, &E.e) != MFD_OK ||
        !(E.lane = calloc(E.e->lanes, sizeof *E.lane)) || !(E.ended = calloc(E.e->lanes, sizeof *E.ended))) {
        free(E.lane);
        mfd_deepens_free(E.e);
        int code = APP_EXIT_OK; /* no ensemble: every run alone */
        for (size_t k = 0; k < ng; k++) {
            int c = run_build(rr[grp[k]]);
            code = app_runs_worse(code, c == APP_EXIT_OK ? run_alone(rr[grp[k]]) : c);
            run_dispose(&rr[grp[k]]);
        }
        return code;
    }
    size_t active = 0;
    for (size_t l = 0; l < E.e->lanes; l++)
        active += ensemble_fill(&E, l);
    while (active > 0) {
        mfd_deepens_eval(E.e);
        for (size_t l = 0; l < E.e->lanes; l++) {
            run *r = E.lane[l] ? *E.lane[l] : NULL;
            if (r && !app_loop_next(r->loop)) { /* ended at this iteration: its files hold the lane as it is now */
                E.code = app_runs_worse(E.code, app_loop_end(r->loop));
                r->loop = NULL;
                run_dispose(E.lane[l]);
                E.lane[l] = NULL;
                E.ended[l] = true;
            }
        }
        mfd_deepens_update(E.e);
        for (size_t l = 0; l < E.e->lanes; l++)
            if (E.ended[l]) { /* refilled, or emptied for good */
                E.ended[l] = false;
                active -= !ensemble_fill(&E, l);
            }
    }
    free(E.ended);
    free(E.lane);
    mfd_deepens_free(E.e);
    return E.code;
}

/* --runs FILE: every run parsed first; then, in file order, a run that fits
 * an ensemble is stepped together with every later run of its shape, and
 * any other run alone. */
static int run_batch(const app_runs *rs)
{
    run **rr = calloc(rs->n, sizeof *rr);
    size_t *grp = malloc((rs->n ? rs->n : 1) * sizeof *grp);
    if (!rr || !grp) {
        free(rr);
        free(grp);
        app_error(PROG, "%s", mfd_status_str(MFD_ENOMEM));
        return APP_EXIT_FAILURE;
    }
    int code = APP_EXIT_OK;
    for (size_t i = 0; i < rs->n; i++) {
        int c = APP_EXIT_FAILURE;
        if (!(rr[i] = calloc(1, sizeof **rr)) || !run_parse(rr[i], rs->run[i].argc, rs->run[i].argv, &c)) {
            if (!rr[i])
                app_error(PROG, "%s", mfd_status_str(MFD_ENOMEM));
            code = app_runs_worse(code, c);
            run_dispose(&rr[i]);
        }
    }
    const char *off = getenv("MFD_LOCKSTEP");
    bool enabled = !(off && strcmp(off, "0") == 0);
    for (size_t i = 0; i < rs->n; i++) {
        if (!rr[i])
            continue;
        size_t ng = 0;
        if (enabled && lockstep_candidate(rr[i])) {
            mfd_deepens_shape s = lockstep_shape(rr[i]);
            for (size_t j = i; j < rs->n; j++)
                if (rr[j] && lockstep_candidate(rr[j])) {
                    mfd_deepens_shape sj = lockstep_shape(rr[j]);
                    if (same_shape(&s, &sj))
                        grp[ng++] = j;
                }
        }
        if (ng >= 2) {
            code = app_runs_worse(code, lockstep(rr, grp, ng));
            for (size_t k = 0; k < ng; k++) /* every run of the group has ended (or could not start) */
                run_dispose(&rr[grp[k]]);
        } else {
            int c = run_build(rr[i]);
            code = app_runs_worse(code, c == APP_EXIT_OK ? run_alone(rr[i]) : c);
            run_dispose(&rr[i]);
        }
    }
    free(grp);
    free(rr);
    return code;
}

int main(int argc, char **argv)
{
    return app_main_batch(PROG, argc, argv, run_one, run_batch);
}
