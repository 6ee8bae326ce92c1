/* drv_plot.h — mfd plot: an experiment's figures.  For each [plot NAME]
 * section the data (drv_plotdata.h) go to <results>/figures/data/NAME.*,
 * gnuplot runs plots/<script>.gp on them, and NAME.pdf and NAME.png are
 * renamed into <results>/figures only when both are complete; figures.tex
 * lists the figures with their captions for the report. */
#ifndef DRV_PLOT_H
#define DRV_PLOT_H

#include "drv_cmd.h"

/* mfd plot for experiment x: 0, 1 when gnuplot failed (its log named), 2
 * for a bad spec or a missing script. */
int drv_plot_spec(const drv_cmd_opts *o, const char *x);

#endif
