/* Per-step cost of ScaledGD against GD on the same problem (the
 * preconditioner should cost little), and of the dense against the sparse
 * completion path as p falls.  Prints CSV: case,n,r,p,a_s,b_s (a, b: the two
 * variants compared, named in `case`). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mfd_rng.h"
#include "mfd_method.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"

#include "bench_time.h"

typedef struct prob {
    mfd_sensop *op;
    double *y;
    mfd_sense *s;
    mfd_mat US, V;
} prob;

/* n × n rank-r truth (kappa 10) measured by op; spectral-like start near the truth */
static prob make(mfd_sensop *op, size_t n, size_t r)
{
    prob P = {op, NULL, NULL, {0}, {0}};
    mfd_mat M, U;
    mfd_mat_alloc(MFD_REAL, n, n, &M);
    mfd_mat_alloc(MFD_REAL, n, r, &U);
    mfd_mat_alloc(MFD_REAL, n, r, &P.V);
    mfd_mat_alloc(MFD_REAL, n, r, &P.US);
    double *s = malloc(r * sizeof(double));
    mfd_senseinit_spectrum(s, r, 10.0);
    mfd_rng rng;
    mfd_rng_init(&rng, 1, 1);
    mfd_senseinit_truth(&rng, MFD_BASIS_RADEMACHER_QR, false, s, r, M, U, P.V);
    mfd_mat_copy(P.US, U);
    for (size_t i = 0; i < r; i++)
        mfd_mat_scale(mfd_mat_view(mfd_mat_at(P.US, 0, i), MFD_REAL, n, 1, n), s[i]);
    P.y = malloc(op->m * sizeof(double));
    mfd_sensop_apply(op, M, P.y);
    mfd_sense_alloc(false, n, n, r, op, P.y, &P.s);
    mfd_sense_set_target(P.s, M);
    mfd_senseinit_small(P.s, &rng, 0.1, 1.0, true);
    free(s);
    mfd_mat_free(&M);
    mfd_mat_free(&U);
    return P;
}

static void unmake(prob *P)
{
    mfd_sense_free(P->s);
    mfd_sensop_free(P->op);
    free(P->y);
    mfd_mat_free(&P->US);
    mfd_mat_free(&P->V);
}

/* Best of `reps` timed iterations (eval + step), after one warm-up. */
static double step_time(prob *P, const mfd_method_type *method, int reps)
{
    mfd_method *alg;
    mfd_method_params mp = {.eta = 1e-9, .gd_scale = 1.0}; /* a tiny step: the iterate barely moves */
    mfd_method_alloc(method, P->s, &mp, &alg);
    double best = 1e30;
    for (int i = 0; i <= reps; i++) {
        double t0 = now();
        mfd_stop stop = MFD_STOP_NONE;
        mfd_sense_eval(P->s);
        mfd_method_step(alg, &stop);
        double t = now() - t0;
        if (i > 0 && t < best)
            best = t;
    }
    mfd_method_free(alg);
    return best;
}

int main(void)
{
    printf("case,n,r,p,a_s,b_s\n");
    /* ScaledGD against GD: sensing at [TMC21]'s Fig. 2 size, and factorization */
    {
        mfd_sensop *op;
        mfd_sensop_gaussian(5 * 200 * 10, 200, 200, false, 1, &op);
        prob P = make(op, 200, 10);
        printf("sensing gd/scaledgd,200,10,nan,%.6g,%.6g\n", step_time(&P, &mfd_gd_type, 10),
               step_time(&P, &mfd_scaledgd_type, 10));
        unmake(&P);
    }
    for (size_t n = 200; n <= 1000; n += 800) {
        mfd_sensop *op;
        mfd_sensop_identity(n, n, &op);
        prob P = make(op, n, 10);
        printf("factorization gd/scaledgd,%zu,10,nan,%.6g,%.6g\n", n, step_time(&P, &mfd_gd_type, 20),
               step_time(&P, &mfd_scaledgd_type, 20));
        unmake(&P);
    }
    /* completion: dense path against the sparse path */
    const double ps[] = {0.2, 0.05, 0.01};
    for (int i = 0; i < 3; i++) {
        mfd_sensop *op1, *op2;
        mfd_sensop_mask(1000, 1000, ps[i], 1, &op1);
        mfd_sensop_mask(1000, 1000, ps[i], 1, &op2);
        prob D = make(op1, 1000, 10), S = make(op2, 1000, 10);
        mfd_sense_set_sparse(S.s, S.US, S.V);
        printf("completion dense/sparse (scaledgd),1000,10,%g,%.6g,%.6g\n", ps[i], step_time(&D, &mfd_scaledgd_type, 10),
               step_time(&S, &mfd_scaledgd_type, 10));
        unmake(&D);
        unmake(&S);
    }
    return 0;
}
