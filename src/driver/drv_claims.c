#define _POSIX_C_SOURCE 200809L
#include "drv_claims.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "drv_expr.h"
#include "drv_rowexpr.h"
#include "drv_select.h"
#include "drv_stats.h"
#include "drv_text.h"
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

/* A claim section, checked and compiled. */
typedef struct claimdef {
    const char *name, *aggregate, *against, *group_by, *bound, *deviation;
    double tol;
    bool rel;
    drv_expr *where, *measure, *predicted, *against_e;
    long gcols[DRV_SELECT_MAX_COLUMNS]; /* the group_by columns of index.csv */
    size_t ng;
} claimdef;

/* What one group of runs gave: the texts of the table's columns. */
typedef struct outcome {
    char measured[512], predicted[256], note[256];
} outcome;

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

/* Expression e at a row as a number (NaN with a note on error). */
static double at(const drv_expr *e, const drv_csv *t, size_t row, char *err, size_t errlen)
{
    return drv_rowexpr_num(e, t, row, NULL, 0.0, err, errlen);
}

/* aggregate = each: every run meets the bound against its own prediction;
 * the table shows the run that comes closest to failing, or fails worst,
 * by its signed deviation toward failing (positive beyond the bound). */
static bool agg_each(const claimdef *d, const drv_csv *t, const size_t *rows, size_t n, outcome *o)
{
    char e[256] = "", a[64];
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
    fmt(o->measured, sizeof o->measured, "worst of %zu runs: %s (%s %.2g)", n, a, d->rel ? "rel. dev." : "dev.",
        worst);
    put_predicted(d, worst_p, o->predicted, sizeof o->predicted);
    if (fails)
        fmt(o->note, sizeof o->note, "%zu of %zu runs outside the bound%s%s", fails, n, e[0] ? ": " : "", e);
    return fails == 0;
}

/* aggregate = fraction: the share of runs where the measure holds, with its
 * 95% Wilson interval; the bound is met unless the whole interval is on the
 * wrong side (within and contains: the interval meets [p - tol, p + tol]). */
static bool agg_fraction(const claimdef *d, const double *v, size_t k, double p, outcome *o)
{
    char b[64], c[64];
    size_t yes = 0;
    bool pass;
    for (size_t i = 0; i < k; i++)
        yes += v[i] != 0;
    double lo, hi;
    drv_stats_wilson95(yes, k, &lo, &hi);
    fmt(o->measured, sizeof o->measured, "%zu/%zu = %.3f [%.3f, %.3f]", yes, k, k ? (double)yes / (double)k : NAN,
        lo, hi);
    if (strcmp(d->bound, ">=") == 0)
        pass = hi >= p - d->tol;
    else if (strcmp(d->bound, "<=") == 0)
        pass = lo <= p + d->tol;
    else
        pass = lo <= p + d->tol && hi >= p - d->tol;
    num(b, sizeof b, p);
    if (d->tol > 0) {
        num(c, sizeof c, d->tol);
        fmt(o->predicted, sizeof o->predicted, "%s %s ± %s", d->bound, b, c);
    } else {
        fmt(o->predicted, sizeof o->predicted, "%s %s", d->bound, b);
    }
    return pass && k > 0;
}

/* aggregate = slope: the medians of the measure v at each distinct x, then
 * the least-squares slope of log(median) on log(x) over the points where
 * both are positive.  The note says how many points and the standard error. */
static double agg_slope(const claimdef *d, double *v, const double *x, size_t k, outcome *o)
{
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
        double my = drv_stats_median(ys, m);
        if (x[i] > 0 && my > 0)
            mfd_linreg_add(&lr, log(x[i]), log(my));
    }
    free(ys);
    free(used);
    mfd_fit f = mfd_linreg_fit(&lr);
    if (f.n < 2)
        fmt(o->note, sizeof o->note, "a slope needs two or more distinct positive values of %s with positive "
            "medians; got %zu", d->against, f.n);
    else if (isnan(f.slope_se))
        fmt(o->note, sizeof o->note, "%zu points, so no standard error for the slope", f.n);
    else
        fmt(o->note, sizeof o->note, "%zu points, slope standard error %.2g", f.n, f.slope_se);
    return f.slope;
}

/* median, mean, min, max, ratio (max/min) or slope of the values v[0..k),
 * k >= 1, against the prediction p. */
static bool agg_value(const claimdef *d, double *v, const double *x, size_t k, double p, outcome *o)
{
    const char *ag = d->aggregate;
    char a[64];
    double meas;
    if (strcmp(ag, "median") == 0) {
        meas = drv_stats_median(v, k);
    } else if (strcmp(ag, "mean") == 0) {
        meas = 0;
        for (size_t i = 0; i < k; i++)
            meas += v[i] / (double)k;
    } else if (strcmp(ag, "min") == 0 || strcmp(ag, "max") == 0 || strcmp(ag, "ratio") == 0) {
        double lo = v[0], hi = v[0];
        for (size_t i = 1; i < k; i++) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
        meas = strcmp(ag, "min") == 0 ? lo : strcmp(ag, "max") == 0 ? hi : hi / lo;
    } else {
        meas = agg_slope(d, v, x, k, o);
    }
    num(a, sizeof a, meas);
    fmt(o->measured, sizeof o->measured, "%s %s over %zu runs", strcmp(ag, "ratio") == 0 ? "max/min" : ag, a, k);
    put_predicted(d, p, o->predicted, sizeof o->predicted);
    return !isnan(meas) && !isnan(p) && meets(d->bound, meas, p, d->tol, d->rel);
}

/* One group of runs, rows[0..n): fills o; returns whether it passes.  Every
 * aggregate but `each` leaves NaN measures out (and notes how many), and
 * takes the prediction from the group's first run. */
static bool eval_group(const claimdef *d, const drv_csv *t, const size_t *rows, size_t n, outcome *o)
{
    if (strcmp(d->aggregate, "each") == 0)
        return agg_each(d, t, rows, n, o);
    double *v = malloc((n ? n : 1) * sizeof *v), *x = malloc((n ? n : 1) * sizeof *x);
    if (!v || !x) {
        free(v);
        free(x);
        return false;
    }
    char e[256] = "";
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
    double p = n ? at(d->predicted, t, rows[0], e, sizeof e) : NAN;
    bool pass = false;
    if (strcmp(d->aggregate, "fraction") == 0)
        pass = agg_fraction(d, v, k, p, o);
    else if (k > 0)
        pass = agg_value(d, v, x, k, p, o);
    else
        fmt(o->measured, sizeof o->measured, "no value (%zu runs, all NaN)", n);
    if (nan && (k > 0 || strcmp(d->aggregate, "fraction") == 0)) {
        char gave[64];
        snprintf(gave, sizeof gave, "%zu runs gave NaN", nan);
        drv_text_append(o->note, sizeof o->note, gave);
    }
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

static bool compile(const drv_experiment *s, const drv_experiment_section *c, const char *key, bool required,
                    drv_expr **out, const drv_csv *t, char *err, size_t errlen)
{
    return drv_rowexpr_compile(s, c, "claim", key, required, t, NULL, out, err, errlen);
}

/* Is word one of list[n]? */
static bool one_of(const char *word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, list[i]) == 0)
            return true;
    return false;
}

/* The aggregate, bound, tolerance and relative keys of claim c; false with
 * the file and line in err. */
static bool define_bound(const drv_experiment *s, const drv_experiment_section *c, claimdef *d, char *err,
                         size_t errlen)
{
    static const char *const aggs[] = {"each", "median", "mean", "min", "max", "fraction", "ratio", "slope"};
    static const char *const bounds[] = {"<=", ">=", "within", "contains"};
    int line;
    d->aggregate = drv_experiment_get(c, "aggregate", &line);
    if (!d->aggregate)
        d->aggregate = "each";
    if (!one_of(d->aggregate, aggs, sizeof aggs / sizeof *aggs)) {
        snprintf(err, errlen, "%s:%d: [claim %s] aggregate '%s' is not one of each, median, mean, min, max, "
                 "fraction, ratio, slope", s->path, line, c->name, d->aggregate);
        return false;
    }
    d->bound = drv_experiment_get(c, "bound", &line);
    if (!d->bound || !one_of(d->bound, bounds, sizeof bounds / sizeof *bounds)) {
        snprintf(err, errlen, "%s:%d: [claim %s] bound '%s' is not one of <=, >=, within, contains", s->path, line,
                 c->name, d->bound ? d->bound : "(missing)");
        return false;
    }
    const char *tol = drv_experiment_get(c, "tolerance", &line), *rel = drv_experiment_get(c, "relative", NULL);
    if (tol) {
        char *end;
        d->tol = strtod(tol, &end);
        if (*end || !(d->tol >= 0)) {
            snprintf(err, errlen, "%s:%d: [claim %s] tolerance '%s' is not a number >= 0", s->path, line, c->name,
                     tol);
            return false;
        }
    }
    d->rel = rel && (strcmp(rel, "yes") == 0 || strcmp(rel, "1") == 0 || strcmp(rel, "true") == 0);
    return true;
}

/* Check and compile claim c against the columns of t; false with the file
 * and line in err (d is then freed). */
static bool define(const drv_experiment *s, const drv_experiment_section *c, const drv_csv *t, claimdef *d,
                   char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->name = c->name;
    if (!define_bound(s, c, d, err, errlen))
        return false;
    d->deviation = drv_experiment_get(c, "deviation", NULL);
    d->group_by = drv_experiment_get(c, "group_by", NULL);
    d->against = drv_experiment_get(c, "against", NULL);
    if (!compile(s, c, "where", false, &d->where, t, err, errlen) ||
        !compile(s, c, "measure", true, &d->measure, t, err, errlen) ||
        !compile(s, c, "predicted", true, &d->predicted, t, err, errlen) ||
        !compile(s, c, "against", strcmp(d->aggregate, "slope") == 0, &d->against_e, t, err, errlen)) {
        def_free(d);
        return false;
    }
    char bad[256];
    if (!drv_select_columns(t, d->group_by, d->gcols, &d->ng, bad, sizeof bad)) {
        int line;
        drv_experiment_get(c, "group_by", &line);
        snprintf(err, errlen, "%s:%d: [claim %s] group_by '%s' is not a run parameter", s->path, line, c->name, bad);
        def_free(d);
        return false;
    }
    return true;
}

/* Evaluate a defined claim on the runs of t: one measured item per group
 * ("label: measured", with "(fails)" on a failing group), the first
 * group's prediction, the notes, and the verdict. */
static void eval_claim(const claimdef *d, const drv_csv *t, drv_claims_result *r)
{
    size_t *rows, nr;
    drv_select_group *g = NULL;
    size_t ng = 0;
    bool all = drv_select_where(d->where, t, &rows, &nr) && drv_select_groups(t, rows, nr, d->gcols, d->ng, &g, &ng);
    if (!all)
        snprintf(r->note, sizeof r->note, "out of memory");
    all = all && nr > 0;
    if (nr == 0)
        snprintf(r->note, sizeof r->note, "no run matched (collect the runs first)");
    for (size_t i = 0; i < ng; i++) {
        outcome o = {"", "", ""};
        char label[256], item[1024];
        drv_select_label(t, g[i].rows[0], d->gcols, d->ng, ",", label, sizeof label);
        bool pass = eval_group(d, t, g[i].rows, g[i].n, &o);
        all = all && pass;
        if (d->ng)
            snprintf(item, sizeof item, "%s: %s%s", label, o.measured, pass ? "" : " (fails)");
        else
            snprintf(item, sizeof item, "%s", o.measured);
        drv_text_append(r->measured, sizeof r->measured, item);
        if (!r->predicted[0])
            snprintf(r->predicted, sizeof r->predicted, "%s", o.predicted);
        if (o.note[0])
            drv_text_append(r->note, sizeof r->note, o.note);
    }
    drv_select_free(g, ng);
    free(rows);
    r->verdict = all ? DRV_CLAIMS_PASS : d->deviation ? DRV_CLAIMS_DEVIATION : DRV_CLAIMS_FAIL;
    if (d->deviation) {
        char why[600];
        snprintf(why, sizeof why, "known deviation%s: %s", all ? " (not observed this time)" : "", d->deviation);
        drv_text_append(r->note, sizeof r->note, why);
    }
}

bool drv_claims_eval(const drv_experiment *s, const drv_csv *t, drv_claims_result **out, size_t *n, char *err,
                     size_t errlen)
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
        if (!define(s, c, t, &d, err, errlen)) {
            free(res);
            return false;
        }
        const char *v;
        drv_experiment_label(s, r->experiment, sizeof r->experiment);
        snprintf(r->name, sizeof r->name, "%s", c->name);
        snprintf(r->id, sizeof r->id, "%s", (v = drv_experiment_get(c, "id", NULL)) ? v : "");
        snprintf(r->source, sizeof r->source, "%s", (v = drv_experiment_get(c, "source", NULL)) ? v : "");
        snprintf(r->statement, sizeof r->statement, "%s", (v = drv_experiment_get(c, "statement", NULL)) ? v : "");
        eval_claim(&d, t, r);
        def_free(&d);
    }
    *out = res;
    *n = s->nclaims;
    return true;
}
