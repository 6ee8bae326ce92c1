#include "drv_stats.h"

#include <math.h>
#include <stdlib.h>

#include "mfd_rate.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void drv_stats_sort(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

double drv_stats_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    drv_stats_sort(v, n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double drv_stats_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    drv_stats_sort(v, n);
    double h = q * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

double drv_stats_sumsq(const double *v, size_t n, double *mean)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = n ? s / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    return ss;
}

void drv_stats_wilson95(size_t k, size_t n, double *lo, double *hi)
{
    mfd_rate_wilson(k, n, 1.959963984540054, lo, hi);
}
