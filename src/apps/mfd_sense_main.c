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
#include <unistd.h>

#include "app_common.h"
#include "app_loop.h"
#include "mfd_npy.h"
#include "mfd_rng.h"
#include "mfd_sense.h"
#include "mfd_sensediag.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"

static const char *const PROG = "mfd-sense";
static const char *const SYNOPSIS =
    "Gradient descent on matrix sensing: symmetric f(X) = 1/4 |A(X X^T) - y|^2 or asymmetric\n"
    "f(F, G) = 1/2 |A(F G^T) - y|^2 (THEORY.md section 2).  Monitors the relative error\n"
    "|M - M*|_F / |M*|_F.  Writes <out>/run.ini, trace.csv (log-spaced), summary.csv.";

enum { MODEL_SYM, MODEL_ASYM };
enum { OP_AUTO, OP_IDENTITY, OP_GAUSSIAN, OP_GAUSSIAN_SYM, OP_GAUSSIAN_OTF, OP_GAUSSIAN_SYM_OTF, OP_FILE };
enum { INIT_SMALL, INIT_SPECTRAL, INIT_BALANCED, INIT_SAME, INIT_FILE };
enum { NORM_ENTRY, NORM_SQRT_N };

typedef struct sense_params {
    int model;
    long n, n1, n2, k, r, m;
    double kappa;
    mfd_list spectrum;
    int op;
    double snr_db;
    int init, init_norm;
    double alpha, g_ratio, eta;
    long iters;
    uint64_t seed;
    const char *out;
    app_loop_params loop;
    double rebalance_eps0, mem_limit;
    const char *target_file, *operator_file, *y_file, *x0_file, *f0_file, *g0_file;
    int save_final, save_inputs;
    long threads;
} sense_params;

#define OFF(f) offsetof(sense_params, f)
static const mfd_param_spec SPEC[] = {
    {"model", MFD_P_CHOICE, "sym", 0, 0, 0, "sym|asym", OFF(model),
     "sym: X X^T with the 1/4 loss; asym: F G^T with the 1/2 loss"},
    {"n", MFD_P_INT, "20", 1, 1e6, 0, NULL, OFF(n), "size of the n x n ground truth"},
    {"n1", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(n1), "asym: rows of the ground truth (0: n)"},
    {"n2", MFD_P_INT, "0", 0, 1e6, 0, NULL, OFF(n2), "asym: columns of the ground truth (0: n)"},
    {"k", MFD_P_INT, "4", 1, 1e6, 0, NULL, OFF(k), "width of the factors (k >= r over-parameterizes)"},
    {"r", MFD_P_INT, "2", 1, 1e6, 0, NULL, OFF(r), "rank of the ground truth"},
    {"kappa", MFD_P_REAL, "1", 1, INFINITY, 0, NULL, OFF(kappa),
     "condition number: singular values linspace(1, 1/kappa, r)"},
    {"spectrum", MFD_P_LIST, NULL, 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(spectrum),
     "the r singular values of the ground truth (replaces kappa)"},
    {"operator", MFD_P_CHOICE, "auto", 0, 0, 0,
     "auto|identity|gaussian|gaussian_sym|gaussian_otf|gaussian_sym_otf|file", OFF(op),
     "measurement operator (auto: gaussian_sym for sym, gaussian for asym; *_otf regenerates A_k, storing "
     "nothing; identity: plain factorization)"},
    {"m", MFD_P_INT, "0", 0, 1e12, 0, NULL, OFF(m), "number of measurements (0: 5 n r; identity: n1 n2)"},
    {"snr_db", MFD_P_REAL, "inf", -INFINITY, INFINITY, MFD_P_INF_OK, NULL, OFF(snr_db),
     "signal-to-noise ratio of the measurements in dB (inf: noiseless)"},
    {"init", MFD_P_CHOICE, "small", 0, 0, 0, "small|spectral|balanced|same|file", OFF(init),
     "small random; spectral (top-k of A*(y)); balanced (asym, F0^T F0 = G0^T G0); same (asym, G0 = F0); "
     "file"},
    {"alpha", MFD_P_REAL, "1e-3", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(alpha), "scale of the small init"},
    {"init_norm", MFD_P_CHOICE, "entry", 0, 0, 0, "entry|sqrt_n", OFF(init_norm),
     "small init entries alpha N(0,1) (entry) or alpha N(0,1)/sqrt(n) (sqrt_n)"},
    {"g_ratio", MFD_P_REAL, "0.3333333333333333", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(g_ratio),
     "asym small init: scale of G0 relative to F0 ([XDD24] use 1/3)"},
    {"eta", MFD_P_REAL, "0.05", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(eta), "step size"},
    {"iters", MFD_P_INT, "10000", 0, 1e15, 0, NULL, OFF(iters), "iteration budget"},
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(seed),
     "seed of the run's random streams (target, operator, noise, init)"},
    {"out", MFD_P_STR, NULL, 0, 0, MFD_P_REQUIRED, NULL, OFF(out), "output directory of the run"},
    APP_LOOP_KEYS(sense_params, loop, "1e-13", "1e6", "1e-12", "1e-4", "1e-2,1e-4,1e-6,1e-10"),
    {"rebalance_eps0", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(rebalance_eps0),
     "asym: re-imbalance once, (F, G) <- (F P, G P^-T), when rel_err first falls below this (0: never)"},
    {"mem_limit", MFD_P_REAL, "0", 0, INFINITY, 0, NULL, OFF(mem_limit),
     "bytes a dense operator may take (0: half the machine's memory)"},
    {"target_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(target_file), "ground truth M* as an n1 x n2 .npy"},
    {"operator_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(operator_file),
     "measurement matrices as an (m, n1, n2) .npy; implies operator=file"},
    {"y_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(y_file), "measurements as an (m,) .npy (needs target_file)"},
    {"x0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(x0_file), "sym: initial X as an (n, k) .npy; implies init=file"},
    {"f0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(f0_file), "asym: initial F as an (n1, k) .npy; implies init=file"},
    {"g0_file", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(g0_file), "asym: initial G as an (n2, k) .npy (with f0_file)"},
    {"save_final", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(save_final),
     "write final/X.npy (sym) or final/F.npy and final/G.npy (asym)"},
    {"save_inputs", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(save_inputs),
     "write final/target.npy, y.npy, the initial factors and (if stored) operator.npy"},
    {"threads", MFD_P_INT, "0", 0, 1024, 0, NULL, OFF(threads),
     "BLAS threads (0: OpenBLAS's default, or OPENBLAS_NUM_THREADS)"},
};
#undef OFF
static const mfd_param_table TABLE = {SPEC, sizeof SPEC / sizeof *SPEC};

static const char *const OP_NAMES[] = {"auto", "identity", "gaussian", "gaussian_sym", "gaussian_otf",
                                       "gaussian_sym_otf", "file"};

typedef struct run {
    sense_params p;
    bool given[sizeof SPEC / sizeof *SPEC];
    mfd_npy target_npy, op_npy, y_npy, x0_npy, g0_npy;
    size_t n1, n2, k, r, m;
    mfd_sensop *op;
    double *y;
    double noise_std, sigma1;
    mfd_mat Ustar, Vstar;
    mfd_sense *s;
    mfd_sensediag *g;
    mfd_mat F0, G0;
    long rebalance_iter, last_t;
    double imb_init, f0_norm, g0_norm;
    char err[1024];
} run;

static void run_free(run *r)
{
    mfd_npy_free(&r->target_npy);
    mfd_npy_free(&r->op_npy);
    mfd_npy_free(&r->y_npy);
    mfd_npy_free(&r->x0_npy);
    mfd_npy_free(&r->g0_npy);
    mfd_sensediag_free(r->g);
    mfd_sense_free(r->s);
    mfd_sensop_free(r->op);
    free(r->y);
    mfd_mat_free(&r->Ustar);
    mfd_mat_free(&r->Vstar);
    mfd_mat_free(&r->F0);
    mfd_mat_free(&r->G0);
    mfd_param_free(TABLE, &r->p);
}

static bool given_key(const run *r, const char *key)
{
    const mfd_param_spec *s = mfd_param_find(TABLE, key);
    return s && r->given[s - SPEC];
}

/* ---- parse and check: sizes from keys and files --------------------------- */

static int resolve(run *r)
{
    sense_params *p = &r->p;
    bool sym = p->model == MODEL_SYM;
    int code;
    if ((code = app_file_choice(PROG, "operator", given_key(r, "operator"), &p->op, OP_FILE, "operator_file",
                                p->operator_file)) != APP_EXIT_OK)
        return code;
    const char *init_path = sym ? p->x0_file : p->f0_file;
    if (sym && (p->f0_file || p->g0_file)) {
        app_error(PROG, "keys 'f0_file' and 'g0_file' are for model=asym; model=sym takes x0_file");
        return APP_EXIT_USAGE;
    }
    if (!sym && p->x0_file) {
        app_error(PROG, "key 'x0_file' is for model=sym; model=asym takes f0_file and g0_file");
        return APP_EXIT_USAGE;
    }
    if (!sym && (p->f0_file != NULL) != (p->g0_file != NULL)) {
        app_error(PROG, "keys 'f0_file' and 'g0_file' go together");
        return APP_EXIT_USAGE;
    }
    if ((code = app_file_choice(PROG, "init", given_key(r, "init"), &p->init, INIT_FILE,
                                sym ? "x0_file" : "f0_file", init_path)) != APP_EXIT_OK)
        return code;
    if (sym && (p->init == INIT_BALANCED || p->init == INIT_SAME)) {
        app_error(PROG, "key 'init': '%s' is for model=asym", p->init == INIT_BALANCED ? "balanced" : "same");
        return APP_EXIT_USAGE;
    }
    if (p->op == OP_AUTO)
        p->op = sym ? OP_GAUSSIAN_SYM : OP_GAUSSIAN;
    /* sizes */
    r->n1 = (size_t)(p->n1 > 0 ? p->n1 : p->n);
    r->n2 = (size_t)(p->n2 > 0 ? p->n2 : p->n);
    if (sym && (p->n1 > 0 || p->n2 > 0)) {
        app_error(PROG, "keys 'n1' and 'n2' are for model=asym; model=sym takes n");
        return APP_EXIT_USAGE;
    }
    if (p->target_file) {
        if ((code = app_read_npy(PROG, "target_file", p->target_file, &r->target_npy)) != APP_EXIT_OK)
            return code;
        const mfd_npy *t = &r->target_npy;
        if (t->ndim != 2 || t->field != MFD_REAL)
            return app_usage_error(PROG, "key 'target_file': '%s' must be a real 2-D array (n1, n2); it has %d axes",
                               p->target_file, t->ndim);
        if (given_key(r, "n") || given_key(r, "n1") || given_key(r, "n2"))
            if (t->shape[0] != r->n1 || t->shape[1] != r->n2)
                return app_usage_error(PROG, "key 'target_file': '%s' is %zu x %zu, which disagrees with n, n1, n2",
                                   p->target_file, t->shape[0], t->shape[1]);
        r->n1 = t->shape[0];
        r->n2 = t->shape[1];
    }
    if (sym && r->n1 != r->n2)
        return app_usage_error(PROG, "model=sym needs a square ground truth; '%s' is %zu x %zu",
                           p->target_file ? p->target_file : "the target", r->n1, r->n2);
    if (p->operator_file) {
        if ((code = app_read_npy(PROG, "operator_file", p->operator_file, &r->op_npy)) != APP_EXIT_OK)
            return code;
        const mfd_npy *o = &r->op_npy;
        if (o->ndim != 3 || o->field != MFD_REAL || o->shape[1] != r->n1 || o->shape[2] != r->n2) {
            char msg[1024];
            snprintf(msg, sizeof msg, "key 'operator_file': '%s' must be a real (m, %zu, %zu) array", p->operator_file,
                     r->n1, r->n2);
            app_error(PROG, "%s", msg);
            return APP_EXIT_USAGE;
        }
        if (given_key(r, "m") && (size_t)p->m != o->shape[0])
            return app_usage_error(PROG, "key 'm' disagrees with operator_file '%s' (m = %zu)", p->operator_file,
                               o->shape[0]);
        r->m = o->shape[0];
    } else if (p->op == OP_IDENTITY) {
        if (given_key(r, "m") && (size_t)p->m != r->n1 * r->n2)
            return app_usage_error(PROG, "key 'm': operator=identity takes m = n1 n2 = %zu", r->n1 * r->n2);
        r->m = r->n1 * r->n2;
    }
    r->k = (size_t)p->k;
    if (init_path) {
        if ((code = app_read_npy(PROG, sym ? "x0_file" : "f0_file", init_path, &r->x0_npy)) != APP_EXIT_OK)
            return code;
        if (r->x0_npy.ndim != 2 || r->x0_npy.field != MFD_REAL || r->x0_npy.shape[0] != r->n1)
            return app_usage_error(PROG, "key '%s': '%s' must be a real (%zu, k) array", sym ? "x0_file" : "f0_file",
                                   init_path, r->n1);
        if (given_key(r, "k") && r->x0_npy.shape[1] != r->k)
            return app_usage_error(PROG, "key 'k' disagrees with '%s' (k = %zu)", init_path, r->x0_npy.shape[1]);
        r->k = r->x0_npy.shape[1];
        if (!sym) {
            if ((code = app_read_npy(PROG, "g0_file", p->g0_file, &r->g0_npy)) != APP_EXIT_OK)
                return code;
            if (r->g0_npy.ndim != 2 || r->g0_npy.field != MFD_REAL || r->g0_npy.shape[0] != r->n2 ||
                r->g0_npy.shape[1] != r->k)
                return app_usage_error(PROG, "key 'g0_file': '%s' must be a real (%zu, %zu) array", p->g0_file, r->n2, r->k);
        }
    }
    r->r = (size_t)p->r;
    if (p->spectrum.n > 0) {
        if (given_key(r, "r") && p->spectrum.n != r->r)
            return app_usage_error(PROG, "key 'spectrum': %zu values but r = %zu", p->spectrum.n, r->r);
        r->r = p->spectrum.n;
    }
    size_t mn = r->n1 < r->n2 ? r->n1 : r->n2;
    if (r->r > mn || r->k > mn)
        return app_usage_error(PROG, "keys 'r' and 'k' must be at most min(n1, n2) = %zu", mn);
    if (r->m == 0)
        r->m = (size_t)(p->m > 0 ? p->m : 5 * (long)(r->n1 > r->n2 ? r->n1 : r->n2) * (long)r->r);
    if (p->y_file) {
        if (!p->target_file) {
            app_error(PROG, "key 'y_file' needs target_file (rel_err is measured against the ground truth)");
            return APP_EXIT_USAGE;
        }
        if ((code = app_read_npy(PROG, "y_file", p->y_file, &r->y_npy)) != APP_EXIT_OK)
            return code;
        if (r->y_npy.ndim != 1 || r->y_npy.field != MFD_REAL || r->y_npy.shape[0] != r->m)
            return app_usage_error(PROG, "key 'y_file': '%s' must be a real vector of the operator's m = %zu entries",
                               p->y_file, r->m);
    }
    if ((p->op == OP_GAUSSIAN_SYM || p->op == OP_GAUSSIAN_SYM_OTF) && r->n1 != r->n2)
        return app_usage_error(PROG, "key 'operator': %s needs a square ground truth, not %zu x %zu", OP_NAMES[p->op], r->n1,
                           r->n2);
    if (p->rebalance_eps0 > 0 && sym) {
        app_error(PROG, "key 'rebalance_eps0': the re-imbalancing step is for model=asym");
        return APP_EXIT_USAGE;
    }
    if ((code = app_loop_check(PROG, &p->loop)) != APP_EXIT_OK)
        return code;
    /* the dense operator must fit */
    bool dense = p->op == OP_GAUSSIAN || p->op == OP_GAUSSIAN_SYM;
    if (p->mem_limit <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
        p->mem_limit = pages > 0 && psize > 0 ? 0.5 * (double)pages * (double)psize : 1e9;
    }
    if (dense) {
        size_t bytes = mfd_sensop_dense_bytes(r->m, r->n1, r->n2);
        if (bytes == 0 || (double)bytes > p->mem_limit) {
            char msg[1024];
            snprintf(msg, sizeof msg,
                     "key 'operator': the dense operator %s needs %.0f bytes (m n1 n2 = %zu x %zu x %zu doubles) but "
                     "mem_limit is %.0f bytes; use operator=%s, which regenerates each A_k and stores nothing, or "
                     "raise mem_limit",
                     OP_NAMES[p->op], bytes ? (double)bytes : INFINITY, r->m, r->n1, r->n2, p->mem_limit,
                     p->op == OP_GAUSSIAN ? "gaussian_otf" : "gaussian_sym_otf");
            app_error(PROG, "%s", msg);
            return APP_EXIT_USAGE;
        }
    }
    p->m = (long)r->m;
    p->k = (long)r->k;
    p->r = (long)r->r;
    if (!sym) {
        p->n1 = (long)r->n1;
        p->n2 = (long)r->n2;
    }
    p->n = (long)r->n1;
    return APP_EXIT_OK;
}

/* ---- set up ------------------------------------------------------------ */

static mfd_status make_problem(run *r)
{
    sense_params *p = &r->p;
    bool sym = p->model == MODEL_SYM;
    mfd_rng rng;
    mfd_mat target;
    MFD_CHECK(mfd_mat_alloc(MFD_REAL, r->n1, r->n2, &target));
    mfd_status st;
    double *s = malloc(r->r * sizeof(double));
    if (!s) {
        st = MFD_ENOMEM;
        goto done;
    }
    if ((st = mfd_mat_alloc(MFD_REAL, r->n1, r->r, &r->Ustar)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, r->n2, r->r, &r->Vstar)) != MFD_OK)
        goto done;
    /* ground truth */
    if (p->target_file) {
        mfd_mat_copy(target, mfd_npy_matrix(&r->target_npy, 0));
        st = mfd_senseinit_top(target, r->r, r->Ustar, s, r->Vstar);
    } else {
        if (p->spectrum.n > 0)
            memcpy(s, p->spectrum.v, r->r * sizeof(double));
        else
            mfd_senseinit_spectrum(s, r->r, p->kappa);
        mfd_rng_init(&rng, p->seed, MFD_STREAM_TARGET);
        st = mfd_senseinit_truth(&rng, sym, s, r->r, target, r->Ustar, r->Vstar);
    }
    if (st != MFD_OK)
        goto done;
    r->sigma1 = s[0];
    /* operator */
    switch (p->op) {
    case OP_IDENTITY: st = mfd_sensop_identity(r->n1, r->n2, &r->op); break;
    case OP_GAUSSIAN:
    case OP_GAUSSIAN_SYM:
        st = mfd_sensop_gaussian(r->m, r->n1, r->n2, p->op == OP_GAUSSIAN_SYM, p->seed, &r->op);
        break;
    case OP_GAUSSIAN_OTF:
    case OP_GAUSSIAN_SYM_OTF:
        st = mfd_sensop_gaussian_otf(r->m, r->n1, r->n2, p->op == OP_GAUSSIAN_SYM_OTF, p->seed, &r->op);
        break;
    default: st = mfd_sensop_from_block(r->m, r->n1, r->n2, r->op_npy.data, &r->op); break;
    }
    if (st != MFD_OK)
        goto done;
    /* measurements: y = A(M*) + noise at the given SNR, or from y_file */
    r->y = malloc(r->m * sizeof(double));
    if (!r->y) {
        st = MFD_ENOMEM;
        goto done;
    }
    r->noise_std = 0;
    if (p->y_file) {
        memcpy(r->y, r->y_npy.data, r->m * sizeof(double));
    } else {
        if ((st = mfd_sensop_apply(r->op, target, r->y)) != MFD_OK)
            goto done;
        if (isfinite(p->snr_db)) {
            double ny = 0;
            for (size_t i = 0; i < r->m; i++)
                ny += r->y[i] * r->y[i];
            r->noise_std = sqrt(ny / (double)r->m) / pow(10.0, p->snr_db / 20.0);
            mfd_rng_init(&rng, p->seed, MFD_STREAM_NOISE);
            for (size_t i = 0; i < r->m; i++)
                r->y[i] += r->noise_std * mfd_rng_gaussian(&rng);
        }
    }
    /* model and initial factors */
    if ((st = mfd_sense_alloc(sym, r->n1, r->n2, r->k, r->op, r->y, &r->s)) != MFD_OK ||
        (st = mfd_sense_set_target(r->s, target)) != MFD_OK)
        goto done;
    mfd_rng_init(&rng, p->seed, MFD_STREAM_INIT);
    switch (p->init) {
    case INIT_SMALL: mfd_senseinit_small(r->s, &rng, p->alpha, p->g_ratio, p->init_norm == NORM_SQRT_N); break;
    case INIT_SPECTRAL: st = mfd_senseinit_spectral(r->s); break;
    case INIT_BALANCED: st = mfd_senseinit_balanced(r->s, &rng, p->alpha, p->init_norm == NORM_SQRT_N); break;
    case INIT_SAME:
        mfd_senseinit_small(r->s, &rng, p->alpha, 1.0, p->init_norm == NORM_SQRT_N);
        st = mfd_mat_copy(r->s->G, r->s->F);
        break;
    default:
        mfd_mat_copy(r->s->F, mfd_npy_matrix(&r->x0_npy, 0));
        if (!sym)
            mfd_mat_copy(r->s->G, mfd_npy_matrix(&r->g0_npy, 0));
        break;
    }
    if (st != MFD_OK)
        goto done;
    r->f0_norm = sqrt(mfd_mat_norm2(r->s->F));
    r->g0_norm = sqrt(mfd_mat_norm2(r->s->G));
    if ((st = mfd_mat_alloc(MFD_REAL, r->n1, r->k, &r->F0)) != MFD_OK ||
        (st = mfd_mat_alloc(MFD_REAL, r->n2, r->k, &r->G0)) != MFD_OK)
        goto done;
    mfd_mat_copy(r->F0, r->s->F);
    mfd_mat_copy(r->G0, r->s->G);
    st = mfd_sensediag_alloc(r->s, r->Ustar, r->Vstar, &r->g);
done:
    free(s);
    mfd_mat_free(&target);
    return st;
}

/* ---- the loop's callbacks --------------------------------------------- */

static mfd_status sense_eval(void *ctx, long t, double *monitor)
{
    run *r = ctx;
    MFD_CHECK(mfd_sense_eval(r->s));
    if (r->p.rebalance_eps0 > 0 && r->rebalance_iter < 0 && r->s->rel_err <= r->p.rebalance_eps0) {
        /* one re-imbalancing step; FGᵀ is unchanged, the gradients are not */
        mfd_status st = mfd_sense_rebalance(r->s, r->sigma1);
        if (st != MFD_OK)
            return st;
        MFD_CHECK(mfd_sense_eval(r->s));
        r->rebalance_iter = t;
    }
    r->last_t = t;
    *monitor = r->s->rel_err;
    return MFD_OK;
}

static mfd_status sense_log_row(void *ctx, long t, double *row)
{
    run *r = ctx;
    MFD_CHECK(mfd_sensediag_compute(r->g, r->s));
    mfd_sensediag_row(r->g, row);
    if (t == 0)
        r->imb_init = r->s->symmetric ? NAN : r->g->imb_min_abs;
    return MFD_OK;
}

static mfd_status sense_step(void *ctx, long t, mfd_stop *stop)
{
    (void)t;
    (void)stop;
    run *r = ctx;
    mfd_sense_update(r->s, r->p.eta);
    return MFD_OK;
}

static mfd_status sense_summary(void *ctx, mfd_stop stop, mfd_kv *kv)
{
    (void)stop;
    run *r = ctx;
    const mfd_sense *s = r->s;
    const mfd_sensediag *g = r->g;
    bool sym = s->symmetric;
    MFD_CHECK(mfd_kv_add_str(kv, "model", sym ? "sym" : "asym"));
    MFD_CHECK(mfd_kv_add_str(kv, "operator", OP_NAMES[r->p.op]));
    MFD_CHECK(mfd_kv_add_int(kv, "n1", (long)r->n1));
    MFD_CHECK(mfd_kv_add_int(kv, "n2", (long)r->n2));
    MFD_CHECK(mfd_kv_add_int(kv, "k", (long)r->k));
    MFD_CHECK(mfd_kv_add_int(kv, "r", (long)r->r));
    MFD_CHECK(mfd_kv_add_int(kv, "m", (long)r->m));
    MFD_CHECK(mfd_kv_add_real(kv, "loss", s->loss));
    MFD_CHECK(mfd_kv_add_real(kv, "err_abs", s->err_abs));
    /* S1: t |X_t X_tᵀ − M*| and its predicted limit sqrt(k − r) / (2 eta) */
    MFD_CHECK(mfd_kv_add_real(kv, "t_err_abs", (double)r->last_t * s->err_abs));
    MFD_CHECK(mfd_kv_add_real(kv, "s1_limit", sym ? sqrt((double)(r->k - r->r)) / (2 * r->p.eta) : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "signal_min", g->sig_min[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "excess_fro", g->exc_fro[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "align_sin", g->align_sin[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs_init", r->imb_init));
    MFD_CHECK(mfd_kv_add_real(kv, "imb_min_abs", sym ? NAN : g->imb_min_abs));
    MFD_CHECK(mfd_kv_add_int(kv, "rebalance_iter", r->rebalance_iter));
    MFD_CHECK(mfd_kv_add_real(kv, "f0_norm", r->f0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "g0_norm", sym ? NAN : r->g0_norm));
    MFD_CHECK(mfd_kv_add_real(kv, "noise_std", r->noise_std));
    MFD_CHECK(mfd_kv_add_real(kv, "sigma1", r->sigma1));
    return MFD_OK;
}

static mfd_status write_mat(mfd_out *o, const char *name, mfd_mat M, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/final/%s", o->dir, name);
    return mfd_npy_write_mat(path, M, err, errlen);
}

static mfd_status sense_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    const mfd_sense *s = r->s;
    bool sym = s->symmetric;
    if (!r->p.save_final && !r->p.save_inputs)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, "final", err, errlen));
    if (r->p.save_final) {
        MFD_CHECK(write_mat(o, sym ? "X.npy" : "F.npy", s->F, err, errlen));
        if (!sym)
            MFD_CHECK(write_mat(o, "G.npy", s->G, err, errlen));
    }
    if (r->p.save_inputs) {
        char path[4096];
        MFD_CHECK(write_mat(o, "target.npy", s->target, err, errlen));
        MFD_CHECK(write_mat(o, sym ? "X0.npy" : "F0.npy", r->F0, err, errlen));
        if (!sym)
            MFD_CHECK(write_mat(o, "G0.npy", r->G0, err, errlen));
        size_t ym = r->m;
        snprintf(path, sizeof path, "%s/final/y.npy", o->dir);
        MFD_CHECK(mfd_npy_write(path, MFD_REAL, 1, &ym, r->y, err, errlen));
        if (r->op->kind == MFD_SENSOP_DENSE) {
            size_t shape[3] = {r->m, r->n1, r->n2};
            snprintf(path, sizeof path, "%s/final/operator.npy", o->dir);
            MFD_CHECK(mfd_npy_write(path, MFD_REAL, 3, shape, r->op->block, err, errlen));
        }
    }
    return MFD_OK;
}

static int run_loop(run *r, int argc, char **argv)
{
    sense_params *p = &r->p;
    size_t ncols = mfd_sensediag_ncols(r->g);
    const char **cols = malloc(ncols * sizeof *cols);
    if (!cols) {
        app_error(PROG, "%s", mfd_status_str(MFD_ENOMEM));
        return APP_EXIT_FAILURE;
    }
    for (size_t i = 0; i < ncols; i++)
        cols[i] = mfd_sensediag_name(r->g, i);
    r->rebalance_iter = -1;
    r->imb_init = NAN;
    char started[32];
    app_utc_iso(started, sizeof started);
    mfd_kv meta, extra;
    mfd_kv_init(&meta);
    mfd_kv_init(&extra);
    mfd_status st;
    int code = APP_EXIT_FAILURE;
    if ((st = mfd_kv_add_str(&meta, "program", PROG)) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "model", p->model == MODEL_SYM ? "sym" : "asym")) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "operator", OP_NAMES[p->op])) != MFD_OK ||
        (st = mfd_kv_add_int(&meta, "n1", (long)r->n1)) != MFD_OK ||
        (st = mfd_kv_add_int(&meta, "n2", (long)r->n2)) != MFD_OK ||
        (st = mfd_kv_add_int(&meta, "k", (long)r->k)) != MFD_OK || (st = mfd_kv_add_int(&meta, "r", (long)r->r)) != MFD_OK ||
        (st = mfd_kv_add_int(&meta, "m", (long)r->m)) != MFD_OK || (st = mfd_kv_add_real(&meta, "eta", p->eta)) != MFD_OK ||
        (st = mfd_kv_add_int(&meta, "seed", (long)p->seed)) != MFD_OK ||
        (st = mfd_kv_add_str(&meta, "started", started)) != MFD_OK ||
        (st = mfd_kv_add_str(&extra, "stream_target", "philox4x64(seed, 1)")) != MFD_OK ||
        (st = mfd_kv_add_str(&extra, "stream_init", "philox4x64(seed, 2)")) != MFD_OK ||
        (st = mfd_kv_add_str(&extra, "stream_operator", "philox4x64(seed, 3), A_k from substream k")) != MFD_OK ||
        (st = mfd_kv_add_str(&extra, "stream_noise", "philox4x64(seed, 4)")) != MFD_OK ||
        (st = mfd_kv_add_real(&extra, "noise_std", r->noise_std)) != MFD_OK) {
        app_error(PROG, "%s", mfd_status_str(st));
    } else {
        app_loop_cfg cfg = app_loop_config(PROG, "rel_err", p->iters, &p->loop);
        app_model model = {r, ncols, cols, sense_eval, sense_log_row, sense_step, sense_summary, sense_write_final};
        code = app_loop_run(&cfg, &model, p->out, &meta, TABLE, p, &extra, argc, argv);
    }
    mfd_kv_free(&meta);
    mfd_kv_free(&extra);
    free(cols);
    return code;
}

int main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    int code;
    if (app_info_flags(PROG, SYNOPSIS, TABLE, argc - 1, argv + 1, &code))
        return code;
    if (mfd_param_defaults(TABLE, &r.p, r.err, sizeof r.err) != MFD_OK) {
        app_error(PROG, "%s", r.err);
        return APP_EXIT_FAILURE;
    }
    if (mfd_param_parse_args(TABLE, &r.p, argc - 1, argv + 1, r.given, r.err, sizeof r.err) != MFD_OK) {
        app_error(PROG, "%s (%s --help lists the keys)", r.err, PROG);
        run_free(&r);
        return APP_EXIT_USAGE;
    }
    if ((code = resolve(&r)) != APP_EXIT_OK) {
        run_free(&r);
        return code;
    }
    if (r.p.threads > 0)
        mfd_la_set_blas_threads((int)r.p.threads);
    mfd_status st = make_problem(&r);
    if (st != MFD_OK) {
        app_error(PROG, "setting up the run failed: %s", mfd_status_str(st));
        run_free(&r);
        return APP_EXIT_FAILURE;
    }
    code = run_loop(&r, argc, argv);
    run_free(&r);
    return code;
}
