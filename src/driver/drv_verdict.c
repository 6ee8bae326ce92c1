#include "drv_verdict.h"

#include <math.h>
#include <string.h>

#include "drv_stats.h"

#define Z95 1.959963984540054 /* the two-sided 95% normal quantile */

static const char *const NAMES[] = {"CONFIRMED", "CONTRADICTED", "INCONCLUSIVE", "DEVIATION", "DEVIATION GONE"};

const char *drv_verdict_name(drv_verdict v)
{
    return (unsigned)v < sizeof NAMES / sizeof *NAMES ? NAMES[v] : "?";
}

bool drv_verdict_parse(const char *text, drv_verdict *v)
{
    for (unsigned i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
        if (strcmp(text, NAMES[i]) == 0) {
            *v = (drv_verdict)i;
            return true;
        }
    return false;
}

bool drv_region_make(const char *bound, double p, double tol, bool rel, drv_region *out)
{
    double t = rel ? tol * fabs(p) : tol;
    if (strcmp(bound, "<=") == 0)
        *out = (drv_region){-INFINITY, p + t};
    else if (strcmp(bound, ">=") == 0)
        *out = (drv_region){p - t, INFINITY};
    else if (strcmp(bound, "within") == 0)
        *out = (drv_region){p - t, p + t};
    else
        return false;
    return true;
}

drv_verdict drv_verdict_interval(drv_region r, double lo, double hi)
{
    if (lo >= r.lo && hi <= r.hi)
        return DRV_CONFIRMED;
    if (hi < r.lo || lo > r.hi)
        return DRV_CONTRADICTED;
    return DRV_INCONCLUSIVE;
}

/* The Wilson interval for an observed fraction p over n trials (n may be
 * any positive real: the runs needed at the same fraction). */
static void wilson(double p, double n, double *lo, double *hi)
{
    double z2 = Z95 * Z95;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = Z95 / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    *lo = p == 0 ? 0.0 : fmax(0.0, centre - half); /* exact at the ends: 0/n and n/n */
    *hi = p == 1 ? 1.0 : fmin(1.0, centre + half);
}

static bool decides(drv_region r, double p, double n)
{
    double lo, hi;
    wilson(p, n, &lo, &hi);
    return drv_verdict_interval(r, lo, hi) != DRV_INCONCLUSIVE;
}

drv_verdict drv_verdict_fraction(size_t k, size_t n, drv_region r, double *lo, double *hi, double *runs)
{
    *runs = 0;
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        *runs = INFINITY;
        return DRV_INCONCLUSIVE;
    }
    double p = (double)k / (double)n;
    wilson(p, (double)n, lo, hi);
    drv_verdict v = drv_verdict_interval(r, *lo, *hi);
    if (v != DRV_INCONCLUSIVE)
        return v;
    /* the interval shrinks around p as runs grow: double, then bisect */
    double a = (double)n, b = a;
    while (!decides(r, p, b) && b < 1e9)
        b *= 2;
    if (!decides(r, p, b)) {
        *runs = INFINITY;
        return v;
    }
    while (b - a > 1) {
        double m = floor((a + b) / 2);
        if (decides(r, p, m))
            b = m;
        else
            a = m;
    }
    *runs = b;
    return v;
}

static double binom_half_cdf(size_t k, size_t n) /* P(B <= k), B ~ Bin(n, 1/2) */
{
    double term = exp(-(double)n * log(2.0)), sum = 0; /* C(n, 0) / 2^n */
    for (size_t i = 0; i <= k && i <= n; i++) {
        sum += term;
        term *= (double)(n - i) / (double)(i + 1);
    }
    return sum;
}

void drv_median_interval(const double *sorted, size_t n, double *median, double *lo, double *hi, double *coverage)
{
    if (n == 0) {
        *median = *lo = *hi = NAN;
        *coverage = 0;
        return;
    }
    *median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    /* [x_(a), x_(n-1-a)] (0-based) covers the median with probability
     * 1 - 2 P(B <= a - 1) for a >= 1, and 1 - 2^(1-n) for a = 0 */
    size_t a = 0;
    double cov = 1 - 2 * binom_half_cdf(0, n);
    for (size_t t = 1; 2 * t < n; t++) {
        double c = 1 - 2 * binom_half_cdf(t, n);
        if (c < 0.95)
            break;
        a = t;
        cov = c;
    }
    *lo = sorted[a];
    *hi = sorted[n - 1 - a];
    *coverage = cov;
}

double drv_t975(size_t df)
{
    static const double t[] = {NAN,    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201,  2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                               2.074,  2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df == 0)
        return NAN;
    if (df < sizeof t / sizeof *t)
        return t[df];
    /* Cornish-Fisher expansion in 1/df: within 1e-4 of the table's end and exact as df grows */
    double z = Z95, g1 = (z * z * z + z) / 4, g2 = (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / 96;
    return z + g1 / (double)df + g2 / ((double)df * (double)df);
}

void drv_mean_interval(const double *v, size_t n, double *mean, double *lo, double *hi)
{
    double ss = drv_stats_sumsq(v, n, mean);
    if (n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double h = drv_t975(n - 1) * sqrt(ss / (double)(n - 1) / (double)n);
    *lo = *mean - h;
    *hi = *mean + h;
}

double drv_region_distance(drv_region r, double c)
{
    double d = INFINITY;
    if (isfinite(r.lo))
        d = fmin(d, fabs(c - r.lo));
    if (isfinite(r.hi))
        d = fmin(d, fabs(c - r.hi));
    return d;
}

double drv_runs_to_decide_fixed(drv_region r, double c, double h, double h_fixed, size_t n)
{
    /* the distance from c to the edge that the interval must clear, less what does not narrow */
    double d = drv_region_distance(r, c);
    double room = d * d - h_fixed * h_fixed;
    if (!(d > 0) || !(h > 0) || !(room > 0))
        return INFINITY;
    double need = ceil((double)n * (h * h / room) * (1 - 1e-12)); /* 2.0000000000000004 is 2 */
    return need > (double)n ? need : (double)n + 1;
}

double drv_runs_to_decide(drv_region r, double c, double h, size_t n)
{
    return drv_runs_to_decide_fixed(r, c, h, 0, n);
}

drv_verdict drv_verdict_deviation(drv_verdict theory, drv_verdict expected)
{
    if (theory == DRV_CONFIRMED)
        return DRV_DEVIATION_GONE;
    if (theory == DRV_INCONCLUSIVE)
        return DRV_INCONCLUSIVE;
    if (expected == DRV_CONFIRMED)
        return DRV_DEVIATION;
    return expected == DRV_CONTRADICTED ? DRV_CONTRADICTED : DRV_INCONCLUSIVE;
}
