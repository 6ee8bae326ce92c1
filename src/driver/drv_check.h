/* drv_check.h — mfd check: an experiment's claims evaluated on its
 * index.csv (collected first), printed as a table, and written beside it as
 * claims.csv and claims.tex; with --all, one table of every claim in the
 * results folder as well. */
#ifndef DRV_CHECK_H
#define DRV_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_claims.h"
#include "drv_cmd.h"

/* mfd check for experiment x; its results are appended to all[nall] (owned
 * by the caller: free).  quiet: no table on stdout.  1 when a claim is
 * CONTRADICTED or a deviation GONE, or INCONCLUSIVE except at the quick
 * size; 2 for a bad spec; else 0. */
int drv_check_spec(const drv_cmd_opts *o, const char *x, drv_claims_result **all, size_t *nall, bool quiet);

/* The table of all[n] with its counts on stdout, and <results>/claims.csv
 * and claims.tex (mfd check --all). */
void drv_check_summary(const drv_cmd_opts *o, const drv_claims_result *all, size_t n);

#endif
