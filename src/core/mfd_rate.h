/* mfd_rate.h — convergence rates and phases from error sequences (THEORY.md §4).
 *
 * Linear rate: least squares of log(e) on t over the points with e in a band
 * [lo, hi]; the per-step contraction is rho = exp(slope), with the standard
 * error of the slope carried over (se(rho) = rho se(slope)).  Sublinear: the
 * slope of log(e) on log(t) over a window of t.  Both are available as an
 * online accumulator (a run feeds every iteration, O(1) memory, Welford's
 * updates so that t ~ 1e7 loses no digits) and over arrays (the driver fits
 * traces).  Also: iterations to thresholds and plateau detection. */
#ifndef MFD_RATE_H
#define MFD_RATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_ckpt.h"

/* Online simple linear regression y = a + b x. */
typedef struct mfd_linreg {
    size_t n;
    double mx, my, sxx, sxy, syy;
    double x_first, x_last;
} mfd_linreg;

typedef struct mfd_fit {
    double slope, slope_se, intercept;
    size_t n;              /* points used */
    double x_first, x_last;
} mfd_fit;

void mfd_linreg_reset(mfd_linreg *r);
void mfd_linreg_add(mfd_linreg *r, double x, double y);

/* slope is NaN with fewer than 2 points (or all x equal), slope_se NaN with
 * fewer than 3.  Online, the residual sum of squares is syy - slope sxy, so
 * slope_se has a floor of about sqrt(u syy / n / sxx) on a near-exact line;
 * the array fits below sum the residuals directly and have no such floor. */
mfd_fit mfd_linreg_fit(const mfd_linreg *r);

/* The accumulator into / from a checkpoint (every field, bit for bit). */
void mfd_linreg_save(const mfd_linreg *r, mfd_ckpt_buf *b);
mfd_status mfd_linreg_load(mfd_linreg *r, mfd_ckpt_buf *b);

/* Add (t, log e) when lo <= e <= hi. */
void mfd_rate_band_add(mfd_linreg *r, double lo, double hi, double t, double e);

/* Add (log t, log e) when t_lo <= t <= t_hi and t, e > 0. */
void mfd_rate_window_add(mfd_linreg *r, double t_lo, double t_hi, double t, double e);

/* Per-step contraction rho = exp(slope) and its standard error. */
void mfd_rate_rho(mfd_fit f, double *rho, double *rho_se);

/* Array versions of the two fits. */
mfd_fit mfd_rate_linear(const double *t, const double *e, size_t n, double lo, double hi);
mfd_fit mfd_rate_loglog(const double *t, const double *e, size_t n, double t_lo, double t_hi);

/* First t with e <= thr, or NaN if none. */
double mfd_rate_first_below(const double *t, const double *e, size_t n, double thr);

/* Online version: first[i] is set to t the first time e <= thr[i]
 * (first[] must start at -1). */
void mfd_rate_thresholds_update(const double *thr, long *first, size_t n, long t, double e);

/* A plateau: a maximal stretch of a log-spaced error trace over which the
 * relative change of e per decade of iterations stays below rtol, lasting at
 * least min_decades.  level is the geometric mean of e over the stretch;
 * escape is the first logged t after it (NaN if the trace ends on it). */
typedef struct mfd_plateau {
    double t_start, t_end, level, escape;
} mfd_plateau;

/* Detect plateaus among points with t >= 1; returns how many were found
 * (only the first cap are stored). */
size_t mfd_rate_plateaus(const double *t, const double *e, size_t n, double rtol, double min_decades,
                         mfd_plateau *out, size_t cap);

/* Wilson score interval of a binomial proportion with k successes in n
 * trials at z standard deviations (z = 1.96: 95%); [0, 1] when n == 0. */
void mfd_rate_wilson(size_t k, size_t n, double z, double *lo, double *hi);

/* Column name for a threshold, with the fewest digits that give it back:
 * 1e-6 -> "iter_to_1e-06", 0.25 -> "iter_to_2.5e-01". */
void mfd_rate_threshold_name(double thr, char *buf, size_t len);

#endif
