#define _POSIX_C_SOURCE 200809L
#include "drv_experiment.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drv_sweep.h"
#include "drv_text.h"

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
    struct pending *scaled; /* the requested scale's lines ([experiment.S] ...), applied after the file */
    char **scaled_section;
    size_t nscaled;
    bool scaled_open;
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

/* Set key in arr[0..n) (a later entry, from a scale section, replaces an
 * earlier one); the slot of its value, or NULL when memory runs out. */
static char **set_kv(drv_experiment_kv **arr, size_t *n, const char *key, const char *value, int line)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].key, key) == 0) {
            free((*arr)[i].value);
            (*arr)[i].value = strdup(value);
            (*arr)[i].line = line;
            return &(*arr)[i].value;
        }
    drv_experiment_kv *p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p)
        return NULL;
    *arr = p;
    p[*n].key = strdup(key);
    p[*n].value = strdup(value);
    p[*n].line = line;
    return &p[(*n)++].value;
}

static const char *const CLAIM_KEYS[] = {"id",          "kind",           "source",         "statement",
                                         "hypotheses",  "where",          "measure",        "aggregate",
                                         "against",     "group_by",       "pool",           "predicted",
                                         "bound",       "tolerance",      "relative",       "missing",
                                         "missing_reason", "deviation",   "expected",       "expected_bound",
                                         "expected_tolerance", "expected_relative", "scales"};
static const char *const PLOT_KEYS[] = {"script", "kind",   "where",    "group_by", "x",      "y",
                                        "measure", "theory", "instance", "normalize", "caption"};

bool drv_experiment_scale_known(const char *scale)
{
    return strcmp(scale, "paper") == 0 || strcmp(scale, "quick") == 0;
}

/* Join a continuation line's value to the text in *slot, after one space. */
static int join(loader *L, char **slot, const char *value)
{
    size_t l = strlen(*slot) + strlen(value) + 2;
    char *joined = malloc(l);
    if (!joined)
        return fail(L, "out of memory");
    snprintf(joined, l, "%s %s", *slot, value);
    free(*slot);
    *slot = joined;
    return 1;
}

/* A whole number parsed with an end-pointer check, into *out. */
static bool whole(const char *value, long lo, long hi, long *out)
{
    char *end;
    long r = strtol(value, &end, 10);
    if (*end || r < lo || r > hi)
        return false;
    *out = r;
    return true;
}

/* [experiment]: program, title, verifies (texts that continue on indented
 * lines), repetitions, seed, method_keys. */
static int on_experiment(loader *L, const char *name, const char *value)
{
    drv_experiment *s = L->s;
    char **slot = strcmp(name, "program") == 0    ? &s->program
                  : strcmp(name, "title") == 0    ? &s->title
                  : strcmp(name, "verifies") == 0 ? &s->verifies
                                                  : NULL;
    if (slot) {
        free(*slot);
        *slot = strdup(value);
        L->prev_slot = slot;
        return 1;
    }
    if (strcmp(name, "repetitions") == 0) {
        if (!whole(value, 1, 1000000, &s->repetitions))
            return fail(L, "key 'repetitions': '%s' is not a whole number in [1, 1000000]", value);
        return 1;
    }
    if (strcmp(name, "seed") == 0) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (*end || errno || value[0] == '-')
            return fail(L, "key 'seed': '%s' is not an unsigned 64-bit integer", value);
        s->seed = (uint64_t)v;
        return 1;
    }
    if (strcmp(name, "method_keys") == 0) {
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
    }
    return fail(L, "unknown key '%s' in [experiment] (program, title, verifies, repetitions, seed, method_keys)",
                name);
}

static int on_fixed(loader *L, const char *name, const char *value)
{
    if (strcmp(name, "seed") == 0 || strcmp(name, "op_seed") == 0 || strcmp(name, "out") == 0)
        return fail(L, "key '%s' is set by the driver (the master seed is [experiment] seed)", name);
    if (!(L->prev_slot = set_kv(&L->s->fixed, &L->s->nfixed, name, value, L->line)))
        return fail(L, "out of memory");
    return 1;
}

/* [sweep] lines wait for the end of the file (their continuations joined),
 * then become axes (drv_sweep.h). */
static int on_sweep(loader *L, const char *name, const char *value)
{
    struct pending *q = realloc(L->sweeps, (L->nsweeps + 1) * sizeof *q);
    if (!q)
        return fail(L, "out of memory");
    L->sweeps = q;
    q[L->nsweeps++] = (struct pending){strdup(name), strdup(value), L->line};
    L->sweep_open = true;
    return 1;
}

/* [claim NAME] and [plot NAME]: the section, made on its first key, and
 * the key, which must be one that the section kind knows. */
static int on_named(loader *L, const char *section, const char *name, const char *value)
{
    drv_experiment *s = L->s;
    bool is_claim = strncmp(section, "claim ", 6) == 0;
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
    if (!(L->prev_slot = set_kv(&c->keys, &c->nkeys, name, value, L->line)))
        return fail(L, "out of memory");
    return 1;
}

/* A line of the requested scale's sections waits for the end of the file,
 * so that it replaces the default wherever the two sections stand. */
static int defer_scaled(loader *L, const char *base, const char *name, const char *value)
{
    struct pending *q = realloc(L->scaled, (L->nscaled + 1) * sizeof *q);
    if (!q)
        return fail(L, "out of memory");
    L->scaled = q;
    char **b = realloc(L->scaled_section, (L->nscaled + 1) * sizeof *b);
    if (!b)
        return fail(L, "out of memory");
    L->scaled_section = b;
    b[L->nscaled] = strdup(base);
    q[L->nscaled++] = (struct pending){strdup(name), strdup(value), L->line};
    L->scaled_open = true;
    return 1;
}

/* The deferred scale lines, in file order, through the default sections'
 * handlers (a later value replaces an earlier one); freed. */
static void apply_scaled(loader *L)
{
    for (size_t i = 0; i < L->nscaled; i++) {
        const struct pending *q = &L->scaled[i];
        if (!L->failed) {
            L->line = L->section_line = q->line;
            L->prev_slot = NULL;
            const char *b = L->scaled_section[i];
            if (strcmp(b, "experiment") == 0)
                on_experiment(L, q->name, q->value);
            else if (strcmp(b, "fixed") == 0)
                on_fixed(L, q->name, q->value);
            else
                on_sweep(L, q->name, q->value);
        }
        free(q->name);
        free(q->value);
        free(L->scaled_section[i]);
    }
    free(L->scaled);
    free(L->scaled_section);
    L->scaled = NULL;
    L->scaled_section = NULL;
    L->nscaled = 0;
}

/* inih's callback, one key at a time; 0 stops at the first error. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
    loader *L = user;
    if (L->failed)
        return 0;
    /* a continuation line: inih calls again with the same section and key */
    bool same = strcmp(section, L->prev_section) == 0 && strcmp(name, L->prev_key) == 0;
    if (same && L->prev_slot)
        return join(L, L->prev_slot, value);
    if (same && L->sweep_open)
        return join(L, &L->sweeps[L->nsweeps - 1].value, value);
    if (same && L->scaled_open)
        return join(L, &L->scaled[L->nscaled - 1].value, value);
    snprintf(L->prev_section, sizeof L->prev_section, "%s", section);
    snprintf(L->prev_key, sizeof L->prev_key, "%s", name);
    L->prev_slot = NULL;
    L->sweep_open = false;
    L->scaled_open = false;
    const char *dot = strchr(section, '.');
    char base[128];
    snprintf(base, sizeof base, "%.*s", dot ? (int)(dot - section) : (int)strlen(section), section);
    if (dot) { /* a scale variant */
        if (!drv_experiment_scale_known(dot + 1) ||
            !(strcmp(base, "experiment") == 0 || strcmp(base, "fixed") == 0 || strcmp(base, "sweep") == 0)) {
            L->line = L->section_line;
            return fail(L, "unknown section [%s] (scale variants are [experiment.S], [fixed.S], [sweep.S] "
                           "with S one of paper, quick)", section);
        }
        if (!L->scale || strcmp(L->scale, dot + 1) != 0)
            return 1; /* not the requested scale: skip */
        return defer_scaled(L, base, name, value);
    }
    if (strcmp(base, "experiment") == 0)
        return on_experiment(L, name, value);
    if (strcmp(base, "fixed") == 0)
        return on_fixed(L, name, value);
    if (strcmp(base, "sweep") == 0)
        return on_sweep(L, name, value);
    if (strncmp(section, "claim ", 6) == 0 || strncmp(section, "plot ", 5) == 0)
        return on_named(L, section, name, value);
    L->line = L->section_line;
    return fail(L, "unknown section [%s] (expected [experiment], [fixed], [sweep], [claim NAME], [plot NAME])",
                section);
}

/* The [sweep] lines, read whole, become axes (drv_sweep.h), up to the
 * first error; none from a line longer than the reader's buffer. */
static void set_axes(loader *L)
{
    for (size_t i = 0; i < L->nsweeps; i++) {
        const struct pending *q = &L->sweeps[i];
        char msg[768];
        if (!L->failed && !(L->too_long && q->line >= L->too_long)) {
            L->line = q->line;
            if (!drv_sweep_set(&L->s->axes, &L->s->naxes, q->name, q->value, q->line, &L->groups, msg, sizeof msg))
                fail(L, "%s", msg);
        }
        free(q->name);
        free(q->value);
    }
    free(L->sweeps);
    L->sweeps = NULL;
    L->nsweeps = 0;
}

static void free_kvs(drv_experiment_kv *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].key);
        free(a[i].value);
    }
    free(a);
}

static void free_sections(drv_experiment_section *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].name);
        free_kvs(a[i].keys, a[i].nkeys);
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

bool drv_experiment_load_stream(FILE *fp, const char *path, const char *scale, drv_experiment *s, char *err,
                                size_t errlen)
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
    int last_line = L.line;
    apply_scaled(&L);
    L.line = last_line;
    set_axes(&L);
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
        drv_sweep_free_axis(&s->axes[i]);
    free(s->axes);
    for (size_t i = 0; i < s->nmethod; i++)
        free(s->method_keys[i]);
    free(s->method_keys);
    free_sections(s->claims, s->nclaims);
    free_sections(s->plots, s->nplots);
    for (size_t i = 0; i < s->nobserving; i++)
        free(s->observing[i]);
    free(s->observing);
    for (size_t i = 0; i < s->noperator; i++)
        free(s->operator_keys[i]);
    free(s->operator_keys);
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

/* *list, *n ← a copy of keys[0..n) (the old list freed); false when memory runs out. */
static bool set_keys(char ***list, size_t *count, const char *const *keys, size_t n)
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
    for (size_t i = 0; i < *count; i++)
        free((*list)[i]);
    free(*list);
    *list = copy;
    *count = n;
    return true;
}

bool drv_experiment_set_observing(drv_experiment *s, const char *const *keys, size_t n)
{
    return set_keys(&s->observing, &s->nobserving, keys, n);
}

bool drv_experiment_set_operator(drv_experiment *s, const char *const *keys, size_t n)
{
    return set_keys(&s->operator_keys, &s->noperator, keys, n);
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
