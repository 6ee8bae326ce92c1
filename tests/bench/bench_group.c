/* Runs that share one sensing operator, stepped together against the same
 * runs stepped one by one, side by side in one process: per-iteration time of
 * g asymmetric GD runs (n = 100, r = k = 5, m = 5 n r) over one stored and
 * one on-the-fly Gaussian operator, with the floor of each (stored: reading
 * the block once per evaluation at the read bandwidth measured here; on the
 * fly: regenerating every A_k once, at the generator's rate measured here).
 * Then the threads of the batched normal map (1 against 2) for a range of
 * operator sizes: where a second thread starts to pay.
 *
 * With the argument "paper", last, [TMC21] Fig. 2's sensing panel (MS.m: n =
 * 200, r = 10, m = 5 n r, a 3.2 GB stored operator): one group of its eight
 * runs, with one and with two threads, against the roofline of the pass:
 * the larger of reading the block once at the bandwidth and the pass's
 * 4 m n^2 g flops at the DGEMM rate, both measured here with as many threads.
 *
 * Prints CSV tables:
 *   kind,n,m,g,separate_s,group_s,floor_one_s   (CPU time per iteration of all g runs)
 *   threads,kind,n,m,t1_s,t2_s                    (one evaluation and step)
 *   roofline,n,m,g,threads,pass_s,group_s,read_s,gemm_gflops,flops   (wall time; with "paper":
 *   pass_s the batched normal map alone, group_s the whole evaluation and step) */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "mfd_gauss.h"
#include "mfd_la.h"
#include "mfd_rng.h"
#include "mfd_sensbatch.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"

#define GMAX 8

/* The group table counts the process's CPU time (one thread): on a shared
 * machine the wall clock also counts the other processes' turns.  The
 * threads table needs the wall clock (two threads' CPU time add up). */
static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double now(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* An asymmetric rank-r problem over op (its own truth and init from seed). */
static mfd_sense *problem(const mfd_sensop *op, size_t n, size_t r, uint64_t seed, double **y)
{
    mfd_mat M, U, V;
    mfd_mat_alloc(MFD_REAL, n, n, &M);
    mfd_mat_alloc(MFD_REAL, n, r, &U);
    mfd_mat_alloc(MFD_REAL, n, r, &V);
    double s[16];
    for (size_t i = 0; i < r; i++)
        s[i] = 1.0 / (double)(i + 1);
    mfd_rng rng;
    mfd_rng_init(&rng, seed, 1);
    mfd_senseinit_truth(&rng, MFD_BASIS_HAAR, false, s, r, M, U, V);
    *y = malloc(op->m * sizeof(double));
    double *row = malloc(n * n * sizeof(double));
    mfd_sensbatch_apply(op, M.data, *y, row);
    free(row);
    mfd_sense *sn;
    mfd_sense_alloc(false, n, n, r, op, *y, &sn);
    mfd_sense_set_target(sn, M);
    mfd_senseinit_small(sn, &rng, 0.1, 1.0, false);
    mfd_mat_free(&M);
    mfd_mat_free(&U);
    mfd_mat_free(&V);
    return sn;
}

/* Best of reps: every run evaluated alone, one after another, and stepped. */
static double separate_seconds(mfd_sense **s, size_t g, int reps)
{
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        double t0 = now();
        for (size_t i = 0; i < g; i++) {
            mfd_sense_eval(s[i]);
            mfd_sense_update(s[i], 1e-12);
        }
        double t = now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* Best of reps: the g runs evaluated in one pass over the operator, then stepped. */
static double group_seconds(mfd_sense_group *grp, mfd_sense **s, size_t g, int reps)
{
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        double t0 = now();
        mfd_sense_eval_group(grp, s, g);
        for (size_t i = 0; i < g; i++)
            mfd_sense_update(s[i], 1e-12);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* Best of reps: the operator's pass alone for the g runs (their batched
 * normal map, mfd_sense_group_normal), what the roofline bounds. */
static double pass_seconds(mfd_sense_group *grp, mfd_sense **s, size_t g, int reps)
{
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        double t0 = now();
        mfd_sense_group_normal(grp, s, g);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* Reading n doubles once (4 partial sums), best of 5. */
static double read_seconds(const double *x, size_t n, double *sink)
{
    double best = 1e30;
    for (int k = 0; k < 5; k++) {
        double t0 = now(), s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = 0; i + 4 <= n; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        double t = now() - t0;
        *sink += s0 + s1 + s2 + s3;
        best = t < best ? t : best;
    }
    return best;
}

/* Regenerating m rows of N entries once (mfd_gauss_fill), best of 3. */
static double regen_seconds(size_t m, size_t N, double *row, double *sink)
{
    double best = 1e30;
    for (int k = 0; k < 5; k++) {
        double t0 = now();
        for (size_t i = 0; i < m; i++)
            mfd_gauss_fill(1, 3, i, N, 1.0, row);
        double t = now() - t0;
        *sink += row[0];
        best = t < best ? t : best;
    }
    return best;
}

static void group_table(size_t n, size_t r, double *sink)
{
    size_t m = 5 * n * r, N = n * n;
    size_t gs[] = {1, 2, 3, 4, 6, 8};
    printf("kind,n,m,g,separate_s,group_s,floor_one_s\n");
    for (int otf = 0; otf < 2; otf++) {
        mfd_sensop *op;
        if ((otf ? mfd_sensop_gaussian_otf(m, n, n, false, 1, &op) : mfd_sensop_gaussian(m, n, n, false, 1, &op)) !=
            MFD_OK)
            return;
        mfd_sense *s[GMAX];
        double *y[GMAX];
        for (size_t i = 0; i < GMAX; i++)
            s[i] = problem(op, n, r, 10 + i, &y[i]);
        double *row = malloc(N * sizeof(double));
        double floor_one = otf ? regen_seconds(m, N, row, sink) : read_seconds(op->block, m * N, sink);
        free(row);
        mfd_sense_group grp;
        mfd_sense_group_alloc(GMAX, &grp);
        int reps = otf ? 3 : 10;
        for (size_t j = 0; j < sizeof gs / sizeof *gs; j++) {
            size_t g = gs[j];
            double ts = separate_seconds(s, g, reps), tg = group_seconds(&grp, s, g, reps);
            double *rw = malloc(N * sizeof(double)); /* the floor again: its best over the whole table */
            double f = otf ? regen_seconds(m, N, rw, sink) : read_seconds(op->block, m * N, sink);
            free(rw);
            floor_one = f < floor_one ? f : floor_one;
            printf("%s,%zu,%zu,%zu,%.6g,%.6g,%.6g\n", otf ? "otf" : "stored", n, m, g, ts, tg, floor_one);
            fflush(stdout);
        }
        mfd_sense_group_free(&grp);
        for (size_t i = 0; i < GMAX; i++) {
            mfd_sense_free(s[i]);
            free(y[i]);
        }
        mfd_sensop_free(op);
    }
}

static void threads_table(double *sink)
{
    (void)sink;
    size_t ns[] = {10, 20, 30, 40, 50, 60, 70, 100};
    clock_id = CLOCK_MONOTONIC;
    printf("threads,kind,n,m,t1_s,t2_s\n");
    for (int otf = 0; otf < 2; otf++)
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++) {
            size_t n = ns[j], r = 5, m = 5 * n * r;
            if (otf && n > 50)
                continue;
            mfd_sensop *op;
            if ((otf ? mfd_sensop_gaussian_otf(m, n, n, false, 1, &op)
                     : mfd_sensop_gaussian(m, n, n, false, 1, &op)) != MFD_OK)
                return;
            double *y;
            mfd_sense *s = problem(op, n, r, 3, &y);
            int reps = otf ? 3 : (m * n * n > 10000000 ? 10 : 100);
            double t[2];
            for (int th = 1; th <= 2; th++) {
                mfd_sensbatch_set_threads(th);
                t[th - 1] = separate_seconds(&s, 1, reps);
            }
            mfd_sensbatch_set_threads(1);
            printf("threads,%s,%zu,%zu,%.6g,%.6g\n", otf ? "otf" : "stored", n, m, t[0], t[1]);
            fflush(stdout);
            mfd_sense_free(s);
            free(y);
            mfd_sensop_free(op);
        }
}

/* Reading n doubles once with nt threads (each a contiguous share), best of 5; wall time. */
static double read_seconds_threads(const double *x, size_t n, int nt, double *sink)
{
#ifndef _OPENMP
    (void)nt;
    return read_seconds(x, n, sink); /* one thread is all there is */
#endif
    double best = 1e30;
    for (int k = 0; k < 5; k++) {
        double t0 = now(), tot = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : tot)
        {
            size_t T = (size_t)omp_get_num_threads(), me = (size_t)omp_get_thread_num();
            size_t a = n * me / T / 4 * 4, b = me + 1 == T ? n : n * (me + 1) / T / 4 * 4;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t i = a; i + 4 <= b; i += 4) {
                s0 += x[i];
                s1 += x[i + 1];
                s2 += x[i + 2];
                s3 += x[i + 3];
            }
            tot += s0 + s1 + s2 + s3;
        }
#endif
        double t = now() - t0;
        *sink += tot;
        best = t < best ? t : best;
    }
    return best;
}

/* The DGEMM rate in flops per second with nt BLAS threads: C = A B at 2000^3, best of 3; wall time. */
static double gemm_rate(int nt, double *sink)
{
    size_t d = 2000;
    mfd_mat A, B, C;
    mfd_mat_alloc(MFD_REAL, d, d, &A);
    mfd_mat_alloc(MFD_REAL, d, d, &B);
    mfd_mat_alloc(MFD_REAL, d, d, &C);
    for (size_t i = 0; i < d * d; i++)
        A.data[i] = B.data[i] = 1.0 / (double)(1 + i % 7);
    int was = mfd_la_blas_threads();
    mfd_la_set_blas_threads(nt);
    double best = 1e30;
    for (int k = 0; k < 3; k++) {
        double t0 = now();
        mfd_la_gemm('N', 'N', 1.0, A, B, 0.0, C);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    mfd_la_set_blas_threads(was);
    *sink += C.data[0];
    mfd_mat_free(&A);
    mfd_mat_free(&B);
    mfd_mat_free(&C);
    return 2.0 * (double)d * (double)d * (double)d / best;
}

/* [TMC21] Fig. 2's sensing panel: eight runs over one 3.2 GB operator. */
static void roofline_table(double *sink)
{
    size_t n = 200, r = 10, m = 5 * n * r, N = n * n, g = 8;
    clock_id = CLOCK_MONOTONIC;
    mfd_sensop *op;
    if (mfd_sensop_gaussian(m, n, n, false, 1, &op) != MFD_OK) {
        fprintf(stderr, "bench_group: cannot build the 3.2 GB operator\n");
        return;
    }
    mfd_sense *s[GMAX];
    double *y[GMAX];
    for (size_t i = 0; i < g; i++)
        s[i] = problem(op, n, r, 20 + i, &y[i]);
    mfd_sense_group grp;
    mfd_sense_group_alloc(GMAX, &grp);
    printf("roofline,n,m,g,threads,pass_s,group_s,read_s,gemm_gflops,flops\n");
    for (int th = 1; th <= 2; th++) {
        mfd_sensbatch_set_threads(th);
        /* side by side: the pass, the whole evaluation and step, then the pass's two floors */
        double tp = pass_seconds(&grp, s, g, 5);
        double tg = group_seconds(&grp, s, g, 3);
        double tr = read_seconds_threads(op->block, m * N, th, sink);
        double gf = gemm_rate(th, sink);
        printf("roofline,%zu,%zu,%zu,%d,%.6g,%.6g,%.6g,%.6g,%.6g\n", n, m, g, th, tp, tg, tr, gf / 1e9,
               4.0 * (double)m * (double)N * (double)g);
        fflush(stdout);
    }
    mfd_sensbatch_set_threads(1);
    mfd_sense_group_free(&grp);
    for (size_t i = 0; i < g; i++) {
        mfd_sense_free(s[i]);
        free(y[i]);
    }
    mfd_sensop_free(op);
}

int main(int argc, char **argv)
{
    double sink = 0;
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
    bool paper = argc > 2 && strcmp(argv[2], "paper") == 0;
    group_table(n, 5, &sink);
    threads_table(&sink);
    if (paper)
        roofline_table(&sink);
    fprintf(stderr, "(checksum %g)\n", sink);
    return 0;
}
