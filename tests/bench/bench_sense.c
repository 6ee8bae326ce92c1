/* Speed of one matrix-sensing GD step (symmetric, k = 5, dense symmetrized
 * Gaussian operator, stored packed: m n (n + 1)/2 doubles) for sizes up to
 * m n^2 ~ 2e8, against the time to read the stored block twice (A and A*) at
 * the read bandwidth measured in the same run, with as many threads as BLAS
 * uses; and the cost of a step with the on-the-fly operator.
 * Prints CSV: kind,n,m,threads,step_s,stream_s (2 reads of the block). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mfd_la.h"

#include "mfd_rng.h"
#include "mfd_sensbatch.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"

#include "bench_time.h"

typedef struct slice {
    const double *x;
    size_t n;
    double sum;
} slice;

static void *sum_slice(void *arg)
{
    slice *s = arg;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i + 4 <= s->n; i += 4) {
        s0 += s->x[i];
        s1 += s->x[i + 1];
        s2 += s->x[i + 2];
        s3 += s->x[i + 3];
    }
    s->sum = s0 + s1 + s2 + s3;
    return NULL;
}

/* Read bandwidth: the best of 5 passes summing the buffer in `threads`
 * contiguous slices at once (4 partial sums each). */
static double read_seconds(const double *x, size_t n, int threads, double *sink)
{
    double best = 1e30;
    slice sl[64];
    pthread_t th[64];
    if (threads > 64)
        threads = 64;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < threads; i++) {
            size_t lo = n * (size_t)i / (size_t)threads, hi = n * (size_t)(i + 1) / (size_t)threads;
            sl[i] = (slice){x + lo, hi - lo, 0};
            if (i > 0)
                pthread_create(&th[i], NULL, sum_slice, &sl[i]);
        }
        sum_slice(&sl[0]);
        for (int i = 1; i < threads; i++)
            pthread_join(th[i], NULL);
        double t = now() - t0;
        for (int i = 0; i < threads; i++)
            *sink += sl[i].sum;
        if (t < best)
            best = t;
    }
    return best;
}

static double step_seconds(mfd_sense *s, int reps)
{
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        mfd_sense_eval(s);
        mfd_sense_update(s, 1e-12);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static mfd_sense *problem(const mfd_sensop *op, size_t n, size_t k, double **y)
{
    mfd_mat M, U;
    mfd_mat_alloc(MFD_REAL, n, n, &M);
    mfd_mat_alloc(MFD_REAL, n, 2, &U);
    double s[2] = {1.0, 0.5};
    mfd_rng rng;
    mfd_rng_init(&rng, 1, 1);
    mfd_senseinit_truth(&rng, MFD_BASIS_HAAR, true, s, 2, M, U, U);
    *y = malloc(op->m * sizeof(double));
    mfd_sensop_apply(op, M, *y);
    mfd_sense *sn;
    mfd_sense_alloc(true, n, n, k, op, *y, &sn);
    mfd_sense_set_target(sn, M);
    mfd_senseinit_small(sn, &rng, 0.1, 1.0, false);
    mfd_mat_free(&M);
    mfd_mat_free(&U);
    return sn;
}

int main(void)
{
    size_t sizes[][2] = {{10, 100}, {20, 400}, {50, 2500}, {100, 10000}, {200, 5000}};
    double sink = 0;
    int threads = mfd_la_blas_threads();
    mfd_sensbatch_set_threads(threads); /* the operator passes take the same threads */
    printf("kind,n,m,threads,step_s,stream_s\n");
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i][0], m = sizes[i][1];
        mfd_sensop *op;
        if (mfd_sensop_gaussian(m, n, n, true, 1, &op) != MFD_OK)
            return 1;
        double *y;
        mfd_sense *s = problem(op, n, 5, &y);
        int reps = m * n * n > 10000000 ? 5 : 50;
        double ts = step_seconds(s, reps);
        double tr = read_seconds(op->block, m * op->nent, threads, &sink); /* packed: n (n + 1)/2 per A_k */
        printf("dense,%zu,%zu,%d,%.6g,%.6g\n", n, m, threads, ts, 2 * tr);
        fflush(stdout);
        mfd_sense_free(s);
        mfd_sensop_free(op);
        free(y);
    }
    /* the on-the-fly operator: no storage, every A_k generated twice per step */
    size_t otf[][2] = {{20, 400}, {50, 2500}};
    for (size_t i = 0; i < 2; i++) {
        size_t n = otf[i][0], m = otf[i][1];
        mfd_sensop *op;
        mfd_sensop_gaussian_otf(m, n, n, true, 1, &op);
        double *y;
        mfd_sense *s = problem(op, n, 5, &y);
        printf("otf,%zu,%zu,%d,%.6g,nan\n", n, m, threads, step_seconds(s, 3));
        mfd_sense_free(s);
        mfd_sensop_free(op);
        free(y);
    }
    fprintf(stderr, "(checksum %g)\n", sink);
    return 0;
}
