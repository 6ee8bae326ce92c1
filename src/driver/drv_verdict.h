/* drv_verdict.h — a claim's verdict at stated confidence (95%).
 *
 * A claim says that a measured quantity lies in a region: x <= b, x >= b, or
 * b - t <= x <= b + t.  The data give an interval for the quantity (a Wilson
 * interval for a fraction, slope +- 2 s.e. for a fitted slope, an order-
 * statistic interval for a median, or the values themselves for claims about
 * every run).  The verdict compares the two:
 *
 *   CONFIRMED      the whole interval lies in the region (every run meets a
 *                  per-run bound);
 *   CONTRADICTED   the interval lies outside the region (a run breaks a
 *                  per-run bound);
 *   INCONCLUSIVE   neither: the interval straddles an edge of the region;
 *                  the verdict says how many runs would decide at the
 *                  observed value;
 *   DEVIATION      an expected deviation: the theory's region is not met and
 *                  the region written for what is measured instead is;
 *   DEVIATION GONE the theory's region is met after all: the written
 *                  deviation no longer shows.
 *
 * Pure functions on numbers: nothing here reads files or allocates. */
#ifndef DRV_VERDICT_H
#define DRV_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum drv_verdict {
    DRV_CONFIRMED,
    DRV_CONTRADICTED,
    DRV_INCONCLUSIVE,
    DRV_DEVIATION,
    DRV_DEVIATION_GONE
} drv_verdict;

/* "CONFIRMED", "CONTRADICTED", "INCONCLUSIVE", "DEVIATION", "DEVIATION GONE". */
const char *drv_verdict_name(drv_verdict v);

/* The verdict named by text (as drv_verdict_name writes it); false if none. */
bool drv_verdict_parse(const char *text, drv_verdict *v);

/* The claimed region [lo, hi] (an end may be infinite). */
typedef struct drv_region {
    double lo, hi;
} drv_region;

/* The region of a bound: "<=" (x <= p + t), ">=" (x >= p - t), "within"
 * (|x - p| <= t); t = tol, or tol |p| when rel.  false for another bound. */
bool drv_region_make(const char *bound, double p, double tol, bool rel, drv_region *out);

/* An interval estimate [lo, hi] against the region (NaN ends: INCONCLUSIVE
 * is never returned for them; the caller decides what a missing value is). */
drv_verdict drv_verdict_interval(drv_region r, double lo, double hi);

/* The 95% Wilson interval of k successes in n trials and its verdict.  When
 * INCONCLUSIVE, *runs is the smallest number of runs with the same observed
 * fraction whose interval would decide (INFINITY when the observed fraction
 * sits on an edge of the region, or more than 10^9 runs would be needed);
 * otherwise 0. */
drv_verdict drv_verdict_fraction(size_t k, size_t n, drv_region r, double *lo, double *hi, double *runs);

/* A distribution-free interval for the median of n sorted values:
 * [x_(a), x_(n-1-a)] with the largest a whose coverage (a binomial sum) is at
 * least 95%; with n < 6 no such a exists and the interval is [min, max]
 * (coverage 1 - 2^(1-n), returned in *coverage). */
void drv_median_interval(const double *sorted, size_t n, double *median, double *lo, double *hi, double *coverage);

/* Mean and its 95% Student-t interval (n >= 2; NaN ends otherwise). */
void drv_mean_interval(const double *v, size_t n, double *mean, double *lo, double *hi);

/* The two-sided 97.5% quantile of Student's t with df degrees of freedom
 * (df >= 1; 1.959964 as df grows). */
double drv_t975(size_t df);

/* The distance from c to the region's nearest finite edge (INFINITY when
 * it has none). */
double drv_region_distance(drv_region r, double c);

/* For an interval estimate that narrows like 1/sqrt(n): how many runs (from
 * n now, centre c, half-width h) would put it on one side of the region's
 * nearest edge.  INFINITY when c sits on that edge. */
double drv_runs_to_decide(drv_region r, double c, double h, size_t n);

/* The same for a half-width sqrt(h_fixed² + h² n / N) at N runs: a part h
 * that more runs narrow and a part h_fixed that they do not (a slope's lack
 * of fit).  INFINITY when h_fixed alone reaches the nearest edge. */
double drv_runs_to_decide_fixed(drv_region r, double c, double h, double h_fixed, size_t n);

/* A deviation: the theory's verdict and the verdict of what is measured
 * instead combine into DEVIATION, DEVIATION GONE, CONTRADICTED (the
 * measurement left the expected region too) or INCONCLUSIVE. */
drv_verdict drv_verdict_deviation(drv_verdict theory, drv_verdict expected);

#endif
