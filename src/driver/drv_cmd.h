/* drv_cmd.h — what the driver's verbs share: the options, error reporting,
 * finding specs and programs, and loading an experiment for a verb (its keys
 * checked against the program's, the program's observing keys asked for);
 * and the verbs list and plan.
 *
 * The driver runs the programs as separate processes and links none of their
 * code: what it needs from a program it asks the program (`--keys`,
 * `--observing-keys`), and a run is a command line. */
#ifndef DRV_CMD_H
#define DRV_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_experiment.h"
#include "drv_plan.h"

/* Exit codes of mfd (README.md "mfd: the experiment driver"). */
enum {
    DRV_EXIT_OK = 0,      /* every run, figure and claim succeeded */
    DRV_EXIT_FAILURE = 1, /* a run, a figure or a claim failed */
    DRV_EXIT_USAGE = 2    /* bad arguments or a malformed spec */
};

typedef struct drv_cmd_opts {
    const char *specs, *results, *scale, *plots; /* folders, and the size variant (or NULL) */
    long jobs, shard_k, shard_n, task;           /* -j (0: one per core), --shard K/N (N = 0: none), --task (-1: none) */
    long batch;                                  /* --batch B: runs per process (0: chosen by mfd run) */
    int all, count;                              /* --all, --count */
} drv_cmd_opts;

/* "mfd: error: <message>" on stderr; returns code (DRV_EXIT_*). */
int drv_cmd_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every spec file of the specs folder (o->specs/<name>.ini), sorted; the
 * list and its strings are owned by the caller.  NULL with *n = 0 when the
 * folder cannot be read. */
char **drv_cmd_all_specs(const drv_cmd_opts *o, size_t *n);

/* Where the program is: beside mfd (the build tree) or, failing that, its
 * bare name for PATH. */
void drv_cmd_program_path(const char *name, char *buf, size_t len);

/* Load experiment x (a name in o->specs or a spec path) at o->scale, ask
 * its program for its observing keys and, with check_keys, check every
 * spec key against the program's.  0, or an exit code with the error
 * printed and nothing left to free. */
int drv_cmd_load(const drv_cmd_opts *o, const char *x, drv_experiment *s, bool check_keys);

/* drv_cmd_load with the keys checked, then the plan expanded; dir gets the
 * results folder.  0, or an exit code with nothing left to free. */
int drv_cmd_load_plan(const drv_cmd_opts *o, const char *x, drv_experiment *s, drv_plan_run **runs, size_t *n,
                      char *dir, size_t dlen);

/* mfd list: every experiment with what it verifies, its number of runs and
 * its title. */
int drv_cmd_list(const drv_cmd_opts *o);

/* mfd plan X: one line per run (index, id, program, arguments, seed, out),
 * or with --count the number of runs. */
int drv_cmd_plan(const drv_cmd_opts *o, const char *x);

#endif
