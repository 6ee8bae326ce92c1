/* drv_claims, drv_claimtab, drv_select and drv_stats: claims evaluated on a
 * hand-made index table — every aggregate (each, median, mean, min, max,
 * fraction with its Wilson interval, ratio, slope), pass, fail and known
 * deviation, where and group_by, NaN, the errors in a claim's definition —
 * and the claims' table written and read back. */
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

/* Evaluate the one claim of "[claim c]\n" body on T into *r. */
static bool one(const char *body, drv_claims_result *r)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[experiment]\nprogram = mfd-deep\n[claim c]\nid = X1\nsource = [T] eq. 1\n"
             "statement = a test\n%s",
             body);
    drv_experiment s;
    drv_claims_result *res = NULL;
    size_t n = 0;
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

/* Does the claim give these measured, predicted, note and verdict texts? */
static bool gives(const char *body, const char *measured, const char *predicted, const char *note, int verdict)
{
    drv_claims_result r;
    bool ok = one(body, &r) && strcmp(r.measured, measured) == 0 && strcmp(r.predicted, predicted) == 0 &&
              strcmp(r.note, note) == 0 && r.verdict == verdict;
    if (!ok)
        printf("  got measured \"%s\", predicted \"%s\", note \"%s\", %s (%s)\n", r.measured, r.predicted, r.note,
               drv_claims_verdict_name(r.verdict), err);
    return ok;
}

/* Is the claim refused with exactly this message? */
static bool refused(const char *body, const char *want)
{
    drv_claims_result r;
    bool ok = one(body, &r);
    if (ok || strcmp(err, want) != 0)
        printf("  (%s: \"%s\")\n", ok ? "evaluated" : "refused", ok ? "" : err);
    return !ok && strcmp(err, want) == 0;
}

static void test_each(void)
{
    CHECK("each: a run over the bound fails the claim, the worst run shown with its deviation",
          gives("where = stop_reason == \"converged\"\nmeasure = loss\npredicted = 0.5\nbound = <=\ntolerance = 0.05\n",
                "worst of 6 runs: 0.6 (dev. 0.1)", "<= 0.5; tol. 0.05", "1 of 6 runs outside the bound",
                DRV_CLAIMS_FAIL));
    CHECK("each is the default aggregate; every run within the bound passes",
          gives("where = loss < 1\nmeasure = loss\npredicted = 0.6\nbound = <=\n", "worst of 7 runs: 0.6 (dev. 0)",
                "<= 0.6", "", DRV_CLAIMS_PASS));
    CHECK("each: a NaN measure counts against the claim",
          gives("measure = loss\npredicted = 1\nbound = <=\n", "worst of 8 runs: nan (dev. inf)", "<= 1",
                "1 of 8 runs outside the bound", DRV_CLAIMS_FAIL));
    CHECK("each: >= with a relative tolerance, the prediction per run",
          gives("where = loss < 1\nmeasure = loss\npredicted = 2 * loss\nbound = >=\ntolerance = 0.5\nrelative = yes\n",
                "worst of 7 runs: 0.4 (rel. dev. 0.5)", ">= 0.8; tol. 0.5 rel.", "", DRV_CLAIMS_PASS));
    CHECK("each: within, per group, every group must pass",
          gives("where = loss < 1\nmeasure = loss\npredicted = 0.3\nbound = within\ntolerance = 0.25\n"
                "group_by = field\n",
                "field=real: worst of 4 runs: 0.6 (dev. 0.3) (fails); field=complex: worst of 3 runs: 0.05 (dev. 0.25)",
                "within 0.3; tol. 0.25", "1 of 4 runs outside the bound", DRV_CLAIMS_FAIL));
}

static void test_values(void)
{
    CHECK("median over the runs, NaN left out and counted",
          gives("measure = loss\naggregate = median\npredicted = 0.2\nbound = within\ntolerance = 0.01\n",
                "median 0.2 over 7 runs", "within 0.2; tol. 0.01", "1 runs gave NaN", DRV_CLAIMS_PASS));
    CHECK("median of an even count: the mean of the middle two",
          gives("where = eta == 0.02\nmeasure = loss\naggregate = median\npredicted = 0.135\nbound = within\n"
                "tolerance = 1e-12\n",
                "median 0.135 over 4 runs", "within 0.135; tol. 1e-12", "", DRV_CLAIMS_PASS));
    CHECK("mean", gives("measure = loss\naggregate = mean\npredicted = 0.25\nbound = <=\n", "mean 0.2457 over 7 runs",
                        "<= 0.25", "1 runs gave NaN", DRV_CLAIMS_PASS));
    CHECK("min", gives("measure = loss\naggregate = min\npredicted = 0.1\nbound = >=\n", "min 0.05 over 7 runs",
                       ">= 0.1", "1 runs gave NaN", DRV_CLAIMS_FAIL));
    CHECK("max", gives("measure = loss\naggregate = max\npredicted = 0.6\nbound = <=\n", "max 0.6 over 7 runs",
                       "<= 0.6", "1 runs gave NaN", DRV_CLAIMS_PASS));
    CHECK("ratio (max/min) within each group of group_by",
          gives("measure = loss\naggregate = ratio\npredicted = 5\nbound = <=\ngroup_by = eta\n",
                "eta=0.01: max/min 6 over 3 runs (fails); eta=0.02: max/min 6 over 4 runs (fails)", "<= 5",
                "1 runs gave NaN", DRV_CLAIMS_FAIL));
    CHECK("a relative tolerance scales with the prediction",
          gives("measure = loss\naggregate = median\npredicted = 0.21\nbound = within\ntolerance = 0.1\n"
                "relative = yes\n",
                "median 0.2 over 7 runs", "within 0.21; tol. 0.1 rel.", "1 runs gave NaN", DRV_CLAIMS_PASS));
    CHECK("all NaN: no value, and the claim fails",
          gives("where = stop_reason == \"diverged\"\nmeasure = loss\naggregate = median\npredicted = 1\nbound = <=\n",
                "no value (1 runs, all NaN)", "", "", DRV_CLAIMS_FAIL));
    CHECK("no run matched: the claim fails and says so",
          gives("where = eta > 1\nmeasure = loss\naggregate = median\npredicted = 1\nbound = <=\n", "", "",
                "no run matched (collect the runs first)", DRV_CLAIMS_FAIL));
}

static void test_slope(void)
{
    /* medians per eta: 0.4 at 0.01 (0.4, 0.6, 0.1), 0.135 at 0.02 */
    double want = (log(0.135) - log(0.4)) / (log(0.02) - log(0.01));
    char measured[96], body[256];
    snprintf(measured, sizeof measured, "slope %.4g over 7 runs", want);
    CHECK("slope: log-log least squares of the medians per distinct x",
          gives("measure = loss\naggregate = slope\nagainst = eta\npredicted = -1.5\nbound = within\ntolerance = 0.1\n",
                measured, "within -1.5; tol. 0.1", "2 points, so no standard error for the slope; 1 runs gave NaN",
                DRV_CLAIMS_PASS));
    drv_claims_result r;
    CHECK("slope: three points have a standard error",
          one("where = loss < 1\nmeasure = loss\naggregate = slope\nagainst = loss\npredicted = 1\nbound = within\n"
              "tolerance = 1e-9\n",
              &r) &&
              strstr(r.note, "7 points, slope standard error 0") == r.note && r.verdict == DRV_CLAIMS_PASS);
    CHECK("slope: one distinct x fails and says it needs two, naming the key",
          gives("where = eta == 0.01\nmeasure = loss\naggregate = slope\nagainst = eta\npredicted = 0\nbound = <=\n",
                "slope nan over 3 runs", "<= 0",
                "a slope needs two or more distinct positive values of eta with positive medians; got 1; "
                "1 runs gave NaN",
                DRV_CLAIMS_FAIL));
    snprintf(body, sizeof body,
             "measure = loss\naggregate = slope\nagainst = sqrt(eta - 0.015)\npredicted = 0\n"
             "bound = <=\n");
    CHECK("slope: an x that is NaN is left out (the median of no value is NaN)",
          gives(body, "slope nan over 7 runs", "<= 0",
                "a slope needs two or more distinct positive values of sqrt(eta - 0.015) with positive medians; "
                "got 1; 1 runs gave NaN",
                DRV_CLAIMS_FAIL));
}

static void test_fraction(void)
{
    double lo, hi;
    drv_stats_wilson95(6, 8, &lo, &hi);
    char measured[96];
    snprintf(measured, sizeof measured, "6/8 = 0.750 [%.3f, %.3f]", lo, hi);
    CHECK("fraction with its 95% Wilson interval: >= passes while the interval reaches the prediction",
          gives("measure = ok == 1\naggregate = fraction\npredicted = 0.9\nbound = >=\n", measured, ">= 0.9", "",
                DRV_CLAIMS_PASS));
    CHECK("... and fails when the whole interval is below",
          gives("measure = ok == 1\naggregate = fraction\npredicted = 0.95\nbound = >=\n", measured, ">= 0.95", "",
                DRV_CLAIMS_FAIL));
    CHECK("<= fails when the whole interval is above",
          gives("measure = ok\naggregate = fraction\npredicted = 0.3\nbound = <=\n", measured, "<= 0.3", "",
                DRV_CLAIMS_FAIL));
    CHECK("contains: the interval holds the prediction",
          gives("measure = ok\naggregate = fraction\npredicted = 0.5\nbound = contains\n", measured, "contains 0.5", "",
                DRV_CLAIMS_PASS));
    CHECK("within with a tolerance: the interval meets the band",
          gives("measure = ok\naggregate = fraction\npredicted = 0.3\nbound = within\ntolerance = 0.15\n", measured,
                "within 0.3 ± 0.15", "", DRV_CLAIMS_PASS));
    CHECK("a NaN measure is left out of the fraction and counted",
          gives("measure = rate\naggregate = fraction\npredicted = 0.5\nbound = contains\n"
                "where = field == \"real\"\n",
                "3/3 = 1.000 [0.439, 1.000]", "contains 0.5", "1 runs gave NaN", DRV_CLAIMS_PASS));
    CHECK("a comparison with NaN is false, so it counts as not holding",
          gives("measure = rate > 0.6\naggregate = fraction\npredicted = 0.5\nbound = contains\n"
                "where = field == \"real\"\n",
                "3/4 = 0.750 [0.301, 0.954]", "contains 0.5", "", DRV_CLAIMS_PASS));
    CHECK_CLOSE("the Wilson interval of 6/8: lower end", lo, 0.40927, 1e-4);
    CHECK_CLOSE("the Wilson interval of 6/8: upper end", hi, 0.92848, 1e-4);
}

static void test_deviation(void)
{
    CHECK("a known deviation that shows: DEVIATION, with its reason",
          gives("measure = loss\naggregate = max\npredicted = 0.5\nbound = <=\ndeviation = a written reason\n",
                "max 0.6 over 7 runs", "<= 0.5", "1 runs gave NaN; known deviation: a written reason",
                DRV_CLAIMS_DEVIATION));
    CHECK("a known deviation that does not show: PASS, and the note says so",
          gives("measure = loss\naggregate = max\npredicted = 0.7\nbound = <=\ndeviation = a written reason\n",
                "max 0.6 over 7 runs", "<= 0.7",
                "1 runs gave NaN; known deviation (not observed this time): a "
                "written reason",
                DRV_CLAIMS_PASS));
    CHECK("verdict names", strcmp(drv_claims_verdict_name(DRV_CLAIMS_PASS), "PASS") == 0 &&
                               strcmp(drv_claims_verdict_name(DRV_CLAIMS_FAIL), "FAIL") == 0 &&
                               strcmp(drv_claims_verdict_name(DRV_CLAIMS_DEVIATION), "DEVIATION") == 0);
    drv_claims_result r;
    CHECK("the result names the experiment, claim, id, source and statement",
          one("measure = loss\npredicted = 1\nbound = <=\n", &r) && strcmp(r.experiment, "t") == 0 &&
              strcmp(r.name, "c") == 0 && strcmp(r.id, "X1") == 0 && strcmp(r.source, "[T] eq. 1") == 0 &&
              strcmp(r.statement, "a test") == 0);
}

static void test_definition_errors(void)
{
    CHECK("an unknown aggregate", refused("measure = loss\naggregate = average\npredicted = 0\nbound = >=\n",
                                          "t.ini:8: [claim c] aggregate 'average' is not one of each, median, mean, "
                                          "min, max, fraction, ratio, slope"));
    CHECK("a missing bound", refused("measure = loss\npredicted = 0\n",
                                     "t.ini:4: [claim c] bound '(missing)' is not one of <=, >=, within, contains"));
    CHECK("an unknown bound", refused("measure = loss\npredicted = 0\nbound = <\n",
                                      "t.ini:9: [claim c] bound '<' is not one of <=, >=, within, contains"));
    CHECK("a negative tolerance", refused("measure = loss\npredicted = 0\nbound = <=\ntolerance = -1\n",
                                          "t.ini:10: [claim c] tolerance '-1' is not a number >= 0"));
    CHECK("a tolerance that is not a number", refused("measure = loss\npredicted = 0\nbound = <=\ntolerance = 1e\n",
                                                      "t.ini:10: [claim c] tolerance '1e' is not a number >= 0"));
    CHECK("a missing measure", refused("predicted = 0\nbound = <=\n", "t.ini:4: [claim c] has no 'measure'"));
    CHECK("a missing prediction", refused("measure = loss\nbound = <=\n", "t.ini:4: [claim c] has no 'predicted'"));
    CHECK("a slope without against", refused("measure = loss\naggregate = slope\npredicted = 0\nbound = <=\n",
                                             "t.ini:4: [claim c] has no 'against'"));
    CHECK("a metric that is not in the table",
          refused("measure = los\npredicted = 0\nbound = <=\n",
                  "t.ini:7: [claim c] key 'measure': 'los' is neither a run parameter nor a summary column of this "
                  "experiment"));
    CHECK("a syntax error in where", refused("where = eta >\nmeasure = loss\npredicted = 0\nbound = <=\n",
                                             "t.ini:7: [claim c] key 'where': unexpected end of expression at column "
                                             "6 of 'eta >'"));
    CHECK("a group_by that is not a column",
          refused("measure = loss\npredicted = 0\nbound = <=\ngroup_by = field, depth\n",
                  "t.ini:10: [claim c] group_by 'depth' is not a run parameter"));
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
    r[0].verdict = DRV_CLAIMS_PASS;
    r[1] = r[0];
    snprintf(r[1].note, sizeof r[1].note, "known deviation: why");
    r[1].verdict = DRV_CLAIMS_DEVIATION;
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
    CHECK("a deviation shows its reason, a pass does not",
          strstr(buf, "deviation\\\\*") && strstr(buf, "\\emph{known deviation: why}") && strstr(buf, "pass\\\\*"));
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
              strstr(text, "\n     note: known deviation: why\n") && strstr(text, " DEVIATION\n"));
    free(text);
    remove("claimtab_test.csv");
    remove("claimtab_test.tex");
}

int main(void)
{
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
    test_select_stats();
    test_table();
    drv_csv_free(&T);
    TEST_REPORT();
}
