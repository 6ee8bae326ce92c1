#include "drv_profile.h"

#include <math.h>

#include "drv_stats.h"

size_t drv_profile_ecdf(const double *v, size_t n, double *x, size_t *k)
{
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            x[nf++] = v[i];
    drv_stats_sort(x, nf);
    size_t m = 0;
    for (size_t i = 0; i < nf; i++) {
        if (m > 0 && x[m - 1] == x[i]) { /* a tie: the same jump, one more value */
            k[m - 1]++;
            continue;
        }
        x[m] = x[i];
        k[m] = (m ? k[m - 1] : 0) + 1;
        m++;
    }
    return m;
}

size_t drv_profile_count_at(const double *x, const size_t *k, size_t m, double a)
{
    size_t lo = 0, hi = m; /* the first jump above a is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? k[lo - 1] : 0;
}

void drv_profile_ratios(double *cost, size_t ns, size_t np)
{
    for (size_t p = 0; p < np; p++) {
        double best = INFINITY;
        for (size_t s = 0; s < ns; s++)
            if (isfinite(cost[s * np + p]) && cost[s * np + p] < best)
                best = cost[s * np + p];
        for (size_t s = 0; s < ns; s++) {
            double *c = &cost[s * np + p];
            if (!isfinite(*c))
                *c = NAN;
            else if (*c == best) /* the best solver, also when best = 0 */
                *c = 1;
            else
                *c = best > 0 ? *c / best : INFINITY;
        }
    }
}
