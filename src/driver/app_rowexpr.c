#include "app_rowexpr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rowctx {
    const app_csv *t;
    size_t row;
    const char *bound;
    double value;
} rowctx;

static bool lookup(void *ctx, const char *name, app_value *out)
{
    rowctx *c = ctx;
    if (c->bound && strcmp(name, c->bound) == 0) {
        out->is_str = false;
        out->num = c->value;
        return true;
    }
    long col = app_csv_col(c->t, name);
    if (col < 0)
        return false;
    const char *v = app_csv_cell(c->t, c->row, (size_t)col);
    char *end;
    double x = strtod(v, &end);
    if (*v && *end == '\0') {
        out->is_str = false;
        out->num = x;
    } else {
        out->is_str = true;
        out->str = v;
    }
    return true;
}

typedef struct namecheck {
    const app_csv *t;
    const char *bound;
    char missing[128];
} namecheck;

static void check_name(void *ctx, const char *name)
{
    namecheck *c = ctx;
    if (!c->missing[0] && app_csv_col(c->t, name) < 0 && !(c->bound && strcmp(name, c->bound) == 0))
        snprintf(c->missing, sizeof c->missing, "%s", name);
}

bool app_rowexpr_compile(const spec *s, const spec_section *c, const char *kind, const char *key, bool required,
                         const app_csv *t, const char *bound, app_expr **out, char *err, size_t errlen)
{
    int line;
    const char *text = spec_section_get(c, key, &line);
    *out = NULL;
    if (!text) {
        if (required)
            snprintf(err, errlen, "%s:%d: [%s %s] has no '%s'", s->path, c->line, kind, c->name, key);
        return !required;
    }
    char e2[512];
    *out = app_expr_compile(text, e2, sizeof e2);
    if (!*out) {
        snprintf(err, errlen, "%s:%d: [%s %s] key '%s': %s", s->path, line, kind, c->name, key, e2);
        return false;
    }
    namecheck nc = {t, bound, ""};
    app_expr_names(*out, check_name, &nc);
    if (nc.missing[0]) {
        snprintf(err, errlen,
                 "%s:%d: [%s %s] key '%s': '%s' is neither a run parameter nor a summary column of this "
                 "experiment",
                 s->path, line, kind, c->name, key, nc.missing);
        app_expr_free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

double app_rowexpr_num(const app_expr *e, const app_csv *t, size_t row, const char *bound, double value, char *err,
                       size_t errlen)
{
    rowctx rc = {t, row, bound, value};
    app_value v;
    if (!app_expr_eval(e, lookup, &rc, &v, err, errlen))
        return NAN;
    if (v.is_str) {
        snprintf(err, errlen, "the expression gives the text \"%s\", not a number", v.str);
        return NAN;
    }
    return v.num;
}
