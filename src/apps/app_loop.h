/* app_loop.h — the iteration loop every mfdyn program owns, written once.
 *
 * The loop evaluates the model, applies the stopping tests to one monitored
 * error (the loss for mfd-deep, the relative error for mfd-sense and
 * mfd-scaled), feeds the rate fits and thresholds on every iteration, logs
 * the model's diagnostics on the schedule, updates the model, and at the end
 * writes run.ini, trace.csv, summary.csv and final files with atomic
 * completion.  trace.csv's time_s is the algorithm's time: the time spent
 * computing and writing diagnostics is left out, so that error-against-time
 * curves compare methods, not logging.  The model enters through callbacks (COCO's split between an
 * algorithm and the observers that log it):
 *
 *   describe()     the trace's '# key: value' lines after "program", and
 *                  lines for run.ini's [run] section (before anything is written)
 *   eval(t)        evaluate at the current iterate, return the monitored error
 *   adjust(t)      optional: a named operation on the iterate that a program
 *                  schedules between evaluation and step (mfd-sense's S4
 *                  re-imbalancing); when it moved the iterate, the loop
 *                  evaluates again before anything looks at the error
 *   log_row(t,row) diagnostics at a logged iteration (model columns only)
 *   step(t)        move to the next iterate; may end the run with a stop reason
 *   summary(kv)    program-specific summary.csv columns
 *   write_final()  optional files under final/
 *   run_info(kv)   optional: run.ini [run] lines known only at the end
 *   factors()      the factors as plain arrays (checkpoints, snapshots)
 *   save(), load() the rest of the model's state between iterations: the
 *                  rule's state and the program's own accumulators
 *
 * Checkpoints (app_ckpt.h): at the top of an iteration, before eval, the
 * loop can write the run's whole state; a run started on a directory that
 * holds one continues from it and ends as the uninterrupted run would.
 */
#ifndef APP_LOOP_H
#define APP_LOOP_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "mfd_ckpt.h"
#include "mfd_mat.h"
#include "mfd_out.h"
#include "mfd_param.h"
#include "mfd_rate.h"
#include "mfd_schedule.h"
#include "mfd_stop.h"

/* The keys every program has for its loop, stored in an app_loop_params
 * member of the program's parameter struct.  APP_LOOP_KEYS(T, member, ...)
 * expands to their rows in the program's static table, with the defaults
 * that suit its monitored error (the rows are data: defined once here). */
typedef struct app_loop_params {
    double tol, div_bound;
    long plateau_window;
    double plateau_rtol;
    long log_per_decade, log_every;
    double rate_lo, rate_hi, slope_t0, slope_t1;
    mfd_list thresholds;
    double plateau_detect_rtol, plateau_detect_decades;
    const char *checkpoint_every; /* "auto", 0 (never) or iterations (app_ckpt.h) */
    int restart;                  /* APP_RESTART_AUTO or APP_RESTART_FRESH */
    int snapshots;                /* 1: the factors at every logged iteration */
} app_loop_params;

enum { APP_RESTART_AUTO, APP_RESTART_FRESH };
#define APP_CKPT_AUTO (-1L) /* checkpoint_every=auto */

#define APP_LOOP_KEYS(T, lp, TOL, DIV, RATE_LO, RATE_HI, THRESHOLDS)                                                     \
    {"tol", MFD_P_REAL, TOL, 0, INFINITY, MFD_P_OBSERVE, NULL, offsetof(T, lp.tol), "converged when the monitored error <= tol"},    \
    {"div_bound", MFD_P_REAL, DIV, 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, offsetof(T, lp.div_bound),                        \
     "diverged when the monitored error > div_bound or is not finite"},                                                 \
    {"plateau_window", MFD_P_INT, "0", 0, 1e15, MFD_P_OBSERVE, NULL, offsetof(T, lp.plateau_window),                                \
     "stop at a plateau: the error fell by less than plateau_rtol over this many iterations (0: never)"},               \
    {"plateau_rtol", MFD_P_REAL, "1e-6", 0, 1, MFD_P_OBSERVE, NULL, offsetof(T, lp.plateau_rtol),                                   \
     "relative decrease that is no progress"},                                                                          \
    {"log_per_decade", MFD_P_INT, "20", 1, 10000, MFD_P_OBSERVE, NULL, offsetof(T, lp.log_per_decade),                              \
     "trace rows per decade of iterations (log-spaced logging)"},                                                       \
    {"log_every", MFD_P_INT, "0", 0, 1e15, MFD_P_OBSERVE, NULL, offsetof(T, lp.log_every),                                          \
     "log every k-th iteration instead (0: log-spaced)"},                                                               \
    {"rate_lo", MFD_P_REAL, RATE_LO, 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, offsetof(T, lp.rate_lo),                        \
     "lower end of the error band of the linear-rate fit"},                                                             \
    {"rate_hi", MFD_P_REAL, RATE_HI, 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, offsetof(T, lp.rate_hi),                        \
     "upper end of the error band of the linear-rate fit"},                                                             \
    {"slope_t0", MFD_P_REAL, "0", 0, INFINITY, MFD_P_OBSERVE, NULL, offsetof(T, lp.slope_t0),                                       \
     "start of the iteration window of the log-log slope fit of the error"},                                           \
    {"slope_t1", MFD_P_REAL, "0", 0, INFINITY, MFD_P_OBSERVE, NULL, offsetof(T, lp.slope_t1),                                       \
     "end of that window (0: the last decade, [iters/10, iters])"},                                                     \
    {"thresholds", MFD_P_LIST, THRESHOLDS, 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, offsetof(T, lp.thresholds),               \
     "error thresholds; the first iteration below each goes to summary.csv"},                                          \
    {"plateau_detect_rtol", MFD_P_REAL, "0.05", 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL, offsetof(T, lp.plateau_detect_rtol), \
     "plateau detection in the logged error: relative change per decade of iterations below this"},                   \
    {"plateau_detect_decades", MFD_P_REAL, "0.5", 0, INFINITY, MFD_P_MIN_OPEN | MFD_P_OBSERVE, NULL,                                    \
     offsetof(T, lp.plateau_detect_decades), "plateau detection: shortest plateau, in decades of iterations"},                         \
    {"checkpoint_every", MFD_P_STR, "auto", 0, 0, MFD_P_OBSERVE, NULL, offsetof(T, lp.checkpoint_every),                               \
     "write the run's state to checkpoint.bin every this many iterations (auto: when it costs under 1% of the run; 0: never)"},      \
    {"restart", MFD_P_CHOICE, "auto", 0, 0, MFD_P_OBSERVE, "auto|fresh", offsetof(T, lp.restart),                                     \
     "auto: continue from the directory's checkpoint; fresh: start afresh, replacing what the directory holds"},                    \
    {"snapshots", MFD_P_BOOL, "0", 0, 0, MFD_P_OBSERVE, NULL, offsetof(T, lp.snapshots),                                              \
     "write the factors at every logged iteration to snapshots/*.npy, with their iterations in snapshots/iter.npy"}

/* Cross-key check of the loop keys (rate_lo < rate_hi, checkpoint_every):
 * APP_EXIT_OK or the usage error. */
int app_loop_check(const char *prog, const app_loop_params *lp);

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
    long checkpoint_every;     /* iterations; 0: never; APP_CKPT_AUTO: by the cost rule of app_ckpt.h */
    int restart, snapshots;
} app_loop_cfg;

/* A factor of the model as a plain array: count column-major rows × cols
 * matrices one after another (count 0: one matrix, and snapshots give it no
 * axis of its own), each entry 1 (real) or 2 (complex) doubles.  name names
 * its snapshot file (snapshots/<name>.npy). */
typedef struct app_factor {
    const char *name;
    mfd_field field;
    size_t count, rows, cols;
    double *data;
} app_factor;
#define APP_MAX_FACTORS 64 /* a deep model's rectangular layers, one factor each */

/* What the loop accumulates over a run, apart from the model: the state a
 * checkpoint saves with the model's (app_ckpt_save_run).  The arrays are
 * allocated by the loop's owner at set-up (first_below, time_below: nthr; log_t, log_e:
 * log_cap). */
typedef struct app_loop_acc {
    long t;                /* the iteration the run is at (the top of it) */
    long iters;            /* the budget the run had when its state was saved */
    double tol;
    double e_init, e_min;  /* the monitored error at t = 0 and its least value */
    mfd_linreg band, window; /* the rate fits */
    mfd_stop_rule rule;
    mfd_schedule sched;
    long *first_below;     /* thresholds: first iteration at or below each, or -1 */
    double *time_below;    /* the algorithm's time at first_below (NaN until then) */
    size_t nthr;
    double *log_t, *log_e; /* logged points, for plateau detection */
    size_t log_cap, log_n;
    double elapsed;        /* wall seconds of the run up to the save (all pieces) */
    double log_seconds;    /* of which logging */
    double ckpt_seconds;   /* of which writing checkpoints */
    long trace_pos;        /* bytes of trace.csv.part written and flushed */
    long rows;             /* trace rows written (= snapshot records) */
    long pieces;           /* processes the run has taken, this one included */
    long checkpoints;      /* checkpoints written, all pieces */
} app_loop_acc;

typedef struct app_model {
    void *ctx;
    size_t ncols;                /* model columns of trace.csv */
    const char *const *cols;
    mfd_status (*describe)(void *ctx, mfd_kv *meta, mfd_kv *run_extra); /* may be NULL */
    mfd_status (*eval)(void *ctx, long t, double *monitor);
    mfd_status (*adjust)(void *ctx, long t, bool *moved); /* may be NULL */
    mfd_status (*log_row)(void *ctx, long t, double *row);
    mfd_status (*step)(void *ctx, long t, mfd_stop *stop);
    mfd_status (*summary)(void *ctx, mfd_stop stop, mfd_kv *kv);
    mfd_status (*write_final)(void *ctx, mfd_out *o, char *err, size_t errlen); /* may be NULL */
    mfd_status (*run_info)(void *ctx, mfd_kv *kv);                              /* may be NULL */
    /* The factors (at most max of them) into f; their number.  NULL: the
     * model has none to offer, and the run takes no checkpoints or snapshots. */
    size_t (*factors)(void *ctx, app_factor *f, size_t max);
    mfd_status (*save)(void *ctx, mfd_ckpt_buf *b); /* may be NULL: nothing besides the factors */
    mfd_status (*load)(void *ctx, mfd_ckpt_buf *b);
    /* May be NULL: bring the arrays factors() gave up to date before a
     * checkpoint is written (mfd-deep's lock-step ensembles keep a run's
     * layers elsewhere between logged iterations). */
    mfd_status (*sync)(void *ctx);
} app_model;

/* The loop's configuration from its keys. */
app_loop_cfg app_loop_config(const char *prog, const char *monitor, long iters, const app_loop_params *lp);

/* Run to a stop and write everything into out_dir.  table/params: the
 * [params] section of run.ini.  A checkpoint in out_dir is continued
 * (app_ckpt.h).  Returns the exit code (APP_EXIT_OK; APP_EXIT_FAILURE, with
 * the message printed; APP_EXIT_USAGE for a checkpoint that does not belong
 * to this command or is corrupt). */
int app_loop_run(const app_loop_cfg *cfg, app_model *model, const char *out_dir, mfd_param_table table,
                 const void *params, int argc, char **argv);

/* The same loop one iteration at a time, for a program that moves several
 * runs together (mfd-deep's lock-step ensembles): app_loop_run is
 * app_loop_begin, app_loop_next until it returns false, app_loop_end.
 *
 * app_loop_begin continues a checkpoint in out_dir or opens it afresh and
 * starts the trace (cfg is copied; model, table, params and argv must
 * outlive the loop); NULL when it cannot (the message printed, *code set),
 * or when out_dir holds a complete run that is left alone (*code
 * APP_EXIT_OK).  app_loop_next does iteration t:
 * eval, the stopping tests, the trace row when due, and step; false when the
 * run has ended (or failed).  app_loop_end writes summary.csv, run.ini and
 * the final files (or abandons the folder of a failed run), frees the loop
 * and returns the exit code. */
typedef struct app_loop app_loop;
app_loop *app_loop_begin(const app_loop_cfg *cfg, app_model *model, const char *out_dir, mfd_param_table table,
                         const void *params, int argc, char **argv, int *code);
bool app_loop_next(app_loop *L);
int app_loop_end(app_loop *L);
/* The iteration app_loop_next does next (or ended at). */
long app_loop_iter(const app_loop *L);

/* Complete the runs this process starts from now on through q (mfd_out.h's
 * deferred completion: one sync of the file system per flush instead of an
 * fsync per file); NULL, the default, completes each file at once.  The
 * owner flushes q before it exits. */
void app_loop_set_queue(mfd_out_queue *q);

#endif
