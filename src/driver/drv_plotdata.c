#define _POSIX_C_SOURCE 200809L
#include "drv_plotdata.h"
#include "drv_plotdef.h"
#include "drv_plotrt.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_expr.h"
#include "drv_file.h"
#include "drv_rowexpr.h"
#include "drv_select.h"
#include "drv_stats.h"
#include "drv_text.h"
#include "mfd_param.h"


static void def_free(drv_plotdef *d)
{
    drv_expr_free(d->where);
    drv_expr_free(d->x);
    drv_expr_free(d->measure);
    drv_expr_free(d->theory);
    drv_expr_free(d->normalize);
    for (size_t i = 0; i < d->ny; i++) {
        drv_expr_free(d->y[i]);
        free(d->ynames[i]);
    }
}

void drv_plotdef_put_num(FILE *f, double x)
{
    char b[40];
    mfd_format_real(b, sizeof b, x);
    fputs(b, f);
}

/* ",median,q1,q3" of v[0..k) (sorts v). */
static void put_quartiles(FILE *f, double *v, size_t k)
{
    double q[3] = {drv_stats_quantile(v, k, 0.5), drv_stats_quantile(v, k, 0.25), drv_stats_quantile(v, k, 0.75)};
    for (int m = 0; m < 3; m++) {
        fputc(',', f);
        drv_plotdef_put_num(f, q[m]);
    }
}

/* Compile one '|'-separated expression of key (y, or measure). */
bool drv_plotdef_compile_text(drv_plotdef *d, const char *key, const char *text, int line, drv_expr **out, char *err,
                         size_t errlen, const drv_csv *t)
{
    /* reuse the section compiler on a one-key section holding text */
    drv_experiment_kv kv = {(char *)key, (char *)text, line};
    drv_experiment_section one = {d->p->name, d->p->line, &kv, 1};
    return drv_rowexpr_compile(d->s, &one, "plot", key, true, t, NULL, out, err, errlen);
}

static bool define(drv_plotdef *d, const drv_experiment *s, const drv_experiment_section *p, const drv_csv *t, char *err,
                   size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->s = s;
    d->p = p;
    int line;
    d->kind = drv_experiment_get(p, "kind", &line);
    if (!d->kind || (strcmp(d->kind, "trace") && strcmp(d->kind, "summary") && strcmp(d->kind, "fraction") &&
                     strcmp(d->kind, "runs") && strcmp(d->kind, "ecdf") && strcmp(d->kind, "data_profile"))) {
        snprintf(err, errlen,
                 "%s:%d: [plot %s] kind '%s' is not one of trace, summary, fraction, runs, ecdf, data_profile", s->path,
                 line, p->name, d->kind ? d->kind : "(missing)");
        return false;
    }
    bool trace = strcmp(d->kind, "trace") == 0;
    if (!drv_rowexpr_compile(s, p, "plot", "where", false, t, NULL, &d->where, err, errlen))
        return false;
    d->runtimes = strcmp(d->kind, "ecdf") == 0 || strcmp(d->kind, "data_profile") == 0;
    if (d->runtimes)
        return drv_plotrt_define(d, t, err, errlen);
    static const char *const rt_keys[2] = {"normalize", "instance"};
    for (int k = 0; k < 2; k++)
        if (drv_experiment_get(p, rt_keys[k], &line)) {
            snprintf(err, errlen, "%s:%d: [plot %s] key '%s' applies to kind %s only", s->path, line, p->name,
                     rt_keys[k], k ? "data_profile" : "ecdf or data_profile");
            return false;
        }
    if (trace) {
        d->xname = drv_experiment_get(p, "x", NULL);
        if (!d->xname)
            d->xname = "iter";
    } else if (!drv_rowexpr_compile(s, p, "plot", "x", true, t, NULL, &d->x, err, errlen)) {
        return false;
    }
    const char *y = drv_experiment_get(p, "y", &line);
    if (strcmp(d->kind, "fraction") == 0) {
        if (!drv_rowexpr_compile(s, p, "plot", "measure", true, t, NULL, &d->measure, err, errlen))
            return false;
    } else if (!y) {
        snprintf(err, errlen, "%s:%d: [plot %s] has no 'y'", s->path, p->line, p->name);
        return false;
    } else {
        char buf[2048];
        snprintf(buf, sizeof buf, "%s", y);
        char *save = NULL;
        for (char *tok = strtok_r(buf, trace ? "," : "|", &save); tok; tok = strtok_r(NULL, trace ? "," : "|", &save)) {
            if (d->ny == DRV_PLOTDEF_MAX_Y) {
                snprintf(err, errlen, "%s:%d: [plot %s] more than %d y values", s->path, line, p->name, DRV_PLOTDEF_MAX_Y);
                return false;
            }
            char *v = drv_text_trim(tok);
            if (trace)
                d->ynames[d->ny++] = strdup(v);
            else if (!drv_plotdef_compile_text(d, "y", v, line, &d->y[d->ny++], err, errlen, t))
                return false;
        }
    }
    const char *bound = trace ? d->xname : "x";
    if (strcmp(d->kind, "trace") == 0 || strcmp(d->kind, "summary") == 0) {
        if (!drv_rowexpr_compile(s, p, "plot", "theory", false, t, bound, &d->theory, err, errlen))
            return false;
    } else if (drv_experiment_get(p, "theory", &line)) {
        snprintf(err, errlen, "%s:%d: [plot %s] a theory line needs kind trace or summary", s->path, line, p->name);
        return false;
    }
    return true;
}

/* ---- series ------------------------------------------------------------ */


/* Split the rows that pass `where` into series by the group_by values
 * (drv_select.h), each labelled "k1=v1 k2=v2". */
static bool make_series(const drv_plotdef *d, const drv_csv *t, drv_plotdef_series **out, size_t *ns, char *err, size_t errlen)
{
    long gcols[DRV_SELECT_MAX_COLUMNS];
    size_t ng, nr = 0, ngroups = 0;
    int line;
    char bad[256];
    const char *gb = drv_experiment_get(d->p, "group_by", &line);
    if (!drv_select_columns(t, gb, gcols, &ng, bad, sizeof bad)) {
        snprintf(err, errlen, "%s:%d: [plot %s] group_by '%s' is not a column of index.csv", d->s->path, line,
                 d->p->name, bad);
        return false;
    }
    size_t *rows = NULL;
    drv_select_group *g = NULL;
    bool ok = drv_select_where(d->where, t, &rows, &nr) && drv_select_groups(t, rows, nr, gcols, ng, &g, &ngroups);
    drv_plotdef_series *sv = ok ? calloc(ngroups ? ngroups : 1, sizeof *sv) : NULL;
    free(rows);
    if (!sv) {
        drv_select_free(g, ngroups);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < ngroups; i++) { /* the series take over the groups' rows */
        drv_select_label(t, g[i].rows[0], gcols, ng, " ", sv[i].label, sizeof sv[i].label);
        sv[i].rows = g[i].rows;
        sv[i].n = g[i].n;
    }
    free(g);
    *out = sv;
    *ns = ngroups;
    return true;
}

/* ---- the kinds ----------------------------------------------------------- */

/* One run's trace: x and the y columns. */
typedef struct runtrace {
    size_t n;
    double *x, *y; /* y: n × ny, row-major */
} runtrace;

/* What a band row takes from run i for y column j; NaN when it has none. */
typedef double (*band_pick)(const void *ctx, size_t i, size_t j);

/* The header of a median/quartile table: x, then <y>_med, <y>_q1, <y>_q3
 * for each y (trace: its column name; summary: y, y2, ...), n[, theory]. */
static void put_band_header(FILE *f, const drv_plotdef *d, const char *x)
{
    fputs(x, f);
    for (size_t j = 0; j < d->ny; j++) {
        char nm[24] = "y";
        if (j)
            snprintf(nm, sizeof nm, "y%zu", j + 1);
        const char *y = d->ynames[j] ? d->ynames[j] : nm;
        fprintf(f, ",%s_med,%s_q1,%s_q3", y, y, y);
    }
    fputs(d->theory ? ",n,theory\n" : ",n\n", f);
}

/* One row of a median/quartile table: x, then for each y column the
 * quartiles of what pick() gives over the series' runs, the largest number
 * of runs that gave a value, and the theory curve at x (named xvar in it). */
static void put_band_row(FILE *f, const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, double x, const char *xvar,
                         band_pick pick, const void *ctx, double *v)
{
    drv_plotdef_put_num(f, x);
    size_t have = 0;
    for (size_t j = 0; j < d->ny; j++) {
        size_t k = 0;
        for (size_t i = 0; i < sv->n; i++) {
            double y = pick(ctx, i, j);
            if (!isnan(y))
                v[k++] = y;
        }
        have = k > have ? k : have;
        put_quartiles(f, v, k);
    }
    fprintf(f, ",%zu", have);
    if (d->theory) {
        char e[256];
        fputc(',', f);
        drv_plotdef_put_num(f, drv_rowexpr_num(d->theory, t, sv->rows[0], xvar, x, e, sizeof e));
    }
    fputc('\n', f);
}

static bool read_trace(const drv_plotdef *d, const char *results, const char *id, runtrace *rt, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/runs/%s/trace.csv", results, id);
    drv_csv t;
    if (!drv_csv_read(path, &t, err, errlen))
        return false;
    long cx = drv_csv_col(&t, d->xname), cy[DRV_PLOTDEF_MAX_Y];
    bool ok = cx >= 0;
    const char *missing = d->xname;
    for (size_t j = 0; ok && j < d->ny; j++)
        if ((cy[j] = drv_csv_col(&t, d->ynames[j])) < 0) {
            ok = false;
            missing = d->ynames[j];
        }
    if (!ok) {
        snprintf(err, errlen, "%s:%d: [plot %s]: '%s' is not a column of %s", d->s->path, d->p->line, d->p->name,
                 missing, path);
        drv_csv_free(&t);
        return false;
    }
    rt->n = t.nrows;
    rt->x = malloc((t.nrows + 1) * sizeof(double));
    rt->y = malloc((t.nrows * d->ny + 1) * sizeof(double));
    if (!rt->x || !rt->y) {
        drv_csv_free(&t);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < t.nrows; i++) {
        rt->x[i] = strtod(drv_csv_cell(&t, i, (size_t)cx), NULL);
        for (size_t j = 0; j < d->ny; j++)
            rt->y[i * d->ny + j] = strtod(drv_csv_cell(&t, i, (size_t)cy[j]), NULL);
    }
    drv_csv_free(&t);
    return true;
}

/* A trace row at x: run i's last logged point at or before x. */
typedef struct {
    const runtrace *rt;
    const size_t *next;
    size_t ny;
} trace_at;

static double pick_trace(const void *ctx, size_t i, size_t j)
{
    const trace_at *a = ctx;
    if (a->next[i] == 0)
        return NAN; /* the run starts later */
    return a->rt[i].y[(a->next[i] - 1) * a->ny + j];
}

static bool write_trace(const drv_plotdef *d, const char *results, const drv_csv *t, const drv_plotdef_series *sv, FILE *f,
                        char *err, size_t errlen)
{
    long cid = drv_csv_col(t, "id");
    runtrace *rt = calloc(sv->n, sizeof *rt);
    double *v = malloc((sv->n + 1) * sizeof(double));
    bool ok = rt && v;
    if (!ok)
        snprintf(err, errlen, "out of memory");
    for (size_t i = 0; ok && i < sv->n; i++)
        ok = read_trace(d, results, drv_csv_cell(t, sv->rows[i], (size_t)cid), &rt[i], err, errlen);
    if (ok) {
        put_band_header(f, d, d->xname);
        /* every x any run logged, ascending; at each, a run contributes the
         * value of its last logged point at or before x (a run that has
         * stopped keeps its final value) */
        size_t *next = calloc(sv->n, sizeof *next);
        ok = next != NULL;
        for (;;) {
            double x = INFINITY;
            for (size_t i = 0; ok && i < sv->n; i++)
                if (next[i] < rt[i].n && rt[i].x[next[i]] < x)
                    x = rt[i].x[next[i]];
            if (!ok || x == INFINITY)
                break;
            for (size_t i = 0; i < sv->n; i++)
                while (next[i] < rt[i].n && rt[i].x[next[i]] <= x)
                    next[i]++;
            trace_at at = {rt, next, d->ny};
            put_band_row(f, d, t, sv, x, d->xname, pick_trace, &at, v);
        }
        free(next);
        if (!ok)
            snprintf(err, errlen, "out of memory");
    }
    for (size_t i = 0; rt && i < sv->n; i++) {
        free(rt[i].x);
        free(rt[i].y);
    }
    free(rt);
    free(v);
    return ok;
}

/* The distinct x values of a series, ascending (NaN left out). */
static size_t distinct_x(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, double *xs)
{
    size_t n = 0;
    for (size_t i = 0; i < sv->n; i++) {
        char e[256];
        double x = drv_rowexpr_num(d->x, t, sv->rows[i], NULL, 0, e, sizeof e);
        if (isnan(x))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = xs[k] == x;
        if (!seen)
            xs[n++] = x;
    }
    drv_stats_sort(xs, n);
    return n;
}

/* A summary row at x: the y of the runs whose x is this one. */
typedef struct {
    const drv_plotdef *d;
    const drv_csv *t;
    const drv_plotdef_series *sv;
    double x;
} rows_at;

static double pick_rows(const void *ctx, size_t i, size_t j)
{
    const rows_at *a = ctx;
    char e[256];
    size_t r = a->sv->rows[i];
    if (drv_rowexpr_num(a->d->x, a->t, r, NULL, 0, e, sizeof e) != a->x)
        return NAN;
    return drv_rowexpr_num(a->d->y[j], a->t, r, NULL, 0, e, sizeof e);
}

/* kind = runs: x and the y expressions of each run. */
static bool write_runs(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, FILE *f)
{
    char e[256];
    fputs("x", f);
    for (size_t j = 0; j < d->ny; j++)
        fprintf(f, j ? ",y%zu" : ",y", j + 1);
    fputc('\n', f);
    for (size_t i = 0; i < sv->n; i++) {
        drv_plotdef_put_num(f, drv_rowexpr_num(d->x, t, sv->rows[i], NULL, 0, e, sizeof e));
        for (size_t j = 0; j < d->ny; j++) {
            fputc(',', f);
            drv_plotdef_put_num(f, drv_rowexpr_num(d->y[j], t, sv->rows[i], NULL, 0, e, sizeof e));
        }
        fputc('\n', f);
    }
    return true;
}

/* kind = fraction: at each distinct x, how many of the runs there (NaN
 * measures left out) meet the measure, with the 95% Wilson interval. */
static bool write_fraction(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, FILE *f, char *err, size_t errlen)
{
    double *xs = malloc((sv->n + 1) * sizeof(double));
    if (!xs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    char e[256];
    fputs("x,k,n,p,lo,hi\n", f);
    size_t nx = distinct_x(d, t, sv, xs);
    for (size_t a = 0; a < nx; a++) {
        size_t k = 0, n = 0;
        for (size_t i = 0; i < sv->n; i++) {
            if (drv_rowexpr_num(d->x, t, sv->rows[i], NULL, 0, e, sizeof e) != xs[a])
                continue;
            double m = drv_rowexpr_num(d->measure, t, sv->rows[i], NULL, 0, e, sizeof e);
            if (isnan(m))
                continue;
            n++;
            k += m != 0;
        }
        double lo, hi;
        drv_stats_wilson95(k, n, &lo, &hi);
        drv_plotdef_put_num(f, xs[a]);
        fprintf(f, ",%zu,%zu,", k, n);
        drv_plotdef_put_num(f, n ? (double)k / (double)n : NAN);
        fputc(',', f);
        drv_plotdef_put_num(f, lo);
        fputc(',', f);
        drv_plotdef_put_num(f, hi);
        fputc('\n', f);
    }
    free(xs);
    return true;
}

/* kind = summary: the quartiles of each y over the runs at each distinct x. */
static bool write_summary(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, FILE *f, char *err, size_t errlen)
{
    double *xs = malloc((sv->n + 1) * sizeof(double)), *v = malloc((sv->n + 1) * sizeof(double));
    if (!xs || !v) {
        free(xs);
        free(v);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    put_band_header(f, d, "x");
    size_t nx = distinct_x(d, t, sv, xs);
    for (size_t a = 0; a < nx; a++) {
        rows_at at = {d, t, sv, xs[a]};
        put_band_row(f, d, t, sv, xs[a], "x", pick_rows, &at, v);
    }
    free(xs);
    free(v);
    return true;
}

/* One series' data file, or the list of series. */
typedef struct series_out {
    const drv_plotdef *d;
    const char *results;
    const drv_csv *t;
    const drv_plotdef_series *sv;
    size_t ns;
    const drv_plotrt *rt; /* ecdf, data_profile: every series' runtimes */
    size_t index;       /* the series' */
} series_out;

static bool put_series(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const series_out *o = ctx;
    const char *kind = o->d->kind;
    if (o->d->runtimes)
        return drv_plotrt_write(o->rt->v[o->index], o->rt->n[o->index], o->rt->lo, o->rt->hi, f, err, errlen);
    if (strcmp(kind, "trace") == 0)
        return write_trace(o->d, o->results, o->t, o->sv, f, err, errlen);
    if (strcmp(kind, "runs") == 0)
        return write_runs(o->d, o->t, o->sv, f);
    if (strcmp(kind, "fraction") == 0)
        return write_fraction(o->d, o->t, o->sv, f, err, errlen);
    return write_summary(o->d, o->t, o->sv, f, err, errlen);
}

static bool put_list(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const series_out *o = ctx;
    (void)err, (void)errlen;
    for (size_t i = 0; i < o->ns; i++)
        fprintf(f, "%zu\t%s\n", i + 1, o->sv[i].label);
    return true;
}

/* A gnuplot string in single quotes: nothing is escaped but the quote, doubled. */
static void put_gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* A series' label for a key: "field=real a=30" becomes "field = real, a = 30",
 * underscores escaped for enhanced text ("\_"). */
static void put_nice(FILE *f, const char *label)
{
    char spaced[2048];
    size_t n = 0;
    for (const char *c = label; *c && n + 4 < sizeof spaced; c++) {
        if (*c == '=') {
            memcpy(spaced + n, " = ", 3);
            n += 3;
        } else {
            spaced[n++] = *c;
        }
    }
    spaced[n] = 0;
    char out[4096];
    size_t k = 0;
    for (size_t i = 0; spaced[i] && k + 8 < sizeof out; i++) {
        if (spaced[i] == ' ') { /* " key = " after the first pair: ", key = " */
            size_t j = i + 1;
            while (islower((unsigned char)spaced[j]) || isdigit((unsigned char)spaced[j]) || spaced[j] == '_')
                j++;
            if (strncmp(spaced + j, " = ", 3) == 0)
                out[k++] = ',';
        }
        if (spaced[i] == '_')
            out[k++] = '\\';
        out[k++] = spaced[i];
    }
    out[k] = 0;
    put_gp_string(f, out);
}

/* The list of series for gnuplot to load (no shell): nser, and the arrays
 * SERIES_LABEL (as in NAME.series) and SERIES_NICE (for keys). */
static bool put_list_gp(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const series_out *o = ctx;
    (void)err, (void)errlen;
    fprintf(f, "# the series of this figure (mfd plot)\nnser = %zu\narray SERIES_LABEL[%zu] = [", o->ns, o->ns);
    for (size_t i = 0; i < o->ns; i++) {
        fputs(i ? ", " : "", f);
        put_gp_string(f, o->sv[i].label);
    }
    fprintf(f, "]\narray SERIES_NICE[%zu] = [", o->ns);
    for (size_t i = 0; i < o->ns; i++) {
        fputs(i ? ", " : "", f);
        put_nice(f, o->sv[i].label);
    }
    fputs("]\n", f);
    return true;
}

bool drv_plotdata_prepare(const drv_experiment *s, const drv_experiment_section *p, const char *results,
                          const drv_csv *index, const char *data, size_t *nseries, char *err, size_t errlen)
{
    drv_plotdef d;
    *nseries = 0;
    if (!define(&d, s, p, index, err, errlen)) {
        def_free(&d);
        return false;
    }
    drv_plotdef_series *sv = NULL;
    size_t ns = 0;
    bool ok = make_series(&d, index, &sv, &ns, err, errlen);
    if (ok && ns == 0) {
        snprintf(err, errlen, "%s:%d: [plot %s]: no run matches 'where'", s->path, p->line, p->name);
        ok = false;
    }
    drv_plotrt rt;
    memset(&rt, 0, sizeof rt);
    ok = ok && (!d.runtimes || drv_plotrt_make(&d, index, sv, ns, &rt, err, errlen));
    char path[4096];
    for (size_t i = 0; ok && i < ns; i++) {
        series_out one = {&d, results, index, &sv[i], 1, &rt, i};
        snprintf(path, sizeof path, "%s.%zu.csv", data, i + 1);
        ok = drv_file_write(path, put_series, &one, err, errlen);
    }
    series_out all = {&d, results, index, sv, ns, &rt, 0};
    snprintf(path, sizeof path, "%s.series", data);
    ok = ok && drv_file_write(path, put_list, &all, err, errlen);
    snprintf(path, sizeof path, "%s.series.gp", data);
    ok = ok && drv_file_write(path, put_list_gp, &all, err, errlen);
    drv_plotrt_free(&rt);
    for (size_t i = 0; i < ns; i++)
        free(sv[i].rows);
    free(sv);
    def_free(&d);
    if (ok)
        *nseries = ns;
    return ok;
}
