/* drv_profile: the empirical cumulative distribution of runtimes at its
 * jumps (ties, targets never reached), its value anywhere, checked against a
 * direct count, and Dolan and Moré's performance ratios (the best solver,
 * problems no solver or one solver solves, a best runtime of 0). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drv_profile.h"
#include "testhelp.h"

/* #{i : v[i] <= a}, counted directly. */
static size_t direct(const double *v, size_t n, double a)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += v[i] <= a; /* false for NaN */
    return c;
}

int main(void)
{
    double x[64];
    size_t k[64];
    const double v[6] = {3, 1, 2, NAN, 2, NAN};
    size_t m = drv_profile_ecdf(v, 6, x, k);
    CHECK("ecdf: one jump per distinct reached value (3 of 6 values: 1, 2, 2, 3)", m == 3);
    CHECK("ecdf: the jumps ascend", m == 3 && x[0] == 1 && x[1] == 2 && x[2] == 3);
    CHECK("ecdf: a tie jumps by the number of values at it (two at 2)", m == 3 && k[0] == 1 && k[1] == 3);
    CHECK("ecdf: runs that never reached the target never count (4 of 6 at the end)", m == 3 && k[2] == 4);
    CHECK("ecdf: 0 before the first jump", drv_profile_count_at(x, k, m, 0.5) == 0);
    CHECK("ecdf: the count at a jump includes it (right-continuous)", drv_profile_count_at(x, k, m, 2) == 3);
    CHECK("ecdf: between jumps the count holds", drv_profile_count_at(x, k, m, 2.999) == 3);
    CHECK("ecdf: beyond the last jump the count stays below n", drv_profile_count_at(x, k, m, 1e300) == 4);

    const double none[3] = {NAN, NAN, INFINITY};
    m = drv_profile_ecdf(none, 3, x, k);
    CHECK("ecdf: nothing reached (NaN, inf) has no jump and counts 0 everywhere",
          m == 0 && drv_profile_count_at(x, k, m, 1e300) == 0);
    const double same[3] = {5, 5, 5};
    m = drv_profile_ecdf(same, 3, x, k);
    CHECK("ecdf: three equal runtimes are one jump of 3", m == 1 && x[0] == 5 && k[0] == 3);

    /* 40 runtimes with many ties and some never reached, against a direct count */
    double w[40];
    unsigned long s = 12345;
    for (int i = 0; i < 40; i++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        unsigned r = (unsigned)(s >> 59); /* 0..31 */
        w[i] = r >= 27 ? NAN : (double)(r % 9) * 0.5;
    }
    m = drv_profile_ecdf(w, 40, x, k);
    bool agree = m > 1;
    for (double a = -1; a <= 5; a += 0.25)
        agree = agree && drv_profile_count_at(x, k, m, a) == direct(w, 40, a);
    CHECK("ecdf: the count at every budget -1, -0.75, ..., 5 equals a direct count over 40 runtimes with ties", agree);

    /* performance ratios: 2 solvers x 4 problems */
    double c[8] = {10, NAN, NAN, 0,  /* solver 0 */
                   20, 5,   NAN, 3}; /* solver 1 */
    drv_profile_ratios(c, 2, 4);
    CHECK("ratios: the best solver's ratio is 1, the other's cost / best", c[0] == 1 && c[4] == 2);
    CHECK("ratios: where one solver alone solves, it is the best and the other stays unsolved",
          isnan(c[1]) && c[5] == 1);
    CHECK("ratios: a problem no solver solves stays unsolved for both", isnan(c[2]) && isnan(c[6]));
    CHECK("ratios: a best of 0 gives 1 to the solver at 0 and +inf to the others", c[3] == 1 && isinf(c[7]));
    TEST_REPORT();
}
