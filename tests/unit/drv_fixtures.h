/* drv_fixtures.h — specs and tables from strings, for the driver's unit
 * tests: what a spec file or an index.csv would hold, read through the
 * same stream readers the driver uses on files.  fmemopen needs
 * _POSIX_C_SOURCE 200809L before the first include. */
#ifndef DRV_FIXTURES_H
#define DRV_FIXTURES_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drv_csv.h"
#include "drv_experiment.h"

/* Load spec text as if it were the file path (its name and messages). */
static inline bool fx_spec(const char *text, const char *path, const char *scale, drv_experiment *s, char *err,
                           size_t errlen)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    if (!fp) {
        snprintf(err, errlen, "fmemopen failed");
        memset(s, 0, sizeof *s);
        return false;
    }
    bool ok = drv_experiment_load_stream(fp, path, scale, s, err, errlen);
    fclose(fp);
    return ok;
}

/* Read CSV text into t. */
static inline bool fx_table(const char *text, drv_csv *t, char *err, size_t errlen)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    if (!fp) {
        snprintf(err, errlen, "fmemopen failed");
        memset(t, 0, sizeof *t);
        return false;
    }
    bool ok = drv_csv_read_stream(fp, "index.csv", t, err, errlen);
    fclose(fp);
    return ok;
}

#endif
