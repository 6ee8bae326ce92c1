#define _POSIX_C_SOURCE 200809L
#include "drv_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split one logical line into fields; a quoted field may not span lines
 * (mfdyn never writes line breaks in fields).  Returns the field count. */
static size_t split(const char *line, char ***out, bool *ok)
{
    size_t n = 0, cap = 16;
    char **f = malloc(cap * sizeof *f);
    *ok = f != NULL;
    const char *p = line;
    while (*ok) {
        size_t len = 0, bcap = 64;
        char *buf = malloc(bcap);
        if (!buf) {
            *ok = false;
            break;
        }
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    *ok = false; /* unterminated quote */
                    break;
                }
                if (*p == '"' && p[1] == '"') {
                    buf[len++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    buf[len++] = *p++;
                }
                if (len + 1 >= bcap) {
                    char *nb = realloc(buf, bcap *= 2);
                    if (!nb) {
                        *ok = false;
                        break;
                    }
                    buf = nb;
                }
            }
        } else {
            while (*p && *p != ',') {
                buf[len++] = *p++;
                if (len + 1 >= bcap) {
                    char *nb = realloc(buf, bcap *= 2);
                    if (!nb) {
                        *ok = false;
                        break;
                    }
                    buf = nb;
                }
            }
        }
        buf[len] = '\0';
        if (n == cap) {
            char **nf = realloc(f, (cap *= 2) * sizeof *nf);
            if (!nf) {
                free(buf);
                *ok = false;
                break;
            }
            f = nf;
        }
        f[n++] = buf;
        if (*p != ',')
            break;
        p++;
    }
    *out = f;
    return n;
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

bool drv_csv_read(const char *path, drv_csv *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t lcap = 0, rcap = 0;
    long lineno = 0;
    bool ok = true;
    ssize_t got;
    while (ok && (got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (line[0] == '#' || (got == 0 && t->names == NULL))
            continue;
        char **f;
        bool sok;
        size_t n = split(line, &f, &sok);
        if (!sok) {
            snprintf(err, errlen, "%s:%ld: malformed CSV line", path, lineno);
            free_fields(f, n);
            ok = false;
            break;
        }
        if (!t->names) {
            t->names = f;
            t->ncols = n;
            continue;
        }
        if (t->nrows == rcap) {
            rcap = rcap ? 2 * rcap : 64;
            char **nc = realloc(t->cells, rcap * t->ncols * sizeof *nc);
            if (!nc) {
                free_fields(f, n);
                ok = false;
                snprintf(err, errlen, "out of memory reading '%s'", path);
                break;
            }
            t->cells = nc;
        }
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = c < n ? f[c] : "";
            size_t l = strlen(v) + 1;
            char *cp = malloc(l);
            if (!cp) {
                ok = false;
                break;
            }
            memcpy(cp, v, l);
            t->cells[t->nrows * t->ncols + c] = cp;
        }
        free_fields(f, n);
        if (ok)
            t->nrows++;
    }
    free(line);
    fclose(fp);
    if (ok && !t->names) {
        snprintf(err, errlen, "'%s' is empty (no header row)", path);
        ok = false;
    }
    if (!ok)
        drv_csv_free(t);
    return ok;
}

void drv_csv_free(drv_csv *t)
{
    if (t->names)
        free_fields(t->names, t->ncols);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

long drv_csv_col(const drv_csv *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return (long)c;
    return -1;
}

void drv_csv_put(void *file, const char *v)
{
    FILE *f = file;
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}
