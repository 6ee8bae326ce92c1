#define _POSIX_C_SOURCE 200809L
#include "drv_experiment.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drv_text.h"
#include "mfd_param.h"

typedef struct loader {
    drv_experiment *s;
    const char *scale;
    FILE *fp;
    int line;
    int section_line; /* the line of the last [section] header */
    int too_long;     /* the first line longer than the reader's buffer */
    int max_line;
    int fail_line;
    int groups; /* sweep axes groups so far */
    struct pending {
        char *name, *value;
        int line;
    } *sweeps; /* [sweep] lines, continuations joined, parsed after the file */
    size_t nsweeps;
    bool sweep_open; /* the last line read was a [sweep] key: a continuation extends it */
    char *err;
    size_t errlen;
    bool failed;
    char prev_section[128], prev_key[128]; /* inih repeats the key for continuation lines */
    char *(*prev_slot);
} loader;

static int fail(loader *L, const char *fmt, ...)
{
    if (L->failed)
        return 0;
    L->failed = true;
    L->fail_line = L->line;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(L->err, L->errlen, "%s:%d: %s", L->s->path, L->line, msg);
    return 0;
}

/* The line reader counts lines for error messages. */
static char *reader(char *str, int num, void *stream)
{
    loader *L = stream;
    char *r = fgets(str, num, L->fp);
    if (r && !L->too_long && strlen(r) == (size_t)num - 1 && r[num - 2] != '\n' && !feof(L->fp))
        L->too_long = L->line + 1, L->max_line = num - 2; /* inih will see a truncated line */
    if (r) {
        L->line++;
        const char *p = r;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '[')
            L->section_line = L->line;
    }
    return r;
}

static void axis_free(drv_experiment_axis *ax)
{
    for (size_t j = 0; j < ax->n; j++)
        free(ax->values[j]);
    free(ax->values);
    free(ax->key);
    free(ax->raw);
}

/* Parse "lin(a, b, n)" / "log(a, b, n)" / "v1, v2, ..." into values. */
static bool parse_axis(loader *L, const char *key, const char *value, drv_experiment_axis *ax)
{
    ax->raw = strdup(value);
    ax->key = strdup(key);
    ax->line = L->line;
    ax->group = 0;
    ax->n = 0;
    ax->values = NULL;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", value);
    char *v = drv_text_trim(buf);
    int is_lin = strncmp(v, "lin(", 4) == 0, is_log = strncmp(v, "log(", 4) == 0;
    if (is_lin || is_log) {
        double a, b, n;
        char tail;
        if (sscanf(v + 4, "%lf , %lf , %lf %c", &a, &b, &n, &tail) != 4 || tail != ')' || n < 1 || n != floor(n) ||
            n > 100000 || (is_log && !(a > 0 && b > 0))) {
            fail(L, "key '%s': bad range '%s'; expected lin(a, b, n) or log(a, b, n) with a whole n >= 1 (and "
                    "a, b > 0 for log)", key, v);
            return false;
        }
        ax->n = (size_t)n;
        ax->values = calloc(ax->n, sizeof(char *));
        for (size_t i = 0; ax->values && i < ax->n; i++) {
            double f = ax->n == 1 ? 0 : (double)i / (double)(ax->n - 1);
            double x = is_lin ? a + (b - a) * f : exp(log(a) + (log(b) - log(a)) * f);
            if (is_lin && fabs(x - round(x)) < 1e-9 * fmax(1, fabs(x)) && a == floor(a) && b == floor(b))
                x = round(x); /* integer ranges stay integers */
            char num[40];
            mfd_format_real(num, sizeof num, x);
            ax->values[i] = strdup(num);
        }
        return ax->values != NULL;
    }
    size_t cap = 1;
    for (const char *p = v; *p; p++)
        cap += *p == ',';
    ax->values = calloc(cap, sizeof(char *));
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok && ax->values; tok = strtok_r(NULL, ",", &save)) {
        char *t = drv_text_trim(tok);
        if (!*t) {
            fail(L, "key '%s': an empty value in the list '%s'", key, value);
            return false;
        }
        ax->values[ax->n++] = strdup(t);
    }
    if (ax->n == 0) {
        fail(L, "key '%s': an empty sweep axis", key);
        return false;
    }
    return true;
}

/* Zipped axes "k1, k2 = (a1, b1), (a2, b2), ...": one axis per key, sharing
 * a group, so that they advance together.  into[0..nk) are filled. */
static bool parse_tuples(loader *L, char **keys, size_t nk, const char *value, drv_experiment_axis *into)
{
    for (size_t j = 0; j < nk; j++) {
        into[j] = (drv_experiment_axis){strdup(keys[j]), j == 0 ? strdup(value) : NULL, 0, NULL, L->line, 0};
        into[j].values = calloc(strlen(value) / 2 + 1, sizeof(char *));
        if (!into[j].key || !into[j].values)
            return fail(L, "out of memory"), false;
    }
    const char *p = value;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *close = *p == '(' ? strchr(p, ')') : NULL;
        if (!close) {
            fail(L, "key '%s': '%s' is not a list of tuples; expected (v1, v2, ...), (v1, v2, ...) with one "
                    "value per key", L->prev_key, value);
            return false;
        }
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(close - p - 1), p + 1);
        size_t got = 0;
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), got++) {
            t = drv_text_trim(t);
            if (got >= nk || !*t)
                break;
            into[got].values[into[got].n++] = strdup(t);
        }
        if (got != nk || into[nk - 1].n != into[0].n) {
            fail(L, "key '%s': the tuple (%.*s) does not have %zu non-empty values, one per key", L->prev_key,
                 (int)(close - p - 1), p + 1, nk);
            return false;
        }
        p = close + 1;
    }
    if (into[0].n == 0) {
        fail(L, "key '%s': an empty sweep axis", L->prev_key);
        return false;
    }
    return true;
}

/* Remove every axis of a group that holds one of keys. */
static void drop_axes(drv_experiment *s, char **keys, size_t nk)
{
    for (size_t k = 0; k < nk; k++)
        for (size_t i = 0; i < s->naxes; i++)
            if (strcmp(s->axes[i].key, keys[k]) == 0) {
                int g = s->axes[i].group;
                size_t w = 0;
                for (size_t j = 0; j < s->naxes; j++) {
                    if (s->axes[j].group == g)
                        axis_free(&s->axes[j]);
                    else
                        s->axes[w++] = s->axes[j];
                }
                s->naxes = w;
                break;
            }
}

/* A [sweep] line (or its continuation, joined): one axis, or zipped axes
 * when name lists several keys.  A later line for the same key (a scale
 * section) replaces the axis, with its whole group. */
static bool set_axis(loader *L, const char *name, const char *value, int line)
{
    drv_experiment *s = L->s;
    char names[256], *keys[16];
    size_t nk = 0;
    snprintf(names, sizeof names, "%s", name);
    char *save = NULL;
    for (char *t = strtok_r(names, ",", &save); t && nk < 16; t = strtok_r(NULL, ",", &save))
        keys[nk++] = drv_text_trim(t);
    if (nk == 0)
        return fail(L, "key '%s': no key names before '='", name), false;
    for (size_t k = 0; k < nk; k++) {
        if (strcmp(keys[k], "seed") == 0 || strcmp(keys[k], "out") == 0)
            return fail(L, "key '%s' is set by the driver and cannot be swept (use repetitions)", keys[k]), false;
        if (!*keys[k])
            return fail(L, "key '%s': an empty key in a zipped axis", name), false;
    }
    for (size_t k = 0; k < nk; k++) /* a group is replaced whole */
        for (size_t i = 0; i < s->naxes; i++)
            if (strcmp(s->axes[i].key, keys[k]) == 0) {
                size_t same = 0, size = 0;
                for (size_t j = 0; j < s->naxes; j++)
                    if (s->axes[j].group == s->axes[i].group) {
                        size++;
                        for (size_t q = 0; q < nk; q++)
                            same += strcmp(s->axes[j].key, keys[q]) == 0;
                    }
                if (same != size || size != nk)
                    return fail(L, "key '%s' is swept together with other keys on line %d; replace that line's "
                                   "keys together", keys[k], s->axes[i].line), false;
            }
    drv_experiment_axis ax[16];
    memset(ax, 0, sizeof ax);
    bool ok = nk == 1 ? parse_axis(L, keys[0], value, &ax[0]) : parse_tuples(L, keys, nk, value, ax);
    if (!ok) {
        for (size_t k = 0; k < nk; k++)
            axis_free(&ax[k]);
        return false;
    }
    drop_axes(s, keys, nk);
    drv_experiment_axis *p = realloc(s->axes, (s->naxes + nk) * sizeof *p);
    if (!p) {
        for (size_t k = 0; k < nk; k++)
            axis_free(&ax[k]);
        return fail(L, "out of memory"), false;
    }
    s->axes = p;
    int group = ++L->groups;
    for (size_t k = 0; k < nk; k++) {
        ax[k].line = line;
        ax[k].group = group;
        p[s->naxes++] = ax[k];
    }
    return true;
}

static bool add_kv(drv_experiment_kv **arr, size_t *n, const char *key, const char *value, int line)
{
    for (size_t i = 0; i < *n; i++) /* a later entry (a scale section) replaces an earlier one */
        if (strcmp((*arr)[i].key, key) == 0) {
            free((*arr)[i].value);
            (*arr)[i].value = strdup(value);
            (*arr)[i].line = line;
            return true;
        }
    drv_experiment_kv *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return false;
    *arr = p;
    p[*n].key = strdup(key);
    p[*n].value = strdup(value);
    p[*n].line = line;
    (*n)++;
    return true;
}

static const char *const CLAIM_KEYS[] = {"id",        "source", "statement", "where",     "measure",
                                         "aggregate", "against", "group_by", "predicted", "bound",
                                         "tolerance", "relative", "deviation", "scales"};
static const char *const PLOT_KEYS[] = {"script", "kind", "where", "group_by", "x", "y", "measure", "theory",
                                        "caption"};

bool drv_experiment_scale_known(const char *scale)
{
    return strcmp(scale, "paper") == 0 || strcmp(scale, "quick") == 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    loader *L = user;
    drv_experiment *s = L->s;
    if (L->failed)
        return 0;
    /* a continuation line: inih calls again with the same section and key */
    bool cont = strcmp(section, L->prev_section) == 0 && strcmp(name, L->prev_key) == 0 && L->prev_slot;
    if (cont) {
        char *old = *L->prev_slot;
        size_t l = strlen(old) + strlen(value) + 2;
        char *joined = malloc(l);
        if (!joined)
            return fail(L, "out of memory");
        snprintf(joined, l, "%s %s", old, value);
        free(old);
        *L->prev_slot = joined;
        return 1;
    }
    if (L->sweep_open && strcmp(section, L->prev_section) == 0 && strcmp(name, L->prev_key) == 0) {
        struct pending *q = &L->sweeps[L->nsweeps - 1]; /* a continuation of a sweep line */
        size_t l = strlen(q->value) + strlen(value) + 2;
        char *joined = malloc(l);
        if (!joined)
            return fail(L, "out of memory");
        snprintf(joined, l, "%s %s", q->value, value);
        free(q->value);
        q->value = joined;
        return 1;
    }
    snprintf(L->prev_section, sizeof L->prev_section, "%s", section);
    snprintf(L->prev_key, sizeof L->prev_key, "%s", name);
    L->prev_slot = NULL;
    L->sweep_open = false;
    const char *dot = strchr(section, '.');
    char base[128];
    snprintf(base, sizeof base, "%.*s", dot ? (int)(dot - section) : (int)strlen(section), section);
    if (dot) { /* a scale variant */
        if (!drv_experiment_scale_known(dot + 1) || strncmp(base, "claim", 5) == 0 || strncmp(base, "plot", 4) == 0) {
            L->line = L->section_line;
            return fail(L, "unknown section [%s] (scale variants are [experiment.S], [fixed.S], [sweep.S] "
                           "with S one of paper, quick)", section);
        }
        if (!L->scale || strcmp(L->scale, dot + 1) != 0)
            return 1; /* not the requested scale: skip */
    }
    if (strcmp(base, "experiment") == 0) {
        char **slot = NULL;
        if (strcmp(name, "program") == 0)
            slot = &s->program;
        else if (strcmp(name, "title") == 0)
            slot = &s->title;
        else if (strcmp(name, "verifies") == 0)
            slot = &s->verifies;
        else if (strcmp(name, "repetitions") == 0) {
            char *end;
            long r = strtol(value, &end, 10);
            if (*end || r < 1 || r > 1000000)
                return fail(L, "key 'repetitions': '%s' is not a whole number in [1, 1000000]", value);
            s->repetitions = r;
            return 1;
        } else if (strcmp(name, "seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(value, &end, 10);
            if (*end || errno || value[0] == '-')
                return fail(L, "key 'seed': '%s' is not an unsigned 64-bit integer", value);
            s->seed = (uint64_t)v;
            return 1;
        } else if (strcmp(name, "method_keys") == 0) {
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", value);
            char *save = NULL;
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char **p = realloc(s->method_keys, (s->nmethod + 1) * sizeof *p);
                if (!p)
                    return fail(L, "out of memory");
                s->method_keys = p;
                p[s->nmethod++] = strdup(drv_text_trim(t));
            }
            return 1;
        } else {
            return fail(L, "unknown key '%s' in [experiment] (program, title, verifies, repetitions, seed, "
                           "method_keys)", name);
        }
        free(*slot);
        *slot = strdup(value);
        L->prev_slot = slot;
        return 1;
    }
    if (strcmp(base, "fixed") == 0) {
        if (strcmp(name, "seed") == 0 || strcmp(name, "out") == 0)
            return fail(L, "key '%s' is set by the driver (the master seed is [experiment] seed)", name);
        if (!add_kv(&s->fixed, &s->nfixed, name, value, L->line))
            return fail(L, "out of memory");
        for (size_t i = 0; i < s->nfixed; i++)
            if (strcmp(s->fixed[i].key, name) == 0)
                L->prev_slot = &s->fixed[i].value;
        return 1;
    }
    if (strcmp(base, "sweep") == 0) {
        struct pending *q = realloc(L->sweeps, (L->nsweeps + 1) * sizeof *q);
        if (!q)
            return fail(L, "out of memory");
        L->sweeps = q;
        q[L->nsweeps++] = (struct pending){strdup(name), strdup(value), L->line};
        L->sweep_open = true;
        return 1;
    }
    bool is_claim = strncmp(section, "claim ", 6) == 0, is_plot = strncmp(section, "plot ", 5) == 0;
    if (is_claim || is_plot) {
        const char *cname = section + (is_claim ? 6 : 5);
        drv_experiment_section **arr = is_claim ? &s->claims : &s->plots;
        size_t *n = is_claim ? &s->nclaims : &s->nplots;
        const char *const *keys = is_claim ? CLAIM_KEYS : PLOT_KEYS;
        size_t nk = is_claim ? sizeof CLAIM_KEYS / sizeof *CLAIM_KEYS : sizeof PLOT_KEYS / sizeof *PLOT_KEYS;
        drv_experiment_section *c = NULL;
        for (size_t i = 0; i < *n; i++)
            if (strcmp((*arr)[i].name, cname) == 0)
                c = &(*arr)[i];
        if (!c) {
            drv_experiment_section *p = realloc(*arr, (*n + 1) * sizeof *p);
            if (!p)
                return fail(L, "out of memory");
            *arr = p;
            c = &p[(*n)++];
            memset(c, 0, sizeof *c);
            c->name = strdup(cname);
            c->line = L->line;
        }
        bool known = false;
        char list[512] = "";
        for (size_t i = 0; i < nk; i++) {
            known = known || strcmp(name, keys[i]) == 0;
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", keys[i]);
        }
        if (!known)
            return fail(L, "unknown key '%s' in [%s] (%s)", name, section, list);
        if (!add_kv(&c->keys, &c->nkeys, name, value, L->line))
            return fail(L, "out of memory");
        for (size_t i = 0; i < c->nkeys; i++)
            if (strcmp(c->keys[i].key, name) == 0)
                L->prev_slot = &c->keys[i].value;
        return 1;
    }
    L->line = L->section_line;
    return fail(L, "unknown section [%s] (expected [experiment], [fixed], [sweep], [claim NAME], [plot NAME])",
                section);
}

static void free_kvs(drv_experiment_kv *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].key);
        free(a[i].value);
    }
    free(a);
}

/* Does claim c apply at the scale being loaded?  Its `scales` list
 * (default, paper, quick) says; all scales when the key is absent.  A bad
 * list fails the load. */
static bool claim_at_scale(loader *L, const drv_experiment_section *c, bool *keep)
{
    int line = c->line;
    const char *list = drv_experiment_get(c, "scales", &line);
    *keep = list == NULL;
    if (!list)
        return true;
    const char *want = L->s->scale ? L->s->scale : "default";
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    size_t n = 0;
    for (char *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save), n++) {
        if (strcmp(w, "default") && !drv_experiment_scale_known(w)) {
            L->line = line;
            return fail(L, "[claim %s] scales: '%s' is not one of default, paper, quick", c->name, w);
        }
        *keep = *keep || strcmp(w, want) == 0;
    }
    if (n == 0) {
        L->line = line;
        return fail(L, "[claim %s] scales is empty (expected a list of default, paper, quick)", c->name);
    }
    return true;
}

/* Leave out the claims for other scales: a claim on a regime that one size
 * variant does not sweep is not checked there, instead of failing with no
 * run to check.  Every list is checked before any claim is dropped. */
static void select_claims(loader *L)
{
    drv_experiment *s = L->s;
    bool keep;
    for (size_t i = 0; i < s->nclaims; i++)
        if (!claim_at_scale(L, &s->claims[i], &keep))
            return;
    size_t kept = 0;
    for (size_t i = 0; i < s->nclaims; i++) {
        drv_experiment_section *c = &s->claims[i];
        claim_at_scale(L, c, &keep);
        if (keep) {
            s->claims[kept++] = *c;
        } else {
            free(c->name);
            free_kvs(c->keys, c->nkeys);
        }
    }
    s->nclaims = kept;
}

bool drv_experiment_load(const char *path, const char *scale, drv_experiment *s, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        memset(s, 0, sizeof *s);
        snprintf(err, errlen, "cannot open spec '%s': %s", path, strerror(errno));
        return false;
    }
    bool ok = drv_experiment_load_stream(fp, path, scale, s, err, errlen);
    fclose(fp);
    return ok;
}

bool drv_experiment_load_stream(FILE *fp, const char *path, const char *scale, drv_experiment *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->path = strdup(path);
    s->repetitions = 1;
    s->seed = 1;
    s->scale = scale ? strdup(scale) : NULL;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    s->name = strdup(base);
    char *dotini = strstr(s->name, ".ini");
    if (dotini)
        *dotini = '\0';
    loader L = {.s = s, .scale = scale, .err = err, .errlen = errlen, .fp = fp};
    int rc = ini_parse_stream(reader, &L, handler, &L);
    for (size_t i = 0; i < L.nsweeps; i++) {
        if (!L.failed && !(L.too_long && L.sweeps[i].line >= L.too_long)) {
            L.line = L.sweeps[i].line;
            snprintf(L.prev_key, sizeof L.prev_key, "%s", L.sweeps[i].name);
            set_axis(&L, L.sweeps[i].name, L.sweeps[i].value, L.sweeps[i].line);
        }
        free(L.sweeps[i].name);
        free(L.sweeps[i].value);
    }
    free(L.sweeps);
    if (L.too_long && (!L.failed || L.fail_line >= L.too_long)) {
        L.failed = false;
        L.line = L.too_long;
        fail(&L, "line longer than %d characters (continue a long value on indented lines)", L.max_line);
    }
    if (!L.failed && rc > 0) {
        L.line = rc;
        fail(&L, "malformed line (expected [section] or key = value)");
    }
    if (!L.failed && !s->program) {
        L.line = 1;
        fail(&L, "[experiment] has no program (mfd-deep, mfd-sense or mfd-scaled)");
    }
    if (!L.failed && !s->title)
        s->title = strdup(s->name);
    for (size_t i = 0; !L.failed && i < s->nfixed; i++)
        for (size_t j = 0; j < s->naxes; j++)
            if (strcmp(s->fixed[i].key, s->axes[j].key) == 0) {
                L.line = s->axes[j].line;
                fail(&L, "key '%s' is both fixed (line %d) and swept", s->axes[j].key, s->fixed[i].line);
            }
    if (!L.failed)
        select_claims(&L);
    if (L.failed) {
        drv_experiment_free(s);
        return false;
    }
    return true;
}

void drv_experiment_free(drv_experiment *s)
{
    free(s->path);
    free(s->name);
    free(s->program);
    free(s->title);
    free(s->verifies);
    free(s->scale);
    free_kvs(s->fixed, s->nfixed);
    for (size_t i = 0; i < s->naxes; i++)
        axis_free(&s->axes[i]);
    free(s->axes);
    for (size_t i = 0; i < s->nmethod; i++)
        free(s->method_keys[i]);
    free(s->method_keys);
    for (size_t i = 0; i < s->nclaims; i++) {
        free(s->claims[i].name);
        free_kvs(s->claims[i].keys, s->claims[i].nkeys);
    }
    free(s->claims);
    for (size_t i = 0; i < s->nplots; i++) {
        free(s->plots[i].name);
        free_kvs(s->plots[i].keys, s->plots[i].nkeys);
    }
    free(s->plots);
    for (size_t i = 0; i < s->nobserving; i++)
        free(s->observing[i]);
    free(s->observing);
    memset(s, 0, sizeof *s);
}

const char *drv_experiment_get(const drv_experiment_section *c, const char *key, int *line)
{
    for (size_t i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i].key, key) == 0) {
            if (line)
                *line = c->keys[i].line;
            return c->keys[i].value;
        }
    if (line)
        *line = c->line;
    return NULL;
}

bool drv_experiment_set_observing(drv_experiment *s, const char *const *keys, size_t n)
{
    char **copy = calloc(n ? n : 1, sizeof *copy);
    if (!copy)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(copy[i] = strdup(keys[i]))) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return false;
        }
    for (size_t i = 0; i < s->nobserving; i++)
        free(s->observing[i]);
    free(s->observing);
    s->observing = copy;
    s->nobserving = n;
    return true;
}

void drv_experiment_label(const drv_experiment *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", s->name, s->scale ? "-" : "", s->scale ? s->scale : "");
}

void drv_experiment_results_dir(const drv_experiment *s, const char *results_root, char *buf, size_t len)
{
    char label[4096];
    drv_experiment_label(s, label, sizeof label);
    snprintf(buf, len, "%s/%s", results_root, label);
}
