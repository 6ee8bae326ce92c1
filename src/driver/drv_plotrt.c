/* drv_plotrt.c — runtime distributions (ecdf) and data profiles. */
#define _POSIX_C_SOURCE 200809L
#include "drv_plotrt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drv_profile.h"
#include "drv_rowexpr.h"
#include "drv_text.h"
#include "mfd_param.h"

/* The keys of kinds ecdf and data_profile: measure (one expression per
 * target, '|'-separated), normalize, instance; x, y and theory refused. */
bool drv_plotrt_define(drv_plotdef *d, const drv_csv *t, char *err, size_t errlen)
{
    const drv_experiment *s = d->s;
    const drv_experiment_section *p = d->p;
    bool profile = strcmp(d->kind, "data_profile") == 0;
    int line;
    static const char *const unused[3] = {"x", "y", "theory"};
    for (int k = 0; k < 3; k++)
        if (drv_experiment_get(p, unused[k], &line)) {
            snprintf(err, errlen,
                     "%s:%d: [plot %s] key '%s' does not apply to kind %s (its x is the budget: the measure, "
                     "divided by normalize; its y the fraction of (run or instance, target) pairs solved within it)",
                     s->path, line, p->name, unused[k], d->kind);
            return false;
        }
    const char *m = drv_experiment_get(p, "measure", &line);
    if (!m) {
        snprintf(err, errlen,
                 "%s:%d: [plot %s] has no 'measure' (kind %s: the runtime to a target, e.g. `iter_to_1e-10` or "
                 "`time_to_1e-10`; several targets separated by '|')",
                 s->path, p->line, p->name, d->kind);
        return false;
    }
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", m);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        if (d->ny == DRV_PLOTDEF_MAX_Y) {
            snprintf(err, errlen, "%s:%d: [plot %s] key 'measure': more than %d targets", s->path, line, p->name,
                     DRV_PLOTDEF_MAX_Y);
            return false;
        }
        if (!drv_plotdef_compile_text(d, "measure", drv_text_trim(tok), line, &d->y[d->ny++], err, errlen, t))
            return false;
    }
    const char *nz = drv_experiment_get(p, "normalize", &line);
    if (nz) {
        snprintf(buf, sizeof buf, "%s", nz);
        d->best = strcmp(drv_text_trim(buf), "best") == 0;
        if (d->best && !profile) {
            snprintf(err, errlen,
                     "%s:%d: [plot %s] key 'normalize': 'best' (the best series' runtime on each instance and "
                     "target) needs kind data_profile; kind ecdf takes an expression of the run",
                     s->path, line, p->name);
            return false;
        }
        if (!d->best && !drv_rowexpr_compile(s, p, "plot", "normalize", true, t, NULL, &d->normalize, err, errlen))
            return false;
    }
    const char *inst = drv_experiment_get(p, "instance", &line);
    if (!inst)
        line = p->line;
    if (inst && !profile) {
        snprintf(err, errlen,
                 "%s:%d: [plot %s] key 'instance' applies to kind data_profile only (kind ecdf counts every run)",
                 s->path, line, p->name);
        return false;
    }
    if (profile) {
        char bad[256];
        if (!drv_select_columns(t, inst ? inst : "seed", d->icols, &d->nicols, bad, sizeof bad)) {
            snprintf(err, errlen, "%s:%d: [plot %s] instance '%s' is not a column of index.csv", s->path, line, p->name,
                     bad);
            return false;
        }
        if (d->nicols == 0) {
            snprintf(err, errlen,
                     "%s:%d: [plot %s] instance is empty; expected the columns that identify an instance "
                     "(default seed)",
                     s->path, line, p->name);
            return false;
        }
    }
    return true;
}

/* ---- runtime distributions: ecdf, data_profile (drv_profile.h) ---------- */


void drv_plotrt_free(drv_plotrt *r)
{
    free(r->block);
    free(r->v);
    free(r->n);
}

/* Run row's budget unit: normalize's value (1 without it), which must be
 * finite and positive. */
static bool unit_of(const drv_plotdef *d, const drv_csv *t, size_t row, double *u, char *err, size_t errlen)
{
    *u = 1;
    if (!d->normalize)
        return true;
    char e[256] = "", num[40];
    *u = drv_rowexpr_num(d->normalize, t, row, NULL, 0, e, sizeof e);
    if (isfinite(*u) && *u > 0)
        return true;
    int line;
    const char *text = drv_experiment_get(d->p, "normalize", &line);
    mfd_format_real(num, sizeof num, *u);
    snprintf(err, errlen,
             "%s:%d: [plot %s] key 'normalize': '%s' is %s at run %s%s%s%s; expected a positive budget unit",
             d->s->path, line, d->p->name, text, num, drv_csv_cell(t, row, (size_t)drv_csv_col(t, "id")),
             e[0] ? " (" : "", e, e[0] ? ")" : "");
    return false;
}

/* Target j's runtime of run row, divided by its unit u: NaN when it is
 * missing or not finite (the target was never reached). */
static double runtime_of(const drv_plotdef *d, const drv_csv *t, size_t row, size_t j, double u)
{
    char e[256];
    double v = drv_rowexpr_num(d->y[j], t, row, NULL, 0, e, sizeof e) / u;
    return isfinite(v) ? v : NAN;
}

/* kind = ecdf: every run of a series, with every target. */
static bool ecdf_values(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, size_t ns, drv_plotrt *r, char *err,
                        size_t errlen)
{
    size_t total = 0;
    for (size_t s = 0; s < ns; s++)
        total += sv[s].n * d->ny;
    if (!(r->block = malloc((total + 1) * sizeof(double)))) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    double *v = r->block;
    for (size_t s = 0; s < ns; s++) {
        r->v[s] = v;
        r->n[s] = sv[s].n * d->ny;
        for (size_t i = 0; i < sv[s].n; i++) {
            double u;
            if (!unit_of(d, t, sv[s].rows[i], &u, err, errlen))
                return false;
            for (size_t j = 0; j < d->ny; j++)
                *v++ = runtime_of(d, t, sv[s].rows[i], j, u);
        }
    }
    return true;
}

/* kind = data_profile: the problems are the pairs (instance, target) over
 * the instances of every series, the same |P| for each series; a drv_plotdef_series
 * with no run on an instance has not solved its pairs (Moré and Wild's
 * t_{p,s} = inf), and one with two runs there is an error, since a
 * profile compares one run of each solver on each problem. */
static bool profile_values(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, size_t ns, drv_plotrt *r, char *err,
                           size_t errlen)
{
    size_t nall = 0, ninst = 0;
    for (size_t s = 0; s < ns; s++)
        nall += sv[s].n;
    size_t *all = malloc((nall + 1) * sizeof *all), *owner = malloc((t->nrows + 1) * sizeof *owner);
    size_t *run_of = malloc((ns + 1) * sizeof *run_of); /* the row of each series on the instance at hand */
    drv_select_group *g = NULL;
    bool ok = all && owner && run_of;
    for (size_t s = 0, k = 0; ok && s < ns; s++)
        for (size_t i = 0; i < sv[s].n; i++) {
            all[k++] = sv[s].rows[i];
            owner[sv[s].rows[i]] = s;
        }
    ok = ok && drv_select_groups(t, all, nall, d->icols, d->nicols, &g, &ninst);
    size_t np = ninst * d->ny;
    ok = ok && (r->block = malloc((ns * np + 1) * sizeof(double))) != NULL;
    if (!ok)
        snprintf(err, errlen, "out of memory");
    for (size_t q = 0; ok && q < ns * np; q++)
        r->block[q] = NAN;
    long cid = drv_csv_col(t, "id");
    for (size_t a = 0; ok && a < ninst; a++) {
        for (size_t s = 0; s < ns; s++)
            run_of[s] = SIZE_MAX;
        for (size_t i = 0; ok && i < g[a].n; i++) {
            size_t row = g[a].rows[i], s = owner[row];
            if (run_of[s] != SIZE_MAX) {
                char inst[256];
                int line;
                if (!drv_experiment_get(d->p, "instance", &line))
                    line = d->p->line;
                drv_select_label(t, row, d->icols, d->nicols, " ", inst, sizeof inst);
                snprintf(err, errlen,
                         "%s:%d: [plot %s] series '%s' has more than one run on instance '%s' (runs %s and %s); a "
                         "data profile takes one run of each series on each instance: add the key that tells them "
                         "apart to group_by or instance, or leave runs out with where",
                         d->s->path, line, d->p->name, sv[s].label[0] ? sv[s].label : "(every run: no group_by)", inst,
                         drv_csv_cell(t, run_of[s], (size_t)cid), drv_csv_cell(t, row, (size_t)cid));
                ok = false;
                break;
            }
            run_of[s] = row;
            double u;
            ok = unit_of(d, t, row, &u, err, errlen);
            for (size_t j = 0; ok && j < d->ny; j++)
                r->block[s * np + a * d->ny + j] = runtime_of(d, t, row, j, u);
        }
    }
    if (ok && d->best)
        drv_profile_ratios(r->block, ns, np);
    for (size_t s = 0; ok && s < ns; s++) {
        r->v[s] = r->block + s * np;
        r->n[s] = np;
    }
    drv_select_free(g, ninst);
    free(all);
    free(owner);
    free(run_of);
    return ok;
}

/* The runtimes of every series and the figure's ends. */
bool drv_plotrt_make(const drv_plotdef *d, const drv_csv *t, const drv_plotdef_series *sv, size_t ns, drv_plotrt *r, char *err,
                          size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->v = calloc(ns + 1, sizeof *r->v);
    r->n = calloc(ns + 1, sizeof *r->n);
    if (!r->v || !r->n) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool profile = strcmp(d->kind, "data_profile") == 0;
    if (!(profile ? profile_values : ecdf_values)(d, t, sv, ns, r, err, errlen))
        return false;
    r->lo = INFINITY;
    r->hi = -INFINITY;
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < r->n[s]; i++)
            if (isfinite(r->v[s][i])) {
                r->lo = fmin(r->lo, r->v[s][i]);
                r->hi = fmax(r->hi, r->v[s][i]);
            }
    return true;
}

/* One series' distribution: x, k (pairs solved within x), n (all pairs)
 * and p = k/n, at every x where it jumps and at the figure's two ends, so
 * that every curve spans the same budgets; nothing but the header when no
 * series solved anything. */
bool drv_plotrt_write(const double *v, size_t n, double lo, double hi, FILE *f, char *err, size_t errlen)
{
    double *x = malloc((n + 1) * sizeof *x);
    size_t *k = malloc((n + 1) * sizeof *k);
    if (!x || !k) {
        free(x);
        free(k);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    fputs("x,k,n,p\n", f);
    size_t m = drv_profile_ecdf(v, n, x, k);
    double last = NAN;
    for (size_t i = 0; isfinite(lo) && i < m + 2; i++) {
        double a = i == 0 ? lo : i <= m ? x[i - 1] : hi; /* lo <= x[0] <= ... <= x[m-1] <= hi */
        if (a == last)
            continue;
        last = a;
        size_t c = drv_profile_count_at(x, k, m, a);
        drv_plotdef_put_num(f, a);
        fprintf(f, ",%zu,%zu,", c, n);
        drv_plotdef_put_num(f, (double)c / (double)n);
        fputc('\n', f);
    }
    free(x);
    free(k);
    return true;
}
