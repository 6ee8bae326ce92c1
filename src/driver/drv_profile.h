/* drv_profile.h — runtime distributions over the runs of a figure: the
 * empirical cumulative distribution (ECDF) of runtimes to targets, and its
 * normalized forms, the data profile and the performance profile.
 *
 * A problem p is a pair (instance, target) and t_{p,s} the runtime of solver
 * s on it: the iterations (or seconds) to the first iterate at or below the
 * target, missing when the target was never reached within the budget.
 * With a budget unit u_p > 0 per problem,
 *
 *   F_s(x) = #{p in P : t_{p,s} / u_p <= x} / |P|,
 *
 * where a missing runtime counts in |P| and never in the numerator, so a
 * solver that fails on some problems ends below 1 (COCO, Hansen et al.,
 * "COCO: Performance Assessment", arXiv:1605.03560, section "Empirical
 * Distribution Functions": "missing runtime values are counted in the
 * denominator").  u_p = 1 is the plain runtime ECDF; u_p = n_p + 1 (one
 * simplex gradient) is Moré and Wild's data profile d_s (Moré, Wild,
 * "Benchmarking derivative-free optimization algorithms", SIAM J. Optim.
 * 20(1), 2009, section 2), u_p = n (evaluations per dimension) COCO's; and
 * u_p = min_s t_{p,s}, the best solver's runtime on p, gives Dolan and
 * Moré's performance profile rho_s (Math. Program. 91, 2002): the fraction
 * of problems solved within a factor x of the best.  COCO's simulated
 * restarts are not applied: each run enters once, as it ran. */
#ifndef DRV_PROFILE_H
#define DRV_PROFILE_H

#include <stddef.h>

/* The ECDF of v[0..n) at its jumps: the distinct finite values of v,
 * ascending, into x[0..m), and k[j] = #{i : v[i] <= x[j]}, the number of
 * values at or below x[j] (ties jump together).  A value that is not finite
 * (NaN: a target never reached) never counts.  Returns m; x and k must hold
 * n values (at least one). */
size_t drv_profile_ecdf(const double *v, size_t n, double *x, size_t *k);

/* The count of the ECDF (x, k)[0..m) at a: k of the last jump at or below
 * a, 0 before the first. */
size_t drv_profile_count_at(const double *x, const size_t *k, size_t m, double a);

/* Performance ratios (Dolan and Moré): cost is ns solvers × np problems,
 * row-major (cost[s*np + p]); each finite cost becomes cost / best, best the
 * smallest finite cost of its problem over the solvers (the best solver's
 * ratio is 1).  A cost that is not finite stays NaN (not solved).  Costs are
 * runtimes, >= 0: a best of 0 gives the solvers at 0 the ratio 1 and the
 * others +inf (never within a finite factor of it). */
void drv_profile_ratios(double *cost, size_t ns, size_t np);

#endif
