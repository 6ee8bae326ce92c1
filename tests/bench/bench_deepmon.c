/* Cost of the per-step monitors (mfd_deepmon): one GD step of deep
 * factorization (N = 4, a = 1) alone, and the same step followed by the
 * monitors' observation, timed side by side in one run, for real and
 * complex layers of size d.  The invariants (Thm 4, 5) need N = 4 square
 * layers; Thm 8 runs at every d.  Prints CSV:
 * field,d,step_s,invariants_s,thm8_s,all_s (each the time per step with the
 * step included).  Benchmark code lives outside the library (it is not a
 * test). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfd_deep.h"
#include "mfd_deepinit.h"
#include "mfd_deepmon.h"
#include "mfd_random.h"
#include "mfd_rng.h"

#include "bench_time.h"

/* The time per step of GD with the monitors of p observed after each step
 * (none when mon_on is false). */
static double time_steps(mfd_deep *m, bool mon_on, mfd_deepmon_params p)
{
    mfd_deepmon *mon = NULL;
    if (mon_on && mfd_deepmon_alloc(m, p, &mon) != MFD_OK) {
        fprintf(stderr, "bench_deepmon: cannot set up the monitors\n");
        exit(1);
    }
    long t = 0;
    double ts;
    /* a tiny step keeps the iterates bounded however long we time */
    mfd_status st = MFD_OK;
    MEDIAN_TIME(ts, {
        mfd_deep_eval(m);
        if (mon && st == MFD_OK)
            st = mfd_deepmon_observe(mon, m, t++);
        mfd_deep_update(m, 1e-12);
    });
    if (st != MFD_OK) {
        fprintf(stderr, "bench_deepmon: a monitor failed: %s\n", mfd_status_str(st));
        exit(1);
    }
    mfd_deepmon_free(mon);
    return ts;
}

int main(int argc, char **argv)
{
    size_t ds[8] = {2, 4, 8};
    size_t nd = 3;
    if (argc > 1) /* optional list of sizes */
        nd = 0;
    for (int i = 1; i < argc && nd < 8; i++) {
        char *end;
        unsigned long d = strtoul(argv[i], &end, 10);
        if (*end || d < 1 || d > 64) {
            fprintf(stderr, "bench_deepmon: size '%s': expected an integer from 1 to 64\n", argv[i]);
            return 2;
        }
        ds[nd++] = (size_t)d;
    }
    printf("field,d,step_s,invariants_s,thm8_s,all_s\n");
    mfd_rng r;
    mfd_rng_init(&r, 1, 1);
    for (int f = 1; f <= 2; f++) {
        mfd_field fl = (mfd_field)f;
        for (size_t k = 0; k < nd; k++) {
            size_t d = ds[k], dims[5] = {d, d, d, d, d};
            mfd_deep *m;
            if (mfd_deep_alloc(fl, 4, dims, &m) != MFD_OK || mfd_deep_keep_grad_ori(m) != MFD_OK) {
                fprintf(stderr, "bench_deepmon: cannot allocate d = %zu\n", d);
                return 1;
            }
            m->a = 1.0;
            mfd_random_gaussian(&r, m->target, 1.0);
            mfd_deepinit_gaussian(m, &r, 1.0 / sqrt((double)d));
            mfd_deepmon_params none = {.eta = 1e-12, .sigma = 1.0, .skew_tol = 0.1};
            mfd_deepmon_params inv = none, thm8 = none, all = none;
            inv.invariants = true;
            thm8.thm8 = true;
            all.invariants = all.thm8 = all.thm11 = true;
            double t0 = time_steps(m, false, none);
            double ti = time_steps(m, true, inv);
            double t8 = time_steps(m, true, thm8);
            double ta = time_steps(m, true, all);
            printf("%s,%zu,%.6g,%.6g,%.6g,%.6g\n", mfd_field_name(fl), d, t0, ti, t8, ta);
            fflush(stdout);
            mfd_deep_free(m);
        }
    }
    return 0;
}
