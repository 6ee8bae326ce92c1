/* drv_run.h — mfd run: the runs of a plan that are not complete, by
 * processes of the experiment's program (N at once with -j N, by default one
 * per core), each doing one run or a batch of up to B runs through the
 * program's --runs FILE (--batch B; by default chosen from the number of runs
 * and jobs), a slice of the plan with --shard K/N or --task I.
 *
 * A run is complete when its folder, <results>/runs/<id>, holds summary.csv
 * (the programs write it last).  A run is claimed with <results>/runs/<id>.lock
 * while its process runs, so that two mfd run of one experiment share its
 * runs; its output goes to <results>/logs/<id>.log, or for a batch to
 * <results>/logs/batch-<id of its first run>.log beside the runs file.  A
 * killed batch loses only its unfinished runs; each of them continues from its
 * own checkpoint when it is started again.
 *
 * A larger budget: a run's id depends on iters and tol, so raising them plans
 * new folders.  A run whose folder does not exist yet starts from a copy of
 * the complete run with the same arguments but iters, tol, checkpoint_every
 * and restart, and a budget not larger (the largest iters of them); the
 * program continues it from its final checkpoint when it stopped at max_iter.
 * One that stopped for another reason is copied only when it is the larger
 * budget's run bit for bit (the same tol, an explicit slope_t1), and left as
 * it is (app_ckpt.h). */
#ifndef DRV_RUN_H
#define DRV_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_cmd.h"

/* -j's default: the number of online cores. */
long drv_run_default_jobs(void);

/* --batch's default for ntodo runs on jobs processes: about four batches per
 * job, but at least the largest group of runs that share an operator (group,
 * kept whole), between 1 and DRV_BATCH_MAX runs each. */
#define DRV_BATCH_MAX 1024
size_t drv_run_auto_batch(size_t ntodo, long jobs, size_t group);

/* Has the process pid (a runner's, or a driver's that left a copy) ended?
 * Only when kill() says it does not exist: another user's live process is
 * not gone. */
bool drv_run_pid_gone(long pid);

/* Is run id of the results folder dir complete (runs/<id>/summary.csv)? */
bool drv_run_is_complete(const char *dir, const char *id);

/* mfd run for experiment x: 0 when every run it started completed, 1 when
 * one failed (its log named on stderr), 2 for a bad spec or --task. */
int drv_run_spec(const drv_cmd_opts *o, const char *x);

/* mfd run for experiments xs[0 .. nx): the same runs and summary lines as
 * drv_run_spec on each in turn, but one pool of -j jobs serves them all, so
 * that the next experiment's runs start while the last runs of the one
 * before are still going (each summary line is printed when its experiment
 * has ended, in the order given).  The largest exit code; a bad spec stops
 * the experiments after it from starting. */
int drv_run_specs(const drv_cmd_opts *o, char **xs, size_t nx);

#endif
