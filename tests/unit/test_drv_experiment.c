/* drv_experiment and drv_sweep: loading a spec — every section kind, the
 * sweep forms, scale variants, continuation lines, claims limited to scales,
 * and every malformed spec, with its file and line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "drv_experiment.h"
#include "drv_fixtures.h"
#include "testhelp.h"

static char err[1024];

/* The values of axis key joined by '|', or "(none)". */
static const char *axis(const drv_experiment *s, const char *key)
{
    static char buf[512];
    for (size_t i = 0; i < s->naxes; i++)
        if (strcmp(s->axes[i].key, key) == 0) {
            buf[0] = '\0';
            for (size_t j = 0; j < s->axes[i].n; j++) {
                size_t l = strlen(buf);
                snprintf(buf + l, sizeof buf - l, "%s%s", j ? "|" : "", s->axes[i].values[j]);
            }
            return buf;
        }
    return "(none)";
}

static const drv_sweep_axis *axis_of(const drv_experiment *s, const char *key)
{
    for (size_t i = 0; i < s->naxes; i++)
        if (strcmp(s->axes[i].key, key) == 0)
            return &s->axes[i];
    return NULL;
}

static const char *fixed(const drv_experiment *s, const char *key, int *line)
{
    for (size_t i = 0; i < s->nfixed; i++)
        if (strcmp(s->fixed[i].key, key) == 0) {
            if (line)
                *line = s->fixed[i].line;
            return s->fixed[i].value;
        }
    return "(none)";
}

/* Does loading text (as x.ini) fail with exactly the message want? */
static bool refused(const char *text, const char *scale, const char *want)
{
    drv_experiment s;
    bool ok = fx_spec(text, "specs/x.ini", scale, &s, err, sizeof err);
    if (ok)
        drv_experiment_free(&s);
    if (ok || strcmp(err, want) != 0)
        printf("  (%s: \"%s\")\n", ok ? "loaded" : "refused", ok ? "" : err);
    return !ok && strcmp(err, want) == 0;
}

static const char FULL[] = "; a spec with every section kind\n"
                           "[experiment]\n"
                           "program = mfd-deep\n"
                           "title = a title that continues\n"
                           "  on a second line\n"
                           "verifies = D5\n"
                           "repetitions = 3\n"
                           "seed = 18446744073709551615\n"
                           "method_keys = eta, init\n"
                           "[fixed]\n"
                           "depth = 4\n"
                           "iters = 1000\n"
                           "[sweep]\n"
                           "eta = 0.01,  0.02 ,0.04\n"
                           "d = lin(2, 6, 3)\n"
                           "eps = log(0.001, 0.1, 3)\n"
                           "frac = lin(0, 1, 5)\n"
                           "field, init = (real, gaussian),\n"
                           "    (complex, balanced)\n"
                           "[claim small]\n"
                           "id = D5\n"
                           "statement = a statement that continues\n"
                           "  here\n"
                           "measure = loss\n"
                           "bound = <=\n"
                           "[plot curve]\n"
                           "kind = trace\n"
                           "y = loss\n"
                           "[experiment.paper]\n"
                           "repetitions = 5\n"
                           "[fixed.paper]\n"
                           "iters = 100000\n"
                           "[sweep.paper]\n"
                           "d = 10, 20\n"
                           "field, init = (real, gaussian)\n"
                           "[fixed.quick]\n"
                           "iters = 10\n";

static void test_sections(void)
{
    drv_experiment s;
    bool ok = fx_spec(FULL, "experiments/full.ini", NULL, &s, err, sizeof err);
    CHECK("a spec with every section kind loads", ok);
    if (!ok) {
        printf("  %s\n", err);
        return;
    }
    CHECK("its name is the file's, without folder and .ini", strcmp(s.name, "full") == 0);
    CHECK("[experiment] program, verifies", strcmp(s.program, "mfd-deep") == 0 && strcmp(s.verifies, "D5") == 0);
    CHECK("a continuation line joins the title with one space",
          strcmp(s.title, "a title that continues on a second line") == 0);
    CHECK("repetitions", s.repetitions == 3);
    CHECK("the master seed takes the whole unsigned 64-bit range", s.seed == 18446744073709551615ULL);
    CHECK("method keys, trimmed",
          s.nmethod == 2 && strcmp(s.method_keys[0], "eta") == 0 && strcmp(s.method_keys[1], "init") == 0);
    int line = 0;
    CHECK("[fixed] keys with their lines",
          strcmp(fixed(&s, "iters", &line), "1000") == 0 && line == 12 && s.nfixed == 2);
    CHECK("a list axis, values trimmed", strcmp(axis(&s, "eta"), "0.01|0.02|0.04") == 0);
    CHECK("an integer lin range stays integer", strcmp(axis(&s, "d"), "2|4|6") == 0);
    CHECK("a lin range", strcmp(axis(&s, "frac"), "0|0.25|0.5|0.75|1") == 0);
    /* exp(log(a) + ...) does not land on a and b exactly; plans and seeds
     * depend on these texts, so they are pinned */
    CHECK("a log range (values as computed, not as written)",
          strcmp(axis(&s, "eps"), "0.0010000000000000002|0.010000000000000004|0.10000000000000006") == 0);
    CHECK("zipped axes continued on a second line pair their values",
          strcmp(axis(&s, "field"), "real|complex") == 0 && strcmp(axis(&s, "init"), "gaussian|balanced") == 0);
    const drv_sweep_axis *f = axis_of(&s, "field"), *i = axis_of(&s, "init"), *e = axis_of(&s, "eta");
    CHECK("zipped axes share a group, other axes do not", f && i && e && f->group == i->group && e->group != f->group);
    CHECK("an axis keeps its line and its text as written (continuations joined)",
          f && f->line == 18 && strcmp(f->raw, "(real, gaussian), (complex, balanced)") == 0);
    CHECK("axes in spec order",
          s.naxes == 6 && strcmp(s.axes[0].key, "eta") == 0 && strcmp(s.axes[5].key, "init") == 0);
    CHECK("[claim NAME] sections with their keys", s.nclaims == 1 && strcmp(s.claims[0].name, "small") == 0);
    CHECK("a claim's key continues on a second line",
          strcmp(drv_experiment_get(&s.claims[0], "statement", &line), "a statement that continues here") == 0 &&
              line == 22);
    CHECK("a missing key is NULL, its line the section's",
          drv_experiment_get(&s.claims[0], "where", &line) == NULL && line == s.claims[0].line);
    CHECK("[plot NAME] sections", s.nplots == 1 && strcmp(s.plots[0].name, "curve") == 0 &&
                                      strcmp(drv_experiment_get(&s.plots[0], "kind", NULL), "trace") == 0);
    CHECK("the scale sections are skipped without --scale",
          strcmp(fixed(&s, "iters", NULL), "1000") == 0 && strcmp(axis(&s, "d"), "2|4|6") == 0);
    char buf[256];
    drv_experiment_label(&s, buf, sizeof buf);
    CHECK("the label of the default scale is the name", strcmp(buf, "full") == 0);
    drv_experiment_results_dir(&s, "results", buf, sizeof buf);
    CHECK("results go to <results>/<name>", strcmp(buf, "results/full") == 0);
    static const char *const obs[] = {"iters", "log_every"};
    CHECK("the observing keys are copied", drv_experiment_set_observing(&s, obs, 2) && s.nobserving == 2 &&
                                               s.observing[1] != obs[1] && strcmp(s.observing[1], "log_every") == 0);
    CHECK("... and can be set again", drv_experiment_set_observing(&s, obs, 1) && s.nobserving == 1);
    drv_experiment_free(&s);
    CHECK("freeing leaves the spec empty", s.path == NULL && s.naxes == 0);
}

static void test_scales(void)
{
    drv_experiment s;
    bool ok = fx_spec(FULL, "experiments/full.ini", "paper", &s, err, sizeof err);
    CHECK("the paper scale loads", ok);
    if (!ok)
        return;
    int line = 0;
    CHECK("[experiment.paper] replaces repetitions", s.repetitions == 5);
    CHECK("[fixed.paper] replaces a value and its line",
          strcmp(fixed(&s, "iters", &line), "100000") == 0 && line == 32);
    CHECK("[sweep.paper] replaces an axis", strcmp(axis(&s, "d"), "10|20") == 0);
    CHECK("... and a zipped group, whole",
          strcmp(axis(&s, "field"), "real") == 0 && strcmp(axis(&s, "init"), "gaussian") == 0);
    CHECK("axes not named at the scale stay", strcmp(axis(&s, "eta"), "0.01|0.02|0.04") == 0);
    CHECK("the .quick sections are skipped at paper scale", strcmp(fixed(&s, "iters", NULL), "100000") == 0);
    char buf[256];
    drv_experiment_label(&s, buf, sizeof buf);
    CHECK("a scale's label is name-scale", strcmp(buf, "full-paper") == 0);
    drv_experiment_results_dir(&s, "r", buf, sizeof buf);
    CHECK("... and so is its results folder", strcmp(buf, "r/full-paper") == 0);
    drv_experiment_free(&s);
    ok = fx_spec(FULL, "full.ini", "quick", &s, err, sizeof err);
    CHECK("the quick scale takes [fixed.quick] only",
          ok && strcmp(fixed(&s, "iters", NULL), "10") == 0 && s.repetitions == 3);
    if (ok)
        drv_experiment_free(&s);
    static const char early[] = "[experiment]\nprogram = mfd-deep\n[sweep.quick]\nd = 2,\n  4\n"
                                "[fixed.quick]\niters = 10\n[experiment.quick]\nrepetitions = 2\n"
                                "[experiment]\nrepetitions = 8\n[fixed]\niters = 1000\n[sweep]\nd = 2, 4, 8\n";
    ok = fx_spec(early, "early.ini", "quick", &s, err, sizeof err);
    CHECK("scale sections above the defaults still replace them (continuations joined)",
          ok && strcmp(axis(&s, "d"), "2|4") == 0 && strcmp(fixed(&s, "iters", NULL), "10") == 0 &&
              s.repetitions == 2);
    if (ok)
        drv_experiment_free(&s);
    CHECK("paper and quick are the known scales",
          drv_experiment_scale_known("paper") && drv_experiment_scale_known("quick") &&
              !drv_experiment_scale_known("default") && !drv_experiment_scale_known("huge"));
}

static void test_claim_scales(void)
{
    static const char text[] = "[experiment]\nprogram = mfd-deep\n"
                               "[claim everywhere]\nmeasure = loss\n"
                               "[claim paper_only]\nmeasure = loss\nscales = paper\n"
                               "[claim not_quick]\nmeasure = loss\nscales = default, paper\n";
    drv_experiment s;
    const char *scales[3] = {NULL, "paper", "quick"};
    const char *want[3] = {"everywhere,not_quick", "everywhere,paper_only,not_quick", "everywhere"};
    for (int k = 0; k < 3; k++) {
        char got[128] = "", name[96];
        bool ok = fx_spec(text, "x.ini", scales[k], &s, err, sizeof err);
        for (size_t i = 0; ok && i < s.nclaims; i++) {
            size_t l = strlen(got);
            snprintf(got + l, sizeof got - l, "%s%s", i ? "," : "", s.claims[i].name);
        }
        snprintf(name, sizeof name, "claims limited to scales: at %s, %s", scales[k] ? scales[k] : "default", want[k]);
        CHECK(name, ok && strcmp(got, want[k]) == 0);
        if (ok)
            drv_experiment_free(&s);
    }
}

static void test_defaults(void)
{
    drv_experiment s;
    bool ok = fx_spec("[experiment]\nprogram = mfd-sense\n", "bare.ini", NULL, &s, err, sizeof err);
    CHECK("a spec with a program only loads", ok);
    if (!ok)
        return;
    CHECK("defaults: one repetition, master seed 1, the name as title, no axes",
          s.repetitions == 1 && s.seed == 1 && strcmp(s.title, "bare") == 0 && s.naxes == 0 && s.nfixed == 0 &&
              s.verifies == NULL && s.scale == NULL);
    drv_experiment_free(&s);
    ok = fx_spec("[experiment]\nprogram = a\ntitle = t\nprogram = b\n[fixed]\nd = 1\ne = 0\nd = 2\n[sweep]\n"
                 "eta = 1, 2\nx = 0\neta = 3\n",
                 "x.ini", NULL, &s, err, sizeof err);
    CHECK("a key given again later replaces the earlier value (experiment, fixed, sweep)",
          ok && strcmp(s.program, "b") == 0 && strcmp(fixed(&s, "d", NULL), "2") == 0 && s.nfixed == 2 &&
              strcmp(axis(&s, "eta"), "3") == 0 && s.naxes == 2);
    if (ok)
        drv_experiment_free(&s);
    /* inih reports a continuation line as the same key again, so a key
     * repeated on the very next line reads as its continuation */
    ok = fx_spec("[experiment]\nprogram = mfd-deep\n[fixed]\nd = 1\nd = 2\n", "x.ini", NULL, &s, err, sizeof err);
    CHECK("a key repeated on the next line is joined to it like a continuation",
          ok && strcmp(fixed(&s, "d", NULL), "1 2") == 0);
    if (ok)
        drv_experiment_free(&s);
    ok = drv_experiment_load("no/such/spec.ini", NULL, &s, err, sizeof err);
    CHECK("a spec that cannot be opened names it",
          !ok && strcmp(err, "cannot open spec 'no/such/spec.ini': No such file or directory") == 0);
}

#define HEAD "[experiment]\nprogram = mfd-deep\n"

/* Malformed specs: what each is, its text, the scale, the whole message. */
static const struct {
    const char *name, *text, *scale, *want;
} BAD[] = {
    {"an unknown section", HEAD "[sweeps]\nd = 1\n", NULL,
     "specs/x.ini:3: unknown section [sweeps] (expected [experiment], [fixed], [sweep], [claim NAME], [plot NAME])"},
    {"an unknown scale variant", HEAD "[fixed.huge]\nd = 1\n", NULL,
     "specs/x.ini:3: unknown section [fixed.huge] (scale variants are [experiment.S], [fixed.S], [sweep.S] with S one "
     "of paper, quick)"},
    {"a claim has no scale variant", HEAD "[claim x.paper]\nmeasure = 1\n", NULL,
     "specs/x.ini:3: unknown section [claim x.paper] (scale variants are [experiment.S], [fixed.S], [sweep.S] with S "
     "one of paper, quick)"},
    {"a scale variant of an unknown section, at another scale", HEAD "[fixd.quick]\nd = 1\n", "paper",
     "specs/x.ini:3: unknown section [fixd.quick] (scale variants are [experiment.S], [fixed.S], [sweep.S] with S one "
     "of paper, quick)"},
    {"a bad value in the requested scale's section, with its line", HEAD "[experiment.quick]\nrepetitions = 0\n"
     "[fixed]\niters = 3\n", "quick", "specs/x.ini:4: key 'repetitions': '0' is not a whole number in [1, 1000000]"},
    {"an unknown key of [experiment]", HEAD "programme = x\n", NULL,
     "specs/x.ini:3: unknown key 'programme' in [experiment] (program, title, verifies, repetitions, seed, "
     "method_keys)"},
    {"repetitions 0", HEAD "repetitions = 0\n", NULL,
     "specs/x.ini:3: key 'repetitions': '0' is not a whole number in [1, 1000000]"},
    {"repetitions not a number", HEAD "repetitions = 3x\n", NULL,
     "specs/x.ini:3: key 'repetitions': '3x' is not a whole number in [1, 1000000]"},
    {"a negative seed", HEAD "seed = -1\n", NULL, "specs/x.ini:3: key 'seed': '-1' is not an unsigned 64-bit integer"},
    {"a seed beyond 64 bits", HEAD "seed = 18446744073709551616\n", NULL,
     "specs/x.ini:3: key 'seed': '18446744073709551616' is not an unsigned 64-bit integer"},
    {"seed in [fixed]", HEAD "[fixed]\nseed = 3\n", NULL,
     "specs/x.ini:4: key 'seed' is set by the driver (the master seed is [experiment] seed)"},
    {"out in [fixed]", HEAD "[fixed]\nout = x\n", NULL,
     "specs/x.ini:4: key 'out' is set by the driver (the master seed is [experiment] seed)"},
    {"seed in [sweep]", HEAD "[sweep]\nseed = 1, 2\n", NULL,
     "specs/x.ini:4: key 'seed' is set by the driver and cannot be swept (use repetitions)"},
    {"a range without its n", HEAD "[sweep]\neta = lin(0, 1)\n", NULL,
     "specs/x.ini:4: key 'eta': bad range 'lin(0, 1)'; expected lin(a, b, n) or log(a, b, n) with a whole n >= 1 (and "
     "a, b > 0 for log)"},
    {"a range with n = 0", HEAD "[sweep]\neta = lin(0, 1, 0)\n", NULL,
     "specs/x.ini:4: key 'eta': bad range 'lin(0, 1, 0)'; expected lin(a, b, n) or log(a, b, n) with a whole n >= 1 "
     "(and a, b > 0 for log)"},
    {"a range with a fractional n", HEAD "[sweep]\neta = lin(0, 1, 2.5)\n", NULL,
     "specs/x.ini:4: key 'eta': bad range 'lin(0, 1, 2.5)'; expected lin(a, b, n) or log(a, b, n) with a whole n >= 1 "
     "(and a, b > 0 for log)"},
    {"a log range through 0", HEAD "[sweep]\neps = log(0, 1, 3)\n", NULL,
     "specs/x.ini:4: key 'eps': bad range 'log(0, 1, 3)'; expected lin(a, b, n) or log(a, b, n) with a whole n >= 1 "
     "(and a, b > 0 for log)"},
    {"an empty value in a list", HEAD "[sweep]\neta = 1, , 2\n", NULL,
     "specs/x.ini:4: key 'eta': an empty value in the list '1, , 2'"},
    {"an empty axis", HEAD "[sweep]\neta =\n", NULL, "specs/x.ini:4: key 'eta': an empty sweep axis"},
    {"a zipped tuple with a missing value", HEAD "[sweep]\nfield, d = (real, 2), (complex)\n", NULL,
     "specs/x.ini:4: key 'field, d': the tuple (complex) does not have 2 non-empty values, one per key"},
    {"a zipped axis needs tuples", HEAD "[sweep]\nfield, d = real, 2\n", NULL,
     "specs/x.ini:4: key 'field, d': 'real, 2' is not a list of tuples; expected (v1, v2, ...), (v1, v2, ...) with one "
     "value per key"},
    {"a zipped axis with an empty key", HEAD "[sweep]\nfield, , d = (real, 2)\n", NULL,
     "specs/x.ini:4: key 'field, , d': an empty key in a zipped axis"},
    {"a zipped axis with no key names", HEAD "[sweep]\n, = (1, 2)\n", NULL,
     "specs/x.ini:4: key ',': no key names before '='"},
    {"a scale section cannot split a zipped group",
     HEAD "[sweep]\nfield, d = (real, 2), (complex, 3)\n[sweep.paper]\nd = 4, 5\n", "paper",
     "specs/x.ini:6: key 'd' is swept together with other keys on line 4; replace that line's keys together"},
    {"a malformed line", HEAD "this is not ini\n", NULL,
     "specs/x.ini:3: malformed line (expected [section] or key = value)"},
    {"a spec without a program", "[experiment]\ntitle = x\n", NULL,
     "specs/x.ini:1: [experiment] has no program (mfd-deep, mfd-sense or mfd-scaled)"},
    {"a key both fixed and swept names the axis's line and the fixed one's",
     HEAD "[fixed]\neta = 1\n[sweep]\neta = 1, 2\n", NULL, "specs/x.ini:6: key 'eta' is both fixed (line 4) and swept"},
    {"an unknown claim key lists the known ones", HEAD "[claim x]\nbounds = <=\n", NULL,
     "specs/x.ini:4: unknown key 'bounds' in [claim x] (id, kind, source, statement, hypotheses, where, measure, "
     "aggregate, against, group_by, pool, predicted, bound, tolerance, relative, missing, missing_reason, deviation, "
     "expected, expected_bound, expected_tolerance, expected_relative, scales)"},
    {"an unknown plot key lists the known ones", HEAD "[plot x]\ncolour = red\n", NULL,
     "specs/x.ini:4: unknown key 'colour' in [plot x] (script, kind, where, group_by, x, y, measure, theory, instance, "
     "normalize, caption)"},
    {"a claim's scales must be known ones", HEAD "[claim x]\nmeasure = loss\nscales = default, huge\n", NULL,
     "specs/x.ini:5: [claim x] scales: 'huge' is not one of default, paper, quick"},
    {"a claim's scales may not be empty", HEAD "[claim x]\nmeasure = loss\nscales = ,\n", NULL,
     "specs/x.ini:5: [claim x] scales is empty (expected a list of default, paper, quick)"},
    {"a bad scales list after a claim for another scale is refused (every list checked first)",
     HEAD "[claim x]\nmeasure = loss\nscales = paper\n[claim y]\nmeasure = loss\nscales = huge\n", NULL,
     "specs/x.ini:8: [claim y] scales: 'huge' is not one of default, paper, quick"},
    {"the first error is the one reported", HEAD "repetitions = 0\nprogramme = x\n", NULL,
     "specs/x.ini:3: key 'repetitions': '0' is not a whole number in [1, 1000000]"},
    {"an error in a scale section counts only at that scale", HEAD "[fixed.paper]\nseed = 1\n", "paper",
     "specs/x.ini:4: key 'seed' is set by the driver (the master seed is [experiment] seed)"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++)
        CHECK(BAD[i].name, refused(BAD[i].text, BAD[i].scale, BAD[i].want));
    char longline[400];
    snprintf(longline, sizeof longline, HEAD "title = %0300d\n", 0);
    CHECK("a line longer than the reader's buffer",
          refused(longline, NULL,
                  "specs/x.ini:3: line longer than 198 characters (continue a long value on "
                  "indented lines)"));
    drv_experiment s;
    bool ok = fx_spec(HEAD "[fixed.paper]\nseed = 1\n", "x.ini", NULL, &s, err, sizeof err);
    CHECK("... and not at the default scale", ok);
    if (ok)
        drv_experiment_free(&s);
}

int main(void)
{
    test_sections();
    test_scales();
    test_claim_scales();
    test_defaults();
    test_errors();
    TEST_REPORT();
}
