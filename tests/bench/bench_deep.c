/* Speed of one GD step of deep factorization (N = 4, a > 0: the full step,
 * 7(N-1) = 21 GEMMs), real and complex, for several d; and, in the same run,
 * the GEMM rate at the largest d, from which the time the step's GEMMs would
 * take is computed.  Prints CSV: field,d,seconds_per_step,gemm_model_seconds.
 * Benchmark code lives outside the library (it is not a test). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfd_deep.h"
#include "mfd_deepinit.h"
#include "mfd_la.h"
#include "mfd_random.h"
#include "mfd_rng.h"

#include "bench_time.h"

int main(int argc, char **argv)
{
    size_t ds[] = {2, 4, 8, 16, 64, 256};
    size_t nd = sizeof ds / sizeof *ds;
    if (argc > 1) /* optional list of sizes */
        nd = 0;
    for (int i = 1; i < argc && nd < 6; i++)
        ds[nd++] = (size_t)strtoul(argv[i], NULL, 10);
    printf("field,d,step_s,gemm_model_s,gemm_gflops\n");
    for (int f = 1; f <= 2; f++) {
        mfd_field fl = (mfd_field)f;
        /* GEMM rate at the largest size: C = A B, d^3 multiply-adds = 2d^3
         * flops real, 8d^3 real flops complex. */
        size_t D = ds[nd - 1];
        mfd_mat A, B, C;
        mfd_mat_alloc(fl, D, D, &A);
        mfd_mat_alloc(fl, D, D, &B);
        mfd_mat_alloc(fl, D, D, &C);
        mfd_rng r;
        mfd_rng_init(&r, 1, 1);
        mfd_random_gaussian(&r, A, 0.1);
        mfd_random_gaussian(&r, B, 0.1);
        double tg;
        MEDIAN_TIME(tg, mfd_la_gemm('N', 'N', 1.0, A, B, 0.0, C));
        double flop_per_mac = fl == MFD_REAL ? 2.0 : 8.0;
        double rate = flop_per_mac * (double)D * (double)D * (double)D / tg;
        mfd_mat_free(&A);
        mfd_mat_free(&B);
        mfd_mat_free(&C);
        for (size_t k = 0; k < nd; k++) {
            size_t d = ds[k], dims[5] = {d, d, d, d, d};
            mfd_deep *m;
            mfd_deep_alloc(fl, 4, dims, &m);
            m->a = 1.0;
            mfd_random_gaussian(&r, m->target, 1.0);
            mfd_deepinit_gaussian(m, &r, 1.0 / sqrt((double)d));
            double ts;
            /* a tiny step keeps the iterates bounded however long we time */
            MEDIAN_TIME(ts, {
                mfd_deep_eval(m);
                mfd_deep_update(m, 1e-12);
            });
            /* 21 GEMMs of d^3 multiply-adds at the measured rate */
            double model = 21.0 * flop_per_mac * (double)d * (double)d * (double)d / rate;
            printf("%s,%zu,%.6g,%.6g,%.4g\n", mfd_field_name(fl), d, ts, model, rate * 1e-9);
            fflush(stdout);
            mfd_deep_free(m);
        }
    }
    return 0;
}
