/* app_ckpt.h — checkpoints, continued runs, budget extension and trajectory
 * snapshots of the mfdyn programs (README "Checkpoints").
 *
 * A checkpoint is the state of a run at the top of an iteration t, before
 * its evaluation: the loop's accumulators (app_loop_acc: rate and slope fits,
 * thresholds, plateau test, schedule, logged points, the bytes of trace.csv
 * and the snapshot records written), the factors, and the model's own state
 * (the rule's, the program's accumulators and per-step monitors).  It goes to
 * <out>/checkpoint.bin (mfd_ckpt.h: tmp, fsync, rename; header with magic,
 * format version, checksums and the run's defining keys).
 *
 * When.  checkpoint_every=K: at every multiple of K, and at t = iters (the
 * final state, so that a larger budget continues from it).  auto (the
 * default): when at least APP_CKPT_MIN_INTERVAL seconds, and at least 100
 * times the cost of the last write, have passed since the last one, and at
 * t = iters when the run has taken 100 times that cost: a checkpoint then
 * costs under 1% of the run, and runs shorter than the interval write none.
 * 0: never.
 *
 * Starting a program on a directory (restart=auto, the default):
 *   a checkpoint that is corrupt                       refused (exit 2), restart=fresh starts afresh;
 *   a checkpoint of another run (a defining key differs, or another program)
 *                                                      refused (exit 2), naming the key;
 *   a checkpoint and summary.csv (a complete run):     stopped at max_iter with a smaller budget
 *                                                      (iters, or a larger tol) than the command's: continued
 *                                                      (budget extension); otherwise left as it is (exit 0);
 *   a checkpoint, no summary.csv (an interrupted run): continued;
 *   no checkpoint, a complete run of the same keys that stopped for another reason
 *   than max_iter within the command's budget:         left as it is (exit 0);
 *   anything else:                                     a fresh run (the directory's files are replaced).
 * The defining keys are all keys but iters, tol, out, threads, mem_limit,
 * save_final, save_inputs, checkpoint_every and restart.  A budget below the
 * checkpoint's iteration, or a tol that the run has already reached, is
 * refused (exit 2).  A continued run ends bitwise equal to the run that was
 * not interrupted, or to a fresh run with the larger budget, apart from the
 * times (wall_s, algo_s, s_per_iter, time_s: summed over the pieces, each
 * piece counted up to its last checkpoint).  One exception is exact by
 * starting afresh: with the default log-log window [iters/10, iters], a
 * larger budget whose window starts before the checkpoint's iteration needs
 * errors that the checkpoint does not hold, and the run starts from t = 0
 * (announced on stderr).
 *
 * For a loop that steps many runs together, the state of one run is
 * app_ckpt_save_run of its accumulators, its factors as plain arrays and its
 * model's save (app_ckpt_load_acc and app_ckpt_load_model read it back),
 * independent of app_loop_run.  --runs batches step their runs one after
 * another through app_loop_run, each with its own checkpoint. */
#ifndef APP_CKPT_H
#define APP_CKPT_H

#include <stdbool.h>
#include <stddef.h>

#include "app_loop.h"
#include "mfd_ckpt.h"
#include "mfd_npy.h"
#include "mfd_out.h"
#include "mfd_param.h"

#define APP_CKPT_MIN_INTERVAL 10.0 /* seconds: auto writes no checkpoint in a shorter run */
#define APP_CKPT_COST_RATIO 100.0  /* auto: an interval of at least 100 times the write's cost: under 1% */
#define APP_CKPT_COST_GUESS 0.02   /* seconds a write is taken to cost before one is measured */

/* checkpoint_every's text: "auto" (APP_CKPT_AUTO), 0 or a positive number of
 * iterations.  False when it is none of these. */
bool app_ckpt_parse_every(const char *text, long *every);

/* One run's state into b (a counting buffer sizes it): the loop's
 * accumulators acc (elapsed: its wall seconds so far), the factors f[0..nf)
 * as plain arrays, then save(ctx, b) (may be NULL). */
mfd_status app_ckpt_save_run(mfd_ckpt_buf *b, const app_loop_acc *acc, const app_factor *f, size_t nf,
                             mfd_status (*save)(void *ctx, mfd_ckpt_buf *b), void *ctx);

/* The loop's accumulators from b, into acc (whose arrays must hold what was
 * saved: MFD_EFORMAT otherwise).  Then app_ckpt_load_model for the rest. */
mfd_status app_ckpt_load_acc(mfd_ckpt_buf *b, app_loop_acc *acc);

/* The factors (same shapes, else MFD_EFORMAT) and load(ctx, b); the whole
 * buffer must be read. */
mfd_status app_ckpt_load_model(mfd_ckpt_buf *b, const app_factor *f, size_t nf,
                               mfd_status (*load)(void *ctx, mfd_ckpt_buf *b), void *ctx);

/* A run's checkpointing, from set-up to the end. */
typedef struct app_ckpt {
    const app_loop_cfg *cfg;
    app_model *model;
    const char *dir;
    char *identity; /* "key = value" lines of the defining keys */
    app_factor f[APP_MAX_FACTORS];
    size_t nf;
    mfd_ckpt_file file; /* the writer of <dir>/checkpoint.bin */
    unsigned char *buf; /* the payload, sized at set-up */
    size_t cap;
    bool on;      /* checkpoints can be written (a model with factors, checkpoint_every != 0) */
    bool resumed; /* this piece continues a checkpoint */
    long start;   /* the iteration this piece started at */
    long resumed_from;
    double cost;                              /* seconds the last write took (APP_CKPT_COST_GUESS before one) */
    double last;                              /* wall time (app_now) of the last write or of the start */
    long next_check;                          /* auto: the next iteration at which the clock is read */
    mfd_npy_stream snap[APP_MAX_FACTORS + 1]; /* snapshots: the factors, then iter.npy */
    size_t nsnap;
} app_ckpt;

enum { APP_CKPT_FRESH = 0, APP_CKPT_RESUME = 1, APP_CKPT_DONE = 2 };

/* Set up for the run in dir and decide how it starts (the table above):
 * *how is APP_CKPT_FRESH (acc untouched), APP_CKPT_RESUME (acc, the factors
 * and the model's state loaded) or APP_CKPT_DONE (a complete run left as it
 * is; the message printed).  Returns an exit code: APP_EXIT_OK, or
 * APP_EXIT_USAGE / APP_EXIT_FAILURE with the message printed. */
int app_ckpt_begin(app_ckpt *ck, const app_loop_cfg *cfg, app_model *model, mfd_param_table t, const void *params,
                   const char *dir, app_loop_acc *acc, int *how);

/* Open the run's files: fresh (mfd_out_open, a new trace with meta and cols)
 * or continued (mfd_out_reopen, the trace cut back to the checkpoint's
 * length); the snapshot streams with snapshots=1. */
mfd_status app_ckpt_open(app_ckpt *ck, mfd_out *o, const app_loop_acc *acc, const mfd_kv *meta, const char *const *cols,
                         size_t ncols, char *err, size_t errlen);

/* Is a checkpoint due at the top of iteration t?  t0: the run's clock origin
 * (app_now() - t0 is its wall time so far); auto mode reads the clock only
 * every so many iterations. */
bool app_ckpt_due(app_ckpt *ck, long t, double t0);

/* Write the checkpoint of iteration acc->t: flush the trace and snapshots to
 * the disk, then the state.  now_elapsed: the run's wall seconds so far. */
mfd_status app_ckpt_write(app_ckpt *ck, mfd_out *o, app_loop_acc *acc, double now_elapsed, char *err, size_t errlen);

/* snapshots=1: the factors and the iteration t of a logged row. */
mfd_status app_ckpt_snapshot(app_ckpt *ck, long t, char *err, size_t errlen);

/* Before summary.csv: finish the snapshot files. */
mfd_status app_ckpt_finish(app_ckpt *ck, char *err, size_t errlen);

/* After summary.csv: a run that stopped for another reason than max_iter
 * needs its checkpoint no more (it is removed). */
void app_ckpt_end(app_ckpt *ck, mfd_stop stop);

/* Release; streams still open (a run that failed) are kept for the
 * checkpoint when one exists, removed otherwise. */
void app_ckpt_free(app_ckpt *ck);

#endif
