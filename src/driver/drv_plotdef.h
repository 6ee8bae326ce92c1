/* drv_plotdef.h — a [plot] section read and compiled, and the series it
 * splits the runs into.  Internal to the driver's figure data. */
#ifndef DRV_PLOTDEF_H
#define DRV_PLOTDEF_H

#include <stdbool.h>
#include <stdio.h>

#include "drv_csv.h"
#include "drv_experiment.h"
#include "drv_expr.h"
#include "drv_select.h"

#define DRV_PLOTDEF_MAX_Y 16

typedef struct drv_plotdef {
    const drv_experiment *s;
    const drv_experiment_section *p;
    const char *kind, *xname;
    char *ynames[DRV_PLOTDEF_MAX_Y]; /* trace: column names */
    size_t ny;           /* ecdf, data_profile: the measures, one per target, in y */
    drv_expr *where, *x, *y[DRV_PLOTDEF_MAX_Y], *measure, *theory;
    bool runtimes;                      /* kind ecdf or data_profile */
    drv_expr *normalize;                /* the budget unit per run, or NULL */
    bool best;                          /* normalize = best: the performance ratio */
    long icols[DRV_SELECT_MAX_COLUMNS]; /* data_profile: the columns that identify an instance */
    size_t nicols;
} drv_plotdef;

typedef struct drv_plotdef_series {
    char label[512];
    size_t *rows, n;
} drv_plotdef_series;

/* x as the figures' CSV files write numbers (shortest round trip). */
void drv_plotdef_put_num(FILE *f, double x);

/* Compile one '|'-separated expression of key (y, or measure). */
bool drv_plotdef_compile_text(drv_plotdef *d, const char *key, const char *text, int line, drv_expr **out, char *err,
                              size_t errlen, const drv_csv *t);

#endif
