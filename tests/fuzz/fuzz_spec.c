/* Fuzzing the experiment-spec loader (inih and mfd's handlers, sweeps,
 * zipped axes, scale sections), the plan expansion and the claim and plot
 * expression language, with libFuzzer (make fuzz) or by replaying a corpus
 * (CTest).  Any input must give a spec or an error message: never a crash,
 * a hang, a leak or a sanitizer report. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "drv_expr.h"
#include "drv_experiment.h"
#include "drv_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every name is a number (or, for "field", a text), so that evaluation runs
 * all the way through the tree. */
static bool lookup(void *ctx, const char *name, drv_expr_value *out)
{
    (void)ctx;
    if (strcmp(name, "field") == 0) {
        out->is_str = true;
        out->str = "real";
        return true;
    }
    if (strcmp(name, "unknown") == 0)
        return false;
    out->is_str = false;
    out->num = (double)(strlen(name) % 7) - 2.5;
    return true;
}

static void exercise(const drv_experiment_section *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < c[i].nkeys; k++) {
            char err[256];
            drv_expr *e = drv_expr_compile(c[i].keys[k].value, err, sizeof err);
            if (e) {
                drv_expr_value v;
                drv_expr_eval(e, lookup, NULL, &v, err, sizeof err);
                drv_expr_free(e);
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 1 << 16)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        FILE *fp = fmemopen((void *)data, size, "r");
        if (!fp)
            return 0;
        drv_experiment s;
        char err[1024];
        if (drv_experiment_load_stream(fp, "fuzz.ini", pass ? "paper" : NULL, &s, err, sizeof err)) {
            if (drv_plan_count(&s) <= 2000) {
                drv_plan_run *runs;
                size_t n;
                if (drv_plan_expand(&s, &runs, &n, err, sizeof err))
                    drv_plan_free(runs, n);
            }
            exercise(s.claims, s.nclaims);
            exercise(s.plots, s.nplots);
            drv_experiment_free(&s);
        }
        fclose(fp);
    }
    return 0;
}
