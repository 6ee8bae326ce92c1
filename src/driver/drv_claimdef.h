/* drv_claimdef.h — a claim section read, checked and compiled (the keys are
 * described in drv_claims.h).  Internal to the driver's claims. */
#ifndef DRV_CLAIMDEF_H
#define DRV_CLAIMDEF_H

#include <stdbool.h>
#include <string.h>

#include "drv_claims.h"
#include "drv_csv.h"
#include "drv_experiment.h"
#include "drv_expr.h"
#include "drv_select.h"

typedef enum drv_claimdef_missing { DRV_CLAIMDEF_CONTRADICTS, DRV_CLAIMDEF_WORST, DRV_CLAIMDEF_EXCLUDE } drv_claimdef_missing;

/* A bound: the theory's (bound, predicted, tolerance) or, for a deviation,
 * what is measured instead (expected_*). */
typedef struct drv_claimdef_bound {
    const char *bound;
    double tol;
    bool rel;
    drv_expr *predicted;
} drv_claimdef_bound;

/* A claim section, checked and compiled. */
typedef struct drv_claimdef {
    const char *name, *aggregate, *against, *group_by, *deviation, *pool, *missing_reason, *hypotheses;
    drv_claims_kind kind;
    drv_claimdef_missing missing;
    drv_claimdef_bound theory, expected;
    drv_expr *where, *measure, *against_e;
    long gcols[DRV_SELECT_MAX_COLUMNS]; /* the group_by columns of index.csv */
    size_t ng;
} drv_claimdef;

/* Is the claim's aggregate a? */
static inline bool drv_claimdef_agg(const drv_claimdef *d, const char *a) { return strcmp(d->aggregate, a) == 0; }

/* The claim's words (kind, hypotheses, aggregate, missing, bounds,
 * group_by, against, pool), checked, without compiling its expressions;
 * false with the file and line in err. */
bool drv_claimdef_words(const drv_experiment *s, const drv_experiment_section *c, drv_claimdef *d, char *err,
                        size_t errlen);

/* The words and the expressions compiled against the columns of t; false
 * with the file and line in err (d is then freed). */
bool drv_claimdef_define(const drv_experiment *s, const drv_experiment_section *c, const drv_csv *t, drv_claimdef *d,
                         char *err, size_t errlen);

/* A slope, ratio or fraction over rows[nr] of t may not pool runs that
 * differ in a swept key other than its x, its group_by keys and the
 * program's observing keys, unless `pool` says why. */
bool drv_claimdef_check_pooling(const drv_experiment *s, const drv_experiment_section *c, const drv_claimdef *d,
                                const drv_csv *t, const size_t *rows, size_t nr, char *err, size_t errlen);

void drv_claimdef_free(drv_claimdef *d);

#endif
