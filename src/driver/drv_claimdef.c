/* drv_claimdef.c — a claim section read, checked and compiled. */
#define _POSIX_C_SOURCE 200809L
#include "drv_claimdef.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "drv_rowexpr.h"

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

void drv_claimdef_free(drv_claimdef *d)
{
    drv_expr_free(d->where);
    drv_expr_free(d->measure);
    drv_expr_free(d->theory.predicted);
    drv_expr_free(d->expected.predicted);
    drv_expr_free(d->against_e);
}

/* Is word one of list[n]? */
static bool one_of(const char *word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, list[i]) == 0)
            return true;
    return false;
}

static bool definition_error(const drv_experiment *s, const drv_experiment_section *c, const char *key, char *err,
                             size_t errlen, const char *f, ...) __attribute__((format(printf, 6, 7)));
static bool definition_error(const drv_experiment *s, const drv_experiment_section *c, const char *key, char *err,
                             size_t errlen, const char *f, ...)
{
    int line = c->line;
    if (key)
        drv_experiment_get(c, key, &line);
    char msg[768];
    va_list ap;
    va_start(ap, f);
    vsnprintf(msg, sizeof msg, f, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: [claim %s] %s", s->path, line, c->name, msg);
    return false;
}

/* A bound's words: <prefix>bound, <prefix>tolerance, <prefix>relative. */
static bool define_boundspec(const drv_experiment *s, const drv_experiment_section *c, const char *prefix,
                             drv_claimdef_bound *b, char *err, size_t errlen)
{
    static const char *const bounds[] = {"<=", ">=", "within"};
    char kb[64], kt[64], kr[64];
    snprintf(kb, sizeof kb, "%sbound", prefix);
    snprintf(kt, sizeof kt, "%stolerance", prefix);
    snprintf(kr, sizeof kr, "%srelative", prefix);
    b->bound = drv_experiment_get(c, kb, NULL);
    if (b->bound && strcmp(b->bound, "contains") == 0)
        return definition_error(s, c, kb, err, errlen,
                                "%s 'contains' is gone: a fraction is decided by its whole 95%% interval; write %s = "
                                "within with %s = the half-width of the band the data must lie in",
                                kb, kb, kt);
    if (!b->bound || !one_of(b->bound, bounds, 3))
        return definition_error(s, c, b->bound ? kb : NULL, err, errlen, "%s '%s' is not one of <=, >=, within", kb,
                                b->bound ? b->bound : "(missing)");
    const char *tol = drv_experiment_get(c, kt, NULL), *rel = drv_experiment_get(c, kr, NULL);
    b->tol = 0;
    if (tol) {
        char *end;
        b->tol = strtod(tol, &end);
        if (!*tol || *end || !(b->tol >= 0))
            return definition_error(s, c, kt, err, errlen, "%s '%s' is not a number >= 0", kt, tol);
    }
    b->rel = rel && (strcmp(rel, "yes") == 0 || strcmp(rel, "1") == 0 || strcmp(rel, "true") == 0);
    return true;
}

/* kind, hypotheses, aggregate, missing, and the bounds. */
static bool define_words(const drv_experiment *s, const drv_experiment_section *c, drv_claimdef *d, char *err,
                         size_t errlen)
{
    static const char *const aggs[] = {"each", "median", "mean", "min", "max", "fraction", "ratio", "slope"};
    const char *kind = drv_experiment_get(c, "kind", NULL);
    if (!kind)
        return definition_error(s, c, NULL, err, errlen,
                                "has no 'kind': add kind = law (a theorem's or paper's prediction), identity (true by "
                                "construction when the code is right) or sanity");
    if (!drv_claims_kind_parse(kind, &d->kind))
        return definition_error(s, c, "kind", err, errlen, "kind '%s' is not one of law, identity, sanity", kind);
    d->hypotheses = drv_experiment_get(c, "hypotheses", NULL);
    if (d->hypotheses && strcmp(d->hypotheses, "met") != 0 &&
        !(starts(d->hypotheses, "outside:") && d->hypotheses[strspn(d->hypotheses + 8, " ") + 8]))
        return definition_error(s, c, "hypotheses", err, errlen,
                                "hypotheses '%s' is not 'met' or 'outside: <the hypothesis the runs do not meet>'",
                                d->hypotheses);
    d->aggregate = drv_experiment_get(c, "aggregate", NULL);
    if (!d->aggregate)
        d->aggregate = "each";
    if (!one_of(d->aggregate, aggs, sizeof aggs / sizeof *aggs))
        return definition_error(s, c, "aggregate", err, errlen,
                                "aggregate '%s' is not one of each, median, mean, min, max, fraction, ratio, slope",
                                d->aggregate);
    const char *missing = drv_experiment_get(c, "missing", NULL);
    d->missing_reason = drv_experiment_get(c, "missing_reason", NULL);
    if (!missing)
        d->missing = DRV_CLAIMDEF_CONTRADICTS;
    else if (strcmp(missing, "worst") == 0)
        d->missing = DRV_CLAIMDEF_WORST;
    else if (strcmp(missing, "exclude") == 0)
        d->missing = DRV_CLAIMDEF_EXCLUDE;
    else
        return definition_error(s, c, "missing", err, errlen, "missing '%s' is not one of worst, exclude", missing);
    if (d->missing == DRV_CLAIMDEF_EXCLUDE && !d->missing_reason)
        return definition_error(s, c, "missing", err, errlen,
                                "missing = exclude needs missing_reason = <why runs without a value may be left out>");
    if (d->missing == DRV_CLAIMDEF_WORST && drv_claimdef_agg(d, "fraction"))
        return definition_error(s, c, "missing", err, errlen,
                                "missing = worst is not defined for aggregate = %s (write the condition so that a "
                                "missing value makes it false, or use missing = exclude)",
                                d->aggregate);
    if (!define_boundspec(s, c, "", &d->theory, err, errlen))
        return false;
    d->deviation = drv_experiment_get(c, "deviation", NULL);
    if (d->deviation) {
        if (!drv_experiment_get(c, "expected", NULL))
            return definition_error(s, c, "deviation", err, errlen,
                                    "a deviation states, as a bound that can fail, what is measured instead: add "
                                    "expected, expected_bound and expected_tolerance");
        if (!define_boundspec(s, c, "expected_", &d->expected, err, errlen))
            return false;
    }
    return true;
}

static bool compile(const drv_experiment *s, const drv_experiment_section *c, const char *key, bool required,
                    drv_expr **out, const drv_csv *t, char *err, size_t errlen)
{
    return drv_rowexpr_compile(s, c, "claim", key, required, t, NULL, out, err, errlen);
}

/* The names an expression reads, as a ' '-framed list (" a b "). */
static void collect_name(void *ctx, const char *name)
{
    char *list = ctx;
    size_t l = strlen(list);
    snprintf(list + l, 512 - l, "%s ", name);
}

static bool reads(const char *list, const char *name)
{
    char pat[160];
    snprintf(pat, sizeof pat, " %s ", name);
    return strstr(list, pat) != NULL;
}

/* A run's place for the pooling check: its group and x, as text. */
typedef struct place {
    char *key;
    size_t row;
} place;

static int cmp_place(const void *a, const void *b)
{
    int c = strcmp(((const place *)a)->key, ((const place *)b)->key);
    return c ? c : (((const place *)a)->row > ((const place *)b)->row) - (((const place *)a)->row < ((const place *)b)->row);
}

/* Does the swept key at column col differ between two runs of one place?
 * Sets *i, *j to such a pair. */
static bool differs(const drv_csv *t, const place *pl, size_t n, long col, size_t *i, size_t *j)
{
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && strcmp(pl[a].key, pl[b].key) == 0; b++)
            if (strcmp(drv_csv_cell(t, pl[a].row, (size_t)col), drv_csv_cell(t, pl[b].row, (size_t)col)) != 0) {
                *i = pl[a].row;
                *j = pl[b].row;
                return true;
            }
    }
    return false;
}

static bool is_observing(const drv_experiment *s, const char *key)
{
    for (size_t o = 0; o < s->nobserving; o++)
        if (strcmp(s->observing[o], key) == 0)
            return true;
    return false;
}

/* A slope, ratio or fraction may not pool runs that differ in a swept key
 * other than its x (`against`), its group_by keys and the program's
 * observing keys, unless `pool` says why: two runs of one group with the
 * same x that differ in such a key are an error naming it. */
bool drv_claimdef_check_pooling(const drv_experiment *s, const drv_experiment_section *c, const drv_claimdef *d,
                          const drv_csv *t, const size_t *rows, size_t nr, char *err, size_t errlen)
{
    if (d->pool || !(drv_claimdef_agg(d, "slope") || drv_claimdef_agg(d, "ratio") || drv_claimdef_agg(d, "fraction")))
        return true;
    char xs[512] = " ";
    if (d->against_e)
        drv_expr_names(d->against_e, collect_name, xs);
    place *pl = calloc(nr ? nr : 1, sizeof *pl);
    bool ok = pl != NULL, oom;
    for (size_t i = 0; ok && i < nr; i++) {
        char key[640], e[64];
        drv_select_label(t, rows[i], d->gcols, d->ng, "\x1f", key, sizeof key);
        if (d->against_e) {
            size_t l = strlen(key);
            snprintf(key + l, sizeof key - l, "\x1e%.17g", drv_rowexpr_num(d->against_e, t, rows[i], NULL, 0.0, e, sizeof e));
        }
        pl[i].row = rows[i];
        ok = (pl[i].key = strdup(key)) != NULL;
    }
    oom = !ok;
    if (ok)
        qsort(pl, nr, sizeof *pl, cmp_place);
    for (size_t a = 0; ok && a < s->naxes; a++) {
        const char *key = s->axes[a].key;
        long col = drv_csv_col(t, key);
        bool grouped = false;
        for (size_t g = 0; g < d->ng; g++)
            grouped = grouped || d->gcols[g] == col;
        size_t i, j;
        if (col < 0 || grouped || reads(xs, key) || s->axes[a].n < 2 || is_observing(s, key) ||
            !differs(t, pl, nr, col, &i, &j))
            continue;
        ok = definition_error(s, c, NULL, err, errlen,
                              "pools runs that differ in '%s' (%s and %s%s%s): add group_by = %s (one verdict per "
                              "value), or pool = <why pooling them is sound>",
                              key, drv_csv_cell(t, i, (size_t)col), drv_csv_cell(t, j, (size_t)col),
                              d->against_e ? " at the same " : "", d->against_e ? d->against : "", key);
    }
    for (size_t i = 0; pl && i < nr; i++)
        free(pl[i].key);
    free(pl);
    if (oom)
        snprintf(err, errlen, "out of memory");
    return ok;
}

bool drv_claimdef_words(const drv_experiment *s, const drv_experiment_section *c, drv_claimdef *d, char *err,
                        size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->name = c->name;
    if (!define_words(s, c, d, err, errlen))
        return false;
    d->group_by = drv_experiment_get(c, "group_by", NULL);
    d->against = drv_experiment_get(c, "against", NULL);
    d->pool = drv_experiment_get(c, "pool", NULL);
    if (d->against && !(drv_claimdef_agg(d, "slope") || drv_claimdef_agg(d, "ratio")))
        return definition_error(s, c, "against", err, errlen,
                                "against is the x of a slope or the axis of a ratio, not of aggregate = %s",
                                d->aggregate);
    return true;
}

bool drv_claimdef_define(const drv_experiment *s, const drv_experiment_section *c, const drv_csv *t, drv_claimdef *d,
                         char *err, size_t errlen)
{
    if (!drv_claimdef_words(s, c, d, err, errlen))
        return false;
    if (!compile(s, c, "where", false, &d->where, t, err, errlen) ||
        !compile(s, c, "measure", true, &d->measure, t, err, errlen) ||
        !compile(s, c, "predicted", true, &d->theory.predicted, t, err, errlen) ||
        !compile(s, c, "expected", d->deviation != NULL, &d->expected.predicted, t, err, errlen) ||
        !compile(s, c, "against", drv_claimdef_agg(d, "slope"), &d->against_e, t, err, errlen)) {
        drv_claimdef_free(d);
        return false;
    }
    char bad[256];
    if (!drv_select_columns(t, d->group_by, d->gcols, &d->ng, bad, sizeof bad)) {
        definition_error(s, c, "group_by", err, errlen, "group_by '%s' is not a run parameter", bad);
        drv_claimdef_free(d);
        return false;
    }
    return true;
}
