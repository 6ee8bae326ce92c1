#include "mfd_param.h"
#include "mfd_fmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *field_ptr(const mfd_param_spec *s, void *params) { return (char *)params + s->offset; }
static const void *cfield_ptr(const mfd_param_spec *s, const void *params)
{
    return (const char *)params + s->offset;
}

const mfd_param_spec *mfd_param_find(mfd_param_table t, const char *key)
{
    for (size_t i = 0; i < t.n; i++)
        if (strcmp(t.spec[i].key, key) == 0)
            return &t.spec[i];
    return NULL;
}

static void range_text(const mfd_param_spec *s, char *buf, size_t len)
{
    int has_min = isfinite(s->min), has_max = isfinite(s->max);
    const char *lo = (s->flags & MFD_P_MIN_OPEN) ? ">" : ">=";
    const char *hi = (s->flags & MFD_P_MAX_OPEN) ? "<" : "<=";
    if (has_min && has_max)
        snprintf(buf, len, " in %s%.17g, %.17g%s", (s->flags & MFD_P_MIN_OPEN) ? "(" : "[", s->min, s->max,
                 (s->flags & MFD_P_MAX_OPEN) ? ")" : "]");
    else if (has_min)
        snprintf(buf, len, " %s %.17g", lo, s->min);
    else if (has_max)
        snprintf(buf, len, " %s %.17g", hi, s->max);
    else
        buf[0] = '\0';
}

void mfd_param_expected(const mfd_param_spec *s, char *buf, size_t len)
{
    char r[96];
    range_text(s, r, sizeof r);
    switch (s->type) {
    case MFD_P_INT: snprintf(buf, len, "an integer%s", r); break;
    case MFD_P_SEED: snprintf(buf, len, "an unsigned 64-bit integer"); break;
    case MFD_P_REAL: snprintf(buf, len, "a real number%s%s", r, (s->flags & MFD_P_INF_OK) ? " or inf" : ""); break;
    case MFD_P_STR: snprintf(buf, len, "a non-empty text"); break;
    case MFD_P_CHOICE: snprintf(buf, len, "one of %s", s->choices); break;
    case MFD_P_BOOL: snprintf(buf, len, "0 or 1"); break;
    case MFD_P_LIST:
        snprintf(buf, len, "a comma-separated list of %s%s", (s->flags & MFD_P_INTEGERS) ? "integers" : "reals",
                 r);
        break;
    }
}

static int in_range(const mfd_param_spec *s, double v)
{
    if (s->flags & MFD_P_MIN_OPEN ? !(v > s->min) : !(v >= s->min))
        return 0;
    if (s->flags & MFD_P_MAX_OPEN ? !(v < s->max) : !(v <= s->max))
        return 0;
    return 1;
}

/* A finite double from the whole of text; 0 if text is not one. */
static int parse_double(const char *text, double *v)
{
    if (!*text)
        return 0;
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (*end != '\0' || end == text || !isfinite(x) || errno == ERANGE)
        return 0;
    *v = x;
    return 1;
}

/* An integer written as 42, -3 or 1e6 (exactly integral, |v| <= 2^53). */
static int parse_integer(const char *text, double *v)
{
    double x;
    if (!parse_double(text, &x) || x != floor(x) || fabs(x) > 9007199254740992.0)
        return 0;
    *v = x;
    return 1;
}

static int choice_index(const char *choices, const char *value)
{
    size_t vl = strlen(value);
    int idx = 0;
    for (const char *p = choices;; idx++) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == vl && strncmp(p, value, vl) == 0)
            return idx;
        if (!bar)
            return -1;
        p = bar + 1;
    }
}

void mfd_param_choice_name(const mfd_param_spec *s, int index, char *buf, size_t len)
{
    const char *p = index >= 0 ? s->choices : NULL;
    for (int i = 0; i < index && p; i++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p || len == 0) {
        if (len)
            buf[0] = '\0';
        return;
    }
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l >= len)
        l = len - 1;
    memcpy(buf, p, l);
    buf[l] = '\0';
}

static const mfd_param_spec *find_choice(mfd_param_table t, const char *key)
{
    const mfd_param_spec *s = mfd_param_find(t, key);
    return s && s->type == MFD_P_CHOICE ? s : NULL;
}

mfd_status mfd_param_word_value(mfd_param_table t, const void *params, const char *key, const mfd_param_word *words,
                                size_t n, int *value, char *err, size_t errlen)
{
    const mfd_param_spec *s = find_choice(t, key);
    if (!s) {
        mfd_errf(err, errlen, "key '%s' is not a choice", key);
        return MFD_EINVAL;
    }
    char name[64];
    mfd_param_choice_name(s, *(const int *)cfield_ptr(s, params), name, sizeof name);
    for (size_t i = 0; i < n; i++)
        if (strcmp(words[i].name, name) == 0) {
            *value = words[i].value;
            return MFD_OK;
        }
    mfd_errf(err, errlen, "key '%s': the word '%s' has no value", key, name);
    return MFD_EINVAL;
}

mfd_status mfd_param_word_store(mfd_param_table t, void *params, const char *key, const mfd_param_word *words,
                                size_t n, int value)
{
    const mfd_param_spec *s = find_choice(t, key);
    if (!s)
        return MFD_EINVAL;
    int idx = -1;
    for (size_t i = 0; i < n && idx < 0; i++)
        if (words[i].value == value)
            idx = choice_index(s->choices, words[i].name);
    *(int *)field_ptr(s, params) = idx;
    return MFD_OK;
}

static mfd_status bad_value(const mfd_param_spec *s, const char *value, const char *why, char *err, size_t errlen)
{
    char exp[160];
    mfd_param_expected(s, exp, sizeof exp);
    if (!*value)
        mfd_errf(err, errlen, "key '%s': empty value; expected %s", s->key, exp);
    else
        mfd_errf(err, errlen, "key '%s': '%s' %s; expected %s", s->key, value, why, exp);
    return MFD_EINVAL;
}

static mfd_status parse_list(const mfd_param_spec *s, const char *value, mfd_list *out, char *err, size_t errlen)
{
    size_t cap = 1;
    for (const char *p = value; *p; p++)
        cap += *p == ',';
    double *v = malloc(cap * sizeof(double));
    if (!v)
        return MFD_ENOMEM;
    size_t n = 0;
    const char *p = value;
    char item[128];
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        if (l == 0 || l >= sizeof item) {
            free(v);
            return bad_value(s, value, l == 0 ? "has an empty entry" : "has an entry too long", err, errlen);
        }
        memcpy(item, p, l);
        item[l] = '\0';
        double x;
        int ok = (s->flags & MFD_P_INTEGERS) ? parse_integer(item, &x) : parse_double(item, &x);
        if (!ok || !in_range(s, x)) {
            free(v);
            char why[192];
            snprintf(why, sizeof why, "has the entry '%s', which is %s", item,
                     ok ? "out of range" : ((s->flags & MFD_P_INTEGERS) ? "not an integer" : "not a number"));
            return bad_value(s, value, why, err, errlen);
        }
        v[n++] = x;
        if (!comma)
            break;
        p = comma + 1;
    }
    free(out->v);
    out->v = v;
    out->n = n;
    return MFD_OK;
}

static mfd_status store(const mfd_param_spec *s, void *params, const char *value, char *err, size_t errlen)
{
    void *f = field_ptr(s, params);
    double x;
    switch (s->type) {
    case MFD_P_INT:
        if (!parse_integer(value, &x))
            return bad_value(s, value, "is not an integer", err, errlen);
        if (!in_range(s, x))
            return bad_value(s, value, "is out of range", err, errlen);
        *(long *)f = (long)x;
        return MFD_OK;
    case MFD_P_SEED: {
        char *end;
        errno = 0;
        if (!*value || *value == '-' || *value == '+')
            return bad_value(s, value, "is not an unsigned integer", err, errlen);
        unsigned long long u = strtoull(value, &end, 10);
        if (*end != '\0' || errno == ERANGE)
            return bad_value(s, value, "is not an unsigned integer", err, errlen);
        *(uint64_t *)f = (uint64_t)u;
        return MFD_OK;
    }
    case MFD_P_REAL:
        if ((s->flags & MFD_P_INF_OK) && (strcmp(value, "inf") == 0 || strcmp(value, "+inf") == 0)) {
            *(double *)f = INFINITY;
            return MFD_OK;
        }
        if (!parse_double(value, &x))
            return bad_value(s, value, "is not a finite number", err, errlen);
        if (!in_range(s, x))
            return bad_value(s, value, "is out of range", err, errlen);
        *(double *)f = x;
        return MFD_OK;
    case MFD_P_STR:
        if (!*value)
            return bad_value(s, value, "", err, errlen);
        *(const char **)f = value;
        return MFD_OK;
    case MFD_P_CHOICE: {
        int idx = choice_index(s->choices, value);
        if (idx < 0) {
            mfd_errf(err, errlen, "key '%s': '%s' is not one of %s", s->key, value, s->choices);
            return MFD_EINVAL;
        }
        *(int *)f = idx;
        return MFD_OK;
    }
    case MFD_P_BOOL:
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
            return bad_value(s, value, "is not a boolean", err, errlen);
        *(int *)f = value[0] == '1';
        return MFD_OK;
    case MFD_P_LIST:
        return parse_list(s, value, (mfd_list *)f, err, errlen);
    }
    return MFD_EINVAL;
}

mfd_status mfd_param_defaults(mfd_param_table t, void *params, char *err, size_t errlen)
{
    for (size_t i = 0; i < t.n; i++) {
        const mfd_param_spec *s = &t.spec[i];
        void *f = field_ptr(s, params);
        switch (s->type) {
        case MFD_P_INT: *(long *)f = 0; break;
        case MFD_P_SEED: *(uint64_t *)f = 0; break;
        case MFD_P_REAL: *(double *)f = 0.0; break;
        case MFD_P_STR: *(const char **)f = NULL; break;
        case MFD_P_CHOICE:
        case MFD_P_BOOL: *(int *)f = 0; break;
        case MFD_P_LIST: ((mfd_list *)f)->n = 0; ((mfd_list *)f)->v = NULL; break;
        }
        if (s->def && *s->def) {
            mfd_status st = store(s, params, s->def, err, errlen);
            if (st != MFD_OK)
                return st;
        }
    }
    return MFD_OK;
}

mfd_status mfd_param_set(mfd_param_table t, void *params, const char *key, const char *value, char *err,
                         size_t errlen)
{
    const mfd_param_spec *s = mfd_param_find(t, key);
    if (!s) {
        mfd_errf(err, errlen, "unknown key '%s'", key);
        return MFD_EINVAL;
    }
    return store(s, params, value, err, errlen);
}

mfd_status mfd_param_parse_args(mfd_param_table t, void *params, int argc, char **argv, bool *given, char *err,
                                size_t errlen)
{
    if (given)
        for (size_t i = 0; i < t.n; i++)
            given[i] = false;
    for (int a = 0; a < argc; a++) {
        const char *eq = strchr(argv[a], '=');
        if (!eq || eq == argv[a]) {
            mfd_errf(err, errlen, "argument '%s' is not of the form key=value", argv[a]);
            return MFD_EINVAL;
        }
        char key[64];
        size_t kl = (size_t)(eq - argv[a]);
        if (kl >= sizeof key) {
            mfd_errf(err, errlen, "unknown key '%.*s'", (int)kl, argv[a]);
            return MFD_EINVAL;
        }
        memcpy(key, argv[a], kl);
        key[kl] = '\0';
        const mfd_param_spec *s = mfd_param_find(t, key);
        if (!s) {
            mfd_errf(err, errlen, "unknown key '%s'", key);
            return MFD_EINVAL;
        }
        size_t idx = (size_t)(s - t.spec);
        /* given[] doubles as the duplicate check; without it, keep a local one. */
        if (given && given[idx]) {
            mfd_errf(err, errlen, "key '%s' is given twice", key);
            return MFD_EINVAL;
        }
        if (!given)
            for (int b = 0; b < a; b++)
                if (strncmp(argv[b], argv[a], kl + 1) == 0) {
                    mfd_errf(err, errlen, "key '%s' is given twice", key);
                    return MFD_EINVAL;
                }
        mfd_status st = store(s, params, eq + 1, err, errlen);
        if (st != MFD_OK)
            return st;
        if (given)
            given[idx] = true;
    }
    for (size_t i = 0; i < t.n; i++) {
        const mfd_param_spec *s = &t.spec[i];
        if (!(s->flags & MFD_P_REQUIRED))
            continue;
        int set = 0;
        if (given)
            set = given[i];
        else
            for (int a = 0; a < argc && !set; a++)
                set = strncmp(argv[a], s->key, strlen(s->key)) == 0 && argv[a][strlen(s->key)] == '=';
        if (!set) {
            char exp[160];
            mfd_param_expected(s, exp, sizeof exp);
            mfd_errf(err, errlen, "key '%s' is required (%s: %s)", s->key, exp, s->help);
            return MFD_EINVAL;
        }
    }
    return MFD_OK;
}

int mfd_format_real(char *buf, size_t len, double x)
{
    char tmp[MFD_FMT_G_MAX];
    if (isinf(x)) /* "inf", what MFD_P_INF_OK keys accept back */
        return snprintf(buf, len, "%s", x > 0 ? "inf" : "-inf");
    for (int prec = 15; prec < 17; prec++) {
        mfd_fmt_g(tmp, x, prec);
        if (strtod(tmp, NULL) == x || isnan(x))
            return snprintf(buf, len, "%s", tmp);
    }
    mfd_fmt_g(tmp, x, 17);
    return snprintf(buf, len, "%s", tmp);
}

int mfd_param_format(const mfd_param_spec *s, const void *params, char *buf, size_t len)
{
    const void *f = cfield_ptr(s, params);
    switch (s->type) {
    case MFD_P_INT: return snprintf(buf, len, "%ld", *(const long *)f);
    case MFD_P_SEED: return snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)f);
    case MFD_P_REAL: return mfd_format_real(buf, len, *(const double *)f);
    case MFD_P_STR: {
        const char *v = *(const char *const *)f;
        return snprintf(buf, len, "%s", v ? v : "");
    }
    case MFD_P_CHOICE: {
        char name[64];
        mfd_param_choice_name(s, *(const int *)f, name, sizeof name);
        return snprintf(buf, len, "%s", name);
    }
    case MFD_P_BOOL: return snprintf(buf, len, "%d", *(const int *)f);
    case MFD_P_LIST: {
        const mfd_list *l = (const mfd_list *)f;
        int n = 0;
        if (len)
            buf[0] = '\0';
        for (size_t i = 0; i < l->n; i++) {
            size_t off = (size_t)n < len ? (size_t)n : len;
            char x[40];
            mfd_format_real(x, sizeof x, l->v[i]);
            n += snprintf(buf + off, len - off, i ? ",%s" : "%s", x);
        }
        return n;
    }
    }
    return 0;
}

void mfd_param_help(mfd_param_table t, void (*emit)(void *ctx, const char *line), void *ctx)
{
    char line[512], exp[160];
    for (size_t i = 0; i < t.n; i++) {
        const mfd_param_spec *s = &t.spec[i];
        mfd_param_expected(s, exp, sizeof exp);
        snprintf(line, sizeof line, "  %-16s %s", s->key, s->help);
        emit(ctx, line);
        if (s->flags & MFD_P_REQUIRED)
            snprintf(line, sizeof line, "  %-16s   %s; required", "", exp);
        else if (s->def && *s->def)
            snprintf(line, sizeof line, "  %-16s   %s; default %s", "", exp, s->def);
        else
            snprintf(line, sizeof line, "  %-16s   %s; default: unset", "", exp);
        emit(ctx, line);
    }
}

void mfd_param_free(mfd_param_table t, void *params)
{
    for (size_t i = 0; i < t.n; i++)
        if (t.spec[i].type == MFD_P_LIST) {
            mfd_list *l = (mfd_list *)field_ptr(&t.spec[i], params);
            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
}
