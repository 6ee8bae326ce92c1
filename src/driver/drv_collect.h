/* drv_collect.h — mfd collect: the summaries of an experiment's complete
 * runs merged into <results>/index.csv, and their times into timing.csv.
 *
 * index.csv has one row per complete run in plan order: id, index, rep,
 * seed, every parameter (fixed, then swept), then every summary column but
 * the times, in the order the runs first show them.  timing.csv has id,
 * wall_s, algo_s, s_per_iter and the times to thresholds (time_to_*): the
 * columns that differ from one execution to the next, so that index.csv is
 * the same bytes however the sweep was run.  Claims read index.csv only;
 * figures read both (drv_collect_load_index). */
#ifndef DRV_COLLECT_H
#define DRV_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_cmd.h"
#include "drv_csv.h"

/* Write index.csv and timing.csv of loaded experiment s; *ndone gets the
 * complete runs, *ntotal the runs of the plan.  quiet: no line on stdout.
 * 0, or an exit code with the error printed. */
int drv_collect_spec(const drv_experiment *s, const drv_cmd_opts *o, size_t *ndone, size_t *ntotal, bool quiet);

/* mfd collect for experiment x. */
int drv_collect_cmd(const drv_cmd_opts *o, const char *x);

/* Load experiment x, collect what has run (unless index.csv and timing.csv
 * are current: newer than the spec, the mfd program and every run's
 * summary.csv, with a row for each), and read its index.csv into t
 * (dir: the results folder), for check and plot; with times, timing.csv's
 * columns are joined to each run's row (for figures: a claim must not
 * depend on the clock).  0, or an exit code with everything freed; on 0 the
 * caller frees s and t. */
int drv_collect_load_index(const drv_cmd_opts *o, const char *x, bool times, drv_experiment *s, drv_csv *t, char *dir,
                           size_t dlen, size_t *done, size_t *total);

/* After plot or check failed: when none of s's runs is complete in dir,
 * say so on stderr (with no summary, no summary column is known, so an
 * error about one may only mean that nothing has run there). */
void drv_collect_hint_no_runs(const drv_experiment *s, const char *dir, size_t done);

#endif
