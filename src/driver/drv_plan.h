/* drv_plan.h — a loaded experiment's plan: the runs, their seeds and ids.
 *
 * The plan is the Cartesian product of the sweep axes (first axis
 * outermost, a zipped group counted as one axis) times the repetitions
 * (innermost).  Each run's seed is derived from (master seed, every
 * instance parameter, repetition), where instance parameters are all but
 * the method keys and the program's observing keys, those that only watch,
 * budget or stop a run (logging, rate fits, thresholds, iters, tol, ...;
 * drv_experiment_set_observing): runs that differ only in those see the
 * same target, operator and initialization, and a run has the same seed
 * whether it runs alone, in a sweep, in a shard or after a resume.  A
 * program with operator keys (drv_experiment_set_operator) also gets an
 * operator seed, op_seed, derived from (master seed, the operator keys'
 * values, repetition) alone: runs that differ in anything else (kappa, the
 * method, the step, the init) see the same measurement operator, and the
 * program can step them together over one copy of it.  A run's id hashes
 * its program and full argument list with its seeds; it names the run's
 * folder. */
#ifndef DRV_PLAN_H
#define DRV_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drv_csv.h"
#include "drv_experiment.h"

typedef struct drv_plan_run {
    size_t index;
    long rep;
    uint64_t seed;
    bool has_op_seed;  /* the program has operator keys: op_seed is passed */
    uint64_t op_seed;
    char id[17];
    drv_experiment_kv *params; /* fixed then swept, in spec order (values not owned) */
    size_t nparams;
} drv_plan_run;

/* Does key define the problem instance (and so enter the seed)? */
bool drv_plan_is_instance_key(const drv_experiment *s, const char *key);

/* The number of runs of the plan (the product of the axes' lengths, zipped
 * axes counted once, times the repetitions); SIZE_MAX above 10^7 runs. */
size_t drv_plan_count(const drv_experiment *s);

/* Expand the plan into runs[count] (owned by the caller: drv_plan_free);
 * the runs' parameter values point into s, which must outlive them.
 * False with a message in err when the plan is too large or memory runs out. */
bool drv_plan_expand(const drv_experiment *s, drv_plan_run **runs, size_t *count, char *err, size_t errlen);
void drv_plan_free(drv_plan_run *runs, size_t count);

/* The plan as a table: a column per parameter (fixed, then swept) and `rep`,
 * a row per run, as index.csv will hold them before any run has written a
 * summary (drv_csv_free).  False when memory runs out. */
bool drv_plan_table(const drv_plan_run *runs, size_t count, drv_csv *t);

#endif
