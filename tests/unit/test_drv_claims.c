/* drv_claims, drv_claimtab, drv_select and drv_stats: claims evaluated on a
 * hand-made index table — every aggregate (each, median, mean, min, max,
 * fraction with its Wilson interval, ratio, slope) and their verdicts
 * (confirmed, contradicted, inconclusive with the runs that would decide,
 * deviation and deviation gone), missing values, where and group_by, the
 * pooling check, the errors in a claim's definition — and the claims' table
 * written and read back. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_claims.h"
#include "drv_claimtab.h"
#include "drv_fixtures.h"
#include "drv_select.h"
#include "drv_stats.h"
#include "drv_text.h"
#include "testhelp.h"

static char err[1024];

/* Eight runs: two fields, two step sizes, two repetitions; run 5 diverged. */
static const char INDEX[] = "id,index,rep,seed,field,eta,loss,ok,stop_reason,rate\n"
                            "r0,0,0,1,real,0.01,0.4,1,converged,0.9\n"
                            "r1,1,1,2,real,0.01,0.6,1,converged,nan\n"
                            "r2,2,0,1,real,0.02,0.2,0,converged,0.8\n"
                            "r3,3,1,2,real,0.02,0.3,1,max_iter,0.85\n"
                            "r4,4,0,1,complex,0.01,0.1,1,converged,0.5\n"
                            "r5,5,1,2,complex,0.01,nan,0,diverged,nan\n"
                            "r6,6,0,1,complex,0.02,0.05,1,converged,0.4\n"
                            "r7,7,1,2,complex,0.02,0.07,1,converged,0.45\n";

static drv_csv T;

/* Evaluate the one claim of "[claim c]\n" body (kind = law unless it says)
 * of a spec with `sweep` on T into *r. */
static bool one_in(const char *sweep, const char *body, drv_claims_result *r)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[experiment]\nprogram = mfd-deep\n%s[claim c]\nid = X1\nsource = [T] eq. 1\n"
             "statement = a test\n%s%s",
             sweep, strstr(body, "kind =") ? "" : "kind = law\n", body);
    drv_experiment s;
    drv_claims_result *res = NULL;
    size_t n = 0;
    err[0] = '\0';
    bool ok = fx_spec(text, "t.ini", NULL, &s, err, sizeof err) && drv_claims_eval(&s, &T, &res, &n, err, sizeof err);
    if (ok && n == 1)
        *r = res[0];
    else if (!ok)
        memset(r, 0, sizeof *r);
    free(res);
    if (s.path)
        drv_experiment_free(&s);
    return ok && n == 1;
}

static bool one(const char *body, drv_claims_result *r) { return one_in("", body, r); }

/* Does the claim give these measured, predicted, note and verdict texts? */
static bool gives(const char *body, const char *measured, const char *predicted, const char *note, drv_verdict verdict)
{
    drv_claims_result r;
    bool ok = one(body, &r) && strcmp(r.measured, measured) == 0 && strcmp(r.predicted, predicted) == 0 &&
              strcmp(r.note, note) == 0 && r.verdict == verdict;
    if (!ok)
        printf("  got measured \"%s\", predicted \"%s\", note \"%s\", %s (%s)\n", r.measured, r.predicted, r.note,
               drv_verdict_name(r.verdict), err);
    return ok;
}

/* Is the claim refused with exactly this message? */
static bool refused_in(const char *sweep, const char *body, const char *want)
{
    drv_claims_result r;
    bool ok = one_in(sweep, body, &r);
    if (ok || strcmp(err, want) != 0)
        printf("  (%s: \"%s\")\n", ok ? "evaluated" : "refused", ok ? "" : err);
    return !ok && strcmp(err, want) == 0;
}

static bool refused(const char *body, const char *want) { return refused_in("", body, want); }

static const char *const MISSING_NOTE = "1 runs without a value (the measure is missing or not finite) count against "
                                        "the claim: say how they count with missing = worst or missing = exclude";

static void test_each(void)
{
    CHECK("each: a run over the bound contradicts the claim, the worst run shown beyond the bound",
          gives("where = stop_reason == \"converged\"\nmeasure = loss\npredicted = 0.5\nbound = <=\ntolerance = 0.05\n",
                "worst of 6 runs: 0.6 (beyond the bound 0.05)", "<= 0.5; tol. 0.05", "1 of 6 runs outside the bound",
                DRV_CONTRADICTED));
    CHECK("each is the default aggregate; every run within the bound confirms it",
          gives("where = loss < 1\nmeasure = loss\npredicted = 0.6\nbound = <=\n",
                "worst of 7 runs: 0.6 (beyond the bound 0)", "<= 0.6", "", DRV_CONFIRMED));
    CHECK("each: a run without a value contradicts the claim, and the note says how to count it",
          gives("measure = loss\npredicted = 1\nbound = <=\n", "1 of 8 runs have no value", "<= 1", MISSING_NOTE,
                DRV_CONTRADICTED));
    CHECK("missing = exclude leaves it out, with the reason",
          gives("measure = loss\npredicted = 1\nbound = <=\nmissing = exclude\nmissing_reason = it diverged\n",
                "worst of 7 runs: 0.6 (beyond the bound -0.4)", "<= 1",
                "1 runs without a value excluded: it diverged", DRV_CONFIRMED));
    CHECK("missing = worst: a missing rate counts as no contraction (1)",
          gives("where = field == \"real\"\nmeasure = rate\npredicted = 0.95\nbound = <=\nmissing = worst\n",
                "worst of 4 runs: 1 (beyond the bound 0.05)", "<= 0.95", "1 of 4 runs outside the bound",
                DRV_CONTRADICTED));
    CHECK("each: >= with a relative tolerance, the prediction per run",
          gives("where = loss < 1\nmeasure = loss\npredicted = 2 * loss\nbound = >=\ntolerance = 0.5\nrelative = yes\n",
                "worst of 7 runs: 0.4 (rel. beyond the bound 0)", ">= 0.8; tol. 0.5 rel.", "", DRV_CONFIRMED));
    CHECK("each: within, one verdict per group, the claim's the worst of them",
          gives("where = loss < 1\nmeasure = loss\npredicted = 0.3\nbound = within\ntolerance = 0.25\n"
                "group_by = field\n",
                "field=real: worst of 4 runs: 0.6 (beyond the bound 0.05) (CONTRADICTED); field=complex: worst of 3 "
                "runs: 0.05 (beyond the bound -1.4e-17) (CONFIRMED)",
                "within 0.3; tol. 0.25", "1 of 4 runs outside the bound", DRV_CONTRADICTED));
}

static void test_values(void)
{
    CHECK("median with its order-statistic interval: 7 values give [min, max] (99.2%), inside the band",
          gives("where = loss < 1\nmeasure = loss\naggregate = median\npredicted = 0.3\nbound = within\n"
                "tolerance = 0.3\n",
                "median 0.2 [0.05, 0.6] over 7 runs", "within 0.3; tol. 0.3", "", DRV_CONFIRMED));
    CHECK("median: an interval across an edge is INCONCLUSIVE, with the runs that would decide",
          gives("where = loss < 1\nmeasure = loss\naggregate = median\npredicted = 0.3\nbound = <=\n",
                "median 0.2 [0.05, 0.6] over 7 runs", "<= 0.3", "about 53 runs would decide", DRV_INCONCLUSIVE));
    CHECK("median over fewer than 6 runs: even [min, max] is no 95% interval, INCONCLUSIVE though every run is "
          "inside the band",
          gives("where = loss < 0.2\nmeasure = loss\naggregate = median\npredicted = 100\nbound = <=\n",
                "median 0.07 [0.05, 0.1] over 3 runs", "<= 100",
                "with 3 runs the median's interval [min, max] covers 75.0%; a 95% interval needs 6 runs",
                DRV_INCONCLUSIVE));
    CHECK("median: a missing run contradicts (no silent drop)",
          gives("measure = loss\naggregate = median\npredicted = 1\nbound = <=\n", "1 of 8 runs have no value", "<= 1",
                MISSING_NOTE, DRV_CONTRADICTED));
    CHECK("mean with its t interval",
          gives("where = loss < 1\nmeasure = loss\naggregate = mean\npredicted = 1\nbound = <=\n",
                "mean 0.2457 [0.05891, 0.4325] over 7 runs", "<= 1", "", DRV_CONFIRMED));
    CHECK("min below a >= bound: CONTRADICTED",
          gives("where = loss < 1\nmeasure = loss\naggregate = min\npredicted = 0.1\nbound = >=\n",
                "min 0.05 over 7 runs", ">= 0.1", "", DRV_CONTRADICTED));
    CHECK("max within a <= bound: CONFIRMED",
          gives("where = loss < 1\nmeasure = loss\naggregate = max\npredicted = 0.6\nbound = <=\n",
                "max 0.6 over 7 runs", "<= 0.6", "", DRV_CONFIRMED));
    CHECK("ratio (max/min) within each group of group_by",
          gives("where = loss < 1\nmeasure = loss\naggregate = ratio\npredicted = 5\nbound = <=\ngroup_by = eta\n",
                "eta=0.01: max/min 6 over 3 runs (CONTRADICTED); eta=0.02: max/min 6 over 4 runs (CONTRADICTED)",
                "<= 5", "", DRV_CONTRADICTED));
    CHECK("a ratio over non-positive values is CONTRADICTED, whatever the bound",
          gives("where = loss < 1\nmeasure = loss - 0.1\naggregate = ratio\npredicted = 1e9\nbound = <=\n"
                "group_by = field\n",
                "field=real: max/min 5 over 4 runs (CONFIRMED); field=complex: max/min -0 over 3 runs "
                "(CONTRADICTED)",
                "<= 1e+09", "a ratio over non-positive values (the smallest is -0.05)", DRV_CONTRADICTED));
    CHECK("a relative tolerance scales with the prediction",
          gives("where = loss < 1\nmeasure = loss\naggregate = max\npredicted = 0.55\nbound = within\n"
                "tolerance = 0.1\nrelative = yes\n",
                "max 0.6 over 7 runs", "within 0.55; tol. 0.1 rel.", "", DRV_CONFIRMED));
    CHECK("no run matched: INCONCLUSIVE, and it says so",
          gives("where = eta > 1\nmeasure = loss\naggregate = median\npredicted = 1\nbound = <=\n", "", "",
                "no run matched (collect the runs first)", DRV_INCONCLUSIVE));
}

static void test_slope(void)
{
    /* medians per eta: 0.4 at 0.01 (0.4, 0.6, 0.1), 0.135 at 0.02 */
    drv_claims_result r;
    CHECK("slope over two distinct x: no standard error, INCONCLUSIVE",
          gives("where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = -1.5\n"
                "bound = within\ntolerance = 0.1\n",
                "slope -1.567 over 7 runs (2 points)", "within -1.5; tol. 0.1",
                "a slope needs three or more distinct values of eta for a standard error; got 2", DRV_INCONCLUSIVE));
    CHECK("slope over many points: slope +- 2 s.e. inside the band confirms it",
          one("where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = loss\npredicted = 1\nbound = within\n"
              "tolerance = 1e-9\n",
              &r) &&
              r.verdict == DRV_CONFIRMED && strncmp(r.measured, "slope 1 ± 0 (2 s.e.) over 7 runs, 7 points", 40) == 0);
    CHECK("slope outside its band by more than 2 s.e.: CONTRADICTED",
          one("where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = loss\npredicted = 2\nbound = within\n"
              "tolerance = 0.5\n",
              &r) &&
              r.verdict == DRV_CONTRADICTED);
    /* a noisy slope (7 points): the band is the slope +- 1 s.e., so slope +- 2 s.e. reaches past both edges and
     * the verdict must be INCONCLUSIVE; at +- 0.5 s.e. it would read CONFIRMED */
    double sl = NAN, se2 = NAN;
    CHECK("a noisy slope has a standard error",
          one("where = loss < 1\nmeasure = loss*exp(sin(100*loss))\naggregate = slope\nagainst = loss\n"
              "predicted = 0\nbound = within\ntolerance = 100\n",
              &r) &&
              sscanf(r.measured, "slope %lf ± %lf", &sl, &se2) == 2 && se2 > 0);
    char band[512];
    snprintf(band, sizeof band,
             "where = loss < 1\nmeasure = loss*exp(sin(100*loss))\naggregate = slope\nagainst = loss\n"
             "predicted = %.17g\nbound = within\ntolerance = %.17g\n",
             sl, se2 / 2);
    CHECK("a band of +- 1 s.e. around the slope: slope +- 2 s.e. is not inside it, INCONCLUSIVE",
          one(band, &r) && r.verdict == DRV_INCONCLUSIVE);
    CHECK("slope: a non-positive median contradicts (a log-log slope needs positive values)",
          gives("where = loss < 1\nmeasure = loss - 0.3\naggregate = slope\nagainst = eta\npredicted = 0\n"
                "bound = <=\n",
                "slope over 7 runs: the median at eta = 0.02 is -0.165", "<= 0",
                "a log-log slope needs positive medians", DRV_CONTRADICTED));
    CHECK("slope: an x that is not positive is a run without a value",
          gives("where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = eta - 0.015\npredicted = 0\n"
                "bound = <=\n",
                "3 of 7 runs have no value", "<= 0",
                "3 runs without a value (eta - 0.015 = -0.005 is not a positive number) count against the claim: "
                "say how they count with missing = worst or missing = exclude",
                DRV_CONTRADICTED));
    CHECK("slope, missing = worst: a censored value enters its median as +inf (0.01: 0.1 0.4 0.6 inf -> 0.5)",
          gives("measure = loss\naggregate = slope\nagainst = eta\npredicted = 0\nbound = <=\nmissing = worst\n",
                "slope -1.889 over 8 runs (2 points)", "<= 0",
                "a slope needs three or more distinct values of eta for a standard error; got 2", DRV_INCONCLUSIVE));
    CHECK("slope, missing = worst: a median that is itself worst contradicts (where it disfavours the claim)",
          gives("where = field == \"complex\"\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = 0\n"
                "bound = >=\nmissing = worst\n",
                "slope over 4 runs: the median at eta = 0.01 is inf", ">= 0",
                "half or more of the runs there have no value (worst)", DRV_CONTRADICTED));
    CHECK("slope: medians that miss a power law with no spread among the runs: repetitions would not decide",
          gives("measure = exp(100*eta + 4*(field == \"complex\"))\naggregate = slope\n"
                "against = eta + 0.05*(field == \"complex\")\npredicted = 2\nbound = within\ntolerance = 0.5\n"
                "pool = a test\n",
                "slope 2.535 ± 0.62 (2 s.e.) over 8 runs, 4 points", "within 2; tol. 0.5",
                "the medians lie off a power law by more than the runs' spread explains (slope s.e. 0.31, 0 from "
                "the spread): more repetitions would not decide; the law bends over this range of eta + "
                "0.05*(field == \"complex\"); pooled: a test",
                DRV_INCONCLUSIVE));
    CHECK("slope, missing = worst: a worst median where it favours the claim (+inf at the smallest x, an upper "
          "bound) cannot contradict it; with two points the bound does not decide",
          gives("where = field == \"complex\"\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = 0\n"
                "bound = <=\nmissing = worst\n",
                "slope -0.737 ± nan (2 s.e.) with the worst medians at eta = 0.01 taken as the largest value reached "
                "(0.1): an upper bound on the slope", "<= 0",
                "half or more of the runs at eta = 0.01 have no value (worst), on the side that favours the claim; "
                "the bound does not decide: a longer run would",
                DRV_INCONCLUSIVE));
    CHECK("slope, missing = worst: the verdict names the worst median that disfavours the claim, not one that "
          "favours it",
          gives("where = id != \"r4\"\nmeasure = loss/(id != \"r2\" and id != \"r3\")\naggregate = slope\n"
                "against = 10*eta*(field == \"real\") + (field == \"complex\")*(0.005*(eta < 0.015) + 0.05*(eta > 0.015))\n"
                "predicted = 0.5\nbound = >=\nmissing = worst\npool = a test\n",
                "slope over 7 runs: the median at 10*eta*(field == \"real\") + (field == \"complex\")*(0.005*(eta < "
                "0.015) + 0.05*(eta > 0.015)) = 0.005 is inf", ">= 0.5",
                "half or more of the runs there have no value (worst); pooled: a test", DRV_CONTRADICTED));
    CHECK("slope, missing = worst: a worst median at the smallest x of an upper-bound claim, at the largest value "
          "reached, bounds the slope from above and confirms",
          gives("where = id != \"r4\"\nmeasure = loss\naggregate = slope\n"
                "against = eta*(field == \"real\") + (field == \"complex\")*(0.005*(eta < 0.015) + 0.05*(eta > 0.015))\n"
                "predicted = -0.5\nbound = <=\nmissing = worst\npool = a test\n",
                "slope -1.02 ± 0.42 (2 s.e.) with the worst medians at eta*(field == \"real\") + (field == \"complex\")*(0.005*(eta "
                "< 0.015) + 0.05*(eta > 0.015)) = 0.005 taken as the largest value reached (0.6): an upper bound on the "
                "slope", "<= -0.5",
                "half or more of the runs at eta*(field == \"real\") + (field == \"complex\")*(0.005*(eta < 0.015) + 0.05*(eta > "
                "0.015)) = 0.005 have no value (worst), on the side that favours the claim; pooled: a test", DRV_CONFIRMED));
}

static void test_fraction(void)
{
    double lo, hi;
    drv_stats_wilson95(6, 8, &lo, &hi);
    char measured[96];
    snprintf(measured, sizeof measured, "6/8 = 0.750 [%.3f, %.3f]", lo, hi);
    CHECK("fraction >= p: an interval that only reaches p is INCONCLUSIVE, with the runs that would decide",
          gives("measure = ok == 1\naggregate = fraction\npredicted = 0.9\nbound = >=\npool = test\n", measured,
                ">= 0.9", "about 16 runs would decide at the observed fraction; pooled: test", DRV_INCONCLUSIVE));
    CHECK("... CONTRADICTED when the whole interval is below",
          gives("measure = ok == 1\naggregate = fraction\npredicted = 0.95\nbound = >=\npool = test\n", measured,
                ">= 0.95", "pooled: test", DRV_CONTRADICTED));
    CHECK("... CONFIRMED when the whole interval is above",
          gives("measure = ok == 1\naggregate = fraction\npredicted = 0.4\nbound = >=\npool = test\n", measured,
                ">= 0.4", "pooled: test", DRV_CONFIRMED));
    CHECK("<= p: CONTRADICTED when the whole interval is above",
          gives("measure = ok\naggregate = fraction\npredicted = 0.3\nbound = <=\npool = test\n", measured, "<= 0.3",
                "pooled: test", DRV_CONTRADICTED));
    CHECK("within: CONFIRMED only when the interval lies inside the band",
          gives("measure = ok\naggregate = fraction\npredicted = 0.7\nbound = within\ntolerance = 0.3\npool = test\n",
                measured, "within 0.7; tol. 0.3", "pooled: test", DRV_CONFIRMED));
    CHECK("a comparison with NaN is false, so it counts as not holding",
          gives("measure = rate > 0.6\naggregate = fraction\npredicted = 0.5\nbound = within\ntolerance = 0.47\n"
                "where = field == \"real\"\npool = test\n",
                "3/4 = 0.750 [0.301, 0.954]", "within 0.5; tol. 0.47", "pooled: test", DRV_CONFIRMED));
    CHECK("a fraction whose measure is NaN: a run without a value",
          gives("measure = rate\naggregate = fraction\npredicted = 0.5\nbound = >=\nwhere = field == \"real\"\n"
                "pool = test\n",
                "1 of 4 runs have no value", ">= 0.5", "1 runs without a value (the measure is missing or not finite) "
                "count against the claim: say how they count with missing = worst or missing = exclude; pooled: test",
                DRV_CONTRADICTED));
    CHECK_CLOSE("the Wilson interval of 6/8: lower end", lo, 0.40927, 1e-4);
    CHECK_CLOSE("the Wilson interval of 6/8: upper end", hi, 0.92848, 1e-4);
}

static void test_deviation(void)
{
    const char *dev = "where = loss < 1\nmeasure = loss\naggregate = max\npredicted = 0.5\nbound = <=\n"
                      "deviation = a written reason\nexpected = 0.6\nexpected_bound = within\n";
    char body[512];
    snprintf(body, sizeof body, "%sexpected_tolerance = 0.05\n", dev);
    CHECK("a deviation that shows as stated: DEVIATION, with what is measured instead and the reason",
          gives(body, "max 0.6 over 7 runs", "<= 0.5",
                "measured instead: within 0.6; tol. 0.05 CONFIRMED; expected deviation: a written reason",
                DRV_DEVIATION));
    snprintf(body, sizeof body, "%sexpected_tolerance = 0.01\n", dev);
    CHECK("a deviation measured outside its expected band: CONTRADICTED (it can fail)",
          gives("where = loss < 1\nmeasure = loss\naggregate = max\npredicted = 0.5\nbound = <=\n"
                "deviation = a written reason\nexpected = 0.7\nexpected_bound = within\nexpected_tolerance = 0.05\n",
                "max 0.6 over 7 runs", "<= 0.5",
                "measured instead: within 0.7; tol. 0.05 CONTRADICTED; expected deviation: a written reason",
                DRV_CONTRADICTED));
    CHECK("a deviation that is gone: the theory's bound holds after all",
          gives("where = loss < 1\nmeasure = loss\naggregate = max\npredicted = 0.7\nbound = <=\n"
                "deviation = a written reason\nexpected = 0.6\nexpected_bound = within\nexpected_tolerance = 0.05\n",
                "max 0.6 over 7 runs", "<= 0.7",
                "measured instead: within 0.6; tol. 0.05 CONFIRMED; expected deviation: a written reason",
                DRV_DEVIATION_GONE));
    drv_claims_result r;
    CHECK("the result names the experiment, claim, id, kind, source, statement and hypotheses",
          one("measure = loss\npredicted = 1\nbound = <=\nkind = identity\nhypotheses = outside: m below 4nr\n"
              "missing = exclude\nmissing_reason = diverged\n",
              &r) &&
              strcmp(r.experiment, "t") == 0 && strcmp(r.name, "c") == 0 && strcmp(r.id, "X1") == 0 &&
              r.kind == DRV_CLAIMS_IDENTITY && strcmp(r.source, "[T] eq. 1") == 0 &&
              strcmp(r.statement, "a test") == 0 && strcmp(r.hypotheses, "outside: m below 4nr") == 0);
    CHECK("kinds name and parse", strcmp(drv_claims_kind_name(DRV_CLAIMS_SANITY), "sanity") == 0 &&
                                      drv_claims_kind_parse("law", &r.kind) && r.kind == DRV_CLAIMS_LAW &&
                                      !drv_claims_kind_parse("theorem", &r.kind));
    double w;
    CHECK("worst values: iterations +inf, a rate 1, an error +inf; none for a norm",
          drv_claims_worst("iter_to_1e-10", &w) && isinf(w) && drv_claims_worst("rate", &w) && w == 1 &&
              drv_claims_worst("rel_err", &w) && isinf(w) && drv_claims_worst("mode2_t50", &w) && isinf(w) &&
              !drv_claims_worst("sv_max", &w));
    CHECK("which verdicts fail mfd check: contradicted and gone always, inconclusive but at the quick size",
          drv_claims_fails(DRV_CONTRADICTED, true) && drv_claims_fails(DRV_DEVIATION_GONE, true) &&
              drv_claims_fails(DRV_INCONCLUSIVE, false) && !drv_claims_fails(DRV_INCONCLUSIVE, true) &&
              !drv_claims_fails(DRV_DEVIATION, false) && !drv_claims_fails(DRV_CONFIRMED, false));
}

static void test_definition_errors(void)
{
    CHECK("an old claim without a kind says what to add",
          refused("measure = loss\npredicted = 0\nbound = >=\nkind =\n",
                  "t.ini:10: [claim c] kind '' is not one of law, identity, sanity") &&
              refused_in("", "measure = loss\npredicted = 0\nbound = >=\nkind = x\n",
                         "t.ini:10: [claim c] kind 'x' is not one of law, identity, sanity"));
    {
        drv_experiment s;
        drv_claims_result *res = NULL;
        size_t n = 0;
        bool ok = fx_spec("[experiment]\nprogram = mfd-deep\n[claim c]\nmeasure = loss\npredicted = 0\nbound = >=\n",
                          "t.ini", NULL, &s, err, sizeof err) &&
                  drv_claims_eval(&s, &T, &res, &n, err, sizeof err);
        CHECK("... and a claim with none is refused with the three kinds",
              !ok && strcmp(err, "t.ini:4: [claim c] has no 'kind': add kind = law (a theorem's or paper's "
                                 "prediction), identity (true by construction when the code is right) or sanity") == 0);
        free(res);
        drv_experiment_free(&s);
    }
    CHECK("an unknown aggregate", refused("measure = loss\naggregate = average\npredicted = 0\nbound = >=\n",
                                          "t.ini:9: [claim c] aggregate 'average' is not one of each, median, mean, "
                                          "min, max, fraction, ratio, slope"));
    CHECK("a missing bound", refused("measure = loss\npredicted = 0\n",
                                     "t.ini:4: [claim c] bound '(missing)' is not one of <=, >=, within"));
    CHECK("an unknown bound", refused("measure = loss\npredicted = 0\nbound = <\n",
                                      "t.ini:10: [claim c] bound '<' is not one of <=, >=, within"));
    CHECK("the old 'contains' says what to write instead",
          refused("measure = ok\naggregate = fraction\npredicted = 0.5\nbound = contains\n",
                  "t.ini:11: [claim c] bound 'contains' is gone: a fraction is decided by its whole 95% interval; "
                  "write bound = within with tolerance = the half-width of the band the data must lie in"));
    CHECK("a negative tolerance", refused("measure = loss\npredicted = 0\nbound = <=\ntolerance = -1\n",
                                          "t.ini:11: [claim c] tolerance '-1' is not a number >= 0"));
    CHECK("an empty tolerance", refused("measure = loss\npredicted = 0\nbound = <=\ntolerance =\n",
                                        "t.ini:11: [claim c] tolerance '' is not a number >= 0"));
    CHECK("an unknown missing rule", refused("measure = loss\npredicted = 0\nbound = <=\nmissing = zero\n",
                                             "t.ini:11: [claim c] missing 'zero' is not one of worst, exclude"));
    CHECK("missing = exclude without a reason",
          refused("measure = loss\npredicted = 0\nbound = <=\nmissing = exclude\n",
                  "t.ini:11: [claim c] missing = exclude needs missing_reason = <why runs without a value may be "
                  "left out>"));
    CHECK("missing = worst on a fraction",
          refused("measure = ok\naggregate = fraction\npredicted = 0\nbound = <=\nmissing = worst\n",
                  "t.ini:12: [claim c] missing = worst is not defined for aggregate = fraction (write the condition "
                  "so that a missing value makes it false, or use missing = exclude)"));
    CHECK("hypotheses other than met or outside: <why>",
          refused("measure = loss\npredicted = 0\nbound = <=\nhypotheses = outside:\n",
                  "t.ini:11: [claim c] hypotheses 'outside:' is not 'met' or 'outside: <the hypothesis the runs do "
                  "not meet>'"));
    CHECK("a deviation without what is measured instead",
          refused("measure = loss\npredicted = 0\nbound = <=\ndeviation = why\n",
                  "t.ini:11: [claim c] a deviation states, as a bound that can fail, what is measured instead: add "
                  "expected, expected_bound and expected_tolerance"));
    CHECK("against on a median",
          refused("measure = loss\naggregate = median\nagainst = eta\npredicted = 0\nbound = <=\n",
                  "t.ini:10: [claim c] against is the x of a slope or the axis of a ratio, not of aggregate = median"));
    CHECK("a missing measure", refused("predicted = 0\nbound = <=\n", "t.ini:4: [claim c] has no 'measure'"));
    CHECK("a missing prediction", refused("measure = loss\nbound = <=\n", "t.ini:4: [claim c] has no 'predicted'"));
    CHECK("a slope without against", refused("measure = loss\naggregate = slope\npredicted = 0\nbound = <=\n",
                                             "t.ini:4: [claim c] has no 'against'"));
    CHECK("a metric that is not in the table",
          refused("measure = los\npredicted = 0\nbound = <=\n",
                  "t.ini:8: [claim c] key 'measure': 'los' is neither a run parameter nor a summary column of this "
                  "experiment"));
    CHECK("a syntax error in where", refused("where = eta >\nmeasure = loss\npredicted = 0\nbound = <=\n",
                                             "t.ini:8: [claim c] key 'where': unexpected end of expression at column "
                                             "6 of 'eta >'"));
    CHECK("a group_by that is not a column",
          refused("measure = loss\npredicted = 0\nbound = <=\ngroup_by = field, depth\n",
                  "t.ini:11: [claim c] group_by 'depth' is not a run parameter"));
}

static void test_pooling(void)
{
    const char *sweep = "[sweep]\nfield = real, complex\neta = 0.01, 0.02\n";
    drv_claims_result r;
    CHECK("a fraction over runs of two swept fields, unsaid: refused, naming the key and what to add",
          refused_in(sweep, "measure = ok\naggregate = fraction\npredicted = 0.5\nbound = >=\n",
                     "t.ini:7: [claim c] pools runs that differ in 'field' (real and complex): add group_by = field "
                     "(one verdict per value), or pool = <why pooling them is sound>"));
    CHECK("... accepted with group_by on both swept keys",
          one_in(sweep, "measure = ok\naggregate = fraction\npredicted = 0.1\nbound = >=\ngroup_by = field, eta\n", &r));
    CHECK("... or with a pool reason, printed with the verdict",
          one_in(sweep, "measure = ok\naggregate = fraction\npredicted = 0.1\nbound = >=\npool = same law\n", &r) &&
              strstr(r.note, "pooled: same law") != NULL);
    CHECK("a slope's x may vary; another key at the same x may not",
          refused_in(sweep, "where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = 0\n"
                            "bound = <=\n",
                     "t.ini:7: [claim c] pools runs that differ in 'field' (real and complex at the same eta): add "
                     "group_by = field (one verdict per value), or pool = <why pooling them is sound>"));
    CHECK("a where that fixes the other key is no pooling",
          one_in(sweep, "where = field == \"real\"\nmeasure = loss\naggregate = slope\nagainst = eta\n"
                        "predicted = 0\nbound = <=\n",
                 &r));
    CHECK("each and median do not pool (every run, or one value)",
          one_in(sweep, "where = loss < 1\nmeasure = loss\naggregate = median\npredicted = 1\nbound = <=\n", &r));
}

static void test_select_stats(void)
{
    long cols[DRV_SELECT_MAX_COLUMNS];
    size_t nc = 0, *rows = NULL, nr = 0, ng = 0;
    char bad[64] = "", label[64];
    drv_select_group *g = NULL;
    CHECK("group_by names become columns (commas or spaces)",
          drv_select_columns(&T, "field eta", cols, &nc, bad, sizeof bad) && nc == 2 && cols[0] == 4 && cols[1] == 5);
    CHECK("an unknown group_by column is named",
          !drv_select_columns(&T, "field,nope", cols, &nc, bad, sizeof bad) && strcmp(bad, "nope") == 0);
    drv_expr *w = drv_expr_compile("rate", err, sizeof err);
    CHECK("where keeps the rows where it is not 0; NaN counts as true",
          w && drv_select_where(w, &T, &rows, &nr) && nr == 8);
    free(rows);
    drv_expr_free(w);
    w = drv_expr_compile("ok", err, sizeof err);
    CHECK("... and leaves out those where it is 0",
          w && drv_select_where(w, &T, &rows, &nr) && nr == 6 && rows[0] == 0 && rows[2] == 3);
    drv_expr_free(w);
    drv_select_columns(&T, "eta", cols, &nc, bad, sizeof bad);
    CHECK("groups come in the order of their first row, rows in table order",
          drv_select_groups(&T, rows, nr, cols, nc, &g, &ng) && ng == 2 && g[0].n == 3 && g[1].n == 3 &&
              g[0].rows[0] == 0 && g[0].rows[2] == 4 && g[1].rows[0] == 3);
    drv_select_columns(&T, "field, eta", cols, &nc, bad, sizeof bad);
    drv_select_label(&T, 3, cols, nc, " ", label, sizeof label);
    CHECK("a group's label", strcmp(label, "field=real eta=0.02") == 0);
    drv_select_free(g, ng);
    CHECK("no group_by: one group of every row",
          drv_select_groups(&T, rows, nr, cols, 0, &g, &ng) && ng == 1 && g[0].n == nr);
    drv_select_free(g, ng);
    free(rows);
    double v[] = {4, 1, 3, 2}, one5[] = {5, 1, 4, 2, 3};
    CHECK_CLOSE("median of an even count", drv_stats_median(v, 4), 2.5, 0);
    CHECK_CLOSE("median of an odd count", drv_stats_median(one5, 5), 3, 0);
    CHECK("median of nothing is NaN", isnan(drv_stats_median(v, 0)));
    CHECK_CLOSE("quartile, interpolated between order statistics", drv_stats_quantile(v, 4, 0.25), 1.75, 0);
    CHECK_CLOSE("upper quartile", drv_stats_quantile(v, 4, 0.75), 3.25, 0);
    CHECK("quantile of nothing is NaN", isnan(drv_stats_quantile(v, 0, 0.5)));
    double lo, hi;
    drv_stats_wilson95(0, 0, &lo, &hi);
    CHECK("the Wilson interval of no trial is [0, 1]", lo == 0 && hi == 1);
    drv_stats_wilson95(10, 10, &lo, &hi);
    CHECK_CLOSE("... of 10/10 reaches 1", hi, 1, 4 * TH_U);
    CHECK_CLOSE("... and starts at 0.7225", lo, 0.72246, 1e-4);
}

static void test_table(void)
{
    drv_claims_result r[2];
    memset(r, 0, sizeof r);
    snprintf(r[0].experiment, sizeof r[0].experiment, "e1");
    snprintf(r[0].name, sizeof r[0].name, "long_claim_name");
    snprintf(r[0].id, sizeof r[0].id, "D1");
    snprintf(r[0].source, sizeof r[0].source, "[A, B] Thm 1");
    snprintf(r[0].statement, sizeof r[0].statement, "50%% of \"runs\" & more_than ~x^2 {ok} #1 $ \\ < >");
    snprintf(r[0].predicted, sizeof r[0].predicted, ">= 0.5");
    snprintf(r[0].measured, sizeof r[0].measured, "field=real: 3/4 = 0.750 [0.301, 0.954]; field=complex: 4/4");
    snprintf(r[0].hypotheses, sizeof r[0].hypotheses, "met");
    r[0].verdict = DRV_CONFIRMED;
    r[0].kind = DRV_CLAIMS_LAW;
    r[1] = r[0];
    snprintf(r[1].note, sizeof r[1].note, "expected deviation: why");
    snprintf(r[1].hypotheses, sizeof r[1].hypotheses, "outside: m < 4nr");
    r[1].verdict = DRV_DEVIATION;
    r[1].kind = DRV_CLAIMS_SANITY;
    CHECK("claims.csv is written", drv_claimtab_write_csv("claimtab_test.csv", r, 2, err, sizeof err));
    drv_claims_result *back = NULL;
    size_t n = 0;
    CHECK("... and reads back field for field (quotes, commas)",
          drv_claimtab_read_csv("claimtab_test.csv", &back, &n, err, sizeof err) && n == 2 &&
              memcmp(&back[1], &r[1], sizeof r[1]) == 0 && memcmp(&back[0], &r[0], sizeof r[0]) == 0);
    free(back);
    CHECK("claims.tex is written", drv_claimtab_write_tex("claimtab_test.tex", r, 2, err, sizeof err));
    char buf[4096] = "";
    FILE *f = fopen("claimtab_test.tex", "r");
    size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[got] = '\0';
    CHECK("claims.tex is a longtable", strstr(buf, "\\begin{longtable}") && strstr(buf, "\\end{longtable}\n"));
    CHECK("LaTeX's special characters are escaped",
          strstr(buf, "50\\% of \"runs\" \\& more\\_than \\textasciitilde{}x\\textasciicircum{}2 \\{ok\\} \\#1 \\$ "
                      "\\textbackslash{} $<$ $>$") != NULL);
    CHECK("long claim names may break after an underscore", strstr(buf, "long\\_\\allowbreak{}claim") != NULL);
    CHECK("a deviation shows its reason, a confirmed claim does not",
          strstr(buf, "deviation\\\\*") && strstr(buf, "\\emph{expected deviation: why}") &&
              strstr(buf, "confirmed\\\\*"));
    CHECK("... and a claim outside its hypotheses says which",
          strstr(buf, "\\emph{Outside the hypotheses: m $<$ 4nr}") != NULL);
    CHECK("claims.tex starts with the counts per kind and verdict",
          strstr(buf, "law & 1 & 0 & 0 & 0 & 0 & 1\\\\\nidentity & 0 & 0 & 0 & 0 & 0 & 0\\\\\nsanity & 0 & 0 & 0 & 1 & 0 & "
                      "1\\\\") != NULL);
    CHECK("a file that cannot be written is an error naming it",
          !drv_claimtab_write_csv("no/such/dir/claims.csv", r, 1, err, sizeof err) &&
              strstr(err, "no/such/dir/claims.csv") != NULL);
    CHECK("a claims.csv that cannot be read is an error naming it",
          !drv_claimtab_read_csv("no/such/claims.csv", &back, &n, err, sizeof err) &&
              strstr(err, "no/such/claims.csv") != NULL);
    char *text = NULL;
    size_t len = 0;
    f = open_memstream(&text, &len);
    drv_claimtab_print(f, r, 2);
    fclose(f);
    CHECK("the terminal table: a header, one line per claim, a long measured text on its own line",
          text && strncmp(text, "id   claim", 10) == 0 &&
              strstr(text, "\n     measured: field=real: 3/4 = 0.750 [0.301, 0.954]; field=complex: 4/4\n") &&
              strstr(text, "\n     note: expected deviation: why\n") && strstr(text, " DEVIATION\n") &&
              strstr(text, "\n     outside: m < 4nr\n"));
    free(text);
    text = NULL;
    f = open_memstream(&text, &len);
    drv_claimtab_print_counts(f, r, 2);
    fclose(f);
    CHECK("the counts: laws within their hypotheses first, then every kind",
          text && strcmp(text, "1 laws within their theorems' hypotheses: 1 confirmed\n2 claims in all: 1 laws (1 "
                               "confirmed); 0 identities (none); 1 sanity checks (1 deviation); 0 laws measured "
                               "outside their hypotheses\n") == 0);
    if (text && !strstr(text, "1 laws within"))
        printf("  (%s)\n", text);
    free(text);
    remove("claimtab_test.csv");
    remove("claimtab_test.tex");
}

/* The terminal table's columns count characters: a multibyte "±" is never cut. */
static void test_cells(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    drv_text_cell(f, "ab\xc2\xb1" "cd", 3); /* a, b, ± */
    fputc('|', f);
    drv_text_cell(f, "x", 3);
    fputc('|', f);
    drv_text_cell(f, "", 2);
    fclose(f);
    CHECK("a cell cuts after its width in characters, keeps a multibyte one whole, pads with spaces",
          strcmp(buf, "ab\xc2\xb1|x  |  ") == 0);
    free(buf);
}

int main(void)
{
    test_cells();
    if (!fx_table(INDEX, &T, err, sizeof err)) {
        printf("FAIL the index table reads: %s\n", err);
        return 1;
    }
    test_each();
    test_values();
    test_slope();
    test_fraction();
    test_deviation();
    test_definition_errors();
    test_pooling();
    test_select_stats();
    test_table();
    drv_csv_free(&T);
    TEST_REPORT();
}
