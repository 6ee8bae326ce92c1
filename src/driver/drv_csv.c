#define _POSIX_C_SOURCE 200809L
#include "drv_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The strings of a table live in blocks it owns: a file's text, parsed in
 * place, and bump-allocated copies (drv_csv_keep).  One table of 400 000
 * runs × 90 columns is then a handful of allocations, not one per cell. */
struct drv_csv_block {
    struct drv_csv_block *next;
    size_t used, cap;
    char data[];
};

enum { BLOCK_MIN = 1 << 16 };

char *drv_csv_keep(drv_csv *t, const char *s)
{
    size_t len = strlen(s) + 1;
    drv_csv_block *b = t->store;
    if (!b || b->cap - b->used < len) {
        size_t cap = len > BLOCK_MIN ? len : BLOCK_MIN;
        drv_csv_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && len > BLOCK_MIN) { /* a big string gets a block of its own behind the one being filled */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            t->store = nb;
        }
        b = nb;
    }
    char *d = b->data + b->used;
    memcpy(d, s, len);
    b->used += len;
    return d;
}

/* The whole stream into a new block, NUL-terminated; *len its length. */
static drv_csv_block *slurp(FILE *fp, size_t *len)
{
    struct stat st; /* a regular file's size, so that one allocation holds it (one byte more: the end shows) */
    size_t cap = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 1 << 12, n = 0;
    drv_csv_block *b = malloc(sizeof *b + cap);
    while (b) {
        n += fread(b->data + n, 1, cap - n, fp);
        if (n < cap) /* end of file or a read error (ferror tells) */
            break;
        drv_csv_block *nb = realloc(b, sizeof *b + (cap *= 2));
        if (!nb)
            free(b);
        b = nb;
    }
    if (!b)
        return NULL;
    b->data[n] = '\0';
    b->used = b->cap = n + 1;
    b->next = NULL;
    *len = n;
    return b;
}

/* One field starting at *p, unquoted in place (the text only shrinks) and
 * NUL-terminated; *p moves to the character after it (',' or the end of the
 * line, or whatever follows a closing quote), returned in *sep.  A quoted
 * field doubles its quotes.  False for an unterminated quote. */
static bool field(char **p, char *sep)
{
    char *q = *p, *w = q;
    bool ok = true;
    if (*q == '"') {
        q++;
        for (;;) {
            if (*q == '\0') {
                ok = false;
                break;
            }
            if (*q == '"' && q[1] != '"') { /* the closing quote */
                q++;
                break;
            }
            if (*q == '"') /* "" is one quote */
                q++;
            *w++ = *q++;
        }
    } else {
        while (*q && *q != ',')
            q++;
        w = q;
    }
    *sep = *q; /* before the terminator below may overwrite it (unquoted: w == q) */
    *w = '\0';
    *p = q;
    return ok;
}

/* Split one logical line (NUL-terminated, modified in place) into the
 * growing array *f; a quoted field may not span lines (mfdyn never writes
 * line breaks in fields).  Returns the field count; *ok false when a quote is
 * unterminated or memory runs out. */
static size_t split(char *line, char ***f, size_t *cap, bool *ok)
{
    size_t n = 0;
    char *p = line, sep;
    *ok = true;
    for (;;) {
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            char **nf = realloc(*f, nc * sizeof *nf);
            if (!nf) {
                *ok = false;
                return n;
            }
            *f = nf;
            *cap = nc;
        }
        (*f)[n++] = p;
        if (!(*ok = field(&p, &sep)) || sep != ',')
            return n;
        p++;
    }
}

/* Append the fields f[0..n) as a row: a short row is padded with empty
 * (the pointer empty), a long one cut to the header's width. */
static bool add_row(drv_csv *t, char *const *f, size_t n, char *empty, size_t *rcap)
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
        row[c] = c < n ? f[c] : empty;
    t->nrows++;
    return true;
}

bool drv_csv_read_stream(FILE *fp, const char *path, drv_csv *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t len = 0, fcap = 0, rcap = 0;
    if (!(t->store = slurp(fp, &len))) {
        snprintf(err, errlen, "out of memory reading '%s'", path);
        return false;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        drv_csv_free(t);
        return false;
    }
    char *text = t->store->data, *empty = text + len; /* the final NUL, never overwritten */
    size_t nul = strlen(text);
    if (nul < len) { /* a file cut short by a crash can hold NUL blocks: the rest must not vanish silently */
        long at = 1;
        for (size_t i = 0; i < nul; i++)
            at += text[i] == '\n';
        snprintf(err, errlen, "%s:%ld: malformed CSV line (a NUL byte)", path, at);
        drv_csv_free(t);
        return false;
    }
    char **f = NULL;
    long lineno = 0;
    bool ok = true;
    for (char *line = text; ok && *line;) {
        lineno++;
        char *nl = strchr(line, '\n'), *next = nl ? nl + 1 : line + strlen(line);
        size_t got = (size_t)((nl ? nl : next) - line);
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        line[got] = '\0';
        if (line[0] == '#' || (got == 0 && t->names == NULL)) {
            line = next;
            continue;
        }
        bool sok;
        size_t n = split(line, &f, &fcap, &sok);
        if (!sok) {
            snprintf(err, errlen, "%s:%ld: malformed CSV line", path, lineno);
            ok = false;
        } else if (!t->names) {
            if ((t->names = malloc(n * sizeof *t->names)) != NULL) {
                memcpy(t->names, f, n * sizeof *f);
                t->ncols = n;
            } else {
                snprintf(err, errlen, "out of memory reading '%s'", path);
                ok = false;
            }
        } else if (!(ok = add_row(t, f, n, empty, &rcap)))
            snprintf(err, errlen, "out of memory reading '%s'", path);
        line = next;
    }
    free(f);
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
    for (drv_csv_block *b = t->store, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(t->names);
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
    char **names = malloc((nc + 1) * sizeof *names), **cells = malloc((t->nrows * nc + 1) * sizeof *cells);
    /* u's rows sorted by key: a binary search per row of t (a scan was 400 000^2 comparisons at 400 000 runs) */
    keyed_row *sorted = malloc((u->nrows ? u->nrows : 1) * sizeof *sorted);
    bool ok = from && names && cells && sorted;
    for (size_t m = 0; ok && m < u->nrows; m++)
        sorted[m] = (keyed_row){drv_csv_cell(u, m, (size_t)ku), m};
    if (ok)
        qsort(sorted, u->nrows, sizeof *sorted, cmp_keyed_row);
    /* the copies go to t's storage: on a failure they stay there unused, and t is otherwise unchanged */
    char *empty = ok ? drv_csv_keep(t, "") : NULL;
    ok = ok && empty;
    for (size_t c = 0; ok && c < nnew; c++)
        ok = (names[t->ncols + c] = drv_csv_keep(t, u->names[from[c]])) != NULL;
    for (size_t r = 0; ok && r < t->nrows; r++) {
        size_t m = find_row(sorted, u->nrows, drv_csv_cell(t, r, (size_t)kt));
        for (size_t c = 0; ok && c < nnew; c++)
            ok = (cells[r * nc + t->ncols + c] = m < u->nrows ? drv_csv_keep(t, drv_csv_cell(u, m, from[c])) : empty) !=
                 NULL;
    }
    free(sorted);
    if (!ok) {
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
