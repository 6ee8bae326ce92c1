#define _POSIX_C_SOURCE 200809L
#include "drv_claims.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "drv_expr.h"
#include "drv_rowexpr.h"
#include "drv_text.h"
#include "mfd_out.h"
#include "mfd_param.h"
#include "mfd_rate.h"

const char *drv_claims_verdict_name(int v)
{
    return v == DRV_CLAIMS_PASS ? "PASS" : v == DRV_CLAIMS_FAIL ? "FAIL" : "DEVIATION";
}

static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, len, f, ap);
    va_end(ap);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Does measured meet the bound against predicted? */
static bool meets(const char *bound, double m, double p, double tol, bool rel)
{
    double slack = rel ? tol * fabs(p) : tol;
    if (strcmp(bound, "<=") == 0)
        return m <= p + slack;
    if (strcmp(bound, ">=") == 0)
        return m >= p - slack;
    return fabs(m - p) <= slack; /* within */
}

/* A short number for the table. */
static void num(char *buf, size_t len, double x)
{
    if (x == floor(x) && fabs(x) < 1e9)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%.4g", x);
}

typedef struct claimdef {
    const char *name, *aggregate, *against, *group_by, *bound, *deviation;
    double tol;
    bool rel;
    drv_expr *where, *measure, *predicted, *against_e;
} claimdef;

/* "bound value", and the tolerance when there is one: the predicted column. */
static void put_predicted(const claimdef *d, double value, char *predicted, size_t plen)
{
    char b[64], c[64], tt[96];
    num(b, sizeof b, value);
    fmt(predicted, plen, "%s %s", d->bound, b);
    if (d->tol > 0) {
        num(c, sizeof c, d->tol);
        fmt(tt, sizeof tt, "tol. %s%s", c, d->rel ? " rel." : "");
        drv_text_append(predicted, plen, tt);
    }
}

static bool compile(const drv_experiment *s, const drv_experiment_section *c, const char *key, bool required, drv_expr **out,
                    const drv_csv *t, char *err, size_t errlen)
{
    return drv_rowexpr_compile(s, c, "claim", key, required, t, NULL, out, err, errlen);
}

/* Expression e at a row as a number (NaN with a note on error). */
static double at(const drv_expr *e, const drv_csv *t, size_t row, char *err, size_t errlen)
{
    return drv_rowexpr_num(e, t, row, NULL, 0.0, err, errlen);
}

/* One group: rows[n]; fills measured/predicted texts; returns pass. */
static bool eval_group(const claimdef *d, const drv_csv *t, const size_t *rows, size_t n, char *measured,
                       size_t mlen, char *predicted, size_t plen, char *note, size_t nlen)
{
    char e[256] = "", a[64], b[64], c[64];
    const char *ag = d->aggregate;
    if (strcmp(ag, "each") == 0) {
        /* the signed deviation toward failing: positive beyond the bound's side */
        double worst = -INFINITY, worst_m = NAN, worst_p = NAN;
        size_t fails = 0;
        for (size_t i = 0; i < n; i++) {
            double m = at(d->measure, t, rows[i], e, sizeof e), p = at(d->predicted, t, rows[i], e, sizeof e);
            bool pass = !isnan(m) && !isnan(p) && meets(d->bound, m, p, d->tol, d->rel);
            double scale = d->rel ? fabs(p) : 1.0;
            double dev = strcmp(d->bound, "<=") == 0   ? (m - p) / scale
                         : strcmp(d->bound, ">=") == 0 ? (p - m) / scale
                                                       : fabs(m - p) / scale;
            if (isnan(dev))
                dev = INFINITY;
            fails += !pass;
            if (dev > worst) {
                worst = dev;
                worst_m = m;
                worst_p = p;
            }
        }
        num(a, sizeof a, worst_m);
        fmt(measured, mlen, "worst of %zu runs: %s (%s %.2g)", n, a, d->rel ? "rel. dev." : "dev.", worst);
        put_predicted(d, worst_p, predicted, plen);
        if (fails)
            fmt(note, nlen, "%zu of %zu runs outside the bound%s%s", fails, n, e[0] ? ": " : "", e);
        return fails == 0;
    }
    double *v = malloc((n ? n : 1) * sizeof *v), *x = malloc((n ? n : 1) * sizeof *x);
    if (!v || !x) {
        free(v);
        free(x);
        return false;
    }
    size_t k = 0, nan = 0;
    for (size_t i = 0; i < n; i++) {
        double m = at(d->measure, t, rows[i], e, sizeof e);
        if (isnan(m)) {
            nan++;
            continue;
        }
        if (d->against_e)
            x[k] = at(d->against_e, t, rows[i], e, sizeof e);
        v[k++] = m;
    }
    double p = n ? at(d->predicted, t, rows[0], e, sizeof e) : NAN, meas = NAN;
    bool pass;
    num(b, sizeof b, p);
    if (strcmp(ag, "fraction") == 0) {
        size_t yes = 0;
        for (size_t i = 0; i < k; i++)
            yes += v[i] != 0;
        double lo, hi;
        mfd_rate_wilson(yes, k, 1.959963984540054, &lo, &hi);
        fmt(measured, mlen, "%zu/%zu = %.3f [%.3f, %.3f]", yes, k, k ? (double)yes / (double)k : NAN, lo, hi);
        if (strcmp(d->bound, ">=") == 0)
            pass = hi >= p - d->tol;
        else if (strcmp(d->bound, "<=") == 0)
            pass = lo <= p + d->tol;
        else /* within / contains: the interval meets [p - tol, p + tol] */
            pass = lo <= p + d->tol && hi >= p - d->tol;
        if (d->tol > 0) {
            num(c, sizeof c, d->tol);
            fmt(predicted, plen, "%s %s ± %s", d->bound, b, c);
        } else {
            fmt(predicted, plen, "%s %s", d->bound, b);
        }
        pass = pass && k > 0;
    } else {
        if (k == 0) {
            fmt(measured, mlen, "no value (%zu runs, all NaN)", n);
            free(v);
            free(x);
            return false;
        }
        if (strcmp(ag, "median") == 0)
            meas = median(v, k);
        else if (strcmp(ag, "mean") == 0) {
            meas = 0;
            for (size_t i = 0; i < k; i++)
                meas += v[i] / (double)k;
        } else if (strcmp(ag, "min") == 0 || strcmp(ag, "max") == 0 || strcmp(ag, "ratio") == 0) {
            double lo = v[0], hi2 = v[0];
            for (size_t i = 1; i < k; i++) {
                lo = fmin(lo, v[i]);
                hi2 = fmax(hi2, v[i]);
            }
            meas = strcmp(ag, "min") == 0 ? lo : strcmp(ag, "max") == 0 ? hi2 : hi2 / lo;
        } else { /* slope: medians per distinct x, then log-log least squares */
            mfd_linreg lr;
            mfd_linreg_reset(&lr);
            double *ys = malloc(k * sizeof *ys);
            bool *used = calloc(k, sizeof *used);
            for (size_t i = 0; ys && used && i < k; i++) {
                if (used[i])
                    continue;
                size_t m = 0;
                for (size_t j = i; j < k; j++)
                    if (!used[j] && x[j] == x[i]) {
                        used[j] = true;
                        ys[m++] = v[j];
                    }
                double my = median(ys, m);
                if (x[i] > 0 && my > 0)
                    mfd_linreg_add(&lr, log(x[i]), log(my));
            }
            free(ys);
            free(used);
            mfd_fit f = mfd_linreg_fit(&lr);
            meas = f.slope;
            if (f.n < 2)
                fmt(note, nlen, "a slope needs two or more distinct positive values of %s with positive medians; "
                    "got %zu", d->against, f.n);
            else if (isnan(f.slope_se))
                fmt(note, nlen, "%zu points, so no standard error for the slope", f.n);
            else
                fmt(note, nlen, "%zu points, slope standard error %.2g", f.n, f.slope_se);
        }
        num(a, sizeof a, meas);
        fmt(measured, mlen, "%s %s over %zu runs", strcmp(ag, "ratio") == 0 ? "max/min" : ag, a, k);
        pass = !isnan(meas) && !isnan(p) && meets(d->bound, meas, p, d->tol, d->rel);
        put_predicted(d, p, predicted, plen);
    }
    if (nan)
        fmt(note + strlen(note), nlen - strlen(note), "%s%zu runs gave NaN", note[0] ? "; " : "", nan);
    free(v);
    free(x);
    return pass;
}

static void def_free(claimdef *d)
{
    drv_expr_free(d->where);
    drv_expr_free(d->measure);
    drv_expr_free(d->predicted);
    drv_expr_free(d->against_e);
}

bool drv_claims_eval(const drv_experiment *s, const drv_csv *t, drv_claims_result **out, size_t *n, char *err, size_t errlen)
{
    drv_claims_result *res = calloc(s->nclaims ? s->nclaims : 1, sizeof *res);
    if (!res) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t ci = 0; ci < s->nclaims; ci++) {
        const drv_experiment_section *c = &s->claims[ci];
        drv_claims_result *r = &res[ci];
        claimdef d;
        memset(&d, 0, sizeof d);
        int line;
        d.name = c->name;
        d.aggregate = drv_experiment_get(c, "aggregate", &line);
        if (!d.aggregate)
            d.aggregate = "each";
        static const char *const aggs[] = {"each", "median", "mean", "min", "max", "fraction", "ratio", "slope"};
        bool ok = false;
        for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++)
            ok = ok || strcmp(d.aggregate, aggs[i]) == 0;
        if (!ok) {
            snprintf(err, errlen, "%s:%d: [claim %s] aggregate '%s' is not one of each, median, mean, min, max, "
                     "fraction, ratio, slope", s->path, line, c->name, d.aggregate);
            free(res);
            return false;
        }
        d.bound = drv_experiment_get(c, "bound", &line);
        if (!d.bound || (strcmp(d.bound, "<=") && strcmp(d.bound, ">=") && strcmp(d.bound, "within") &&
                         strcmp(d.bound, "contains"))) {
            snprintf(err, errlen, "%s:%d: [claim %s] bound '%s' is not one of <=, >=, within, contains", s->path,
                     line, c->name, d.bound ? d.bound : "(missing)");
            free(res);
            return false;
        }
        const char *tol = drv_experiment_get(c, "tolerance", &line), *rel = drv_experiment_get(c, "relative", NULL);
        if (tol) {
            char *end;
            d.tol = strtod(tol, &end);
            if (*end || !(d.tol >= 0)) {
                snprintf(err, errlen, "%s:%d: [claim %s] tolerance '%s' is not a number >= 0", s->path, line, c->name,
                         tol);
                free(res);
                return false;
            }
        }
        d.rel = rel && (strcmp(rel, "yes") == 0 || strcmp(rel, "1") == 0 || strcmp(rel, "true") == 0);
        d.deviation = drv_experiment_get(c, "deviation", NULL);
        d.group_by = drv_experiment_get(c, "group_by", NULL);
        d.against = drv_experiment_get(c, "against", NULL);
        if (!compile(s, c, "where", false, &d.where, t, err, errlen) ||
            !compile(s, c, "measure", true, &d.measure, t, err, errlen) ||
            !compile(s, c, "predicted", true, &d.predicted, t, err, errlen) ||
            !compile(s, c, "against", strcmp(d.aggregate, "slope") == 0, &d.against_e, t, err, errlen)) {
            def_free(&d);
            free(res);
            return false;
        }
        /* the runs that count, split into groups */
        size_t *rows = malloc((t->nrows ? t->nrows : 1) * sizeof *rows), nr = 0;
        for (size_t i = 0; rows && i < t->nrows; i++) {
            char e[128];
            if (!d.where || at(d.where, t, i, e, sizeof e) != 0)
                rows[nr++] = i;
        }
        long gcols[8];
        size_t ng = 0;
        if (d.group_by) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", d.group_by);
            char *save = NULL;
            for (char *g = strtok_r(buf, ", ", &save); g && ng < 8; g = strtok_r(NULL, ", ", &save)) {
                gcols[ng] = drv_csv_col(t, g);
                if (gcols[ng] < 0) {
                    drv_experiment_get(c, "group_by", &line);
                    snprintf(err, errlen, "%s:%d: [claim %s] group_by '%s' is not a run parameter", s->path, line,
                             c->name, g);
                    free(rows);
                    def_free(&d);
                    free(res);
                    return false;
                }
                ng++;
            }
        }
        drv_experiment_label(s, r->experiment, sizeof r->experiment);
        snprintf(r->name, sizeof r->name, "%s", c->name);
        const char *v;
        snprintf(r->id, sizeof r->id, "%s", (v = drv_experiment_get(c, "id", NULL)) ? v : "");
        snprintf(r->source, sizeof r->source, "%s", (v = drv_experiment_get(c, "source", NULL)) ? v : "");
        snprintf(r->statement, sizeof r->statement, "%s", (v = drv_experiment_get(c, "statement", NULL)) ? v : "");
        bool all = nr > 0;
        if (nr == 0)
            snprintf(r->note, sizeof r->note, "no run matched (collect the runs first)");
        bool *done = calloc(nr ? nr : 1, sizeof *done);
        size_t *grp = malloc((nr ? nr : 1) * sizeof *grp);
        for (size_t i = 0; done && grp && i < nr; i++) {
            if (done[i])
                continue;
            size_t gn = 0;
            for (size_t j = i; j < nr; j++) {
                bool same = true;
                for (size_t g = 0; g < ng && same; g++)
                    same = strcmp(drv_csv_cell(t, rows[i], (size_t)gcols[g]), drv_csv_cell(t, rows[j], (size_t)gcols[g])) == 0;
                if (same && !done[j]) {
                    done[j] = true;
                    grp[gn++] = rows[j];
                }
            }
            char m[512] = "", p[256] = "", note[256] = "", label[256] = "";
            for (size_t g = 0; g < ng; g++) {
                size_t l = strlen(label);
                snprintf(label + l, sizeof label - l, "%s%s=%s", g ? "," : "", t->names[gcols[g]],
                         drv_csv_cell(t, rows[i], (size_t)gcols[g]));
            }
            bool pass = eval_group(&d, t, grp, gn, m, sizeof m, p, sizeof p, note, sizeof note);
            all = all && pass;
            char item[1024];
            if (ng)
                snprintf(item, sizeof item, "%s: %s%s", label, m, pass ? "" : " (fails)");
            else
                snprintf(item, sizeof item, "%s", m);
            drv_text_append(r->measured, sizeof r->measured, item);
            if (!r->predicted[0])
                snprintf(r->predicted, sizeof r->predicted, "%s", p);
            if (note[0])
                drv_text_append(r->note, sizeof r->note, note);
        }
        free(done);
        free(grp);
        free(rows);
        r->verdict = all ? DRV_CLAIMS_PASS : d.deviation ? DRV_CLAIMS_DEVIATION : DRV_CLAIMS_FAIL;
        if (d.deviation) {
            char why[600];
            snprintf(why, sizeof why, "known deviation%s: %s", all ? " (not observed this time)" : "", d.deviation);
            drv_text_append(r->note, sizeof r->note, why);
        }
        def_free(&d);
    }
    *out = res;
    *n = s->nclaims;
    return true;
}
