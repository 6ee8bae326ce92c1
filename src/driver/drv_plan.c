#define _POSIX_C_SOURCE 200809L
#include "drv_plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_rng.h"

bool drv_plan_is_instance_key(const drv_experiment *s, const char *key)
{
    for (size_t i = 0; i < s->nmethod; i++)
        if (strcmp(s->method_keys[i], key) == 0)
            return false;
    for (size_t i = 0; i < s->nobserving; i++)
        if (strcmp(s->observing[i], key) == 0)
            return false;
    return true;
}

static bool is_operator_key(const drv_experiment *s, const char *key)
{
    for (size_t i = 0; i < s->noperator; i++)
        if (strcmp(s->operator_keys[i], key) == 0)
            return true;
    return false;
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const drv_experiment_kv *)a)->key, ((const drv_experiment_kv *)b)->key);
}

/* Does axis i lead its group (the first axis of it)? */
static bool leads(const drv_experiment *s, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (s->axes[j].group == s->axes[i].group)
            return false;
    return true;
}

size_t drv_plan_count(const drv_experiment *s)
{
    size_t total = (size_t)s->repetitions;
    for (size_t i = 0; i < s->naxes; i++)
        if (leads(s, i)) {
            if (total > 10000000 / s->axes[i].n)
                return SIZE_MAX;
            total *= s->axes[i].n;
        }
    return total;
}

/* Run idx's parameters into params: the fixed ones, then one value of
 * each axis (the last axis varies fastest; a zipped group moves with its
 * leader; the repetition, idx % repetitions, is innermost). */
static void place(const drv_experiment *s, size_t idx, drv_experiment_kv *params)
{
    for (size_t i = 0; i < s->nfixed; i++)
        params[i] = s->fixed[i];
    size_t rest = idx / (size_t)s->repetitions;
    for (size_t i = s->naxes; i-- > 0;) {
        if (!leads(s, i))
            continue;
        size_t at = rest % s->axes[i].n;
        rest /= s->axes[i].n;
        for (size_t j = i; j < s->naxes; j++)
            if (s->axes[j].group == s->axes[i].group)
                params[s->nfixed + j] = (drv_experiment_kv){s->axes[j].key, s->axes[j].values[at], s->axes[j].line};
    }
}

/* h, extended by kv[0..n) sorted by key (kv is sorted in place): each key,
 * then its value. */
static uint64_t hash_sorted(uint64_t h, drv_experiment_kv *kv, size_t n)
{
    qsort(kv, n, sizeof *kv, cmp_kv);
    for (size_t i = 0; i < n; i++) {
        h = mfd_rng_hash_str(h, kv[i].key);
        h = mfd_rng_hash_str(h, kv[i].value);
    }
    return h;
}

/* The seed and id of run p (its parameters placed); scratch holds
 * p->nparams entries.  seed: the master seed, the instance's parameters
 * sorted by key, the repetition; id: the program and every argument,
 * sorted, with the seed. */
static void name_run(const drv_experiment *s, drv_plan_run *p, drv_experiment_kv *scratch)
{
    size_t ns = 0;
    for (size_t i = 0; i < p->nparams; i++)
        if (drv_plan_is_instance_key(s, p->params[i].key))
            scratch[ns++] = p->params[i];
    uint64_t h = hash_sorted(mfd_rng_mix(0x6d66646e79ULL, s->seed), scratch, ns);
    p->seed = mfd_rng_mix(h, (uint64_t)p->rep) >> 1; /* < 2^63: prints the same everywhere */
    p->has_op_seed = s->noperator > 0;
    if (p->has_op_seed) { /* the operator's keys alone, under their own tag */
        size_t no = 0;
        for (size_t i = 0; i < p->nparams; i++)
            if (is_operator_key(s, p->params[i].key))
                scratch[no++] = p->params[i];
        uint64_t ho = hash_sorted(mfd_rng_mix(0x6f70657261746f72ULL, s->seed), scratch, no);
        p->op_seed = mfd_rng_mix(ho, (uint64_t)p->rep) >> 1;
    }
    memcpy(scratch, p->params, p->nparams * sizeof *scratch);
    uint64_t g = hash_sorted(mfd_rng_hash_str(0x72756eULL, s->program), scratch, p->nparams);
    g = mfd_rng_mix(g, p->seed);
    if (p->has_op_seed)
        g = mfd_rng_mix(g, p->op_seed);
    snprintf(p->id, sizeof p->id, "%016llx", (unsigned long long)g);
}

bool drv_plan_expand(const drv_experiment *s, drv_plan_run **runs, size_t *count, char *err, size_t errlen)
{
    size_t total = drv_plan_count(s);
    if (total == SIZE_MAX) {
        snprintf(err, errlen, "%s: the sweep has more than 10^7 runs", s->path);
        return false;
    }
    drv_plan_run *r = calloc(total, sizeof *r);
    drv_experiment_kv *scratch = malloc((s->nfixed + s->naxes + 1) * sizeof *scratch);
    if (!r || !scratch) {
        free(r);
        free(scratch);
        snprintf(err, errlen, "out of memory planning %zu runs", total);
        return false;
    }
    for (size_t idx = 0; idx < total; idx++) {
        drv_plan_run *p = &r[idx];
        p->index = idx;
        p->rep = (long)(idx % (size_t)s->repetitions);
        p->nparams = s->nfixed + s->naxes;
        p->params = malloc(p->nparams * sizeof *p->params);
        if (!p->params) {
            *count = idx;
            drv_plan_free(r, idx);
            free(scratch);
            snprintf(err, errlen, "out of memory");
            return false;
        }
        place(s, idx, p->params);
        name_run(s, p, scratch);
    }
    free(scratch);
    *runs = r;
    *count = total;
    return true;
}

void drv_plan_free(drv_plan_run *runs, size_t count)
{
    for (size_t i = 0; runs && i < count; i++)
        free(runs[i].params);
    free(runs);
}

bool drv_plan_table(const drv_plan_run *runs, size_t count, drv_csv *t)
{
    memset(t, 0, sizeof *t);
    size_t np = count ? runs[0].nparams : 0;
    t->ncols = np + 1;
    t->nrows = count;
    t->names = calloc(t->ncols, sizeof *t->names);
    t->cells = calloc(t->ncols * (count ? count : 1), sizeof *t->cells);
    bool ok = t->names && t->cells && (t->names[0] = drv_csv_keep(t, "rep")) != NULL;
    for (size_t k = 0; ok && k < np; k++)
        ok = (t->names[k + 1] = drv_csv_keep(t, runs[0].params[k].key)) != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        char rep[32];
        snprintf(rep, sizeof rep, "%ld", runs[i].rep);
        ok = (t->cells[i * t->ncols] = drv_csv_keep(t, rep)) != NULL;
        for (size_t k = 0; ok && k < np; k++)
            ok = (t->cells[i * t->ncols + k + 1] = drv_csv_keep(t, k < runs[i].nparams ? runs[i].params[k].value : "")) !=
                 NULL;
    }
    if (!ok)
        drv_csv_free(t);
    return ok;
}
