/* drv_plotdata, kinds ecdf and data_profile, on a hand-made index table:
 * the distribution's rows (jumps, ties, pairs never solved, the figure's
 * two ends), several targets pooled, normalization by an expression of the
 * run and by the best series, a series without a run on an instance, and
 * every error in such a section (file, line, key, value, what is
 * expected). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_fixtures.h"
#include "drv_plotdata.h"
#include "mfd_out.h"
#include "testhelp.h"

static char err[1024];
static const char DIR[] = "work/unit_drv_plotdata";

/* Two methods on three instances (seeds), two targets; NaN: never reached. */
static const char INDEX[] = "id,index,rep,seed,method,n,iter_to_1e-02,iter_to_1e-06,step_rule\n"
                            "a0,0,0,11,alt,10,5,20,o'neil\n"
                            "a1,1,1,12,alt,10,5,40,o'neil\n"
                            "a2,2,2,13,alt,20,10,nan,o'neil\n"
                            "s0,3,0,11,sim,10,10,nan,o'neil\n"
                            "s1,4,1,12,sim,10,2,4,o'neil\n"
                            "s2,5,2,13,sim,20,nan,nan,o'neil\n";
static drv_csv T;

/* Prepare the data of "[plot p]\n" body on T into DIR/p; the number of series. */
static bool prepare(const char *body, size_t *ns)
{
    char text[2048], data[256];
    snprintf(text, sizeof text, "[experiment]\nprogram = mfd-deep\n[plot p]\n%s", body);
    snprintf(data, sizeof data, "%s/p", DIR);
    drv_experiment s;
    err[0] = '\0';
    *ns = 0;
    bool ok = fx_spec(text, "t.ini", NULL, &s, err, sizeof err) &&
              drv_plotdata_prepare(&s, &s.plots[0], DIR, &T, data, ns, err, sizeof err);
    if (s.path)
        drv_experiment_free(&s);
    return ok;
}

/* Series i's rows as "x k n|x k n|..." (p = k/n checked on the way). */
static const char *rows_of(size_t i)
{
    static char out[1024];
    char path[256], e[256];
    snprintf(path, sizeof path, "%s/p.%zu.csv", DIR, i);
    drv_csv t;
    if (!drv_csv_read(path, &t, e, sizeof e))
        return "(unreadable)";
    out[0] = '\0';
    if (t.ncols != 4 || strcmp(t.names[0], "x") || strcmp(t.names[1], "k") || strcmp(t.names[2], "n") ||
        strcmp(t.names[3], "p")) {
        drv_csv_free(&t);
        return "(header is not x,k,n,p)";
    }
    for (size_t r = 0; r < t.nrows; r++) {
        double k = strtod(drv_csv_cell(&t, r, 1), NULL), n = strtod(drv_csv_cell(&t, r, 2), NULL);
        double p = strtod(drv_csv_cell(&t, r, 3), NULL);
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s %s %s%s", r ? "|" : "", drv_csv_cell(&t, r, 0), drv_csv_cell(&t, r, 1),
                 drv_csv_cell(&t, r, 2), fabs(p - k / n) <= 1e-15 ? "" : " (p != k/n)");
    }
    drv_csv_free(&t);
    return out;
}

/* Do series i's rows read want? */
static bool rows_are(size_t i, const char *want)
{
    const char *got = rows_of(i);
    if (strcmp(got, want) != 0)
        printf("  series %zu: got \"%s\", want \"%s\"\n", i, got, want);
    return strcmp(got, want) == 0;
}

/* Is DIR/p.series.gp, the list of series for gnuplot, want? */
static bool series_gp_is(const char *want)
{
    char path[256], got[1024];
    snprintf(path, sizeof path, "%s/p.series.gp", DIR);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
    got[n] = '\0';
    if (f)
        fclose(f);
    if (strcmp(got, want) != 0)
        printf("  got \"%s\"\n  want \"%s\"\n", got, want);
    return strcmp(got, want) == 0;
}

/* Is the section refused with a message that contains want? */
static bool refused(const char *body, const char *want)
{
    size_t ns;
    bool ok = prepare(body, &ns);
    if (ok || !strstr(err, want))
        printf("  (%s: \"%s\")\n", ok ? "accepted" : "refused", err);
    return !ok && strstr(err, want) != NULL;
}

int main(void)
{
    char e[256];
    if (!fx_table(INDEX, &T, err, sizeof err) || mfd_out_mkdirs(DIR, e, sizeof e) != MFD_OK) {
        printf("FAIL set-up: %s %s\n", err, e);
        return 1;
    }
    size_t ns;
    const char *both = "measure = `iter_to_1e-02` | `iter_to_1e-06`\n";
    char body[1024];

    /* ecdf: alt's six pairs 5, 20, 5, 40, 10, -; sim's 10, -, 2, 4, -, - */
    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method\n%s", both);
    CHECK("ecdf: two series, one per method", prepare(body, &ns) && ns == 2);
    CHECK("ecdf: a tie jumps by both pairs (5 twice), and pairs never solved leave the curve below 1 (5 of 6)",
          rows_are(1, "2 0 6|5 2 6|10 3 6|20 4 6|40 5 6"));
    CHECK("ecdf: each curve has rows at the figure's two ends (2, 40), its last level held to the right",
          rows_are(2, "2 1 6|4 2 6|10 3 6|40 3 6"));

    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method\nmeasure = `iter_to_1e-06`\n");
    CHECK("ecdf: one target, one pair per run",
          prepare(body, &ns) && rows_are(1, "4 0 3|20 1 3|40 2 3") && rows_are(2, "4 1 3|40 1 3"));

    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method\nwhere = method == \"sim\" and seed == 13\n%s", both);
    CHECK("ecdf: a figure where nothing is solved writes the header alone",
          prepare(body, &ns) && ns == 1 && rows_are(1, ""));

    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method, step_rule\nmeasure = `iter_to_1e-06`\n");
    CHECK("the series for gnuplot: nser, labels as in .series, and for keys ', ' between pairs, ' = ', '\\_'; "
          "a quote doubled in gnuplot's single quotes",
          prepare(body, &ns) && ns == 2 &&
              series_gp_is("# the series of this figure (mfd plot)\nnser = 2\n"
                           "array SERIES_LABEL[2] = ['method=alt step_rule=o''neil', 'method=sim step_rule=o''neil']\n"
                           "array SERIES_NICE[2] = ['method = alt, step\\_rule = o''neil', "
                           "'method = sim, step\\_rule = o''neil']\n"));

    /* normalize = n: alt 0.5, 2, 0.5, 4, 0.5, -; sim 1, -, 0.2, 0.4, -, - */
    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method\n%snormalize = n\n", both);
    CHECK("ecdf: normalize divides each runtime by its run's unit (three ties at 0.5)",
          prepare(body, &ns) && rows_are(1, "0.2 0 6|0.5 3 6|2 4 6|4 5 6") &&
              rows_are(2, "0.2 1 6|0.4 2 6|1 3 6|4 3 6"));

    /* data profile, performance ratios: per (seed, target), runtime / the best method's */
    snprintf(body, sizeof body, "kind = data_profile\ngroup_by = method\n%snormalize = best\n", both);
    CHECK("data_profile: normalize = best gives the performance ratios (alt: 1, 1, 2.5, 10, 1, -)",
          prepare(body, &ns) && ns == 2 && rows_are(1, "1 3 6|2.5 4 6|10 5 6"));
    CHECK("data_profile: ... (sim: 2, -, 1, 1, -, -)", rows_are(2, "1 2 6|2 3 6|10 3 6"));

    snprintf(body, sizeof body, "kind = data_profile\ngroup_by = method\n%snormalize = n\n", both);
    CHECK("data_profile: normalize by an expression, one run per method and instance: as the ecdf",
          prepare(body, &ns) && rows_are(1, "0.2 0 6|0.5 3 6|2 4 6|4 5 6") &&
              rows_are(2, "0.2 1 6|0.4 2 6|1 3 6|4 3 6"));
    snprintf(body, sizeof body, "kind = data_profile\ngroup_by = method\n%snormalize = n\nwhere = id != \"s1\"\n",
             both);
    CHECK("data_profile: a series without a run on an instance keeps |P| = 6, its pairs there unsolved",
          prepare(body, &ns) && rows_are(1, "0.5 3 6|2 4 6|4 5 6") && rows_are(2, "0.5 0 6|1 1 6|4 1 6"));
    snprintf(body, sizeof body, "kind = ecdf\ngroup_by = method\n%snormalize = n\nwhere = id != \"s1\"\n", both);
    CHECK("ecdf: ... where the ecdf counts only the runs there are (4 pairs)",
          prepare(body, &ns) && rows_are(2, "0.5 0 4|1 1 4|4 1 4"));
    snprintf(body, sizeof body, "kind = data_profile\ngroup_by = method\ninstance = rep\n%s", both);
    CHECK("data_profile: instance names the columns that identify an instance (rep here, the same instances)",
          prepare(body, &ns) && rows_are(1, "2 0 6|5 2 6|10 3 6|20 4 6|40 5 6"));

    /* the errors */
    CHECK("an unknown kind lists ecdf and data_profile",
          refused("kind = cdf\n",
                  "t.ini:4: [plot p] kind 'cdf' is not one of trace, summary, fraction, runs, ecdf, data_profile"));
    CHECK("ecdf without measure names what it expects",
          refused("kind = ecdf\n", "t.ini:4: [plot p] has no 'measure' (kind ecdf: the runtime to a target"));
    CHECK("a measure on a metric the experiment lacks names file, line and key",
          refused("kind = ecdf\nmeasure = `iter_to_1e-02` | nope\n",
                  "t.ini:5: [plot p] key 'measure': 'nope' is neither a run parameter nor a summary column"));
    CHECK("ecdf refuses x", refused("kind = ecdf\nmeasure = n\nx = n\n",
                                    "t.ini:6: [plot p] key 'x' does not apply to kind ecdf (its x is the budget"));
    CHECK("data_profile refuses y", refused("kind = data_profile\nmeasure = n\ny = n\n",
                                            "t.ini:6: [plot p] key 'y' does not apply to kind data_profile"));
    CHECK("ecdf refuses normalize = best (it has no instances to compare on)",
          refused("kind = ecdf\nmeasure = n\nnormalize = best\n",
                  "t.ini:6: [plot p] key 'normalize': 'best' (the best series' runtime on each instance and "
                  "target) needs kind data_profile"));
    CHECK("ecdf refuses instance", refused("kind = ecdf\nmeasure = n\ninstance = seed\n",
                                           "t.ini:6: [plot p] key 'instance' applies to kind data_profile only"));
    CHECK("the other kinds refuse normalize",
          refused("kind = summary\nx = n\ny = n\nnormalize = n\n",
                  "t.ini:7: [plot p] key 'normalize' applies to kind ecdf or data_profile only"));
    CHECK("an instance column that index.csv lacks is named",
          refused("kind = data_profile\nmeasure = n\ninstance = seed, nope\n",
                  "t.ini:6: [plot p] instance 'nope' is not a column of index.csv"));
    CHECK("a budget unit that is not positive names key, expression, value and run",
          refused("kind = ecdf\nmeasure = n\nnormalize = n - 10\n",
                  "t.ini:6: [plot p] key 'normalize': 'n - 10' is 0 at run a0; expected a positive budget unit"));
    CHECK("a normalize expression that fails names its reason",
          refused("kind = ecdf\nmeasure = n\nnormalize = method\n",
                  "t.ini:6: [plot p] key 'normalize': 'method' is nan at run a0 (the expression gives the text "
                  "\"alt\", not a number); expected a positive budget unit"));
    CHECK("two runs of a series on one instance are refused, naming series, instance and runs",
          refused("kind = data_profile\nmeasure = n\n",
                  "t.ini:4: [plot p] series '(every run: no group_by)' has more than one run on instance 'seed=11' "
                  "(runs a0 and s0); a data "
                  "profile takes one run of each series on each instance"));
    drv_csv_free(&T);
    TEST_REPORT();
}
