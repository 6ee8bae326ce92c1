/* drv_plotrt.h — the plot kinds ecdf and data_profile: runtime
 * distributions over (run, target) or (instance, target) pairs
 * (drv_profile.h has the maths). */
#ifndef DRV_PLOTRT_H
#define DRV_PLOTRT_H

#include "drv_plotdef.h"

/* The runtimes of every series, one per (run or instance, target) pair,
 * divided by the budget unit: NaN for a pair not solved.  Series s has
 * n[s] values at v[s] (in one block). */
typedef struct drv_plotrt {
    double *block, **v;
    size_t *n;
    double lo, hi; /* the smallest and the largest finite value of any series: the figure's ends */
} drv_plotrt;

/* The keys of kinds ecdf and data_profile: measure (one expression per
 * target, '|'-separated), normalize, instance; x, y and theory refused. */
bool drv_plotrt_define(drv_plotdef *d, const drv_csv *t, char *err, size_t errlen);

/* The runtimes of every series and the figure's ends. */
bool drv_plotrt_make(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, size_t ns, drv_plotrt *r,
                     char *err, size_t errlen);

/* One series' distribution as CSV (x, k, n, p). */
bool drv_plotrt_write(const double *v, size_t n, double lo, double hi, FILE *f, char *err, size_t errlen);

void drv_plotrt_free(drv_plotrt *r);

#endif
