/* drv_run.h — mfd run: the runs of a plan that are not complete, each as a
 * separate process of the experiment's program (N at once with -j N), a
 * slice of the plan with --shard K/N or --task I.
 *
 * A run is complete when its folder, <results>/runs/<id>, holds summary.csv
 * (the programs write it last).  A run is claimed with <results>/runs/<id>.lock
 * while it runs, so that two mfd run of one experiment share its runs; its
 * output goes to <results>/logs/<id>.log. */
#ifndef DRV_RUN_H
#define DRV_RUN_H

#include <stdbool.h>

#include "drv_cmd.h"

/* Is run id of the results folder dir complete (runs/<id>/summary.csv)? */
bool drv_run_is_complete(const char *dir, const char *id);

/* mfd run for experiment x: 0 when every run it started completed, 1 when
 * one failed (its log named on stderr), 2 for a bad spec or --task. */
int drv_run_spec(const drv_cmd_opts *o, const char *x);

#endif
