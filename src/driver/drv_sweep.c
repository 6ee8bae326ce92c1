#define _POSIX_C_SOURCE 200809L
#include "drv_sweep.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_text.h"
#include "mfd_param.h"

/* The axes of a spec so far. */
typedef struct sweep {
    drv_sweep_axis *axes;
    size_t naxes;
} sweep;

void drv_sweep_free_axis(drv_sweep_axis *ax)
{
    for (size_t j = 0; j < ax->n; j++)
        free(ax->values[j]);
    free(ax->values);
    free(ax->key);
    free(ax->raw);
}

/* Parse "lin(a, b, n)" / "log(a, b, n)" / "v1, v2, ..." into values. */
static bool parse_axis(const char *key, const char *value, int line, drv_sweep_axis *ax, char *msg,
                       size_t msglen)
{
    ax->raw = strdup(value);
    ax->key = strdup(key);
    ax->line = line;
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
            snprintf(msg, msglen, "key '%s': bad range '%s'; expected lin(a, b, n) or log(a, b, n) with a whole "
                     "n >= 1 (and a, b > 0 for log)", key, v);
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
        if (!ax->values)
            snprintf(msg, msglen, "out of memory");
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
            snprintf(msg, msglen, "key '%s': an empty value in the list '%s'", key, value);
            return false;
        }
        ax->values[ax->n++] = strdup(t);
    }
    if (ax->n == 0) {
        snprintf(msg, msglen, ax->values ? "key '%s': an empty sweep axis" : "out of memory", key);
        return false;
    }
    return true;
}

/* Zipped axes "k1, k2 = (a1, b1), (a2, b2), ...": one axis per key, sharing
 * a group, so that they advance together.  into[0..nk) are filled; name is
 * the keys as messages show them. */
static bool parse_tuples(char **keys, size_t nk, const char *name, const char *value, int line,
                         drv_sweep_axis *into, char *msg, size_t msglen)
{
    for (size_t j = 0; j < nk; j++) {
        into[j] = (drv_sweep_axis){strdup(keys[j]), j == 0 ? strdup(value) : NULL, 0, NULL, line, 0};
        into[j].values = calloc(strlen(value) / 2 + 1, sizeof(char *));
        if (!into[j].key || !into[j].values)
            return snprintf(msg, msglen, "out of memory"), false;
    }
    const char *p = value;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *close = *p == '(' ? strchr(p, ')') : NULL;
        if (!close) {
            snprintf(msg, msglen, "key '%s': '%s' is not a list of tuples; expected (v1, v2, ...), (v1, v2, ...) "
                     "with one value per key", name, value);
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
            snprintf(msg, msglen, "key '%s': the tuple (%.*s) does not have %zu non-empty values, one per key", name,
                     (int)(close - p - 1), p + 1, nk);
            return false;
        }
        p = close + 1;
    }
    if (into[0].n == 0) {
        snprintf(msg, msglen, "key '%s': an empty sweep axis", name);
        return false;
    }
    return true;
}

/* Remove every axis of a group that holds one of keys. */
static void drop_axes(sweep *s, char **keys, size_t nk)
{
    for (size_t k = 0; k < nk; k++)
        for (size_t i = 0; i < s->naxes; i++)
            if (strcmp(s->axes[i].key, keys[k]) == 0) {
                int g = s->axes[i].group;
                size_t w = 0;
                for (size_t j = 0; j < s->naxes; j++) {
                    if (s->axes[j].group == g)
                        drv_sweep_free_axis(&s->axes[j]);
                    else
                        s->axes[w++] = s->axes[j];
                }
                s->naxes = w;
                break;
            }
}

/* Can keys[0..nk) replace the axes they are in?  Only a whole group, with
 * the same keys, can be replaced. */
static bool replaces_whole(const sweep *s, char **keys, size_t nk, char *msg, size_t msglen)
{
    for (size_t k = 0; k < nk; k++)
        for (size_t i = 0; i < s->naxes; i++)
            if (strcmp(s->axes[i].key, keys[k]) == 0) {
                size_t same = 0, size = 0;
                for (size_t j = 0; j < s->naxes; j++)
                    if (s->axes[j].group == s->axes[i].group) {
                        size++;
                        for (size_t q = 0; q < nk; q++)
                            same += strcmp(s->axes[j].key, keys[q]) == 0;
                    }
                if (same != size || size != nk) {
                    snprintf(msg, msglen, "key '%s' is swept together with other keys on line %d; replace that "
                             "line's keys together", keys[k], s->axes[i].line);
                    return false;
                }
            }
    return true;
}

bool drv_sweep_set(drv_sweep_axis **axes, size_t *naxes, const char *names, const char *value, int line, int *groups,
                   char *msg, size_t msglen)
{
    sweep all = {*axes, *naxes}, *s = &all;
    char buf[256], shown[128], *keys[16];
    size_t nk = 0;
    snprintf(buf, sizeof buf, "%s", names);
    snprintf(shown, sizeof shown, "%s", names);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && nk < 16; t = strtok_r(NULL, ",", &save))
        keys[nk++] = drv_text_trim(t);
    if (nk == 0)
        return snprintf(msg, msglen, "key '%s': no key names before '='", names), false;
    for (size_t k = 0; k < nk; k++) {
        if (strcmp(keys[k], "seed") == 0 || strcmp(keys[k], "op_seed") == 0 || strcmp(keys[k], "out") == 0)
            return snprintf(msg, msglen, "key '%s' is set by the driver and cannot be swept (use repetitions)",
                            keys[k]), false;
        if (!*keys[k])
            return snprintf(msg, msglen, "key '%s': an empty key in a zipped axis", names), false;
    }
    if (!replaces_whole(s, keys, nk, msg, msglen))
        return false;
    drv_sweep_axis ax[16];
    memset(ax, 0, sizeof ax);
    bool ok = nk == 1 ? parse_axis(keys[0], value, line, &ax[0], msg, msglen)
                      : parse_tuples(keys, nk, shown, value, line, ax, msg, msglen);
    drv_sweep_axis *p = NULL;
    if (ok) {
        drop_axes(s, keys, nk);
        p = realloc(s->axes, (s->naxes + nk) * sizeof *p);
    }
    if (!p) {
        for (size_t k = 0; k < nk; k++)
            drv_sweep_free_axis(&ax[k]);
        if (ok)
            snprintf(msg, msglen, "out of memory");
        *naxes = s->naxes; /* what drop_axes left */
        return false;
    }
    s->axes = p;
    int group = ++*groups;
    for (size_t k = 0; k < nk; k++) {
        ax[k].line = line;
        ax[k].group = group;
        p[s->naxes++] = ax[k];
    }
    *axes = s->axes;
    *naxes = s->naxes;
    return true;
}
