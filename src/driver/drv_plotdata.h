/* drv_plotdata.h — the data behind an experiment's figures (`mfd plot`).
 *
 * A [plot NAME] section of a spec selects runs, splits them into series and
 * aggregates them for one gnuplot script:
 *   script    plots/<script>.gp (default NAME), run as
 *             gnuplot -c plots/<script>.gp <data> <out>
 *   kind      trace     trace.csv columns against a trace column, the
 *                       median and quartiles over the runs of a series at
 *                       each logged x
 *             summary   expressions of the summary row against an
 *                       expression x: median and quartiles per distinct x
 *             fraction  the fraction of runs where `measure` holds, per
 *                       distinct x, with its 95% Wilson interval
 *             runs      one row per run: x and the y expressions
 *             ecdf      the empirical cumulative distribution of runtimes
 *                       (drv_profile.h): the fraction of (run, target)
 *                       pairs of a series solved within each budget x
 *             data_profile  the same over (instance, target) pairs, one
 *                       run of each series per instance, with one |P| for
 *                       every series (Moré and Wild's data profile; with
 *                       normalize = best, Dolan and Moré's performance
 *                       profile)
 *   where     which runs (an expression; default all)
 *   group_by  columns of index.csv (parameters or summary columns, e.g.
 *             stop_reason) whose values split the runs into series, in the
 *             order the plan first meets them
 *   x         trace: a trace column (default iter); otherwise an expression
 *             (not ecdf, data_profile: their x is the budget)
 *   y         trace: trace columns, comma-separated; summary and runs:
 *             expressions separated by '|'
 *   measure   fraction: the condition counted; ecdf, data_profile: the
 *             runtime to a target (`iter_to_1e-10`, `time_to_1e-10`), or
 *             several targets separated by '|', whose pairs are pooled; a
 *             missing value (a target never reached) is a pair not solved
 *   normalize ecdf, data_profile: an expression of the run giving its
 *             budget unit (e.g. n, or n + 1 as Moré and Wild), by which the
 *             runtime is divided; it must be positive; data_profile also
 *             takes `best`: the smallest runtime of any series on the same
 *             instance and target
 *   instance  data_profile: the columns of index.csv that identify an
 *             instance (default seed, which the plan derives from every
 *             instance parameter and the repetition, and not from the
 *             method keys)
 *   theory    an expression drawn over the data per series (the series'
 *             first run gives the parameters): trace binds the x column's
 *             name, summary binds x
 *   caption   the figure's caption in the report
 * The table is index.csv with timing.csv joined (drv_collect.h), so the
 * times (algo_s, time_to_*) can be used.  Files written, for S series:
 * <data>.series (one line per series: its number, a tab, its label
 * "k1=v1 k2=v2") and <data>.<i>.csv, i = 1..S:
 *   trace     <x>, then <y>_med, <y>_q1, <y>_q3 per y, n[, theory]
 *   summary   x, then y_med, y_q1, y_q3 (y2_…, …), n[, theory]
 *   fraction  x, k, n, p, lo, hi
 *   runs      x, y (y2, …)
 *   ecdf, data_profile  x, k, n, p: k of the n pairs solved within budget
 *             x, p = k/n, at each x where the series' distribution jumps
 *             and at the smallest and largest x of any series (a step
 *             function: p holds from its x to the next row's)
 * Quartiles interpolate linearly between order statistics. */
#ifndef DRV_PLOTDATA_H
#define DRV_PLOTDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_csv.h"
#include "drv_experiment.h"

/* Write the data of plot section p of spec s, whose runs are in
 * <results>/runs and whose index is `index`, under the prefix data; the
 * number of series goes to *nseries.  Errors in the section name the
 * spec's file and line. */
bool drv_plotdata_prepare(const drv_experiment *s, const drv_experiment_section *p, const char *results,
                          const drv_csv *index, const char *data, size_t *nseries, char *err, size_t errlen);

#endif
