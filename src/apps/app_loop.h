/* app_loop.h — the iteration loop every mfdyn program owns, written once.
 *
 * The loop evaluates the model, applies the stopping tests to one monitored
 * error (the loss for mfd-deep, the relative error for mfd-sense and
 * mfd-scaled), feeds the rate fits and thresholds on every iteration, logs
 * the model's diagnostics on the schedule, updates the model, and at the end
 * writes run.ini, trace.csv, summary.csv and final files with atomic
 * completion.  The model enters through callbacks (COCO's split between an
 * algorithm and the observers that log it):
 *
 *   eval(t)        evaluate at the current iterate, return the monitored error
 *   log_row(t,row) diagnostics at a logged iteration (model columns only)
 *   step(t)        move to the next iterate; may end the run with a stop reason
 *   summary(kv)    program-specific summary.csv columns
 *   write_final()  optional files under final/
 */
#ifndef APP_LOOP_H
#define APP_LOOP_H

#include <stddef.h>

#include "mfd_out.h"
#include "mfd_param.h"
#include "mfd_stop.h"

typedef struct app_loop_cfg {
    const char *prog;
    const char *monitor;       /* name of the monitored error: "loss" or "rel_err" */
    long iters;
    double tol, div_bound;
    long plateau_window;
    double plateau_rtol;
    long log_per_decade, log_every;
    double rate_lo, rate_hi;   /* band of the linear-rate fit */
    double slope_t0, slope_t1; /* window of the log-log slope fit (slope_t1 <= 0: [iters/10, iters]) */
    const mfd_list *thresholds;
    double plateau_detect_rtol, plateau_detect_decades;
} app_loop_cfg;

typedef struct app_model {
    void *ctx;
    size_t ncols;                /* model columns of trace.csv */
    const char *const *cols;
    mfd_status (*eval)(void *ctx, long t, double *monitor);
    mfd_status (*log_row)(void *ctx, long t, double *row);
    mfd_status (*step)(void *ctx, long t, mfd_stop *stop);
    mfd_status (*summary)(void *ctx, mfd_stop stop, mfd_kv *kv);
    mfd_status (*write_final)(void *ctx, mfd_out *o, char *err, size_t errlen); /* may be NULL */
} app_model;

/* Run to a stop and write everything into out_dir.  meta: '# key: value'
 * lines of trace.csv; table/params: the [params] section of run.ini;
 * run_extra: more lines for its [run] section.  Returns the exit code
 * (APP_EXIT_OK or APP_EXIT_FAILURE, with the message printed). */
int app_loop_run(const app_loop_cfg *cfg, app_model *model, const char *out_dir, const mfd_kv *meta,
                 mfd_param_table table, const void *params, const mfd_kv *run_extra, int argc, char **argv);

#endif
