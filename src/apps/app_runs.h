/* app_runs.h — many runs in one process: `prog --runs FILE`.
 *
 * FILE (or - for standard input) holds one run per line: the run's
 * key=value arguments separated by TAB characters (a value may hold spaces,
 * never a TAB or a newline).  Empty lines and lines starting with # are
 * skipped.  Each run writes its own out= directory exactly as when the
 * program is invoked with those arguments alone; one run's failure does not
 * stop the others.  The driver's `mfd run --batch B` writes such files. */
#ifndef APP_RUNS_H
#define APP_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "app_group.h"
#include "mfd_param.h"

/* One run's argument vector: argv[0] is the program name, argv[argc] NULL. */
typedef struct app_run_args {
    int argc;
    char **argv;
    int line; /* in the runs file */
} app_run_args;

typedef struct app_runs {
    app_run_args *run;
    size_t n;
    char *text; /* the file, the arguments point into it */
} app_runs;

/* The path after --runs in argv, or NULL when the program was not given
 * --runs.  *bad is set when --runs is given together with other arguments or
 * without a path. */
const char *app_runs_path(int argc, char **argv, bool *bad);

/* Read the runs file, each run's argv[0] = argv0; false (with the reason in
 * err) on an I/O error, an empty file or an argument that is not key=value. */
bool app_runs_read(const char *argv0, const char *path, app_runs *r, char *err, size_t errlen);

void app_runs_free(app_runs *r);

/* The exit code of a batch from its runs' codes: the worst of them (usage
 * errors above failures above success). */
int app_runs_worse(int a, int b);

/* The main() of a program that schedules a batch itself (mfd-deep steps
 * runs of one shape together): with --runs FILE, many() gets the whole file
 * and returns the worst exit code; otherwise one(argc, argv), the single
 * run. */
int app_main_batch(const char *prog, int argc, char **argv, int (*one)(int argc, char **argv),
                   int (*many)(const app_runs *r));

/* The operator key of a run: its values of the table's operator keys
 * (MFD_P_OPERATOR) and its op_seed (else its seed), "k=v" joined by TABs,
 * into buf; runs with the same key draw the same operator.  A run given
 * share_operator other than 1 gets a key of its own. */
void app_runs_operator_key(mfd_param_table t, const app_run_args *a, char *buf, size_t len);

/* The --runs entry of mfd-sense and mfd-scaled: runs with the same operator
 * key step together (app_group_run), one group after another, in the order
 * of their first lines; a run whose key no other run has runs alone, as
 * one(argc, argv, NULL) would by itself.  The worst exit code. */
int app_runs_main_grouped(const char *prog, const char *argv0, const char *path, mfd_param_table t,
                          app_member_fn one);

/* The main() of those programs: with --runs FILE, app_runs_main_grouped;
 * otherwise one(argc, argv, NULL), the single run. */
int app_main_grouped(const char *prog, int argc, char **argv, mfd_param_table t, app_member_fn one);

#endif
