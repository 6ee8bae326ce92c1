/* Nothing allocates inside an iteration: this executable is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so every allocation made by
 * libmfdyn or by this file is counted.  (Allocations inside the shared
 * OpenBLAS library are not; `make bench` reports a valgrind comparison that
 * covers them too.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepdiag.h"
#include "mfd_deepens.h"
#include "mfd_deepinit.h"
#include "mfd_lowrank.h"
#include "mfd_method.h"
#include "mfd_rate.h"
#include "mfd_rng.h"
#include "mfd_schedule.h"
#include "mfd_stop.h"
#include "mfd_target.h"
#include "testhelp.h"

static volatile long allocations = 0; /* volatile: malloc is a builtin the compiler assumes touches no globals */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    allocations++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s)
{
    allocations++;
    return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n)
{
    allocations++;
    return __real_realloc(p, n);
}

/* A four-layer d x d model on the identity target from a Gaussian init,
 * with its diagnostics (the set-up of both cases). */
static void model_case(mfd_field f, size_t d, double a, mfd_rng *r, mfd_deep **m, mfd_deepdiag **g)
{
    size_t dims[5] = {d, d, d, d, d};
    mfd_deep_alloc(f, 4, dims, m);
    (*m)->a = a;
    mfd_rng_init(r, 1, 1);
    mfd_target_identity((*m)->target, 1.0);
    mfd_deepinit_gaussian(*m, r, 0.3);
    mfd_deepdiag_alloc(*m, g);
}

static void loop_case(mfd_field f, size_t d, double a)
{
    mfd_deep *m;
    mfd_deepdiag *g;
    mfd_rng r;
    model_case(f, d, a, &r, &m, &g);
    mfd_schedule s;
    mfd_schedule_init(&s, 20, 0);
    mfd_stop_rule rule;
    mfd_stop_rule_init(&rule, 1e-24, 1e12, 1000, 100, 1e-9);
    mfd_linreg band;
    mfd_linreg_reset(&band);
    double thr[2] = {1e-2, 1e-6};
    long first[2] = {-1, -1};
    /* one warm-up iteration (OpenBLAS sets up its buffers on first use) */
    mfd_deep_eval(m);
    mfd_deepdiag_compute(g, m);
    long before = allocations;
    for (long t = 0; t < 1000; t++) {
        mfd_deep_eval(m);
        double L = m->loss_ori + m->loss_reg;
        mfd_stop stop = mfd_stop_check(&rule, t, L);
        mfd_rate_band_add(&band, 1e-20, 1e-8, (double)t, L);
        mfd_rate_thresholds_update(thr, first, 2, t, L);
        if (mfd_schedule_due(&s, t))
            mfd_deepdiag_compute(g, m);
        if (stop != MFD_STOP_NONE)
            break;
        mfd_deep_update(m, 0.01);
    }
    char name[128];
    snprintf(name, sizeof name, "1000 iterations with diagnostics allocate nothing (%s, d=%zu, a=%g)",
             mfd_field_name(f), d, a);
    CHECK(name, allocations == before);
    mfd_deepdiag_free(g);
    mfd_deep_free(m);
}

/* The lock-step loop of mfd-deep --runs: 1000 iterations of an ensemble of
 * runs (evaluation of every lane, each lane's stopping tests and rate fit,
 * at logged iterations the lane copied into its run's model and its
 * diagnostics, the update of every lane, a lane refilled with a new run
 * every 100 iterations) allocate nothing. */
static void ensemble_case(mfd_field f, size_t d, double a)
{
    mfd_deep *m;
    mfd_deepdiag *g;
    mfd_rng r;
    model_case(f, d, a, &r, &m, &g);
    mfd_deepens_shape sh = mfd_deepens_shape_of(m);
    mfd_deepens *e;
    if (mfd_deepens_alloc(&sh, 0, &e) != MFD_OK) {
        CHECK("an ensemble is set up", 0);
        return;
    }
    for (size_t l = 0; l < e->lanes; l++)
        mfd_deepens_set(e, l, m, 0.01);
    mfd_schedule s;
    mfd_schedule_init(&s, 20, 0);
    mfd_stop_rule rule;
    mfd_stop_rule_init(&rule, 1e-24, 1e12, 1000, 100, 1e-9);
    mfd_linreg band;
    mfd_linreg_reset(&band);
    double thr[2] = {1e-2, 1e-6};
    long first[2] = {-1, -1};
    mfd_deepens_eval(e); /* warm-up */
    mfd_deepens_get(e, 0, m);
    mfd_deepdiag_compute(g, m);
    long before = allocations;
    for (long t = 0; t < 1000; t++) {
        mfd_deepens_eval(e);
        for (size_t l = 0; l < e->lanes; l++) {
            double L = e->loss_ori[l] + e->loss_reg[l];
            (void)mfd_stop_check(&rule, t, L);
            mfd_rate_band_add(&band, 1e-20, 1e-8, (double)t, L);
            mfd_rate_thresholds_update(thr, first, 2, t, L);
            if (mfd_schedule_due(&s, t)) {
                mfd_deepens_get(e, l, m);
                mfd_deepdiag_compute(g, m);
            }
        }
        mfd_deepens_update(e);
        if (t % 100 == 99) {
            mfd_deepinit_gaussian(m, &r, 0.3);
            mfd_deepens_set(e, (size_t)t / 100 % e->lanes, m, 0.01);
        }
    }
    char name[160];
    snprintf(name, sizeof name,
             "1000 lock-step iterations of %zu lanes with diagnostics and refills allocate nothing (%s, d=%zu, a=%g)",
             e->lanes, mfd_field_name(f), d, a);
    CHECK(name, allocations == before);
    mfd_deepens_free(e);
    mfd_deepdiag_free(g);
    mfd_deep_free(m);
}

/* 200 iterations of a two-factor rule (evaluation and step) on an instance
 * from mfd_lowrank: the rule's workspace is all allocated by its alloc. */
static void rule_case(const mfd_method_type *type, mfd_lowrank_op op, bool sym, double lambda)
{
    mfd_lowrank_params p;
    memset(&p, 0, sizeof p);
    p.symmetric = sym;
    p.n = 12;
    p.k = 3;
    p.r = 2;
    p.kappa = 3;
    p.op = op;
    p.m = op == MFD_LOWRANK_OP_IDENTITY ? 0 : 300;
    p.p = 0.5;
    p.snr_db = INFINITY;
    p.init = MFD_LOWRANK_INIT_SMALL;
    p.alpha = 0.1;
    p.g_ratio = 1;
    p.mem_limit = 1e9;
    p.seed = 3;
    mfd_lowrank *lr = NULL;
    mfd_method *m = NULL;
    mfd_method_params mp = {.eta = 0.3, .lambda = lambda, .precgd_c = 1, .gd_scale = 1, .mem_limit = 1e9};
    if (mfd_lowrank_build(&p, &lr) != MFD_OK || mfd_method_alloc(type, lr->s, &mp, &m) != MFD_OK) {
        CHECK("a rule's instance is set up", 0);
        return;
    }
    mfd_stop stop = MFD_STOP_NONE;
    mfd_sense_eval(lr->s); /* warm-up */
    mfd_method_step(m, &stop);
    long before = allocations;
    for (long t = 0; t < 200 && stop == MFD_STOP_NONE; t++) {
        mfd_sense_eval(lr->s);
        mfd_method_step(m, &stop);
    }
    char name[128];
    snprintf(name, sizeof name, "200 iterations of %s allocate nothing (%s, %s)", type->name, mfd_lowrank_op_name(op),
             sym ? "sym" : "asym");
    CHECK(name, allocations == before);
    mfd_method_free(m);
    mfd_lowrank_free(lr);
}

/* Three runs over one operator (the first draws it, the others borrow it),
 * evaluated together: 200 group iterations allocate nothing. */
static void group_case(mfd_lowrank_op op)
{
    mfd_lowrank_params p;
    memset(&p, 0, sizeof p);
    p.n = 12;
    p.k = 3;
    p.r = 2;
    p.op = op;
    p.m = 300;
    p.snr_db = INFINITY;
    p.init = MFD_LOWRANK_INIT_SMALL;
    p.alpha = 0.1;
    p.g_ratio = 1;
    p.mem_limit = 1e9;
    p.op_seed = 7;
    p.has_op_seed = 1;
    mfd_lowrank *lr[3] = {NULL, NULL, NULL};
    mfd_method *m[3] = {NULL, NULL, NULL};
    mfd_sense *s[3];
    mfd_sensop *op0 = NULL;
    mfd_sense_group grp;
    mfd_method_params mp = {.eta = 0.3, .gd_scale = 1, .mem_limit = 1e9};
    bool ok = mfd_sense_group_alloc(3, &grp) == MFD_OK;
    for (int i = 0; ok && i < 3; i++) {
        p.seed = (uint64_t)(10 + i);
        p.kappa = 1 + i;
        p.shared_op = op0;
        ok = mfd_lowrank_build(&p, &lr[i]) == MFD_OK &&
             mfd_method_alloc(i == 1 ? &mfd_scaledgd_type : &mfd_gd_type, lr[i]->s, &mp, &m[i]) == MFD_OK;
        if (ok && i == 0)
            op0 = mfd_lowrank_release_op(lr[0]);
        if (ok)
            s[i] = lr[i]->s;
    }
    CHECK("three runs share one operator", ok && op0 && lr[1]->op == op0 && lr[2]->op == op0);
    if (ok) {
        mfd_stop stop[3] = {MFD_STOP_NONE, MFD_STOP_NONE, MFD_STOP_NONE};
        mfd_sense_eval_group(&grp, s, 3); /* warm-up */
        long before = allocations;
        for (long t = 0; t < 200; t++) {
            mfd_sense_eval_group(&grp, s, 3);
            for (int i = 0; i < 3; i++)
                mfd_method_step(m[i], &stop[i]);
        }
        char name[128];
        snprintf(name, sizeof name, "200 group iterations of 3 runs over one operator allocate nothing (%s)",
                 mfd_lowrank_op_name(op));
        CHECK(name, allocations == before);
    }
    for (int i = 0; i < 3; i++) {
        mfd_method_free(m[i]);
        mfd_lowrank_free(lr[i]);
    }
    mfd_sensop_free(op0);
    mfd_sense_group_free(&grp);
}

int main(void)
{
    loop_case(MFD_REAL, 4, 1.0);
    loop_case(MFD_COMPLEX, 4, 0.0);
    loop_case(MFD_REAL, 40, 0.5);
    loop_case(MFD_COMPLEX, 24, 2.0);
    ensemble_case(MFD_REAL, 2, 1.0);
    ensemble_case(MFD_COMPLEX, 4, 0.5);
    ensemble_case(MFD_REAL, 8, 0.0);
    rule_case(&mfd_gd_type, MFD_LOWRANK_OP_GAUSSIAN, false, 0);
    rule_case(&mfd_scaledgd_type, MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF, true, 0);
    rule_case(&mfd_scaledgd_lambda_type, MFD_LOWRANK_OP_IDENTITY, false, 1e-3);
    rule_case(&mfd_precgd_type, MFD_LOWRANK_OP_GAUSSIAN_SYM, true, 0);
    rule_case(&mfd_altscaledgd_type, MFD_LOWRANK_OP_MASK, false, 0);
    rule_case(&mfd_altmin_type, MFD_LOWRANK_OP_IDENTITY, false, 0);
    rule_case(&mfd_altmin_type, MFD_LOWRANK_OP_MASK, false, 1e-3);
    rule_case(&mfd_altmin_type, MFD_LOWRANK_OP_GAUSSIAN, false, 1e-3);
    group_case(MFD_LOWRANK_OP_GAUSSIAN);
    group_case(MFD_LOWRANK_OP_GAUSSIAN_OTF);
    long before = allocations;
    /* volatile: the compiler may not elide this malloc/free pair */
    void *volatile p = malloc(16);
    free(p);
    CHECK("the allocation counter counts (the check can fail)", allocations == before + 1);
    TEST_REPORT();
}
