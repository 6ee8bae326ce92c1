/* drv_claimtab.h — the claims' table: on a terminal, as claims.csv and as
 * the LaTeX longtable (claims.tex) that the report inputs.  The files are
 * written whole (a temporary file, then a rename). */
#ifndef DRV_CLAIMTAB_H
#define DRV_CLAIMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drv_claims.h"

/* id, claim, source, predicted, measured and verdict, one line per claim,
 * with the full measured text and the note on lines of their own. */
void drv_claimtab_print(FILE *f, const drv_claims_result *r, size_t n);

/* claims.csv: experiment, claim, id, source, statement, predicted,
 * measured, verdict, note.  False with the file and the reason in err. */
bool drv_claimtab_write_csv(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen);

/* claims.tex: a longtable of id, claim, predicted, measured, verdict, with
 * the statement and source (and a deviation's reason) below each claim. */
bool drv_claimtab_write_tex(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen);

/* Read back a claims.csv (to merge experiments into one table); *out is
 * owned by the caller (free). */
bool drv_claimtab_read_csv(const char *path, drv_claims_result **out, size_t *n, char *err, size_t errlen);

#endif
