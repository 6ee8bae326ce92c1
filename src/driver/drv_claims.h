/* drv_claims.h — checking an experiment's claims against its index.csv.
 *
 * A claim section names its source and what it measures:
 *   id          the THEORY.md claim (D1 … P7)
 *   source      e.g. [LXGFD25 Thm 1]
 *   statement   one line of prose
 *   where       which runs count (an expression; default: all)
 *   measure     the measured quantity per run (an expression of the run's
 *               parameters and summary columns)
 *   aggregate   each | median | mean | min | max | fraction | ratio | slope
 *                 each      every run meets the bound (predicted may vary per run)
 *                 fraction  measure is a condition; the fraction that holds,
 *                           with its 95% Wilson interval
 *                 ratio     max / min of the measure over the runs
 *                 slope     least-squares slope of log(median measure) on
 *                           log(against) over the distinct values of `against`
 *   against     the parameter of a slope
 *   group_by    parameters that split the runs; every group must pass
 *   predicted   the prediction (an expression; per run for `each`)
 *   bound       <= | >= | within | contains (fractions: the 95% interval is
 *               compared, so a claim fails only when the data contradict it)
 *   tolerance   allowed slack (absolute; relative with relative = yes)
 *   deviation   the written reason when the claim is a known deviation: it
 *               is still measured and printed, and does not fail the check. */
#ifndef DRV_CLAIMS_H
#define DRV_CLAIMS_H

#include <stdio.h>

#include "drv_csv.h"
#include "drv_experiment.h"

enum { DRV_CLAIMS_PASS, DRV_CLAIMS_FAIL, DRV_CLAIMS_DEVIATION };

typedef struct drv_claims_result {
    char experiment[128], name[128], id[32], source[128], statement[512];
    char predicted[512], measured[1024], note[512];
    int verdict;
} drv_claims_result;

/* Evaluate every claim of s on the index table.  Errors in a claim's
 * definition (a syntax error, a name that is neither a parameter nor a
 * summary column) return false with the file and line in err. */
bool drv_claims_eval(const drv_experiment *s, const drv_csv *index, drv_claims_result **out, size_t *n, char *err,
                     size_t errlen);

const char *drv_claims_verdict_name(int verdict);

#endif
