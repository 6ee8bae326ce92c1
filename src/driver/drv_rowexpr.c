#include "drv_rowexpr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rowctx {
    const drv_csv *t;
    size_t row;
    const char *bound;
    double value;
    drv_rowexpr_worst worst;
} rowctx;

static bool lookup(void *ctx, const char *name, drv_expr_value *out)
{
    rowctx *c = ctx;
    if (c->bound && strcmp(name, c->bound) == 0) {
        out->is_str = false;
        out->num = c->value;
        return true;
    }
    long col = drv_csv_col(c->t, name);
    if (col < 0)
        return false;
    const char *v = drv_csv_cell(c->t, c->row, (size_t)col);
    char *end;
    double x = strtod(v, &end), w;
    if (c->worst && (!*v || (*end == '\0' && isnan(x))) && c->worst(name, &w)) {
        out->is_str = false;
        out->num = w;
    } else if (*v && *end == '\0') {
        out->is_str = false;
        out->num = x;
    } else {
        out->is_str = true;
        out->str = v;
    }
    return true;
}

typedef struct namecheck {
    const drv_csv *t;
    const char *bound;
    char missing[128];
} namecheck;

static void check_name(void *ctx, const char *name)
{
    namecheck *c = ctx;
    if (!c->missing[0] && drv_csv_col(c->t, name) < 0 && !(c->bound && strcmp(name, c->bound) == 0))
        snprintf(c->missing, sizeof c->missing, "%s", name);
}

bool drv_rowexpr_compile(const drv_experiment *s, const drv_experiment_section *c, const char *kind, const char *key,
                         bool required, const drv_csv *t, const char *bound, drv_expr **out, char *err, size_t errlen)
{
    int line;
    const char *text = drv_experiment_get(c, key, &line);
    *out = NULL;
    if (!text) {
        if (required)
            snprintf(err, errlen, "%s:%d: [%s %s] has no '%s'", s->path, c->line, kind, c->name, key);
        return !required;
    }
    char e2[512];
    *out = drv_expr_compile(text, e2, sizeof e2);
    if (!*out) {
        snprintf(err, errlen, "%s:%d: [%s %s] key '%s': %s", s->path, line, kind, c->name, key, e2);
        return false;
    }
    namecheck nc = {t, bound, ""};
    drv_expr_names(*out, check_name, &nc);
    if (nc.missing[0]) {
        snprintf(err, errlen,
                 "%s:%d: [%s %s] key '%s': '%s' is neither a run parameter nor a summary column of this "
                 "experiment",
                 s->path, line, kind, c->name, key, nc.missing);
        drv_expr_free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

static double eval_num(const drv_expr *e, rowctx *rc, char *err, size_t errlen)
{
    drv_expr_value v;
    if (!drv_expr_eval(e, lookup, rc, &v, err, errlen))
        return NAN;
    if (v.is_str) {
        snprintf(err, errlen, "the expression gives the text \"%s\", not a number", v.str);
        return NAN;
    }
    return v.num;
}

double drv_rowexpr_num_worst(const drv_expr *e, const drv_csv *t, size_t row, drv_rowexpr_worst worst, char *err,
                             size_t errlen)
{
    rowctx rc = {t, row, NULL, 0.0, worst};
    return eval_num(e, &rc, err, errlen);
}

double drv_rowexpr_num(const drv_expr *e, const drv_csv *t, size_t row, const char *bound, double value, char *err,
                       size_t errlen)
{
    rowctx rc = {t, row, bound, value, NULL};
    return eval_num(e, &rc, err, errlen);
}
