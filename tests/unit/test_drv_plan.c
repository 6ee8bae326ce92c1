/* drv_plan: expanding a spec into runs — counts, order, parameters, seeds
 * shared across method keys and the program's observing keys, and ids that
 * stay what they were (they name the run folders of every results tree). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "drv_fixtures.h"
#include "drv_plan.h"
#include "drv_run.h"
#include "testhelp.h"

/* the operator seed of run 0 of test_operator_seeds: a change orphans results */
#define OP_SEED_RUN0 UINT64_C(4216914233086962033)

static char err[1024];

static const char SPEC[] = "[experiment]\n"
                           "program = mfd-deep\n"
                           "repetitions = 2\n"
                           "seed = 7\n"
                           "method_keys = eta\n"
                           "[fixed]\n"
                           "depth = 4\n"
                           "iters = 100\n"
                           "[sweep]\n"
                           "field = real, complex\n"
                           "eta = 0.01, 0.02\n"
                           "log_every = 1, 10\n"
                           "[sweep.paper]\n"
                           "eta = 0.01, 0.02, 0.04\n";

/* The same experiment written in another order. */
static const char REORDERED[] = "[experiment]\n"
                                "seed = 7\n"
                                "method_keys = eta\n"
                                "program = mfd-deep\n"
                                "repetitions = 2\n"
                                "[sweep]\n"
                                "field = real, complex\n"
                                "eta = 0.01, 0.02\n"
                                "log_every = 1, 10\n"
                                "[fixed]\n"
                                "iters = 100\n"
                                "depth = 4\n";

static const char *const OBSERVING[] = {"iters", "log_every", "tol"};

/* Load text, set the observing keys (n of OBSERVING) and expand. */
static bool plan(const char *text, const char *scale, size_t nobs, drv_experiment *s, drv_plan_run **runs, size_t *n)
{
    if (!fx_spec(text, "x.ini", scale, s, err, sizeof err))
        return false;
    if (drv_experiment_set_observing(s, OBSERVING, nobs) && drv_plan_expand(s, runs, n, err, sizeof err))
        return true;
    drv_experiment_free(s);
    return false;
}

/* The value of key in run r. */
static const char *param(const drv_plan_run *r, const char *key)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].key, key) == 0)
            return r->params[i].value;
    return "(none)";
}

/* The run whose parameters are these (field, eta, log_every, rep). */
static const drv_plan_run *find(const drv_plan_run *runs, size_t n, const char *field, const char *eta,
                                const char *every, long rep)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(param(&runs[i], "field"), field) == 0 && strcmp(param(&runs[i], "eta"), eta) == 0 &&
            strcmp(param(&runs[i], "log_every"), every) == 0 && runs[i].rep == rep)
            return &runs[i];
    return NULL;
}

static void test_order(const drv_plan_run *runs, size_t n)
{
    CHECK("the plan is the product of the axes times the repetitions", n == 16);
    bool indexed = true;
    for (size_t i = 0; i < n; i++)
        indexed = indexed && runs[i].index == i && runs[i].rep == (long)(i % 2) && runs[i].nparams == 5;
    CHECK("runs are numbered in order, repetitions innermost", indexed);
    CHECK("parameters: the fixed ones, then the swept ones in spec order",
          strcmp(runs[0].params[0].key, "depth") == 0 && strcmp(runs[0].params[1].key, "iters") == 0 &&
              strcmp(runs[0].params[2].key, "field") == 0 && strcmp(runs[0].params[4].key, "log_every") == 0);
    CHECK("the last axis varies fastest after the repetitions",
          strcmp(param(&runs[2], "log_every"), "10") == 0 && strcmp(param(&runs[4], "eta"), "0.02") == 0 &&
              strcmp(param(&runs[8], "field"), "complex") == 0 && strcmp(param(&runs[7], "field"), "real") == 0);
    CHECK("each parameter keeps its spec line", runs[0].params[0].line == 7 && runs[0].params[2].line == 10);
}

static void test_seeds(const drv_plan_run *runs, size_t n)
{
    const drv_plan_run *a = find(runs, n, "real", "0.01", "1", 0), *b = find(runs, n, "real", "0.02", "1", 0),
                       *c = find(runs, n, "real", "0.01", "10", 0), *d = find(runs, n, "complex", "0.01", "1", 0),
                       *e = find(runs, n, "real", "0.01", "1", 1);
    if (!a || !b || !c || !d || !e) {
        CHECK("the runs of the plan are found", 0);
        return;
    }
    CHECK("runs that differ only in a method key share their seed", a->seed == b->seed);
    CHECK("runs that differ only in an observing key share their seed", a->seed == c->seed);
    CHECK("runs that differ in an instance key do not", a->seed != d->seed);
    CHECK("repetitions have their own seeds", a->seed != e->seed);
    bool distinct = true, small = true;
    for (size_t i = 0; i < n; i++) {
        small = small && runs[i].seed < (UINT64_C(1) << 63);
        for (size_t j = 0; j < i; j++)
            distinct = distinct && strcmp(runs[i].id, runs[j].id) != 0;
    }
    CHECK("every run has its own id (ids hash every argument with the seed)", distinct);
    CHECK("seeds are below 2^63 (they print the same everywhere)", small);
    /* the values the driver has always given this plan: ids name run
     * folders, seeds fix every instance; a change here orphans results */
    CHECK("ids and seeds are stable (run 0)",
          strcmp(runs[0].id, "6eee80175aab0214") == 0 && runs[0].seed == UINT64_C(2250473122226692052));
    CHECK("ids and seeds are stable (run 9)",
          strcmp(runs[9].id, "f980f447a6aa013e") == 0 && runs[9].seed == UINT64_C(7162149738266014001));
    CHECK("ids and seeds are stable (run 15)",
          strcmp(runs[15].id, "539a9030d0bf7219") == 0 && runs[15].seed == UINT64_C(7162149738266014001));
}

/* Seeds and ids of the same runs under other conditions. */
static void test_invariance(const drv_plan_run *runs, size_t n)
{
    drv_experiment s;
    drv_plan_run *r;
    size_t m;
    if (plan(REORDERED, NULL, 3, &s, &r, &m)) {
        const drv_plan_run *x = find(r, m, "complex", "0.02", "10", 1), *y = find(runs, n, "complex", "0.02", "10", 1);
        CHECK("the order of keys in the spec changes no seed and no id",
              x && y && x->seed == y->seed && strcmp(x->id, y->id) == 0);
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the reordered spec plans", 0);
    }
    if (plan(SPEC, "paper", 3, &s, &r, &m)) {
        const drv_plan_run *x = find(r, m, "real", "0.02", "1", 1), *y = find(runs, n, "real", "0.02", "1", 1),
                           *z = find(r, m, "real", "0.04", "1", 1);
        CHECK("a scale that adds axis values plans more runs", m == 24);
        CHECK("a run in both plans has the same seed and id there",
              x && y && x->seed == y->seed && strcmp(x->id, y->id) == 0);
        CHECK("the added method-key value shares the seed", x && z && x->seed == z->seed);
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the paper scale plans", 0);
    }
    if (plan(SPEC, NULL, 0, &s, &r, &m)) {
        const drv_plan_run *x = find(r, m, "real", "0.01", "1", 0), *y = find(r, m, "real", "0.01", "10", 0);
        CHECK("without observing keys, log_every enters the seed", x && y && x->seed != y->seed);
        CHECK("... while method keys still stay out of it", x && find(r, m, "real", "0.02", "1", 0)->seed == x->seed);
        CHECK("is_instance_key: a method key is not, a swept key is",
              !drv_plan_is_instance_key(&s, "eta") && drv_plan_is_instance_key(&s, "log_every"));
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the plan without observing keys expands", 0);
    }
    char text[sizeof SPEC + 8];
    snprintf(text, sizeof text, "%s", SPEC);
    text[strstr(text, "seed = 7") - text + 7] = '8';
    if (plan(text, NULL, 3, &s, &r, &m)) {
        CHECK("another master seed gives other seeds and ids",
              r[0].seed != runs[0].seed && strcmp(r[0].id, runs[0].id) != 0);
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the plan with master seed 8 expands", 0);
    }
}

/* Operator seeds: from the operator keys' values and the repetition alone. */
static void test_operator_seeds(void)
{
    static const char spec[] = "[experiment]\nprogram = mfd-scaled\nrepetitions = 2\nseed = 5\n"
                               "method_keys = method\n[fixed]\nn = 20\n[sweep]\nm = 100, 200\n"
                               "kappa = 1, 10\nmethod = gd, scaledgd\n";
    static const char *const opkeys[] = {"n", "m", "operator"};
    drv_experiment s;
    drv_plan_run *r;
    size_t m;
    if (!fx_spec(spec, "x.ini", NULL, &s, err, sizeof err)) {
        CHECK("the operator spec loads", 0);
        return;
    }
    if (!drv_experiment_set_operator(&s, opkeys, 3) || !drv_plan_expand(&s, &r, &m, err, sizeof err)) {
        CHECK("the operator spec plans", 0);
        drv_experiment_free(&s);
        return;
    }
    /* order: m, kappa, method, rep (innermost) */
    const drv_plan_run *a = &r[0], *kap = &r[4], *meth = &r[2], *rep = &r[1], *mm = &r[8];
    CHECK("every run has an operator seed", a->has_op_seed && mm->has_op_seed);
    CHECK("runs that differ in kappa and the method share the operator seed",
          a->op_seed == kap->op_seed && a->op_seed == meth->op_seed && a->op_seed == r[6].op_seed);
    CHECK("... but not the run seed (kappa is an instance key)", a->seed != kap->seed);
    CHECK("another m is another operator", a->op_seed != mm->op_seed);
    CHECK("another repetition is another operator", a->op_seed != rep->op_seed);
    CHECK("the operator seed is not the run seed", a->op_seed != a->seed && a->op_seed < (UINT64_C(1) << 63));
    CHECK("the operator seed is stable (run 0)", a->op_seed == OP_SEED_RUN0);
    drv_plan_run *r2;
    size_t m2;
    s.seed = 6;
    if (drv_plan_expand(&s, &r2, &m2, err, sizeof err)) {
        CHECK("another master seed is another operator", r2[0].op_seed != a->op_seed);
        drv_plan_free(r2, m2);
    }
    s.seed = 5;
    drv_experiment_set_operator(&s, opkeys, 0);
    if (drv_plan_expand(&s, &r2, &m2, err, sizeof err)) {
        CHECK("without operator keys no run has an operator seed", !r2[0].has_op_seed);
        CHECK("ids hash the operator seed; the run seed does not depend on it",
              strcmp(r2[0].id, r[0].id) != 0 && r2[0].seed == r[0].seed);
        drv_plan_free(r2, m2);
    }
    drv_plan_free(r, m);
    drv_experiment_free(&s);
}

static void test_counts(void)
{
    drv_experiment s;
    drv_plan_run *r;
    size_t m;
    static const char zipped[] = "[experiment]\nprogram = mfd-deep\nrepetitions = 3\n[sweep]\n"
                                 "field, d = (real, 2), (complex, 3)\neta = 1, 2\n";
    if (plan(zipped, NULL, 0, &s, &r, &m)) {
        CHECK("a zipped group counts as one axis", drv_plan_count(&s) == 12 && m == 12);
        bool paired = true;
        for (size_t i = 0; i < m; i++)
            paired = paired && (strcmp(param(&r[i], "field"), "real") == 0) == (strcmp(param(&r[i], "d"), "2") == 0);
        CHECK("zipped values move together", paired);
        CHECK("the group's leader varies slower than the next axis",
              strcmp(param(&r[3], "eta"), "2") == 0 && strcmp(param(&r[6], "field"), "complex") == 0);
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the zipped spec plans", 0);
    }
    static const char none[] = "[experiment]\nprogram = mfd-deep\nrepetitions = 4\n";
    if (plan(none, NULL, 0, &s, &r, &m)) {
        CHECK("no axes: one run per repetition, no parameters", m == 4 && r[3].rep == 3 && r[3].nparams == 0);
        drv_plan_free(r, m);
        drv_experiment_free(&s);
    } else {
        CHECK("the spec without axes plans", 0);
    }
    static const char huge[] = "[experiment]\nprogram = mfd-deep\nrepetitions = 1000\n[sweep]\n"
                               "a = lin(1, 100, 100)\nb = lin(1, 100, 100)\nc = 1, 2\n";
    if (fx_spec(huge, "big.ini", NULL, &s, err, sizeof err)) {
        CHECK("more than 10^7 runs count as SIZE_MAX", drv_plan_count(&s) == SIZE_MAX);
        CHECK("... and are refused, naming the spec",
              !drv_plan_expand(&s, &r, &m, err, sizeof err) &&
                  strcmp(err, "big.ini: the sweep has more than 10^7 runs") == 0);
        drv_experiment_free(&s);
    } else {
        CHECK("the huge spec loads", 0);
    }
    drv_plan_free(NULL, 0);
    CHECK("drv_plan_free(NULL, 0) is a no-op", 1);
}

/* --batch's default: four batches a job, a sharing group whole, at most DRV_BATCH_MAX runs. */
static void test_auto_batch(void)
{
    CHECK("a small sweep runs one run a process", drv_run_auto_batch(6, 2, 1) == 1);
    CHECK("about four batches a job: 800 runs on 2 jobs give 100", drv_run_auto_batch(800, 2, 1) == 100);
    CHECK("a group of runs sharing an operator stays whole, even beyond a job's share",
          drv_run_auto_batch(16, 2, 8) == 8 && drv_run_auto_batch(16, 2, 12) == 12 && drv_run_auto_batch(8, 2, 8) == 8);
    CHECK("at most DRV_BATCH_MAX runs a batch (the phase diagram's 400 000 runs on 2 jobs)",
          drv_run_auto_batch(400000, 2, 1) == DRV_BATCH_MAX && DRV_BATCH_MAX == 1024);
    CHECK("just below the cap it is not reached", drv_run_auto_batch(8000, 2, 1) == 1000);
}

int main(void)
{
    test_auto_batch();
    drv_experiment s;
    drv_plan_run *runs;
    size_t n;
    bool ok = plan(SPEC, NULL, 3, &s, &runs, &n);
    CHECK("the spec plans", ok);
    if (ok) {
        test_order(runs, n);
        test_seeds(runs, n);
        test_invariance(runs, n);
        drv_plan_free(runs, n);
        drv_experiment_free(&s);
    }
    test_counts();
    test_operator_seeds();
    TEST_REPORT();
}
