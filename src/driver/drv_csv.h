/* drv_csv.h — the CSV files mfdyn writes (summary.csv, index.csv), read back
 * whole: a header row and data rows, RFC 4180 quoting, '#' lines skipped. */
#ifndef DRV_CSV_H
#define DRV_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct drv_csv_block drv_csv_block;

typedef struct drv_csv {
    size_t ncols, nrows;
    char **names;  /* ncols */
    char **cells;  /* nrows × ncols, row-major; never NULL ("" when a row is short) */
    drv_csv_block *store; /* where names and cells point: the table's own storage, freed with it */
} drv_csv;

/* Read a file into t (drv_csv_free); false with a message naming the file
 * and line (and t empty).  A short row is padded with "", a long one cut
 * to the header's width; blank lines before the header and '#' lines are
 * skipped. */
bool drv_csv_read(const char *path, drv_csv *t, char *err, size_t errlen);

/* The same from an open stream; path names it in messages. */
bool drv_csv_read_stream(FILE *fp, const char *path, drv_csv *t, char *err, size_t errlen);
void drv_csv_free(drv_csv *t);

/* A copy of s in t's storage (freed with t, never on its own), or NULL when
 * memory runs out: how a table's names and cells are made outside a read. */
char *drv_csv_keep(drv_csv *t, const char *s);

/* Append to t the columns of u that t does not have, matching rows on the
 * column key of both (the first row of u with the same key; a row of t
 * without one gets "").  False with a message (t unchanged) when either
 * has no column key or memory runs out. */
bool drv_csv_join(drv_csv *t, const drv_csv *u, const char *key, char *err, size_t errlen);

/* Column index of name, or -1. */
long drv_csv_col(const drv_csv *t, const char *name);

static inline const char *drv_csv_cell(const drv_csv *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Write one CSV field to f, quoted (with doubled quotes) when it holds a
 * comma, a quote or a line break. */
void drv_csv_put(FILE *f, const char *field);

#endif
