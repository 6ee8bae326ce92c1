/* drv_claims.h — checking an experiment's claims against its index.csv.
 *
 * A claim section says what is predicted and how the runs decide it:
 *   id          the THEORY.md claim (D1 … P7)
 *   kind        law (a theorem's or paper's prediction), identity (true by
 *               construction when the code is right, e.g. gauge invariance to
 *               rounding) or sanity (a property of the set-up)
 *   source      e.g. [LXGFD25 Thm 1]
 *   statement   one line of prose
 *   hypotheses  met (the default) or "outside: <which hypothesis the runs
 *               do not meet>": the claim is then measured and reported as
 *               outside the theorem's hypotheses, not as a test of it
 *   where       which runs count (an expression; default: all)
 *   measure     the measured quantity per run (an expression of the run's
 *               parameters and summary columns)
 *   aggregate   each | median | mean | min | max | fraction | ratio | slope
 *                 each      every run meets the bound (predicted may vary per run)
 *                 min, max  the smallest or largest value meets it
 *                 median    its distribution-free 95% interval (order statistics)
 *                 mean      its 95% Student-t interval
 *                 fraction  measure is a condition; the fraction that holds,
 *                           with its 95% Wilson interval
 *                 ratio     max / min of the measure over the runs (> 0)
 *                 slope     least-squares slope of log(median measure) on
 *                           log(against) over the distinct values of
 *                           `against`, with +- 2 standard errors
 *   against     the x of a slope; of a ratio, the axis it spans
 *   group_by    parameters that split the runs; one verdict per group, and
 *               the claim's is the worst of them
 *   pool        why a slope, ratio or fraction may pool runs that differ in a
 *               swept key other than `against` and `group_by` (else an error)
 *   predicted   the prediction (an expression; per run for `each`)
 *   bound       <= | >= | within (tolerance: the half-width of the band)
 *   tolerance   slack of the bound (absolute; relative with relative = yes)
 *   missing     how a run whose measure is missing (a threshold never reached,
 *               NaN) counts: absent, it contradicts the claim; `worst`
 *               replaces each missing summary value by the worst outcome of
 *               its kind (an iteration count +inf, a rate 1: no contraction;
 *               drv_claims_worst); `exclude` leaves the run out, with the
 *               reason in missing_reason, printed with the verdict
 *   deviation   an expected deviation: the written reason why the bound above
 *               (the theory's) is not met; `expected`, `expected_bound` and
 *               `expected_tolerance` (`expected_relative`) state, as a bound
 *               that can fail, what is measured instead
 *   scales      the size variants the claim is checked at (default: all)
 *
 * Verdicts (drv_verdict.h): CONFIRMED, CONTRADICTED, INCONCLUSIVE (with the
 * number of runs that would decide at the observed value), DEVIATION,
 * DEVIATION GONE. */
#ifndef DRV_CLAIMS_H
#define DRV_CLAIMS_H

#include <stdio.h>

#include "drv_csv.h"
#include "drv_experiment.h"
#include "drv_verdict.h"

typedef enum drv_claims_kind { DRV_CLAIMS_LAW, DRV_CLAIMS_IDENTITY, DRV_CLAIMS_SANITY } drv_claims_kind;

typedef struct drv_claims_result {
    char experiment[128], name[128], id[32], source[128], statement[512], hypotheses[256];
    char predicted[512], measured[1024], note[1024];
    drv_claims_kind kind;
    drv_verdict verdict;
} drv_claims_result;

/* Evaluate every claim of s on the index table.  Errors in a claim's
 * definition (a syntax error, a name that is neither a parameter nor a
 * summary column, a missing key, runs pooled without group_by or pool)
 * return false with the file and line in err. */
bool drv_claims_eval(const drv_experiment *s, const drv_csv *index, drv_claims_result **out, size_t *n, char *err,
                     size_t errlen);

/* The claims' definitions against a table of the plan's parameters (one row
 * per planned run, before any run): keys, expressions that read only
 * parameters, and pooling.  Expressions that read summary columns are
 * checked when the claims are evaluated. */
bool drv_claims_check_plan(const drv_experiment *s, const drv_csv *params, char *err, size_t errlen);

/* "law", "identity", "sanity"; and back (false for another word). */
const char *drv_claims_kind_name(drv_claims_kind k);
bool drv_claims_kind_parse(const char *word, drv_claims_kind *k);

/* The worst outcome of a summary column, for `missing = worst`: +inf for
 * iteration counts and times (a threshold never reached, a plateau never
 * left), 1 for per-step rates (no contraction), +inf for errors and losses;
 * false for a column without one. */
bool drv_claims_worst(const char *column, double *value);

/* Does this verdict make `mfd check` fail?  CONTRADICTED and DEVIATION GONE
 * always; INCONCLUSIVE unless inconclusive_ok (the quick scale). */
bool drv_claims_fails(drv_verdict v, bool inconclusive_ok);

#endif
