/* drv_verdict: intervals against regions, Wilson fractions with the runs
 * that would decide, median and mean intervals, deviations. */
#include <math.h>
#include <string.h>

#include "drv_verdict.h"
#include "testhelp.h"

int main(void)
{
    drv_region ge, le, band;
    CHECK("'>=' makes [p - tol, inf)", drv_region_make(">=", 0.5, 0.1, false, &ge) && ge.lo == 0.4 && isinf(ge.hi));
    CHECK("'<=' makes (-inf, p + tol]", drv_region_make("<=", 2, 0.5, true, &le) && isinf(le.lo) && le.hi == 3);
    CHECK("'within' makes [p - tol, p + tol]", drv_region_make("within", 0.5, 0.1, false, &band) &&
                                                   fabs(band.lo - 0.4) < 1e-15 && fabs(band.hi - 0.6) < 1e-15);
    CHECK("an unknown bound is refused", !drv_region_make("<", 1, 0, false, &le));

    drv_region_make(">=", 0.6, 0, false, &ge);
    double lo, hi, runs;
    /* the example: 29/60 = 0.48 does not pass ">= 0.6": its interval reaches 0.6 but lies mostly below */
    drv_verdict v = drv_verdict_fraction(29, 60, ge, &lo, &hi, &runs);
    CHECK("29/60 against >= 0.6 is not CONFIRMED", v != DRV_CONFIRMED);
    CHECK("29/60 against >= 0.6 is INCONCLUSIVE (its interval [0.36, 0.61] reaches 0.6)", v == DRV_INCONCLUSIVE);
    CHECK_LE("... and about 70 runs at 0.48 would decide (contradict) it", fabs(runs - 66) , 10);
    v = drv_verdict_fraction(20, 60, ge, &lo, &hi, &runs);
    CHECK("20/60 against >= 0.6 is CONTRADICTED", v == DRV_CONTRADICTED && runs == 0);
    v = drv_verdict_fraction(55, 60, ge, &lo, &hi, &runs);
    CHECK("55/60 against >= 0.6 is CONFIRMED", v == DRV_CONFIRMED);
    drv_region_make(">=", 1, 0, false, &ge);
    v = drv_verdict_fraction(8, 8, ge, &lo, &hi, &runs);
    CHECK("8/8 against >= 1 can never be confirmed: INCONCLUSIVE with no finite number of runs",
          v == DRV_INCONCLUSIVE && isinf(runs));
    drv_region_make("within", 0.5, 0.1, false, &band);
    v = drv_verdict_fraction(90, 200, band, &lo, &hi, &runs);
    CHECK("90/200 within 0.5 +- 0.1 is not CONFIRMED: its interval [0.383, 0.519] leaves the band", v != DRV_CONFIRMED);
    v = drv_verdict_fraction(450, 1000, band, &lo, &hi, &runs);
    CHECK("450/1000 within 0.5 +- 0.1 is CONFIRMED", v == DRV_CONFIRMED);
    v = drv_verdict_fraction(0, 0, band, &lo, &hi, &runs);
    CHECK("no runs: INCONCLUSIVE", v == DRV_INCONCLUSIVE && lo == 0 && hi == 1);

    /* the runs that decide: the Wilson interval at that n decides, one fewer does not */
    drv_region_make(">=", 0.5, 0, false, &ge);
    v = drv_verdict_fraction(14, 20, ge, &lo, &hi, &runs);
    CHECK("14/20 against >= 0.5 is INCONCLUSIVE", v == DRV_INCONCLUSIVE);
    CHECK_LE("... decided by some 30 runs at 0.7", fabs(runs - 26), 6);

    double s[7] = {1, 2, 3, 4, 5, 6, 7}, med, cov;
    drv_median_interval(s, 7, &med, &lo, &hi, &cov);
    CHECK("median of 7 is the 4th value, interval [x1, x7] (coverage 1 - 2^-6)",
          med == 4 && lo == 1 && hi == 7 && fabs(cov - (1 - 2.0 / 128)) < 1e-12);
    double big[20];
    for (int i = 0; i < 20; i++)
        big[i] = i;
    drv_median_interval(big, 20, &med, &lo, &hi, &cov);
    CHECK("median of 20: the order-statistic interval [x_5, x_14] (0-based) covers 95.9%",
          med == 9.5 && lo == 5 && hi == 14 && cov >= 0.95 && cov < 0.97);
    drv_median_interval(s, 5, &med, &lo, &hi, &cov);
    CHECK("with 5 values no interval reaches 95%: [min, max] at 93.75%", lo == 1 && hi == 5 && fabs(cov - 0.9375) < 1e-12);

    CHECK_CLOSE("t quantile, 1 degree of freedom", drv_t975(1), 12.706, 1e-3);
    CHECK_CLOSE("t quantile, 30 degrees", drv_t975(30), 2.042, 1e-3);
    CHECK_CLOSE("t quantile, 31 degrees (expansion)", drv_t975(31), 2.0395, 2e-4);
    CHECK_CLOSE("t quantile, 1000 degrees", drv_t975(1000), 1.9623, 2e-4);
    double m;
    drv_mean_interval(s, 7, &m, &lo, &hi);
    CHECK_CLOSE("mean of 1..7", m, 4, 1e-15);
    CHECK_CLOSE("its t interval half-width 2.447 * sqrt(14/3/7)", hi - m, 2.447 * sqrt(14.0 / 3 / 7), 1e-12);

    drv_region_make("<=", 1, 0, false, &le);
    CHECK_CLOSE("runs to decide: half-width 0.2 at distance 0.1 from 10 runs -> 40", drv_runs_to_decide(le, 0.9, 0.2, 10),
                40, 0);
    CHECK("runs to decide: a centre on the edge never decides", isinf(drv_runs_to_decide(le, 1, 0.2, 10)));
    CHECK_CLOSE("runs to decide with a part that does not narrow: 0.2 that narrows and 0.06 that does not, at "
                "distance 0.1 from 10 runs -> 10 * 0.04 / (0.01 - 0.0036) = 62.5 -> 63",
                drv_runs_to_decide_fixed(le, 0.9, 0.2, 0.06, 10), 63, 0);
    CHECK("runs to decide: a part that does not narrow and reaches the edge never decides",
          isinf(drv_runs_to_decide_fixed(le, 0.9, 0.2, 0.1, 10)));
    CHECK_CLOSE("the distance to the nearest finite edge", drv_region_distance(le, 0.75), 0.25, 0);

    CHECK("theory met: DEVIATION GONE", drv_verdict_deviation(DRV_CONFIRMED, DRV_CONFIRMED) == DRV_DEVIATION_GONE);
    CHECK("theory contradicted, expected met: DEVIATION", drv_verdict_deviation(DRV_CONTRADICTED, DRV_CONFIRMED) == DRV_DEVIATION);
    CHECK("theory contradicted, expected contradicted: CONTRADICTED",
          drv_verdict_deviation(DRV_CONTRADICTED, DRV_CONTRADICTED) == DRV_CONTRADICTED);
    CHECK("theory undecided: INCONCLUSIVE", drv_verdict_deviation(DRV_INCONCLUSIVE, DRV_CONFIRMED) == DRV_INCONCLUSIVE);
    drv_verdict back;
    CHECK("names round-trip", drv_verdict_parse(drv_verdict_name(DRV_DEVIATION_GONE), &back) && back == DRV_DEVIATION_GONE);
    CHECK("an unknown verdict name is refused", !drv_verdict_parse("PASS", &back));
    TEST_REPORT();
}
