#define _POSIX_C_SOURCE 200809L
#include "drv_check.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_claimtab.h"
#include "drv_collect.h"
#include "drv_text.h"
#include "mfd_out.h"


int drv_check_spec(const drv_cmd_opts *o, const char *x, drv_claims_result **all, size_t *nall, bool quiet)
{
    drv_experiment s;
    drv_csv t;
    size_t done, total;
    char dir[PATH_MAX], p[PATH_MAX + 32], err[1024];
    int code = drv_collect_load_index(o, x, false, &s, &t, dir, sizeof dir, &done, &total);
    if (code)
        return code;
    drv_claims_result *r;
    size_t n;
    if (!drv_claims_eval(&s, &t, &r, &n, err, sizeof err)) {
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
        drv_collect_hint_no_runs(&s, dir, done);
        drv_csv_free(&t);
        drv_experiment_free(&s);
        return code;
    }
    if (done < total)
        for (size_t i = 0; i < n; i++) {
            char note[160];
            snprintf(note, sizeof note, "%zu of %zu runs complete", done, total);
            drv_text_append(r[i].note, sizeof r[i].note, note);
        }
    if (!quiet) {
        printf("%s (%zu of %zu runs): %s\n", s.name, done, total, s.title);
        drv_claimtab_print(stdout, r, n);
        drv_claimtab_print_counts(stdout, r, n);
    }
    snprintf(p, sizeof p, "%s/claims.csv", dir);
    bool ok = drv_claimtab_write_csv(p, r, n, err, sizeof err);
    snprintf(p, sizeof p, "%s/claims.tex", dir);
    ok = ok && drv_claimtab_write_tex(p, r, n, err, sizeof err);
    if (!ok)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    /* at the quick size (the tests) a claim may be undecided, never contradicted */
    bool quick = s.scale && strcmp(s.scale, "quick") == 0;
    for (size_t i = 0; i < n; i++)
        if (drv_claims_fails(r[i].verdict, quick) && code == 0)
            code = 1;
    drv_claims_result *m = realloc(*all, (*nall + n + 1) * sizeof *m);
    if (m) {
        memcpy(m + *nall, r, n * sizeof *r);
        *all = m;
        *nall += n;
    }
    free(r);
    drv_csv_free(&t);
    drv_experiment_free(&s);
    return code;
}

void drv_check_summary(const drv_cmd_opts *o, const drv_claims_result *all, size_t nall)
{
    char err[1024], p[PATH_MAX];
    printf("All claims (%zu):\n", nall);
    drv_claimtab_print(stdout, all, nall);
    drv_claimtab_print_counts(stdout, all, nall);
    snprintf(err, sizeof err, "%s", o->results);
    bool ok = mfd_out_mkdirs(o->results, err, sizeof err) == MFD_OK;
    snprintf(p, sizeof p, "%s/claims.csv", o->results);
    ok = ok && drv_claimtab_write_csv(p, all, nall, err, sizeof err);
    snprintf(p, sizeof p, "%s/claims.tex", o->results);
    ok = ok && drv_claimtab_write_tex(p, all, nall, err, sizeof err);
    if (!ok)
        fprintf(stderr, "mfd: error: %s\n", err);
}
