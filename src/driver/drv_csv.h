/* drv_csv.h — reading the CSV files mfdyn writes (summary.csv, index.csv):
 * a header row and data rows, RFC 4180 quoting, '#' lines skipped. */
#ifndef DRV_CSV_H
#define DRV_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct drv_csv {
    size_t ncols, nrows;
    char **names;  /* ncols */
    char **cells;  /* nrows × ncols, row-major; never NULL ("" when a row is short) */
} drv_csv;

/* Read a file; false with a message naming the file and line. */
bool drv_csv_read(const char *path, drv_csv *t, char *err, size_t errlen);
void drv_csv_free(drv_csv *t);

/* Column index of name, or -1. */
long drv_csv_col(const drv_csv *t, const char *name);

static inline const char *drv_csv_cell(const drv_csv *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Append one CSV field to a FILE * (passed as void * to keep stdio out of
 * this header), quoted when needed. */
void drv_csv_put(void *file, const char *field);

#endif
