/* app_csv.h — reading the CSV files mfdyn writes (summary.csv, index.csv):
 * a header row and data rows, RFC 4180 quoting, '#' lines skipped. */
#ifndef APP_CSV_H
#define APP_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct app_csv {
    size_t ncols, nrows;
    char **names;  /* ncols */
    char **cells;  /* nrows × ncols, row-major; never NULL ("" when a row is short) */
} app_csv;

/* Read a file; false with a message naming the file and line. */
bool app_csv_read(const char *path, app_csv *t, char *err, size_t errlen);
void app_csv_free(app_csv *t);

/* Column index of name, or -1. */
long app_csv_col(const app_csv *t, const char *name);

static inline const char *app_csv_cell(const app_csv *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Append one CSV field to a FILE * (passed as void * to keep stdio out of
 * this header), quoted when needed. */
void app_csv_put(void *file, const char *field);

#endif
