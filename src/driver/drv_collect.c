#define _POSIX_C_SOURCE 200809L
#include "drv_collect.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_run.h"
#include "mfd_out.h"

static bool volatile_column(const char *name)
{
    return strcmp(name, "wall_s") == 0 || strcmp(name, "algo_s") == 0 || strcmp(name, "s_per_iter") == 0;
}

/* index.csv: one row per complete run in plan order (id, index, rep, seed,
 * parameters, summary columns); timing.csv: the time columns, which differ
 * from one execution to the next.  Returns complete runs through *ndone. */
int drv_collect_spec(const drv_experiment *s, const drv_cmd_opts *o, size_t *ndone, size_t *ntotal, bool quiet)
{
    drv_plan_run *runs;
    size_t n;
    char err[1024], dir[PATH_MAX], p[PATH_MAX + 64];
    if (!drv_plan_expand(s, &runs, &n, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    drv_experiment_results_dir(s, o->results, dir, sizeof dir);
    drv_csv *sum = calloc(n ? n : 1, sizeof *sum);
    mfd_strlist cols = {0, 0, NULL};
    size_t nparam_cols = 4 + s->nfixed + s->naxes, done = 0;
    static const char *const head[4] = {"id", "index", "rep", "seed"};
    for (size_t i = 0; i < 4; i++)
        mfd_strlist_addf(&cols, "%s", head[i]);
    for (size_t i = 0; i < s->nfixed; i++)
        mfd_strlist_addf(&cols, "%s", s->fixed[i].key);
    for (size_t i = 0; i < s->naxes; i++)
        mfd_strlist_addf(&cols, "%s", s->axes[i].key);
    for (size_t i = 0; sum && i < n; i++) {
        snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, runs[i].id);
        if (!drv_run_is_complete(dir, runs[i].id))
            continue;
        if (!drv_csv_read(p, &sum[i], err, sizeof err)) {
            fprintf(stderr, "mfd: warning: %s\n", err);
            continue;
        }
        done++;
        for (size_t c = 0; c < sum[i].ncols; c++) {
            bool have = volatile_column(sum[i].names[c]);
            for (size_t k = 0; k < cols.n && !have; k++)
                have = strcmp(cols.s[k], sum[i].names[c]) == 0;
            if (!have)
                mfd_strlist_addf(&cols, "%s", sum[i].names[c]);
        }
    }
    char *ib = NULL, *tb = NULL;
    size_t il = 0, tl = 0;
    FILE *fi = open_memstream(&ib, &il), *ft = open_memstream(&tb, &tl);
    for (size_t k = 0; fi && k < cols.n; k++) {
        fputs(k ? "," : "", fi);
        drv_csv_put(fi, cols.s[k]);
    }
    if (fi)
        fputc('\n', fi);
    if (ft)
        fputs("id,wall_s,algo_s,s_per_iter\n", ft);
    for (size_t i = 0; fi && ft && sum && i < n; i++) {
        if (!sum[i].names)
            continue;
        const drv_plan_run *r = &runs[i];
        char num[64];
        fputs(r->id, fi);
        fprintf(fi, ",%zu,%ld,%llu", r->index, r->rep, (unsigned long long)r->seed);
        for (size_t k = 0; k < r->nparams; k++) {
            fputc(',', fi);
            drv_csv_put(fi, r->params[k].value);
        }
        for (size_t k = nparam_cols; k < cols.n; k++) {
            long c = drv_csv_col(&sum[i], cols.s[k]);
            fputc(',', fi);
            drv_csv_put(fi, c >= 0 && sum[i].nrows > 0 ? drv_csv_cell(&sum[i], 0, (size_t)c) : "");
        }
        fputc('\n', fi);
        fputs(r->id, ft);
        static const char *const tc[3] = {"wall_s", "algo_s", "s_per_iter"};
        for (int k = 0; k < 3; k++) {
            long c = drv_csv_col(&sum[i], tc[k]);
            snprintf(num, sizeof num, "%s", c >= 0 && sum[i].nrows > 0 ? drv_csv_cell(&sum[i], 0, (size_t)c) : "");
            fprintf(ft, ",%s", num);
        }
        fputc('\n', ft);
    }
    if (fi)
        fclose(fi);
    if (ft)
        fclose(ft);
    int code = 0;
    snprintf(p, sizeof p, "%s", dir);
    if (mfd_out_mkdirs(p, err, sizeof err) != MFD_OK)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (!code && (!ib || mfd_out_write_text(p, ib, err, sizeof err) != MFD_OK))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    snprintf(p, sizeof p, "%s/timing.csv", dir);
    if (!code && (!tb || mfd_out_write_text(p, tb, err, sizeof err) != MFD_OK))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    if (!code && !quiet)
        printf("%s: collected %zu of %zu runs into %s/index.csv%s\n", s->name, done, n, dir,
               done < n ? " (the others are not complete)" : "");
    free(ib);
    free(tb);
    for (size_t i = 0; sum && i < n; i++)
        drv_csv_free(&sum[i]);
    free(sum);
    mfd_strlist_free(&cols);
    drv_plan_free(runs, n);
    *ndone = done;
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

/* Load a spec, collect what has run, and read its index.csv into t (dir: the
 * results folder).  0, or an exit code with everything freed. */
int drv_collect_load_index(const drv_cmd_opts *o, const char *x, drv_experiment *s, drv_csv *t, char *dir, size_t dlen, size_t *done,
                      size_t *total)
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
    return 0;
}
