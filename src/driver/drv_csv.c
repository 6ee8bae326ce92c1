#define _POSIX_C_SOURCE 200809L
#include "drv_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append ch to the growing field buf[*len] (room for its '\0' kept). */
static bool push(char **buf, size_t *len, size_t *cap, char ch)
{
    (*buf)[(*len)++] = ch;
    if (*len + 1 < *cap)
        return true;
    char *nb = realloc(*buf, *cap *= 2);
    if (!nb)
        return false;
    *buf = nb;
    return true;
}

/* One field starting at *p, into a new string *out; *p moves past it (to
 * the ',' or the end).  A quoted field doubles its quotes. */
static bool field(const char **p, char **out)
{
    size_t len = 0, cap = 64;
    char *buf = malloc(cap);
    bool ok = buf != NULL;
    const char *q = *p;
    if (ok && *q == '"') {
        q++;
        for (;;) {
            if (*q == '\0') {
                ok = false; /* unterminated quote */
                break;
            }
            if (*q == '"' && q[1] != '"') { /* the closing quote */
                q++;
                break;
            }
            if (*q == '"') /* "" is one quote */
                q++;
            if (!(ok = push(&buf, &len, &cap, *q++)))
                break;
        }
    } else {
        while (ok && *q && *q != ',')
            ok = push(&buf, &len, &cap, *q++);
    }
    if (buf)
        buf[len] = '\0';
    *p = q;
    *out = buf;
    return ok;
}

/* Split one logical line into fields; a quoted field may not span lines
 * (mfdyn never writes line breaks in fields).  Returns the field count. */
static size_t split(const char *line, char ***out, bool *ok)
{
    size_t n = 0, cap = 16;
    char **f = malloc(cap * sizeof *f);
    *ok = f != NULL;
    const char *p = line;
    while (*ok) {
        char *buf;
        *ok = field(&p, &buf);
        if (!buf)
            break;
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

/* Append the fields f[0..n) as a row: a short row is padded with "", a
 * long one cut to the header's width. */
static bool add_row(drv_csv *t, char *const *f, size_t n, size_t *rcap)
{
    if (t->nrows == *rcap) {
        size_t cap = *rcap ? 2 * *rcap : 64;
        char **nc = realloc(t->cells, cap * t->ncols * sizeof *nc);
        if (!nc)
            return false;
        t->cells = nc;
        *rcap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++)
        if (!(row[c] = strdup(c < n ? f[c] : ""))) {
            while (c-- > 0)
                free(row[c]);
            return false;
        }
    t->nrows++;
    return true;
}

bool drv_csv_read_stream(FILE *fp, const char *path, drv_csv *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
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
        } else if (!t->names) {
            t->names = f;
            t->ncols = n;
        } else {
            if (!(ok = add_row(t, f, n, &rcap)))
                snprintf(err, errlen, "out of memory reading '%s'", path);
            free_fields(f, n);
        }
    }
    free(line);
    if (ok && !t->names) {
        snprintf(err, errlen, "'%s' is empty (no header row)", path);
        ok = false;
    }
    if (!ok)
        drv_csv_free(t);
    return ok;
}

bool drv_csv_read(const char *path, drv_csv *t, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        memset(t, 0, sizeof *t);
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return false;
    }
    bool ok = drv_csv_read_stream(fp, path, t, err, errlen);
    fclose(fp);
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

typedef struct keyed_row {
    const char *key;
    size_t row;
} keyed_row;

static int cmp_keyed_row(const void *a, const void *b)
{
    const keyed_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* The first row of u (the lowest index) whose key is id, from u's rows
 * sorted by (key, row); n when there is none. */
static size_t find_row(const keyed_row *sorted, size_t n, const char *id)
{
    size_t lo = 0, hi = n; /* the first position whose key is >= id */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid].key, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(sorted[lo].key, id) == 0 ? sorted[lo].row : n;
}

bool drv_csv_join(drv_csv *t, const drv_csv *u, const char *key, char *err, size_t errlen)
{
    long kt = drv_csv_col(t, key), ku = drv_csv_col(u, key);
    if (kt < 0 || ku < 0) {
        snprintf(err, errlen, "cannot join tables on '%s': a table has no such column", key);
        return false;
    }
    size_t nnew = 0, *from = malloc((u->ncols + 1) * sizeof *from); /* u's columns to append */
    for (size_t c = 0; from && c < u->ncols; c++)
        if (drv_csv_col(t, u->names[c]) < 0)
            from[nnew++] = c;
    size_t nc = t->ncols + nnew;
    /* zeroed, so that a failure half-way frees exactly the strings made */
    char **names = calloc(nc + 1, sizeof *names), **cells = calloc(t->nrows * nc + 1, sizeof *cells);
    /* u's rows sorted by key: a binary search per row of t (a scan was 400 000^2 comparisons at 400 000 runs) */
    keyed_row *sorted = malloc((u->nrows ? u->nrows : 1) * sizeof *sorted);
    bool ok = from && names && cells && sorted;
    for (size_t m = 0; ok && m < u->nrows; m++)
        sorted[m] = (keyed_row){drv_csv_cell(u, m, (size_t)ku), m};
    if (ok)
        qsort(sorted, u->nrows, sizeof *sorted, cmp_keyed_row);
    for (size_t c = 0; ok && c < nnew; c++)
        ok = (names[t->ncols + c] = strdup(u->names[from[c]])) != NULL;
    for (size_t r = 0; ok && r < t->nrows; r++) {
        size_t m = find_row(sorted, u->nrows, drv_csv_cell(t, r, (size_t)kt));
        for (size_t c = 0; ok && c < nnew; c++)
            ok = (cells[r * nc + t->ncols + c] = strdup(m < u->nrows ? drv_csv_cell(u, m, from[c]) : "")) != NULL;
    }
    free(sorted);
    if (!ok) {
        for (size_t c = 0; names && c < nnew; c++)
            free(names[t->ncols + c]);
        for (size_t r = 0; cells && r < t->nrows; r++)
            for (size_t c = 0; c < nnew; c++)
                free(cells[r * nc + t->ncols + c]);
        free(names);
        free(cells);
        free(from);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t c = 0; c < t->ncols; c++)
        names[c] = t->names[c];
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            cells[r * nc + c] = t->cells[r * t->ncols + c];
    free(t->names);
    free(t->cells);
    t->names = names;
    t->cells = cells;
    t->ncols = nc;
    free(from);
    return true;
}

long drv_csv_col(const drv_csv *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return (long)c;
    return -1;
}

void drv_csv_put(FILE *f, const char *v)
{
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
