/* mfd_deep_model.h — mfd-deep's run (its keys' values and everything it
 * holds) and the run loop's callbacks on it (app_loop.h's app_model): the
 * evaluation, the trace row, the step, the summary, the final files and the
 * checkpointed state.  mfd_deep_main.c parses, checks, builds and runs. */
#ifndef MFD_DEEP_MODEL_H
#define MFD_DEEP_MODEL_H

#include <stdbool.h>

#include "app_common.h"
#include "app_loop.h"
#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepens.h"
#include "mfd_deepmon.h"
#include "mfd_deepprob.h"
#include "mfd_npy.h"
#include "mfd_rate.h"

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
    mfd_deepmon *mon; /* per-step monitors, or NULL */
    mfd_deeptrack tr;
    mfd_linreg band_ori;                      /* rate of L_ori beside the loop's rate of L (they differ when a > 0) */
    double test_min;                          /* completion: the smallest test_err over all iterations */
    const char **cols;                        /* diagnostics columns of trace.csv */
    char layer_names[MFD_DEEP_MAX_DEPTH][16]; /* rectangular layers' factor names: W_1, ... */
    int argc;                                 /* the run's command line (run.ini) */
    char **argv;
    app_loop_cfg cfg; /* the loop and its callbacks (run_prepare) */
    app_model model;
    app_loop *loop;   /* a run stepped in a lock-step ensemble: its loop, one iteration at a time */
    mfd_deepens *ens; /* ... the ensemble and the lane that holds the run (else NULL) */
    size_t lane;
} run;

/* The loop's callbacks on r, whose trace has ncols diagnostics columns
 * (r->cols). */
app_model mfd_deep_model(run *r, size_t ncols);

#endif
