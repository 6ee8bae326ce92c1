/* mfd_rate, mfd_schedule, mfd_stop: known answers from synthetic sequences. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mfd_rate.h"
#include "mfd_rng.h"
#include "mfd_schedule.h"
#include "mfd_stop.h"
#include "testhelp.h"

int main(void)
{
    /* Exact geometric decay e_t = 3 rho^t: the band fit recovers rho to
     * rounding (log e is exact to ~1e-16 relative; slope error ~ u/width). */
    {
        double rho = 0.97, t[4000], e[4000];
        for (int i = 0; i < 4000; i++) {
            t[i] = i;
            e[i] = 3.0 * pow(rho, i);
        }
        mfd_fit f = mfd_rate_linear(t, e, 4000, 1e-30, 1e-2);
        double r, se;
        mfd_rate_rho(f, &r, &se);
        CHECK_CLOSE("band fit recovers an exact linear rate", r, rho, 1e-13);
        CHECK_LE("exact sequence has a tiny standard error", se, 1e-13);
        /* the band selects exactly the points with 1e-30 <= e <= 1e-2 */
        size_t expect = 0;
        for (int i = 0; i < 4000; i++)
            expect += e[i] >= 1e-30 && e[i] <= 1e-2;
        CHECK("band fit uses exactly the points in the band", f.n == expect);

        /* the online accumulator agrees with the array fit */
        mfd_linreg acc;
        mfd_linreg_reset(&acc);
        for (int i = 0; i < 4000; i++)
            mfd_rate_band_add(&acc, 1e-30, 1e-2, t[i], e[i]);
        mfd_fit g = mfd_linreg_fit(&acc);
        CHECK_CLOSE("online and array fits agree", g.slope, f.slope, 1e-15);
    }
    /* Welford's updates keep their digits at large t: e = rho^(t - 1e7). */
    {
        mfd_linreg acc;
        mfd_linreg_reset(&acc);
        double rho = 0.999;
        for (long i = 0; i < 20000; i++)
            mfd_rate_band_add(&acc, 0, INFINITY, 1e7 + (double)i, pow(rho, (double)i));
        double r, se;
        mfd_rate_rho(mfd_linreg_fit(&acc), &r, &se);
        CHECK_CLOSE("online fit at t ~ 1e7 recovers the rate", r, rho, 1e-12);
    }
    /* Noisy decay: log e = log rho * t + N(0, s^2).  The fitted slope is
     * within 4 standard errors, and the standard error is the textbook
     * s / sqrt(sum (t - tbar)^2) within 10%. */
    {
        mfd_rng rng;
        mfd_rng_init(&rng, 7, 7);
        double t[2000], e[2000], s = 0.05, lr = log(0.99), sxx = 0, tbar = 999.5;
        for (int i = 0; i < 2000; i++) {
            t[i] = i;
            e[i] = exp(lr * i + s * mfd_rng_gaussian(&rng));
            sxx += (i - tbar) * (i - tbar);
        }
        mfd_fit f = mfd_rate_linear(t, e, 2000, 0, INFINITY);
        CHECK_LE("noisy fit: slope within 4 standard errors", fabs(f.slope - lr), 4 * f.slope_se);
        CHECK_CLOSE("noisy fit: standard error matches s/sqrt(Sxx)", f.slope_se, s / sqrt(sxx), 0.1 * s / sqrt(sxx));
    }
    /* Sublinear: e = 5 / t^2 gives slope -2 in log-log; the window restricts. */
    {
        double t[1000], e[1000];
        for (int i = 0; i < 1000; i++) {
            t[i] = i + 1;
            e[i] = i < 100 ? 1.0 : 5.0 / (t[i] * t[i]);
        }
        mfd_fit f = mfd_rate_loglog(t, e, 1000, 200, 1000);
        CHECK_CLOSE("log-log slope of 5/t^2 is -2", f.slope, -2.0, 1e-12);
        CHECK("log-log window counts its points", f.n == 801);
    }
    /* too few points: NaN, not garbage */
    {
        double t[2] = {1, 2}, e[2] = {1e-3, 1e-4};
        mfd_fit f = mfd_rate_linear(t, e, 2, 1e-20, 1e-10);
        CHECK("no point in the band gives a NaN slope", isnan(f.slope) && f.n == 0);
        f = mfd_rate_linear(t, e, 2, 1e-5, 1);
        CHECK("two points give a slope but no standard error", !isnan(f.slope) && isnan(f.slope_se));
    }
    /* thresholds */
    {
        double thr[3] = {1e-2, 1e-6, 1e-30};
        long first[3] = {-1, -1, -1};
        for (long t = 0; t < 100; t++)
            mfd_rate_thresholds_update(thr, first, 3, t, pow(0.5, (double)t));
        /* 0.5^7 = 0.0078 <= 1e-2 first at t = 7; 0.5^20 = 9.5e-7 at t = 20; 1e-30 at t = 100 never */
        CHECK("iterations to thresholds", first[0] == 7 && first[1] == 20 && first[2] == -1);
        double t[4] = {0, 1, 2, 3}, e[4] = {1, 0.1, 0.01, 0.001};
        CHECK("first_below on arrays", mfd_rate_first_below(t, e, 4, 0.05) == 2 && isnan(mfd_rate_first_below(t, e, 4, 1e-9)));
        char name[32];
        mfd_rate_threshold_name(1e-6, name, sizeof name);
        CHECK("threshold column name", strcmp(name, "iter_to_1e-06") == 0);
        mfd_rate_threshold_name(0.25, name, sizeof name);
        CHECK("... with the digits that tell 0.25 from 0.2", strcmp(name, "iter_to_2.5e-01") == 0);
        mfd_rate_threshold_name(0.2, name, sizeof name);
        CHECK("... and 0.2 as before", strcmp(name, "iter_to_2e-01") == 0);
    }
    /* plateaus: a two-step staircase on a log-spaced trace */
    {
        double t[200], e[200];
        size_t n = 0;
        mfd_schedule s;
        mfd_schedule_init(&s, 20, 0);
        for (long it = 0; it <= 1000000; it++)
            if (mfd_schedule_due(&s, it)) {
                t[n] = (double)it;
                /* level 2 until 1e3, then a fast drop to level 0.5 until 1e5, then decay */
                double x = (double)it;
                e[n] = x < 1e3 ? 2.0 : x < 2e3 ? 2.0 * pow(0.25, (x - 1e3) / 1e3) : x < 1e5 ? 0.5 : 0.5 * 1e5 / x;
                n++;
            }
        mfd_plateau p[4];
        size_t k = mfd_rate_plateaus(t, e, n, 0.05, 1.0, p, 4);
        CHECK("two plateaus are found", k == 2);
        CHECK_CLOSE("first plateau level", p[0].level, 2.0, 1e-12);
        CHECK_CLOSE("second plateau level", p[1].level, 0.5, 1e-12);
        CHECK("first plateau escapes just after 1e3", p[0].t_end <= 1000 && p[0].escape > 1000 && p[0].escape < 1200);
        CHECK("second plateau ends at 1e5", p[1].t_end == 100000);
    }
    /* Wilson intervals: known values (Wilson 1927; e.g. 8 of 10 at 95%: [0.4902, 0.9433]) */
    {
        double lo, hi;
        mfd_rate_wilson(8, 10, 1.959963984540054, &lo, &hi);
        CHECK("Wilson 8/10 at 95% is [0.4902, 0.9433]", fabs(lo - 0.4901625) < 1e-6 && fabs(hi - 0.9433178) < 1e-6);
        mfd_rate_wilson(0, 20, 1.959963984540054, &lo, &hi);
        CHECK("Wilson 0/20 starts at 0 and ends at 0.1611", lo == 0.0 && fabs(hi - 0.1611252) < 1e-6);
        mfd_rate_wilson(20, 20, 1.959963984540054, &lo, &hi);
        CHECK("Wilson 20/20 ends at 1", hi == 1.0 && fabs(lo - 0.8388748) < 1e-6);
        mfd_rate_wilson(0, 0, 1.96, &lo, &hi);
        CHECK("Wilson with no trials is [0, 1]", lo == 0.0 && hi == 1.0);
        bool ends = true; /* n/n must reach 1 exactly (27/27 once gave 1 - u) and 0/n start at 0 */
        for (size_t n = 1; n <= 1000; n++) {
            mfd_rate_wilson(n, n, 1.959963984540054, &lo, &hi);
            ends = ends && hi == 1.0;
            mfd_rate_wilson(0, n, 1.959963984540054, &lo, &hi);
            ends = ends && lo == 0.0;
        }
        CHECK("Wilson n/n ends at exactly 1 and 0/n starts at exactly 0 for n = 1..1000", ends);
    }
    /* schedule: log-spaced points */
    {
        mfd_schedule s;
        mfd_schedule_init(&s, 10, 0);
        long pts[64];
        size_t n = 0;
        for (long it = 0; it <= 1000; it++)
            if (mfd_schedule_due(&s, it) && n < 64)
                pts[n++] = it;
        long want[] = {0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, 126, 158, 200, 251, 316,
                       398, 501, 631, 794, 1000};
        int same = n == sizeof want / sizeof *want;
        for (size_t i = 0; same && i < n; i++)
            same = pts[i] == want[i];
        CHECK("log schedule with 10 per decade", same);
        CHECK("max_points bounds the log schedule", n + 1 <= mfd_schedule_max_points(&s, 1000));
        mfd_schedule_init(&s, 10, 250);
        n = 0;
        for (long it = 0; it <= 1000; it++)
            if (mfd_schedule_due(&s, it))
                n++;
        CHECK("every-250 schedule logs 0, 250, ..., 1000", n == 5);
        mfd_schedule_init(&s, 10, 0);
        CHECK("a skipped point is still logged", mfd_schedule_due(&s, 0) && mfd_schedule_due(&s, 7) &&
                                                  !mfd_schedule_due(&s, 7) && mfd_schedule_due(&s, 8));
    }
    /* stop rules */
    {
        mfd_stop_rule r;
        mfd_stop_rule_init(&r, 1e-10, 1e6, 100, 0, 0);
        CHECK("NaN is diverged, never converged", mfd_stop_check(&r, 3, NAN) == MFD_STOP_DIVERGED);
        CHECK("+inf is diverged", mfd_stop_check(&r, 3, INFINITY) == MFD_STOP_DIVERGED);
        CHECK("above the bound is diverged", mfd_stop_check(&r, 3, 2e6) == MFD_STOP_DIVERGED);
        CHECK("below tol is converged", mfd_stop_check(&r, 3, 1e-11) == MFD_STOP_CONVERGED);
        CHECK("the budget ends the run", mfd_stop_check(&r, 100, 1.0) == MFD_STOP_MAX_ITER);
        CHECK("otherwise keep going", mfd_stop_check(&r, 50, 1.0) == MFD_STOP_NONE);
        mfd_stop_rule_init(&r, 0, 1e6, 100000, 100, 1e-3);
        mfd_stop got = MFD_STOP_NONE;
        long t;
        for (t = 0; t < 100000 && got == MFD_STOP_NONE; t++)
            got = mfd_stop_check(&r, t, t < 500 ? exp(-0.01 * (double)t) : exp(-5.0));
        CHECK("a flat stretch ends the run as a plateau within two windows", got == MFD_STOP_PLATEAU && t <= 701);
        CHECK("stop reasons have their documented names",
              strcmp(mfd_stop_name(MFD_STOP_SINGULAR_PRECONDITIONER), "singular_preconditioner") == 0 &&
                  strcmp(mfd_stop_name(MFD_STOP_MAX_ITER), "max_iter") == 0);
    }
    TEST_REPORT();
}
