#define _POSIX_C_SOURCE 200809L
#include "drv_collect.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_file.h"
#include "drv_run.h"
#include "mfd_out.h"

/* The summary columns that differ from one execution of a run to the next:
 * the run's times, and the time to each threshold (time_to_<threshold>). */
static bool volatile_column(const char *name)
{
    return strcmp(name, "wall_s") == 0 || strcmp(name, "algo_s") == 0 || strcmp(name, "s_per_iter") == 0 ||
           strncmp(name, "time_to_", 8) == 0;
}

/* What index.csv and timing.csv are made of: the plan, each complete run's
 * summary (sum[i].names is NULL for a run that is not), and the columns. */
typedef struct collection {
    const drv_plan_run *runs;
    size_t n, done;
    drv_csv *sum;
    mfd_strlist cols;   /* id, index, rep, seed, the parameters, then the summary columns */
    size_t nparam_cols; /* the columns before the summary's */
    mfd_strlist tcols;  /* timing.csv's: id, wall_s, algo_s, s_per_iter, then the times to thresholds */
} collection;

/* Read the summaries of the complete runs of dir, adding the summary
 * columns that are new, in the order the runs first show them.  A summary
 * that cannot be read is a warning, and its run is left out. */
static void read_summaries(collection *C, const char *dir)
{
    char p[PATH_MAX + 64], err[1024];
    for (size_t i = 0; i < C->n; i++) {
        snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, C->runs[i].id);
        if (!drv_run_is_complete(dir, C->runs[i].id))
            continue;
        drv_csv *t = &C->sum[i];
        if (!drv_csv_read(p, t, err, sizeof err)) {
            fprintf(stderr, "mfd: warning: %s\n", err);
            continue;
        }
        C->done++;
        for (size_t c = 0; c < t->ncols; c++) {
            mfd_strlist *to = volatile_column(t->names[c]) ? &C->tcols : &C->cols;
            bool have = false;
            for (size_t k = 0; k < to->n && !have; k++)
                have = strcmp(to->s[k], t->names[c]) == 0;
            if (!have)
                mfd_strlist_addf(to, "%s", t->names[c]);
        }
    }
}

/* Run i's summary value of column name, or "" when it has none. */
static const char *summary_cell(const collection *C, size_t i, const char *name)
{
    long c = drv_csv_col(&C->sum[i], name);
    return c >= 0 && C->sum[i].nrows > 0 ? drv_csv_cell(&C->sum[i], 0, (size_t)c) : "";
}

static bool put_index(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const collection *C = ctx;
    (void)err, (void)errlen;
    for (size_t k = 0; k < C->cols.n; k++) {
        fputs(k ? "," : "", f);
        drv_csv_put(f, C->cols.s[k]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < C->n; i++) {
        if (!C->sum[i].names)
            continue;
        const drv_plan_run *r = &C->runs[i];
        fputs(r->id, f);
        fprintf(f, ",%zu,%ld,%llu", r->index, r->rep, (unsigned long long)r->seed);
        for (size_t k = 0; k < r->nparams; k++) {
            fputc(',', f);
            drv_csv_put(f, r->params[k].value);
        }
        for (size_t k = C->nparam_cols; k < C->cols.n; k++) {
            fputc(',', f);
            drv_csv_put(f, summary_cell(C, i, C->cols.s[k]));
        }
        fputc('\n', f);
    }
    return true;
}

static bool put_timing(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const collection *C = ctx;
    (void)err, (void)errlen;
    for (size_t k = 0; k < C->tcols.n; k++) {
        fputs(k ? "," : "", f);
        drv_csv_put(f, C->tcols.s[k]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < C->n; i++) {
        if (!C->sum[i].names)
            continue;
        fputs(C->runs[i].id, f);
        for (size_t k = 1; k < C->tcols.n; k++) {
            fputc(',', f);
            drv_csv_put(f, summary_cell(C, i, C->tcols.s[k]));
        }
        fputc('\n', f);
    }
    return true;
}

int drv_collect_spec(const drv_experiment *s, const drv_cmd_opts *o, size_t *ndone, size_t *ntotal, bool quiet)
{
    drv_plan_run *runs;
    size_t n;
    char err[1024], dir[PATH_MAX], p[PATH_MAX + 64];
    if (!drv_plan_expand(s, &runs, &n, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    drv_experiment_results_dir(s, o->results, dir, sizeof dir);
    collection C = {runs, n, 0, calloc(n ? n : 1, sizeof(drv_csv)), {0, 0, NULL}, 4 + s->nfixed + s->naxes,
                    {0, 0, NULL}};
    static const char *const head[4] = {"id", "index", "rep", "seed"};
    static const char *const thead[4] = {"id", "wall_s", "algo_s", "s_per_iter"};
    for (size_t i = 0; i < 4; i++) {
        mfd_strlist_addf(&C.cols, "%s", head[i]);
        mfd_strlist_addf(&C.tcols, "%s", thead[i]);
    }
    for (size_t i = 0; i < s->nfixed; i++)
        mfd_strlist_addf(&C.cols, "%s", s->fixed[i].key);
    for (size_t i = 0; i < s->naxes; i++)
        mfd_strlist_addf(&C.cols, "%s", s->axes[i].key);
    int code = DRV_EXIT_OK;
    if (!C.sum)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "out of memory");
    else
        read_summaries(&C, dir);
    if (!code && mfd_out_mkdirs(dir, err, sizeof err) != MFD_OK)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (!code && !drv_file_write(p, put_index, &C, err, sizeof err))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    snprintf(p, sizeof p, "%s/timing.csv", dir);
    if (!code && !drv_file_write(p, put_timing, &C, err, sizeof err))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    if (!code && !quiet)
        printf("%s: collected %zu of %zu runs into %s/index.csv%s\n", s->name, C.done, n, dir,
               C.done < n ? " (the others are not complete)" : "");
    for (size_t i = 0; C.sum && i < n; i++)
        drv_csv_free(&C.sum[i]);
    free(C.sum);
    mfd_strlist_free(&C.cols);
    mfd_strlist_free(&C.tcols);
    drv_plan_free(runs, n);
    *ndone = C.done;
    *ntotal = n;
    return code;
}

int drv_collect_cmd(const drv_cmd_opts *o, const char *x)
{
    drv_experiment s;
    int code = drv_cmd_load(o, x, &s, false);
    if (code)
        return code;
    size_t d, t;
    code = drv_collect_spec(&s, o, &d, &t, false);
    drv_experiment_free(&s);
    return code;
}

int drv_collect_load_index(const drv_cmd_opts *o, const char *x, bool times, drv_experiment *s, drv_csv *t, char *dir,
                           size_t dlen, size_t *done, size_t *total)
{
    int code = drv_cmd_load(o, x, s, false);
    if (code)
        return code;
    if ((code = drv_collect_spec(s, o, done, total, true)) != 0) {
        drv_experiment_free(s);
        return code;
    }
    char p[PATH_MAX + 32], err[1024];
    drv_experiment_results_dir(s, o->results, dir, dlen);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (!drv_csv_read(p, t, err, sizeof err)) {
        drv_experiment_free(s);
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    }
    drv_csv tm;
    snprintf(p, sizeof p, "%s/timing.csv", dir);
    if (times && (!drv_csv_read(p, &tm, err, sizeof err) || !drv_csv_join(t, &tm, "id", err, sizeof err))) {
        drv_csv_free(&tm);
        drv_csv_free(t);
        drv_experiment_free(s);
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    }
    if (times)
        drv_csv_free(&tm);
    return 0;
}
