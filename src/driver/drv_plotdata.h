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
 *   where     which runs (an expression; default all)
 *   group_by  columns of index.csv (parameters or summary columns, e.g.
 *             stop_reason) whose values split the runs into series, in the
 *             order the plan first meets them
 *   x         trace: a trace column (default iter); otherwise an expression
 *   y         trace: trace columns, comma-separated; summary and runs:
 *             expressions separated by '|'
 *   measure   fraction: the condition counted
 *   theory    an expression drawn over the data per series (the series'
 *             first run gives the parameters): trace binds the x column's
 *             name, summary binds x
 *   caption   the figure's caption in the report
 * Files written, for S series: <data>.series (one line per series: its
 * number, a tab, its label "k1=v1 k2=v2") and <data>.<i>.csv, i = 1..S:
 *   trace     <x>, then <y>_med, <y>_q1, <y>_q3 per y, n[, theory]
 *   summary   x, then y_med, y_q1, y_q3 (y2_…, …), n[, theory]
 *   fraction  x, k, n, p, lo, hi
 *   runs      x, y (y2, …)
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
