#define _POSIX_C_SOURCE 200809L
#include "drv_collect.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drv_file.h"
#include "mfd_out.h"

/* The summary columns that differ from one execution of a run to the next:
 * the run's times, and the time to each threshold (time_to_<threshold>). */
static bool volatile_column(const char *name)
{
    return strcmp(name, "wall_s") == 0 || strcmp(name, "algo_s") == 0 || strcmp(name, "s_per_iter") == 0 ||
           strncmp(name, "time_to_", 8) == 0;
}

/* One run's summary row, packed in one allocation: its cell count n, the
 * n cells' offsets into the text that follows, and the text. */
static uint32_t *pack_row(const drv_csv *t)
{
    size_t n = t->nrows > 0 ? t->ncols : 0, len = 0;
    for (size_t c = 0; c < n; c++)
        len += strlen(drv_csv_cell(t, 0, c)) + 1;
    uint32_t *p = len < UINT32_MAX ? malloc((n + 1) * sizeof *p + len) : NULL;
    if (!p)
        return NULL;
    char *text = (char *)(p + n + 1);
    size_t at = 0;
    p[0] = (uint32_t)n;
    for (size_t c = 0; c < n; c++) {
        size_t l = strlen(drv_csv_cell(t, 0, c)) + 1;
        p[c + 1] = (uint32_t)at;
        memcpy(text + at, drv_csv_cell(t, 0, c), l);
        at += l;
    }
    return p;
}

/* Cell c of a packed row, or "" when c < 0 or the row has no such cell. */
static const char *packed_cell(const uint32_t *p, long c)
{
    return c >= 0 && (size_t)c < p[0] ? (const char *)(p + p[0] + 1) + p[c + 1] : "";
}

/* What index.csv and timing.csv are made of: the plan, each complete run's
 * summary row (row[i] is NULL for a run that is not), and the columns.  Runs
 * whose summaries have the same header share it and one map from the output
 * columns to theirs (hdr[i] says which), so that 400 000 runs hold neither
 * 400 000 headers nor look each cell up by name. */
typedef struct collection {
    const drv_plan_run *runs;
    size_t n, done;
    uint32_t **row;     /* per run: its summary row, packed */
    size_t *hdr;        /* per run: which of the distinct headers its summary has */
    drv_csv *heads;     /* the distinct headers (with the row of the first run that has each) */
    size_t nhdr;
    long **map, **tmap; /* per distinct header: cols (tcols) -> its column, or -1 */
    mfd_strlist cols;   /* id, index, rep, seed, the parameters, then the summary columns */
    size_t nparam_cols; /* the columns before the summary's */
    mfd_strlist tcols;  /* timing.csv's: id, wall_s, algo_s, s_per_iter, then the times to thresholds */
} collection;

static bool same_header(const drv_csv *a, const drv_csv *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (size_t c = 0; c < a->ncols; c++)
        if (strcmp(a->names[c], b->names[c]) != 0)
            return false;
    return true;
}

/* Run i's header among the distinct ones (t added when it is new, which
 * adds its new columns, in the order the runs first show them); false when
 * memory runs out. */
static bool add_header(collection *C, size_t i, drv_csv *t)
{
    size_t h = C->nhdr;
    if (h > 0 && same_header(t, &C->heads[h - 1]))
        h--; /* the common case: the same header as the last new one */
    else
        for (h = 0; h < C->nhdr && !same_header(t, &C->heads[h]); h++)
            ;
    C->hdr[i] = h;
    if (h < C->nhdr) {
        drv_csv_free(t);
        return true;
    }
    drv_csv *nh = realloc(C->heads, (C->nhdr + 1) * sizeof *nh);
    if (!nh) {
        drv_csv_free(t);
        return false;
    }
    C->heads = nh;
    C->heads[C->nhdr++] = *t; /* kept whole: its names are the header's */
    for (size_t c = 0; c < t->ncols; c++) {
        mfd_strlist *to = volatile_column(t->names[c]) ? &C->tcols : &C->cols;
        bool have = false;
        for (size_t k = 0; k < to->n && !have; k++)
            have = strcmp(to->s[k], t->names[c]) == 0;
        if (!have)
            mfd_strlist_addf(to, "%s", t->names[c]);
    }
    return true;
}

/* Read the summaries of the complete runs of dir.  A summary that cannot
 * be read is a warning, and its run is left out.  False when memory runs
 * out. */
static bool read_summaries(collection *C, const char *dir)
{
    char p[PATH_MAX + 64], err[1024];
    for (size_t i = 0; i < C->n; i++) {
        snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, C->runs[i].id);
        drv_csv t;
        /* a run is complete when its summary exists (drv_run_is_complete): opened at once, not looked up twice */
        FILE *fp = fopen(p, "r");
        if (!fp) {
            if (errno != ENOENT)
                fprintf(stderr, "mfd: warning: cannot open '%s': %s\n", p, strerror(errno));
            continue;
        }
        bool read = drv_csv_read_stream(fp, p, &t, err, sizeof err);
        fclose(fp);
        if (!read) {
            fprintf(stderr, "mfd: warning: %s\n", err);
            continue;
        }
        if (!(C->row[i] = pack_row(&t))) {
            drv_csv_free(&t);
            return false;
        }
        C->done++;
        if (!add_header(C, i, &t))
            return false;
    }
    return true;
}

/* The column maps of the distinct headers, once every column is known. */
static bool map_headers(collection *C)
{
    C->map = calloc(C->nhdr + 1, sizeof *C->map);
    C->tmap = calloc(C->nhdr + 1, sizeof *C->tmap);
    if (!C->map || !C->tmap)
        return false;
    for (size_t h = 0; h < C->nhdr; h++) {
        const drv_csv *t = &C->heads[h];
        if (!(C->map[h] = malloc((C->cols.n + 1) * sizeof **C->map)) ||
            !(C->tmap[h] = malloc((C->tcols.n + 1) * sizeof **C->tmap)))
            return false;
        for (size_t k = 0; k < C->cols.n; k++)
            C->map[h][k] = k < C->nparam_cols ? -1 : drv_csv_col(t, C->cols.s[k]);
        for (size_t k = 0; k < C->tcols.n; k++)
            C->tmap[h][k] = drv_csv_col(t, C->tcols.s[k]);
    }
    return true;
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
        if (!C->row[i])
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
            drv_csv_put(f, packed_cell(C->row[i], C->map[C->hdr[i]][k]));
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
        if (!C->row[i])
            continue;
        fputs(C->runs[i].id, f);
        for (size_t k = 1; k < C->tcols.n; k++) {
            fputc(',', f);
            drv_csv_put(f, packed_cell(C->row[i], C->tmap[C->hdr[i]][k]));
        }
        fputc('\n', f);
    }
    return true;
}

/* drv_collect_spec over the plan's n runs, expanded already (freed here). */
static int collect_plan(const drv_experiment *s, const drv_cmd_opts *o, drv_plan_run *runs, size_t n, size_t *ndone,
                        size_t *ntotal, bool quiet)
{
    char err[1024], dir[PATH_MAX], p[PATH_MAX + 64];
    drv_experiment_results_dir(s, o->results, dir, sizeof dir);
    collection C = {runs, n, 0, calloc(n ? n : 1, sizeof(uint32_t *)), calloc(n ? n : 1, sizeof(size_t)), NULL, 0,
                    NULL, NULL, {0, 0, NULL}, 4 + s->nfixed + s->naxes, {0, 0, NULL}};
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
    if (!C.row || !C.hdr || !read_summaries(&C, dir) || !map_headers(&C))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "out of memory");
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
    for (size_t i = 0; C.row && i < n; i++)
        free(C.row[i]);
    for (size_t h = 0; h < C.nhdr; h++) {
        drv_csv_free(&C.heads[h]);
        free(C.map ? C.map[h] : NULL);
        free(C.tmap ? C.tmap[h] : NULL);
    }
    free(C.heads);
    free(C.map);
    free(C.tmap);
    free(C.hdr);
    free(C.row);
    mfd_strlist_free(&C.cols);
    mfd_strlist_free(&C.tcols);
    drv_plan_free(runs, n);
    *ndone = C.done;
    *ntotal = n;
    return code;
}

int drv_collect_spec(const drv_experiment *s, const drv_cmd_opts *o, size_t *ndone, size_t *ntotal, bool quiet)
{
    drv_plan_run *runs;
    size_t n;
    char err[1024];
    if (!drv_plan_expand(s, &runs, &n, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    return collect_plan(s, o, runs, n, ndone, ntotal, quiet);
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

/* a later than b (modification times, to the nanosecond); equal counts as later */
static bool not_older(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec != b->st_mtim.tv_sec ? a->st_mtim.tv_sec > b->st_mtim.tv_sec
                                                  : a->st_mtim.tv_nsec >= b->st_mtim.tv_nsec;
}

/* Are dir's index.csv and timing.csv what collecting s would write now?
 * Not when the spec, the mfd program or a planned run's summary.csv is
 * newer than either (stat calls only: at 400 000 runs a fraction of a
 * second, against about 25 s to read the summaries again).  *ids gets the
 * complete runs' ids in plan order (owned by *runs, which the caller frees
 * with drv_plan_free(*runs, *n)): the index must hold exactly those rows
 * (a run removed, or one whose summary was renamed in place after the
 * collect, leaves no newer file). */
static bool index_current(const drv_experiment *s, const char *dir, drv_plan_run **runs, size_t *n,
                          const char ***ids, size_t *ncomplete)
{
    char p[PATH_MAX + 64], err[1024];
    struct stat idx, tim, st;
    *runs = NULL;
    *n = 0;
    *ids = NULL;
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (stat(p, &idx) != 0)
        return false;
    snprintf(p, sizeof p, "%s/timing.csv", dir);
    if (stat(p, &tim) != 0)
        return false;
    if (not_older(&tim, &idx))
        idx = tim; /* the older of the two */
    if (stat(s->path, &st) != 0 || not_older(&st, &idx) || stat("/proc/self/exe", &st) != 0 || not_older(&st, &idx))
        return false;
    if (!drv_plan_expand(s, runs, n, err, sizeof err)) {
        *runs = NULL; /* the collect reports it */
        *n = 0;
        return false;
    }
    if (!(*ids = malloc((*n ? *n : 1) * sizeof **ids)))
        return false;
    bool current = true;
    size_t done = 0;
    for (size_t i = 0; i < *n && current; i++) {
        snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, (*runs)[i].id);
        if (stat(p, &st) != 0)
            continue;
        (*ids)[done++] = (*runs)[i].id;
        current = !not_older(&st, &idx);
    }
    *ncomplete = done;
    return current;
}

/* Does index t hold exactly these runs, in this order? */
static bool index_rows_are(const drv_csv *t, const char *const *ids, size_t n)
{
    if (t->nrows != n || t->ncols == 0 || strcmp(t->names[0], "id") != 0)
        return false;
    for (size_t r = 0; r < n; r++)
        if (strcmp(drv_csv_cell(t, r, 0), ids[r]) != 0)
            return false;
    return true;
}

int drv_collect_load_index(const drv_cmd_opts *o, const char *x, bool times, drv_experiment *s, drv_csv *t, char *dir,
                           size_t dlen, size_t *done, size_t *total)
{
    int code = drv_cmd_load(o, x, s, false);
    if (code)
        return code;
    char p[PATH_MAX + 32], err[1024];
    drv_experiment_results_dir(s, o->results, dir, dlen);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    /* collect unless index.csv is current: then plot and check read it as it is */
    drv_plan_run *runs;
    size_t nplan;
    const char **ids;
    bool reuse = index_current(s, dir, &runs, &nplan, &ids, done) && drv_csv_read(p, t, err, sizeof err);
    if (reuse && !index_rows_are(t, ids, *done)) {
        drv_csv_free(t);
        reuse = false;
    }
    *total = nplan;
    free(ids);
    if (reuse)
        drv_plan_free(runs, nplan);
    else {
        /* the plan, when index_current got as far as expanding it, serves the collect too */
        code = runs ? collect_plan(s, o, runs, nplan, done, total, true) : drv_collect_spec(s, o, done, total, true);
        if (code != 0) {
            drv_experiment_free(s);
            return code;
        }
        if (!drv_csv_read(p, t, err, sizeof err)) {
            drv_experiment_free(s);
            return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
        }
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

void drv_collect_hint_no_runs(const drv_experiment *s, const char *dir, size_t done)
{
    if (done == 0)
        fprintf(stderr, "mfd: note: %s has no complete run in %s (scale %s): `mfd run` it first, with the same --scale "
                        "and --results\n",
                s->name, dir, s->scale ? s->scale : "default");
}
