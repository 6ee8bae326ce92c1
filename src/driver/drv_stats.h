/* drv_stats.h — the statistics that claims and figures share: order
 * statistics of a sample, its spread and the 95% Wilson interval of a
 * fraction. */
#ifndef DRV_STATS_H
#define DRV_STATS_H

#include <stddef.h>

/* Sort v[0..n) ascending, in place. */
void drv_stats_sort(double *v, size_t n);

/* The median of v[0..n) (sorts v): the middle value, or the mean of the
 * two middle values, 0.5 (a + b), for even n; NaN for n = 0. */
double drv_stats_median(double *v, size_t n);

/* The q-quantile of v[0..n) (sorts v), interpolating linearly between
 * order statistics: v[lo] + (h - lo) (v[lo + 1] - v[lo]) at h = q (n - 1);
 * NaN for n = 0.  (At q = 0.5 it may differ from drv_stats_median in the
 * last bit: the two are computed as stated.) */
double drv_stats_quantile(double *v, size_t n, double q);

/* The sum of squared deviations of v[0..n) from their mean (two passes:
 * the mean first), *mean set to that mean (NaN for n = 0). */
double drv_stats_sumsq(const double *v, size_t n, double *mean);

/* The 95% Wilson score interval [*lo, *hi] of k successes in n trials
 * (z = 1.959963984540054). */
void drv_stats_wilson95(size_t k, size_t n, double *lo, double *hi);

#endif
