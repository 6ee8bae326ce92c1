/* drv_claimtab.h — the claims' table: on a terminal, as claims.csv and as
 * the LaTeX table (claims.tex) that the report inputs, with the counts per
 * kind and verdict.  The files are written whole (a temporary file, then a
 * rename). */
#ifndef DRV_CLAIMTAB_H
#define DRV_CLAIMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drv_claims.h"

/* id, claim, kind, source, predicted, measured and verdict, one line per
 * claim, with the full measured text, the note and a claim outside its
 * theorem's hypotheses on lines of their own. */
void drv_claimtab_print(FILE *f, const drv_claims_result *r, size_t n);

/* Claims per kind and verdict: counts[kind][verdict]; *outside counts the
 * laws measured outside their theorem's hypotheses (also in counts). */
void drv_claimtab_count(const drv_claims_result *r, size_t n, size_t counts[3][5], size_t *outside);

/* "N claims: laws 60 (50 confirmed, ...); identities ...; sanity ..." and,
 * first, the laws within their hypotheses: the headline. */
void drv_claimtab_print_counts(FILE *f, const drv_claims_result *r, size_t n);

/* claims.csv: experiment, claim, id, kind, source, statement, hypotheses,
 * predicted, measured, verdict, note.  False with the file and the reason. */
bool drv_claimtab_write_csv(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen);

/* claims.tex: the counts per kind and verdict, then a longtable of id,
 * claim, kind, predicted, measured, verdict, with the statement and source
 * (and the reason of a deviation, an inconclusive verdict or a claim
 * outside its hypotheses) below each claim. */
bool drv_claimtab_write_tex(const char *path, const drv_claims_result *r, size_t n, char *err, size_t errlen);

/* Read back a claims.csv (to merge experiments into one table); *out is
 * owned by the caller (free).  A file of another layout is refused. */
bool drv_claimtab_read_csv(const char *path, drv_claims_result **out, size_t *n, char *err, size_t errlen);

#endif
