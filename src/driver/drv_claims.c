#define _POSIX_C_SOURCE 200809L
#include "drv_claims.h"
#include "drv_claimdef.h"

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

static const char *const KINDS[] = {"law", "identity", "sanity"};

const char *drv_claims_kind_name(drv_claims_kind k) { return (unsigned)k < 3 ? KINDS[k] : "?"; }

bool drv_claims_kind_parse(const char *word, drv_claims_kind *k)
{
    for (unsigned i = 0; i < 3; i++)
        if (strcmp(word, KINDS[i]) == 0) {
            *k = (drv_claims_kind)i;
            return true;
        }
    return false;
}

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }
static bool ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool drv_claims_worst(const char *c, double *value)
{
    /* iteration counts and times: a threshold never reached, a plateau never left */
    if (strcmp(c, "iterations") == 0 || starts(c, "iter_to_") || strcmp(c, "iter_balanced") == 0 ||
        strcmp(c, "rebalance_iter") == 0 || (starts(c, "mode") && strstr(c, "_t")) ||
        (starts(c, "plateau") && ends(c, "_escape"))) {
        *value = INFINITY;
        return true;
    }
    /* per-step contractions: no contraction */
    if (strcmp(c, "rate") == 0 || strcmp(c, "rate_ori") == 0) {
        *value = 1.0;
        return true;
    }
    /* errors and losses: as large as can be */
    if (starts(c, "loss") || starts(c, "rel_err") || strcmp(c, "err_abs") == 0 || starts(c, "test_err") ||
        strcmp(c, "t_err_abs") == 0) {
        *value = INFINITY;
        return true;
    }
    return false;
}

bool drv_claims_fails(drv_verdict v, bool inconclusive_ok)
{
    return v == DRV_CONTRADICTED || v == DRV_DEVIATION_GONE || (v == DRV_INCONCLUSIVE && !inconclusive_ok);
}

static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, len, f, ap);
    va_end(ap);
}

/* A short number for the table. */
static void num(char *buf, size_t len, double x)
{
    if (x == floor(x) && fabs(x) < 1e9)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%.4g", x);
}

/* The measured values of one group of runs. */
typedef struct values {
    size_t n;        /* runs in the group */
    size_t k;        /* values kept (v, x, row) */
    size_t missing;  /* runs without a value (they contradict the claim) */
    size_t excluded; /* runs left out by missing = exclude */
    double *v, *x;
    size_t *row;
    size_t first;    /* the group's first run (its prediction) */
    char why[256];   /* why the first missing run has no value */
} values;

/* What one group of runs gave under one bound. */
typedef struct outcome {
    drv_verdict v;
    char measured[512], predicted[256], note[512];
} outcome;

/* "bound value", and the tolerance when there is one: the predicted column. */
static void put_predicted(const drv_claimdef_bound *b, double value, char *predicted, size_t plen)
{
    char x[64], c[64], tt[96];
    num(x, sizeof x, value);
    fmt(predicted, plen, "%s %s", b->bound, x);
    if (b->tol > 0) {
        num(c, sizeof c, b->tol);
        fmt(tt, sizeof tt, "tol. %s%s", c, b->rel ? " rel." : "");
        drv_text_append(predicted, plen, tt);
    }
}

static double at(const drv_expr *e, const drv_csv *t, size_t row, char *err, size_t errlen)
{
    return drv_rowexpr_num(e, t, row, NULL, 0.0, err, errlen);
}

/* The measure of each run of a group under the claim's missing rule. */
static bool gather(const drv_claimdef *d, const drv_csv *t, const size_t *rows, size_t n, values *g)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    g->first = n ? rows[0] : 0;
    g->v = malloc((n ? n : 1) * sizeof *g->v);
    g->x = malloc((n ? n : 1) * sizeof *g->x);
    g->row = malloc((n ? n : 1) * sizeof *g->row);
    if (!g->v || !g->x || !g->row)
        return false;
    for (size_t i = 0; i < n; i++) {
        char e[256] = "";
        double m = d->missing == DRV_CLAIMDEF_WORST ? drv_rowexpr_num_worst(d->measure, t, rows[i], drv_claims_worst, e,
                                                                       sizeof e)
                                               : at(d->measure, t, rows[i], e, sizeof e);
        double x = d->against_e ? at(d->against_e, t, rows[i], e, sizeof e) : 0.0;
        /* worst values may be infinite on purpose; otherwise a value must be finite */
        bool have = d->missing == DRV_CLAIMDEF_WORST ? !isnan(m) : isfinite(m);
        if (have && drv_claimdef_agg(d, "slope") && !(isfinite(x) && x > 0)) {
            have = false;
            snprintf(e, sizeof e, "%s = %g is not a positive number", d->against, x);
        }
        if (!have) {
            if (d->missing == DRV_CLAIMDEF_EXCLUDE) {
                g->excluded++;
                continue;
            }
            if (!g->missing++)
                snprintf(g->why, sizeof g->why, "%s", e[0] ? e : "the measure is missing or not finite");
            continue;
        }
        g->v[g->k] = m;
        g->x[g->k] = x;
        g->row[g->k++] = rows[i];
    }
    return true;
}

static void values_free(values *g)
{
    free(g->v);
    free(g->x);
    free(g->row);
}

/* The group's prediction (from its first run) and its region. */
static bool region_at(const drv_claimdef_bound *b, const drv_csv *t, size_t row, double *p, drv_region *r)
{
    char e[128];
    *p = at(b->predicted, t, row, e, sizeof e);
    return isfinite(*p) && drv_region_make(b->bound, *p, b->tol, b->rel, r);
}

/* How far x lies outside r (negative inside): the signed deviation toward failing. */
static double outside_by(drv_region r, double x)
{
    if (isfinite(r.lo) && isfinite(r.hi))
        return fmax(r.lo - x, x - r.hi);
    return isfinite(r.lo) ? r.lo - x : x - r.hi;
}

/* aggregate = each: every run meets the bound against its own prediction;
 * the table shows the run that comes closest to failing, or fails worst. */
static void judge_each(const drv_claimdef_bound *b, const drv_csv *t, const values *g, outcome *o)
{
    double worst = -INFINITY, worst_m = NAN, worst_p = NAN;
    size_t fails = 0;
    for (size_t i = 0; i < g->k; i++) {
        double p;
        drv_region r;
        bool ok = region_at(b, t, g->row[i], &p, &r);
        double dev = ok ? outside_by(r, g->v[i]) : INFINITY;
        if (b->rel && ok && p != 0)
            dev /= fabs(p);
        fails += !(dev <= 0);
        if (dev > worst || isnan(dev)) {
            worst = dev;
            worst_m = g->v[i];
            worst_p = p;
        }
    }
    char a[64];
    num(a, sizeof a, worst_m);
    fmt(o->measured, sizeof o->measured, "worst of %zu runs: %s (%s %.2g)", g->k, a,
        b->rel ? "rel. beyond the bound" : "beyond the bound", worst);
    put_predicted(b, worst_p, o->predicted, sizeof o->predicted);
    o->v = fails ? DRV_CONTRADICTED : DRV_CONFIRMED;
    if (fails)
        fmt(o->note, sizeof o->note, "%zu of %zu runs outside the bound", fails, g->k);
}

/* aggregate = fraction: the share of runs where the measure holds; its 95%
 * Wilson interval decides. */
static void judge_fraction(const drv_claimdef_bound *b, const values *g, drv_region r, outcome *o)
{
    size_t yes = 0;
    for (size_t i = 0; i < g->k; i++)
        yes += g->v[i] != 0;
    double lo, hi, runs;
    o->v = drv_verdict_fraction(yes, g->k, r, &lo, &hi, &runs);
    fmt(o->measured, sizeof o->measured, "%zu/%zu = %.3f [%.3f, %.3f]", yes, g->k,
        g->k ? (double)yes / (double)g->k : NAN, lo, hi);
    if (o->v == DRV_INCONCLUSIVE)
        fmt(o->note, sizeof o->note, isinf(runs) ? "no number of runs decides at the observed fraction %.3f"
                                                 : "about %.0f runs would decide at the observed fraction",
            isinf(runs) ? (g->k ? (double)yes / (double)g->k : NAN) : runs);
    (void)b;
}

/* The slope's standard error that the medians' own noise would give: a
 * median of q runs has about pi/2 times the variance of their mean (var, the
 * runs' pooled spread in log), and least squares over the npt points at log
 * x = lx[p], with nx[p] runs each, turns that into
 * sqrt(Σ_p (lx_p − x̄)² var_p) / Sxx.  NaN without a spread or 3 points. */
static double noise_slope_se(const double *lx, const double *nx, size_t npt, double var)
{
    if (!(var >= 0) || npt < 3)
        return NAN;
    double xbar = 0, sxx = 0, num = 0;
    for (size_t p = 0; p < npt; p++)
        xbar += lx[p] / (double)npt;
    for (size_t p = 0; p < npt; p++) {
        sxx += (lx[p] - xbar) * (lx[p] - xbar);
        num += (lx[p] - xbar) * (lx[p] - xbar) * (2 * atan(1.0)) * var / nx[p]; /* 2 atan(1) = pi/2 */
    }
    return sxx > 0 ? sqrt(num) / sxx : NAN;
}

/* The worst medians (at bad_x[0..nb), listed in xs) all favour a one-sided
 * slope claim: each lies above every value reached, whose largest, vmax, is
 * a lower bound on it, and at an x beyond every finite one the least-squares
 * slope moves monotonically with it (up for the largest x, down for the
 * smallest).  So the fit lr with vmax in their place bounds the slope on the
 * claim's side: CONFIRMED when that bound clears the band, else
 * INCONCLUSIVE. */
static void judge_censored_slope(const drv_claimdef *d, mfd_linreg lr, const double *bad_x, size_t nb,
                                 const char *xs, double vmax, drv_region r, outcome *o)
{
    for (size_t b = 0; b < nb; b++)
        mfd_linreg_add(&lr, log(bad_x[b]), log(vmax));
    mfd_fit fb = mfd_linreg_fit(&lr);
    char c[64];
    num(c, sizeof c, fb.slope);
    bool low = isinf(r.hi); /* a lower-bound claim: the fit is a lower bound on the slope */
    double lo = fb.slope - 2 * fb.slope_se, hi = fb.slope + 2 * fb.slope_se;
    bool ok = fb.n >= 3 && !isnan(fb.slope_se) && (low ? lo >= r.lo : hi <= r.hi);
    o->v = ok ? DRV_CONFIRMED : DRV_INCONCLUSIVE;
    fmt(o->measured, sizeof o->measured, "slope %s ± %.2g (2 s.e.) with the worst medians at %s = %s taken as "
        "the largest value reached (%g): %s bound on the slope", c, 2 * fb.slope_se, d->against, xs, vmax,
        low ? "a lower" : "an upper");
    fmt(o->note, sizeof o->note, "half or more of the runs at %s = %s have no value (worst), on the side that "
        "favours the claim%s", d->against, xs, ok ? "" : "; the bound does not decide: a longer run would");
}

/* aggregate = slope: the medians of the measure at each distinct x, then the
 * least-squares slope of log(median) on log(x), decided by slope +- 2 s.e.
 * Under missing = worst the worst values (a threshold never reached: +inf)
 * enter the medians; a censored count is known to lie above every count that
 * was reached, so the median stays exact while fewer than half are censored.
 * A median that is itself worst contradicts the claim, unless it lies where
 * it favours the claim: at an x beyond every finite median's, the largest
 * for a lower bound on the slope, the smallest for an upper bound
 * (judge_censored_slope). */
static void judge_slope(const drv_claimdef *d, const values *g, drv_region r, outcome *o)
{
    mfd_linreg lr;
    mfd_linreg_reset(&lr);
    size_t nb = 0, npt = 0, cap = g->k ? g->k : 1;
    double *ys = malloc(cap * sizeof *ys), *bad_x = malloc(cap * sizeof *bad_x), *bad_m = malloc(cap * sizeof *bad_m);
    double *lx = malloc(cap * sizeof *lx), *nx = malloc(cap * sizeof *nx);
    bool *used = calloc(cap, sizeof *used);
    double fin_lo = INFINITY, fin_hi = -INFINITY; /* the x range of the finite medians */
    double within_ss = 0, within_df = 0, vmax = 0; /* the runs' spread about their x's mean; the largest value */
    for (size_t i = 0; ys && bad_x && bad_m && used && lx && nx && i < g->k; i++) {
        if (used[i])
            continue;
        size_t m = 0;
        for (size_t j = i; j < g->k; j++)
            if (!used[j] && g->x[j] == g->x[i]) {
                used[j] = true;
                ys[m++] = g->v[j];
            }
        double my = drv_stats_median(ys, m);
        if (!(my > 0 && isfinite(my))) {
            bad_x[nb] = g->x[i];
            bad_m[nb++] = my;
            continue;
        }
        mfd_linreg_add(&lr, log(g->x[i]), log(my));
        fin_lo = fmin(fin_lo, g->x[i]);
        fin_hi = fmax(fin_hi, g->x[i]);
        lx[npt] = log(g->x[i]);
        nx[npt++] = (double)m;
        size_t q = 0; /* the logs of the values here, in place: what repetitions would average away */
        for (size_t j = 0; j < m; j++)
            if (ys[j] > 0 && isfinite(ys[j]))
                ys[q++] = log(ys[j]);
        double mean;
        if (q > 1) {
            within_ss += drv_stats_sumsq(ys, q, &mean);
            within_df += (double)q - 1;
        }
    }
    for (size_t j = 0; j < g->k; j++)
        if (isfinite(g->v[j]) && g->v[j] > vmax)
            vmax = g->v[j];
    /* every bad median worst, on the side that favours the claim (and some finite ones to fit); the first
     * one that does not favour it is the one the verdict names */
    bool favoured = nb > 0 && npt > 0;
    size_t named = 0;
    for (size_t b = nb; b-- > 0;) {
        bool fav = bad_m[b] == INFINITY && ((isinf(r.hi) && !isinf(r.lo) && bad_x[b] > fin_hi) ||
                                            (isinf(r.lo) && !isinf(r.hi) && bad_x[b] < fin_lo));
        favoured = favoured && fav;
        named = fav ? named : b;
    }
    double bx = nb ? bad_x[named] : NAN, bm = nb ? bad_m[named] : NAN;
    double se_noise = noise_slope_se(lx, nx, npt, within_df > 0 ? within_ss / within_df : NAN);
    mfd_fit f = mfd_linreg_fit(&lr);
    char a[64], xs[160] = "";
    num(a, sizeof a, f.slope);
    for (size_t b = 0, l = 0; b < nb && l < sizeof xs; b++)
        l += (size_t)snprintf(xs + l, sizeof xs - l, "%s%g", b ? ", " : "", bad_x[b]);
    if (nb && favoured)
        judge_censored_slope(d, lr, bad_x, nb, xs, vmax, r, o);
    free(lx);
    free(nx);
    free(ys);
    free(used);
    free(bad_x);
    free(bad_m);
    if (nb && favoured)
        return;
    if (nb) {
        o->v = DRV_CONTRADICTED;
        fmt(o->measured, sizeof o->measured, "slope over %zu runs: the median at %s = %g is %g", g->k, d->against,
            bx, bm);
        fmt(o->note, sizeof o->note, isinf(bm) ? "half or more of the runs there have no value (worst)"
                                               : "a log-log slope needs positive medians");
        return;
    }
    if (f.n < 3 || isnan(f.slope_se)) {
        o->v = DRV_INCONCLUSIVE;
        fmt(o->measured, sizeof o->measured, "slope %s over %zu runs (%zu points)", a, g->k, f.n);
        fmt(o->note, sizeof o->note, "a slope needs three or more distinct values of %s for a standard error; got %zu",
            d->against, f.n);
        return;
    }
    double lo = f.slope - 2 * f.slope_se, hi = f.slope + 2 * f.slope_se;
    o->v = drv_verdict_interval(r, lo, hi);
    fmt(o->measured, sizeof o->measured, "slope %s ± %.2g (2 s.e.) over %zu runs, %zu points", a, 2 * f.slope_se, g->k,
        f.n);
    if (o->v != DRV_INCONCLUSIVE)
        return;
    /* The fit's s.e. has a part that repetitions shrink, the medians' noise (se_noise, from the runs' spread;
     * with no spread known, all of it), and a part they do not: the medians' distance from a straight line. */
    double noise = se_noise >= 0 ? se_noise : f.slope_se;
    double lack = se_noise >= 0 && f.slope_se > se_noise ? sqrt(f.slope_se * f.slope_se - se_noise * se_noise) : 0;
    double edge = drv_region_distance(r, f.slope);
    if (edge > 0 && 2 * lack >= edge) {
        /* the medians miss a straight line by more than their noise: repetitions shrink the noise, not that */
        fmt(o->note, sizeof o->note, "the medians lie off a power law by more than the runs' spread explains (slope "
            "s.e. %.2g, %.2g from the spread): more repetitions would not decide; the law bends over this range "
            "of %s", f.slope_se, se_noise, d->against);
        return;
    }
    double runs = drv_runs_to_decide_fixed(r, f.slope, 2 * noise, 2 * lack, g->k);
    fmt(o->note, sizeof o->note, isinf(runs) ? "the slope sits on an edge of the band"
                                             : "about %.0f runs at these values of %s would decide",
        runs, d->against);
}

/* median (order-statistic interval), mean (t interval), min, max, ratio. */
static void judge_value(const drv_claimdef *d, const values *g, drv_region r, outcome *o)
{
    const char *ag = d->aggregate;
    char a[64], l[64], h[64];
    double *s = malloc((g->k ? g->k : 1) * sizeof *s);
    if (!s) {
        o->v = DRV_INCONCLUSIVE;
        fmt(o->note, sizeof o->note, "out of memory");
        return;
    }
    memcpy(s, g->v, g->k * sizeof *s);
    drv_stats_sort(s, g->k);
    if (strcmp(ag, "median") == 0 || strcmp(ag, "mean") == 0) {
        double c, lo, hi, cov = 0.95;
        if (strcmp(ag, "median") == 0)
            drv_median_interval(s, g->k, &c, &lo, &hi, &cov);
        else
            drv_mean_interval(s, g->k, &c, &lo, &hi);
        num(a, sizeof a, c);
        num(l, sizeof l, lo);
        num(h, sizeof h, hi);
        fmt(o->measured, sizeof o->measured, "%s %s [%s, %s] over %zu runs", ag, a, l, h, g->k);
        o->v = isnan(lo) ? DRV_INCONCLUSIVE : drv_verdict_interval(r, lo, hi);
        if (cov < 0.95) {
            /* fewer than 6 runs: even [min, max] is not a 95% interval for the median, so it decides nothing
             * (two runs inside a band happen with probability 1/4 when the median lies just outside it) */
            o->v = DRV_INCONCLUSIVE;
            fmt(o->note, sizeof o->note,
                "with %zu runs the median's interval [min, max] covers %.1f%%; a 95%% interval needs 6 runs", g->k,
                100 * cov);
        } else if (o->v == DRV_INCONCLUSIVE) {
            double runs = isnan(lo) ? 2 : drv_runs_to_decide(r, c, 0.5 * (hi - lo), g->k);
            if (isinf(runs))
                fmt(o->note, sizeof o->note, "the %s sits on an edge of the band", ag);
            else
                fmt(o->note, sizeof o->note, "about %.0f runs would decide", runs);
        }
    } else {
        double lo = s[0], hi = s[g->k - 1];
        double m = strcmp(ag, "min") == 0 ? lo : strcmp(ag, "max") == 0 ? hi : hi / lo;
        num(a, sizeof a, m);
        fmt(o->measured, sizeof o->measured, "%s %s over %zu runs", strcmp(ag, "ratio") == 0 ? "max/min" : ag, a,
            g->k);
        if (strcmp(ag, "ratio") == 0 && !(lo > 0)) {
            o->v = DRV_CONTRADICTED;
            fmt(o->note, sizeof o->note, "a ratio over non-positive values (the smallest is %g)", lo);
        } else {
            o->v = drv_verdict_interval(r, m, m);
        }
    }
    free(s);
}

/* One group's values judged under bound b. */
static void judge(const drv_claimdef *d, const drv_claimdef_bound *b, const drv_csv *t, const values *g, outcome *o)
{
    memset(o, 0, sizeof *o);
    if (g->missing) {
        o->v = DRV_CONTRADICTED;
        fmt(o->measured, sizeof o->measured, "%zu of %zu runs have no value", g->missing, g->n);
        fmt(o->note, sizeof o->note, "%zu runs without a value (%s) count against the claim: say how they count "
            "with missing = worst or missing = exclude", g->missing, g->why);
        double p;
        drv_region r;
        if (region_at(b, t, g->first, &p, &r))
            put_predicted(b, p, o->predicted, sizeof o->predicted);
        return;
    }
    if (g->k == 0) {
        o->v = DRV_INCONCLUSIVE;
        fmt(o->measured, sizeof o->measured, "no value (%zu runs, %zu excluded)", g->n, g->excluded);
        return;
    }
    if (drv_claimdef_agg(d, "each")) {
        judge_each(b, t, g, o);
        return;
    }
    double p;
    drv_region r;
    if (!region_at(b, t, g->row[0], &p, &r)) {
        o->v = DRV_CONTRADICTED;
        fmt(o->measured, sizeof o->measured, "the prediction is not a finite number");
        return;
    }
    put_predicted(b, p, o->predicted, sizeof o->predicted);
    if (drv_claimdef_agg(d, "fraction"))
        judge_fraction(b, g, r, o);
    else if (drv_claimdef_agg(d, "slope"))
        judge_slope(d, g, r, o);
    else
        judge_value(d, g, r, o);
}

/* The worse of two verdicts of a claim's groups. */
static drv_verdict worse(drv_verdict a, drv_verdict b)
{
    static const int rank[] = {[DRV_CONFIRMED] = 0, [DRV_DEVIATION] = 1, [DRV_INCONCLUSIVE] = 2,
                               [DRV_DEVIATION_GONE] = 3, [DRV_CONTRADICTED] = 4};
    return rank[b] > rank[a] ? b : a;
}

/* Evaluate a defined claim on the runs of t: one measured item per group,
 * the first group's prediction, the notes, and the verdict. */
static bool eval_claim(const drv_experiment *s, const drv_experiment_section *c, const drv_claimdef *d, const drv_csv *t,
                       drv_claims_result *r, char *err, size_t errlen)
{
    size_t *rows = NULL, nr = 0;
    drv_select_group *g = NULL;
    size_t ng = 0;
    if (!drv_select_where(d->where, t, &rows, &nr) || !drv_select_groups(t, rows, nr, d->gcols, d->ng, &g, &ng)) {
        free(rows);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!drv_claimdef_check_pooling(s, c, d, t, rows, nr, err, errlen)) {
        drv_select_free(g, ng);
        free(rows);
        return false;
    }
    r->verdict = nr ? DRV_CONFIRMED : DRV_INCONCLUSIVE;
    if (d->deviation && nr)
        r->verdict = DRV_DEVIATION;
    if (nr == 0)
        snprintf(r->note, sizeof r->note, "no run matched (collect the runs first)");
    size_t excluded = 0;
    for (size_t i = 0; i < ng; i++) {
        values vals;
        outcome th, ex;
        char label[256], item[1024];
        if (!gather(d, t, g[i].rows, g[i].n, &vals)) {
            values_free(&vals);
            snprintf(err, errlen, "out of memory");
            drv_select_free(g, ng);
            free(rows);
            return false;
        }
        excluded += vals.excluded;
        judge(d, &d->theory, t, &vals, &th);
        drv_verdict v = th.v;
        if (d->deviation) {
            judge(d, &d->expected, t, &vals, &ex);
            v = drv_verdict_deviation(th.v, ex.v);
        }
        values_free(&vals);
        r->verdict = worse(r->verdict, v);
        drv_select_label(t, g[i].rows[0], d->gcols, d->ng, ",", label, sizeof label);
        if (d->ng)
            snprintf(item, sizeof item, "%s: %s (%s)", label, th.measured, drv_verdict_name(v));
        else
            snprintf(item, sizeof item, "%s", th.measured);
        drv_text_append(r->measured, sizeof r->measured, item);
        if (!r->predicted[0])
            snprintf(r->predicted, sizeof r->predicted, "%s", th.predicted);
        if (th.note[0])
            drv_text_append(r->note, sizeof r->note, th.note);
        if (d->deviation) {
            snprintf(item, sizeof item, "measured instead: %s %s", ex.predicted, drv_verdict_name(ex.v));
            drv_text_append(r->note, sizeof r->note, item);
        }
    }
    drv_select_free(g, ng);
    free(rows);
    if (excluded) {
        char why[600];
        snprintf(why, sizeof why, "%zu runs without a value excluded: %s", excluded, d->missing_reason);
        drv_text_append(r->note, sizeof r->note, why);
    }
    if (d->pool) {
        char why[600];
        snprintf(why, sizeof why, "pooled: %s", d->pool);
        drv_text_append(r->note, sizeof r->note, why);
    }
    if (d->deviation) {
        char why[600];
        snprintf(why, sizeof why, "expected deviation: %s", d->deviation);
        drv_text_append(r->note, sizeof r->note, why);
    }
    return true;
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
        drv_claimdef d;
        if (!drv_claimdef_define(s, c, t, &d, err, errlen)) {
            free(res);
            return false;
        }
        const char *v;
        drv_experiment_label(s, r->experiment, sizeof r->experiment);
        snprintf(r->name, sizeof r->name, "%s", c->name);
        snprintf(r->id, sizeof r->id, "%s", (v = drv_experiment_get(c, "id", NULL)) ? v : "");
        snprintf(r->source, sizeof r->source, "%s", (v = drv_experiment_get(c, "source", NULL)) ? v : "");
        snprintf(r->statement, sizeof r->statement, "%s", (v = drv_experiment_get(c, "statement", NULL)) ? v : "");
        snprintf(r->hypotheses, sizeof r->hypotheses, "%s", d.hypotheses ? d.hypotheses : "met");
        r->kind = d.kind;
        bool ok = eval_claim(s, c, &d, t, r, err, errlen);
        drv_claimdef_free(&d);
        if (!ok) {
            free(res);
            return false;
        }
    }
    *out = res;
    *n = s->nclaims;
    return true;
}

bool drv_claims_check_plan(const drv_experiment *s, const drv_csv *params, char *err, size_t errlen)
{
    for (size_t ci = 0; ci < s->nclaims; ci++) {
        const drv_experiment_section *c = &s->claims[ci];
        drv_claimdef d;
        if (!drv_claimdef_words(s, c, &d, err, errlen))
            return false;
        if (!(drv_claimdef_agg(&d, "slope") || drv_claimdef_agg(&d, "ratio") || drv_claimdef_agg(&d, "fraction")) ||
            d.pool)
            continue;
        /* pooling, when where, against and group_by read only parameters */
        char e[512], bad[256];
        if (!drv_rowexpr_compile(s, c, "claim", "where", false, params, NULL, &d.where, e, sizeof e) ||
            !drv_rowexpr_compile(s, c, "claim", "against", false, params, NULL, &d.against_e, e, sizeof e) ||
            !drv_select_columns(params, d.group_by, d.gcols, &d.ng, bad, sizeof bad)) {
            drv_claimdef_free(&d);
            continue; /* it reads summary columns: checked with the runs */
        }
        size_t *rows = NULL, nr = 0;
        bool ok = drv_select_where(d.where, params, &rows, &nr);
        ok = ok && drv_claimdef_check_pooling(s, c, &d, params, rows, nr, err, errlen);
        free(rows);
        drv_claimdef_free(&d);
        if (!ok)
            return false;
    }
    return true;
}
