/* bench_time.h — the benchmarks' clock and their median-of-batches timer. */
#ifndef BENCH_TIME_H
#define BENCH_TIME_H

#include <stdlib.h>
#include <time.h>

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over 5 batches of the time per call, each batch lasting >= 0.1 s. */
#define MEDIAN_TIME(result, body)                                          \
    do {                                                                   \
        double batches[5];                                                 \
        long reps = 1;                                                     \
        for (;;) { /* calibrate */                                         \
            double t0 = now();                                             \
            for (long i_ = 0; i_ < reps; i_++) {                           \
                body;                                                      \
            }                                                              \
            if (now() - t0 > 0.02)                                         \
                break;                                                     \
            reps *= 2;                                                     \
        }                                                                  \
        reps *= 5;                                                         \
        for (int b_ = 0; b_ < 5; b_++) {                                   \
            double t0 = now();                                             \
            for (long i_ = 0; i_ < reps; i_++) {                           \
                body;                                                      \
            }                                                              \
            batches[b_] = (now() - t0) / (double)reps;                     \
        }                                                                  \
        qsort(batches, 5, sizeof(double), cmp);                            \
        result = batches[2];                                               \
    } while (0)

#endif
