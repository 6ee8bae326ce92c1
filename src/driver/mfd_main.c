/* mfd: the experiment driver.  Specs in experiments/ name a program, a sweep
 * and claims; mfd plans the runs, runs the programs as separate processes
 * (in parallel, sharded, resumable), collects their summaries, checks the
 * claims and draws the figures (DESIGN.md "The driver").  This file reads
 * the command line and hands it to the verb's file (README.md "Where things
 * are"). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_check.h"
#include "drv_cmd.h"
#include "drv_collect.h"
#include "drv_plot.h"
#include "drv_run.h"
#include "mfd_version.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: mfd <verb> [arguments] [options]\n\n"
               "  mfd list                           the experiments and what each verifies\n"
               "  mfd plan X [--count]               one line per run: index, id, program, arguments\n"
               "  mfd run X... | --all [-j N] [--batch B] [--shard K/N] [--task I]\n"
               "                                     run what is not yet complete (resumable)\n"
               "  mfd collect X...                   merge the summaries into results/X/index.csv\n"
               "  mfd check X... | --all             evaluate the claims; exit 1 on a contradicted claim, a gone\n"
               "                                     deviation, or (but at --scale quick) an inconclusive one\n"
               "  mfd plot X... | --all              draw the figures of the [plot] sections into\n"
               "                                     results/X/figures (PDF and PNG, with gnuplot)\n"
               "\n"
               "X is an experiment name (experiments/X.ini) or a spec path.  Options:\n"
               "  --specs DIR      where the specs are (default experiments)\n"
               "  --results DIR    where results go (default results)\n"
               "  --plots DIR      where the gnuplot scripts are (default plots)\n"
               "  --scale S        a size variant: paper (the papers' sizes) or quick (the fast variants the\n"
               "                   tests check); [experiment.S], [fixed.S] and [sweep.S] override the defaults\n"
               "  -j N             N processes at once (default: one per core); each gets one BLAS thread\n"
               "                   unless OPENBLAS_NUM_THREADS is set\n"
               "  --batch B        up to B runs per process (the program's --runs; default: about four\n"
               "                   batches per process, at most 1024 runs each); --batch 1: one run each\n"
               "  --shard K/N      only the runs whose index is K-1 modulo N (K = 1..N)\n"
               "  --task I         only run I (0-based; a Slurm array task)\n"
               "\nexit codes: 0 success, 1 a run or a claim failed, 2 bad arguments or spec\n");
}

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno)
        return false;
    *out = v;
    return true;
}

/* Options and experiment names (into args[0 .. *nargs)); 0 or an exit code. */
static int parse_args(int argc, char **argv, drv_cmd_opts *o, char **args, int *nargs)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--specs") == 0 && more)
            o->specs = argv[++i];
        else if (strcmp(a, "--results") == 0 && more)
            o->results = argv[++i];
        else if (strcmp(a, "--plots") == 0 && more)
            o->plots = argv[++i];
        else if (strcmp(a, "--scale") == 0 && more) {
            o->scale = argv[++i];
            if (!drv_experiment_scale_known(o->scale))
                return drv_cmd_fail(DRV_EXIT_USAGE, "--scale: '%s' is not a scale (expected paper or quick)", o->scale);
        } else if ((strcmp(a, "-j") == 0 && more) || (strncmp(a, "-j", 2) == 0 && a[2])) {
            const char *v = a[2] ? a + 2 : argv[++i];
            if (!parse_long(v, &o->jobs) || o->jobs < 1 || o->jobs > 1024)
                return drv_cmd_fail(DRV_EXIT_USAGE, "-j: '%s' is not a number of jobs in [1, 1024]", v);
        } else if (strcmp(a, "--batch") == 0 && more) {
            if (!parse_long(argv[++i], &o->batch) || o->batch < 1 || o->batch > 100000)
                return drv_cmd_fail(DRV_EXIT_USAGE, "--batch: '%s' is not a number of runs in [1, 100000]", argv[i]);
        } else if (strcmp(a, "--shard") == 0 && more) {
            const char *v = argv[++i];
            char *slash = strchr(v, '/');
            char kbuf[32];
            snprintf(kbuf, sizeof kbuf, "%.*s", slash ? (int)(slash - v) : 0, v);
            if (!slash || !parse_long(kbuf, &o->shard_k) || !parse_long(slash + 1, &o->shard_n) || o->shard_n < 1 ||
                o->shard_k < 1 || o->shard_k > o->shard_n)
                return drv_cmd_fail(DRV_EXIT_USAGE, "--shard: '%s' is not K/N with 1 <= K <= N", v);
        } else if (strcmp(a, "--task") == 0 && more) {
            if (!parse_long(argv[++i], &o->task) || o->task < 0)
                return drv_cmd_fail(DRV_EXIT_USAGE, "--task: '%s' is not a run index >= 0", argv[i]);
        } else if (strcmp(a, "--all") == 0)
            o->all = 1;
        else if (strcmp(a, "--count") == 0)
            o->count = 1;
        else if (a[0] == '-')
            return drv_cmd_fail(DRV_EXIT_USAGE, "unknown option '%s' (mfd --help)", a);
        else
            args[(*nargs)++] = argv[i];
    }
    return 0;
}

/* A verb that takes experiments (run, collect, check, plot), on each of
 * args[0 .. nargs) in turn; the largest exit code, and a bad spec stops it. */
static int each_experiment(const char *verb, const drv_cmd_opts *o, char **args, int nargs)
{
    int code = DRV_EXIT_OK;
    if (nargs == 0)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s: name an experiment (or --all)", verb);
    drv_claims_result *all = NULL;
    size_t nall = 0;
    if (strcmp(verb, "run") == 0 && nargs > 0)
        code = drv_run_specs(o, args, (size_t)nargs);
    for (int i = 0; strcmp(verb, "run") != 0 && i < nargs && code != DRV_EXIT_USAGE; i++) {
        int c = strcmp(verb, "collect") == 0 ? drv_collect_cmd(o, args[i])
                : strcmp(verb, "plot") == 0    ? drv_plot_spec(o, args[i])
                                               : drv_check_spec(o, args[i], &all, &nall, o->all);
        code = c > code ? c : code;
    }
    if (strcmp(verb, "check") == 0 && o->all && code != DRV_EXIT_USAGE)
        drv_check_summary(o, all, nall);
    free(all);
    return code;
}

int main(int argc, char **argv)
{
    drv_cmd_opts o = {.specs = "experiments", .results = "results", .plots = "plots", .task = -1};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? DRV_EXIT_USAGE : DRV_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mfd %s\n", MFD_VERSION);
        return DRV_EXIT_OK;
    }
    const char *verb = argv[1];
    char **args = calloc((size_t)argc, sizeof *args);
    int nargs = 0;
    int perr = args ? parse_args(argc, argv, &o, args, &nargs) : drv_cmd_fail(DRV_EXIT_USAGE, "out of memory");
    if (perr) {
        free(args);
        return perr;
    }
    int code = DRV_EXIT_OK;
    size_t nspecs = 0;
    char **specs_all = NULL;
    if (o.all) { /* every spec, after the named ones */
        specs_all = drv_cmd_all_specs(&o, &nspecs);
        char **p = realloc(args, ((size_t)nargs + nspecs + 1) * sizeof *p);
        if (!p) {
            free(args);
            return drv_cmd_fail(DRV_EXIT_USAGE, "out of memory");
        }
        args = p;
        for (size_t i = 0; i < nspecs; i++)
            args[nargs++] = specs_all[i];
    }
    if (strcmp(verb, "list") == 0)
        code = drv_cmd_list(&o);
    else if (strcmp(verb, "plan") == 0)
        code = nargs == 1 ? drv_cmd_plan(&o, args[0]) : drv_cmd_fail(DRV_EXIT_USAGE, "plan takes one experiment");
    else if (strcmp(verb, "run") == 0 || strcmp(verb, "collect") == 0 || strcmp(verb, "check") == 0 ||
             strcmp(verb, "plot") == 0)
        code = each_experiment(verb, &o, args, nargs);
    else
        code = drv_cmd_fail(DRV_EXIT_USAGE, "unknown verb '%s' (list, plan, run, collect, check, plot)", verb);
    for (size_t i = 0; i < nspecs; i++)
        free(specs_all[i]);
    free(specs_all);
    free(args);
    return code;
}
