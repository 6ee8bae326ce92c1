/* mfd: the experiment driver.  Specs in experiments/ name a program, a sweep
 * and claims; mfd plans the runs, runs the programs as separate processes
 * (in parallel, sharded, resumable), collects their summaries and checks
 * the claims (DESIGN.md "The driver"). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_common.h"
#include "drv_claims.h"
#include "drv_claimtab.h"
#include "drv_csv.h"
#include "drv_experiment.h"
#include "drv_plan.h"
#include "drv_plotdata.h"
#include "mfd_out.h"
#include "mfd_version.h"

static const char *const PROG = "mfd";

static void usage(FILE *f)
{
    fprintf(f, "usage: mfd <verb> [arguments] [options]\n\n"
               "  mfd list                           the experiments and what each verifies\n"
               "  mfd plan X [--count]               one line per run: index, id, program, arguments\n"
               "  mfd run X... | --all [-j N] [--shard K/N] [--task I]\n"
               "                                     run what is not yet complete (resumable)\n"
               "  mfd collect X...                   merge the summaries into results/X/index.csv\n"
               "  mfd check X... | --all             evaluate the claims; exit 1 on a failed claim\n"
               "  mfd plot X... | --all              draw the figures of the [plot] sections into\n"
               "                                     results/X/figures (PDF and PNG, with gnuplot)\n"
               "\n"
               "X is an experiment name (experiments/X.ini) or a spec path.  Options:\n"
               "  --specs DIR      where the specs are (default experiments)\n"
               "  --results DIR    where results go (default results)\n"
               "  --plots DIR      where the gnuplot scripts are (default plots)\n"
               "  --scale S        a size variant: paper (the papers' sizes) or quick (the fast variants the\n"
               "                   tests check); [experiment.S], [fixed.S] and [sweep.S] override the defaults\n"
               "  -j N             N runs at once; each gets one BLAS thread unless OPENBLAS_NUM_THREADS is set\n"
               "  --shard K/N      only the runs whose index is K-1 modulo N (K = 1..N)\n"
               "  --task I         only run I (0-based; a Slurm array task)\n"
               "\nexit codes: 0 success, 1 a run or a claim failed, 2 bad arguments or spec\n");
}

typedef struct opts {
    const char *specs, *results, *scale, *plots;
    long jobs, shard_k, shard_n, task;
    int all, count;
} opts;

/* ---- finding specs and programs ------------------------------------------ */

static void spec_path(const opts *o, const char *x, char *buf, size_t len)
{
    if (strchr(x, '/') || (strlen(x) > 4 && strcmp(x + strlen(x) - 4, ".ini") == 0))
        snprintf(buf, len, "%s", x);
    else
        snprintf(buf, len, "%s/%s.ini", o->specs, x);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* All spec files of the specs folder, sorted. */
static char **all_specs(const opts *o, size_t *n)
{
    *n = 0;
    DIR *d = opendir(o->specs);
    if (!d)
        return NULL;
    char **list = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".ini") != 0)
            continue;
        char **p = realloc(list, (*n + 1) * sizeof *p);
        if (!p)
            break;
        list = p;
        size_t need = strlen(o->specs) + l + 2;
        list[*n] = malloc(need);
        if (list[*n])
            snprintf(list[(*n)++], need, "%s/%s", o->specs, e->d_name);
    }
    closedir(d);
    qsort(list, *n, sizeof *list, cmp_str);
    return list;
}

/* The programs sit next to mfd (the build tree) or on PATH. */
static void program_path(const char *name, char *buf, size_t len)
{
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l > 0) {
        self[l] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, len, "%s/%s", self, name);
            if (access(buf, X_OK) == 0)
                return;
        }
    }
    snprintf(buf, len, "%s", name);
}

/* The lines `program flag` prints (one key per line), in *keys; NULL when
 * the program cannot be run. */
static char **program_keys(const drv_experiment *s, const char *flag, size_t *n)
{
    char prog[PATH_MAX + 16], cmd[PATH_MAX + 64], line[256];
    program_path(s->program, prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", prog, flag);
    FILE *p = popen(cmd, "r");
    mfd_strlist keys = {0, 0, NULL};
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            mfd_strlist_addf(&keys, "%s", line);
    }
    int status = p ? pclose(p) : -1;
    if (status != 0 || !keys.s) {
        mfd_strlist_free(&keys);
        *n = 0;
        return NULL;
    }
    *n = keys.n;
    return keys.s;
}

static void free_keys(char **keys, size_t n)
{
    mfd_strlist l = {n, n, keys};
    mfd_strlist_free(&l);
}

/* Every spec key must be a key of the program (`program --keys`); the
 * program's observing keys (`program --observing-keys`, flagged in its
 * parameter table) stay out of the seeds. */
static int program_check(const drv_experiment *s, bool check_keys, drv_experiment *out)
{
    char prog[PATH_MAX + 16];
    size_t nk = 0, no = 0;
    char **keys = check_keys ? program_keys(s, "--keys", &nk) : NULL;
    char **obs = program_keys(s, "--observing-keys", &no);
    program_path(s->program, prog, sizeof prog);
    int code = APP_EXIT_OK;
    if ((check_keys && !keys) || !obs)
        code = app_usage_error(PROG, "%s: program '%s' cannot be run (looked for %s)", s->path, s->program, prog);
    for (size_t i = 0; code == APP_EXIT_OK && check_keys && i < s->nfixed + s->naxes; i++) {
        const char *k = i < s->nfixed ? s->fixed[i].key : s->axes[i - s->nfixed].key;
        int kline = i < s->nfixed ? s->fixed[i].line : s->axes[i - s->nfixed].line;
        bool found = false;
        for (size_t j = 0; j < nk && !found; j++)
            found = strcmp(keys[j], k) == 0;
        if (!found)
            code = app_usage_error(PROG, "%s:%d: key '%s' is not a key of %s (%s --help lists them)", s->path, kline,
                                   k, s->program, s->program);
    }
    if (code == APP_EXIT_OK && !drv_experiment_set_observing(out, (const char *const *)obs, no))
        code = app_usage_error(PROG, "%s", mfd_status_str(MFD_ENOMEM));
    free_keys(keys, nk);
    free_keys(obs, no);
    return code;
}

static int load(const opts *o, const char *x, drv_experiment *s, bool check_keys)
{
    char path[PATH_MAX], err[1024];
    spec_path(o, x, path, sizeof path);
    if (!drv_experiment_load(path, o->scale, s, err, sizeof err))
        return app_usage_error(PROG, "%s", err);
    int code = program_check(s, check_keys, s);
    if (code != APP_EXIT_OK)
        drv_experiment_free(s); /* the caller frees only what loaded */
    return code;
}

/* ---- list and plan -------------------------------------------------------- */

static int cmd_list(const opts *o)
{
    size_t n;
    char **list = all_specs(o, &n);
    if (n == 0)
        return app_usage_error(PROG, "no specs in '%s'", o->specs);
    printf("%-26s %-10s %6s  %s\n", "experiment", "verifies", "runs", "title");
    for (size_t i = 0; i < n; i++) {
        drv_experiment s;
        char err[1024];
        if (!drv_experiment_load(list[i], o->scale, &s, err, sizeof err)) {
            printf("%-26s (%s)\n", list[i], err);
            continue;
        }
        printf("%-26s %-10s %6zu  %s\n", s.name, s.verifies ? s.verifies : "", drv_plan_count(&s), s.title);
        drv_experiment_free(&s);
    }
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return 0;
}

/* Load a spec (its keys checked against the program) and expand its plan;
 * dir gets its results folder.  0, or an exit code with nothing left to free. */
static int load_plan(const opts *o, const char *x, drv_experiment *s, drv_plan_run **runs, size_t *n, char *dir, size_t dlen)
{
    int code = load(o, x, s, true);
    if (code)
        return code;
    char err[1024];
    if (!drv_plan_expand(s, runs, n, err, sizeof err)) {
        drv_experiment_free(s);
        return app_usage_error(PROG, "%s", err);
    }
    drv_experiment_results_dir(s, o->results, dir, dlen);
    return 0;
}

static int cmd_plan(const opts *o, const char *x)
{
    drv_experiment s;
    drv_plan_run *runs;
    size_t n;
    char dir[PATH_MAX];
    int code = load_plan(o, x, &s, &runs, &n, dir, sizeof dir);
    if (code)
        return code;
    if (o->count) {
        printf("%zu\n", n);
    } else {
        for (size_t i = 0; i < n; i++) {
            printf("%zu %s %s", runs[i].index, runs[i].id, s.program);
            for (size_t k = 0; k < runs[i].nparams; k++)
                printf(" %s=%s", runs[i].params[k].key, runs[i].params[k].value);
            printf(" seed=%llu out=%s/runs/%s\n", (unsigned long long)runs[i].seed, dir, runs[i].id);
        }
    }
    drv_plan_free(runs, n);
    drv_experiment_free(&s);
    return 0;
}

/* ---- run ------------------------------------------------------------------- */

static bool is_complete(const char *dir, const char *id)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, id);
    return access(p, F_OK) == 0;
}

/* Claim run `id` with an O_EXCL lock file holding our pid; a lock whose
 * process is gone is taken over.  False when another live runner has it. */
/* Claim a run for this process: <id>.lock holds the runner's pid.  It is
 * made complete (written under a private name, then hard-linked into place,
 * which fails if the lock exists), so a reader never sees an empty lock.  A
 * lock whose process is gone is stale and taken over. */
static bool lock_run(const char *dir, const char *id)
{
    char p[PATH_MAX + 64], tmp[PATH_MAX + 96];
    snprintf(p, sizeof p, "%s/runs/%s.lock", dir, id);
    snprintf(tmp, sizeof tmp, "%s.%ld", p, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return false;
    char b[32];
    int l = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    bool wrote = write(fd, b, (size_t)l) == l;
    close(fd);
    bool got = false;
    for (int attempt = 0; wrote && attempt < 2 && !got; attempt++) {
        if (link(tmp, p) == 0) {
            got = true;
            break;
        }
        if (errno != EEXIST)
            break;
        FILE *f = fopen(p, "r");
        long pid = 0;
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (!f || (pid > 0 && kill((pid_t)pid, 0) == 0))
            break;  /* another runner is on it (or just finished) */
        unlink(p); /* stale: its process is gone */
    }
    unlink(tmp);
    return got;
}

static void unlock_run(const char *dir, const char *id)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/%s.lock", dir, id);
    unlink(p);
}

typedef struct slot {
    pid_t pid;
    size_t run;
    double start;
} slot;

static void progress(bool tty, size_t done, size_t total, size_t failed, double t0, double per_run, long jobs)
{
    if (!tty)
        return;
    double el = app_now() - t0, eta = per_run * (double)(total - done) / (double)jobs;
    fprintf(stderr, "\r%zu/%zu runs, %zu failed, elapsed %.0f s, ETA %.0f s   ", done, total, failed, el,
            done > 0 ? eta : 0.0);
    fflush(stderr);
}

/* Start one run of the plan as a child process, its output in logs/<id>.log.
 * MFD_WRAP, when set, is a command prefix (split at spaces) that runs the
 * program, e.g. "valgrind --error-exitcode=99" or "nice -n 19". */
static pid_t start_run(const drv_plan_run *r, const char *dir, const char *prog, long jobs)
{
    char out[PATH_MAX + 64], log[PATH_MAX + 64];
    snprintf(out, sizeof out, "%s/runs/%s", dir, r->id);
    snprintf(log, sizeof log, "%s/logs/%s.log", dir, r->id);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    if (jobs > 1 && !getenv("OPENBLAS_NUM_THREADS"))
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
    const char *wrap = getenv("MFD_WRAP");
    char *wbuf = strdup(wrap ? wrap : "");
    size_t nw = 0;
    for (const char *c = wbuf ? wbuf : ""; *c; c++)
        nw += *c == ' ';
    char **argv = calloc(r->nparams + nw + 5, sizeof *argv);
    char seed[64], outarg[PATH_MAX + 80];
    if (!argv || !wbuf)
        _exit(127);
    size_t a = 0;
    char *save = NULL;
    for (char *t = strtok_r(wbuf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        argv[a++] = t;
    argv[a++] = (char *)prog;
    for (size_t k = 0; k < r->nparams; k++) {
        size_t l = strlen(r->params[k].key) + strlen(r->params[k].value) + 2;
        if (!(argv[a] = malloc(l)))
            _exit(127);
        snprintf(argv[a++], l, "%s=%s", r->params[k].key, r->params[k].value);
    }
    snprintf(seed, sizeof seed, "seed=%llu", (unsigned long long)r->seed);
    snprintf(outarg, sizeof outarg, "out=%s", out);
    argv[a++] = seed;
    argv[a++] = outarg;
    execvp(argv[0], argv);
    fprintf(stderr, "mfd: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int run_spec(const opts *o, const char *x)
{
    drv_experiment s;
    drv_plan_run *runs;
    size_t n;
    char err[1024], dir[PATH_MAX], prog[PATH_MAX + 16], sub[PATH_MAX + 16];
    int code = load_plan(o, x, &s, &runs, &n, dir, sizeof dir);
    if (code)
        return code;
    program_path(s.program, prog, sizeof prog);
    snprintf(sub, sizeof sub, "%s/runs", dir);
    if (mfd_out_mkdirs(sub, err, sizeof err) != MFD_OK) { /* the results folder cannot be made: not a usage error */
        drv_plan_free(runs, n);
        drv_experiment_free(&s);
        app_error(PROG, "%s", err);
        return APP_EXIT_FAILURE;
    }
    snprintf(sub, sizeof sub, "%s/logs", dir);
    mfd_out_mkdirs(sub, err, sizeof err);
    /* this invocation's share of the plan */
    size_t *todo = malloc((n ? n : 1) * sizeof *todo), ntodo = 0, already = 0;
    for (size_t i = 0; todo && i < n; i++) {
        if (o->task >= 0 && (long)i != o->task)
            continue;
        if (o->shard_n > 0 && (long)(i % (size_t)o->shard_n) != o->shard_k - 1)
            continue;
        if (is_complete(dir, runs[i].id))
            already++;
        else
            todo[ntodo++] = i;
    }
    if (o->task >= 0 && (size_t)o->task >= n) {
        free(todo);
        drv_plan_free(runs, n);
        drv_experiment_free(&s);
        return app_usage_error(PROG, "--task %ld: the plan of %s has %zu runs (0 to %zu)", o->task, s.name, n,
                               n ? n - 1 : 0);
    }
    bool tty = isatty(STDERR_FILENO);
    long jobs = o->jobs > 0 ? o->jobs : 1;
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    size_t next = 0, done = 0, failed = 0, skipped = 0, running = 0;
    double t0 = app_now(), spent = 0;
    if (tty)
        fprintf(stderr, "%s: %zu runs to do (%zu already complete)\n", s.name, ntodo, already);
    while (slots && (next < ntodo || running > 0)) {
        while (running < (size_t)jobs && next < ntodo) {
            size_t ri = todo[next++];
            if (!lock_run(dir, runs[ri].id)) {
                skipped++;
                continue;
            }
            if (is_complete(dir, runs[ri].id)) { /* another runner finished it since we looked */
                unlock_run(dir, runs[ri].id);
                skipped++;
                continue;
            }
            pid_t pid = start_run(&runs[ri], dir, prog, jobs);
            if (pid < 0) {
                unlock_run(dir, runs[ri].id);
                failed++;
                continue;
            }
            for (long j = 0; j < jobs; j++)
                if (slots[j].pid == 0) {
                    slots[j] = (slot){pid, ri, app_now()};
                    break;
                }
            running++;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (long j = 0; j < jobs; j++) {
            if (slots[j].pid != pid)
                continue;
            const drv_plan_run *r = &runs[slots[j].run];
            bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && is_complete(dir, r->id);
            unlock_run(dir, r->id);
            spent += app_now() - slots[j].start;
            done++;
            if (!ok) {
                failed++;
                if (tty)
                    fprintf(stderr, "\n");
                fprintf(stderr, "%s: run %zu (%s) failed; see %s/logs/%s.log\n", PROG, r->index, r->id, dir, r->id);
            }
            slots[j].pid = 0;
            running--;
            progress(tty, done, ntodo - skipped, failed, t0, spent / (double)done, jobs);
        }
    }
    if (tty)
        fprintf(stderr, "\n");
    printf("%s: %zu runs done, %zu already complete, %zu taken by another runner, %zu failed (%.1f s)\n", s.name,
           done - failed, already, skipped, failed, app_now() - t0);
    free(slots);
    free(todo);
    drv_plan_free(runs, n);
    drv_experiment_free(&s);
    return failed ? 1 : 0;
}

/* ---- collect ------------------------------------------------------------------ */

static bool volatile_column(const char *name)
{
    return strcmp(name, "wall_s") == 0 || strcmp(name, "algo_s") == 0 || strcmp(name, "s_per_iter") == 0;
}

/* index.csv: one row per complete run in plan order (id, index, rep, seed,
 * parameters, summary columns); timing.csv: the time columns, which differ
 * from one execution to the next.  Returns complete runs through *ndone. */
static int collect_spec(const drv_experiment *s, const opts *o, size_t *ndone, size_t *ntotal, bool quiet)
{
    drv_plan_run *runs;
    size_t n;
    char err[1024], dir[PATH_MAX], p[PATH_MAX + 64];
    if (!drv_plan_expand(s, &runs, &n, err, sizeof err))
        return app_usage_error(PROG, "%s", err);
    drv_experiment_results_dir(s, o->results, dir, sizeof dir);
    drv_csv *sum = calloc(n ? n : 1, sizeof *sum);
    mfd_strlist cols = {0, 0, NULL};
    size_t nparam_cols = 4 + s->nfixed + s->naxes, done = 0;
    static const char *const head[4] = {"id", "index", "rep", "seed"};
    for (size_t i = 0; i < 4; i++)
        mfd_strlist_addf(&cols, "%s", head[i]);
    for (size_t i = 0; i < s->nfixed; i++)
        mfd_strlist_addf(&cols, "%s", s->fixed[i].key);
    for (size_t i = 0; i < s->naxes; i++)
        mfd_strlist_addf(&cols, "%s", s->axes[i].key);
    for (size_t i = 0; sum && i < n; i++) {
        snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, runs[i].id);
        if (access(p, F_OK) != 0)
            continue;
        if (!drv_csv_read(p, &sum[i], err, sizeof err)) {
            fprintf(stderr, "%s: warning: %s\n", PROG, err);
            continue;
        }
        done++;
        for (size_t c = 0; c < sum[i].ncols; c++) {
            bool have = volatile_column(sum[i].names[c]);
            for (size_t k = 0; k < cols.n && !have; k++)
                have = strcmp(cols.s[k], sum[i].names[c]) == 0;
            if (!have)
                mfd_strlist_addf(&cols, "%s", sum[i].names[c]);
        }
    }
    char *ib = NULL, *tb = NULL;
    size_t il = 0, tl = 0;
    FILE *fi = open_memstream(&ib, &il), *ft = open_memstream(&tb, &tl);
    for (size_t k = 0; fi && k < cols.n; k++) {
        fputs(k ? "," : "", fi);
        drv_csv_put(fi, cols.s[k]);
    }
    if (fi)
        fputc('\n', fi);
    if (ft)
        fputs("id,wall_s,algo_s,s_per_iter\n", ft);
    for (size_t i = 0; fi && ft && sum && i < n; i++) {
        if (!sum[i].names)
            continue;
        const drv_plan_run *r = &runs[i];
        char num[64];
        fputs(r->id, fi);
        fprintf(fi, ",%zu,%ld,%llu", r->index, r->rep, (unsigned long long)r->seed);
        for (size_t k = 0; k < r->nparams; k++) {
            fputc(',', fi);
            drv_csv_put(fi, r->params[k].value);
        }
        for (size_t k = nparam_cols; k < cols.n; k++) {
            long c = drv_csv_col(&sum[i], cols.s[k]);
            fputc(',', fi);
            drv_csv_put(fi, c >= 0 && sum[i].nrows > 0 ? drv_csv_cell(&sum[i], 0, (size_t)c) : "");
        }
        fputc('\n', fi);
        fputs(r->id, ft);
        static const char *const tc[3] = {"wall_s", "algo_s", "s_per_iter"};
        for (int k = 0; k < 3; k++) {
            long c = drv_csv_col(&sum[i], tc[k]);
            snprintf(num, sizeof num, "%s", c >= 0 && sum[i].nrows > 0 ? drv_csv_cell(&sum[i], 0, (size_t)c) : "");
            fprintf(ft, ",%s", num);
        }
        fputc('\n', ft);
    }
    if (fi)
        fclose(fi);
    if (ft)
        fclose(ft);
    int code = 0;
    snprintf(p, sizeof p, "%s", dir);
    if (mfd_out_mkdirs(p, err, sizeof err) != MFD_OK)
        code = app_usage_error(PROG, "%s", err);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (!code && (!ib || mfd_out_write_text(p, ib, err, sizeof err) != MFD_OK))
        code = app_usage_error(PROG, "%s", err);
    snprintf(p, sizeof p, "%s/timing.csv", dir);
    if (!code && (!tb || mfd_out_write_text(p, tb, err, sizeof err) != MFD_OK))
        code = app_usage_error(PROG, "%s", err);
    if (!code && !quiet)
        printf("%s: collected %zu of %zu runs into %s/index.csv%s\n", s->name, done, n, dir,
               done < n ? " (the others are not complete)" : "");
    free(ib);
    free(tb);
    for (size_t i = 0; sum && i < n; i++)
        drv_csv_free(&sum[i]);
    free(sum);
    mfd_strlist_free(&cols);
    drv_plan_free(runs, n);
    *ndone = done;
    *ntotal = n;
    return code;
}

static int cmd_collect(const opts *o, const char *x)
{
    drv_experiment s;
    int code = load(o, x, &s, false);
    if (code)
        return code;
    size_t d, t;
    code = collect_spec(&s, o, &d, &t, false);
    drv_experiment_free(&s);
    return code;
}

/* ---- check -------------------------------------------------------------------- */

/* Load a spec, collect what has run, and read its index.csv into t (dir: the
 * results folder).  0, or an exit code with everything freed. */
static int load_index(const opts *o, const char *x, drv_experiment *s, drv_csv *t, char *dir, size_t dlen, size_t *done,
                      size_t *total)
{
    int code = load(o, x, s, false);
    if (code)
        return code;
    if ((code = collect_spec(s, o, done, total, true)) != 0) {
        drv_experiment_free(s);
        return code;
    }
    char p[PATH_MAX + 32], err[1024];
    drv_experiment_results_dir(s, o->results, dir, dlen);
    snprintf(p, sizeof p, "%s/index.csv", dir);
    if (!drv_csv_read(p, t, err, sizeof err)) {
        drv_experiment_free(s);
        return app_usage_error(PROG, "%s", err);
    }
    return 0;
}

static int check_spec(const opts *o, const char *x, drv_claims_result **all, size_t *nall, bool quiet)
{
    drv_experiment s;
    drv_csv t;
    size_t done, total;
    char dir[PATH_MAX], p[PATH_MAX + 32], err[1024];
    int code = load_index(o, x, &s, &t, dir, sizeof dir, &done, &total);
    if (code)
        return code;
    drv_claims_result *r;
    size_t n;
    if (!drv_claims_eval(&s, &t, &r, &n, err, sizeof err)) {
        drv_csv_free(&t);
        drv_experiment_free(&s);
        return app_usage_error(PROG, "%s", err);
    }
    if (done < total)
        for (size_t i = 0; i < n; i++) {
            char note[160];
            snprintf(note, sizeof note, "%zu of %zu runs complete", done, total);
            size_t l = strlen(r[i].note);
            snprintf(r[i].note + l, sizeof r[i].note - l, "%s%s", l ? "; " : "", note);
        }
    if (!quiet) {
        printf("%s (%zu of %zu runs): %s\n", s.name, done, total, s.title);
        drv_claimtab_print(stdout, r, n);
    }
    snprintf(p, sizeof p, "%s/claims.csv", dir);
    bool ok = drv_claimtab_write_csv(p, r, n, err, sizeof err);
    snprintf(p, sizeof p, "%s/claims.tex", dir);
    ok = ok && drv_claimtab_write_tex(p, r, n, err, sizeof err);
    if (!ok)
        code = app_usage_error(PROG, "%s", err);
    for (size_t i = 0; i < n; i++)
        if (r[i].verdict == DRV_CLAIMS_FAIL && code == 0)
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

/* ---- plot --------------------------------------------------------------------- */

/* gnuplot -c script data out, its output in log; 0 or a message in err. */
static bool run_gnuplot(const char *script, const char *data, const char *out, const char *log, char *err,
                        size_t errlen)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp("gnuplot", "gnuplot", "-c", script, data, out, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "gnuplot is not installed (Debian package gnuplot-nox; make deps installs it)");
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "gnuplot failed on %.400s; see %.400s", script, log);
        return false;
    }
    return true;
}

static int plot_spec(const opts *o, const char *x)
{
    drv_experiment s;
    drv_csv t;
    size_t done, total;
    char dir[PATH_MAX], err[1024];
    int code = load_index(o, x, &s, &t, dir, sizeof dir, &done, &total);
    if (code)
        return code;
    char figs[PATH_MAX + 16], data[PATH_MAX + 32];
    snprintf(figs, sizeof figs, "%s/figures", dir);
    snprintf(data, sizeof data, "%s/data", figs);
    if (mfd_out_mkdirs(data, err, sizeof err) != MFD_OK) {
        drv_csv_free(&t);
        drv_experiment_free(&s);
        return app_usage_error(PROG, "%s", err);
    }
    char *tex = NULL;
    size_t tlen = 0;
    FILE *tf = open_memstream(&tex, &tlen);
    size_t drawn = 0;
    for (size_t i = 0; tf && i < s.nplots && code == 0; i++) {
        const drv_experiment_section *p = &s.plots[i];
        const char *script = drv_experiment_get(p, "script", NULL);
        char sp[PATH_MAX], dp[PATH_MAX + 300], part[PATH_MAX + 300], log[PATH_MAX + 300];
        snprintf(sp, sizeof sp, "%s/%s.gp", o->plots, script ? script : p->name);
        snprintf(dp, sizeof dp, "%s/%s", data, p->name);
        snprintf(part, sizeof part, "%s/%s.part", figs, p->name);
        snprintf(log, sizeof log, "%s/%s.log", data, p->name);
        size_t ns;
        if (access(sp, R_OK) != 0) {
            code = app_usage_error(PROG, "%s:%d: [plot %s]: no script %s", s.path, p->line, p->name, sp);
            break;
        }
        if (!drv_plotdata_prepare(&s, p, dir, &t, dp, &ns, err, sizeof err)) {
            code = app_usage_error(PROG, "%s", err);
            break;
        }
        if (!run_gnuplot(sp, dp, part, log, err, sizeof err)) {
            app_error(PROG, "%s: %s", s.name, err);
            code = APP_EXIT_FAILURE;
            break;
        }
        for (int k = 0; k < 2 && code == 0; k++) { /* the figure appears only when both files are complete */
            char from[PATH_MAX + 320], to[PATH_MAX + 320];
            snprintf(from, sizeof from, "%s.%s", part, k ? "png" : "pdf");
            snprintf(to, sizeof to, "%s/%s.%s", figs, p->name, k ? "png" : "pdf");
            struct stat st;
            if (stat(from, &st) != 0 || st.st_size == 0 || rename(from, to) != 0) {
                app_error(PROG, "%s: %s wrote no %s (see %s)", s.name, sp, from, log);
                code = APP_EXIT_FAILURE;
            }
        }
        const char *caption = drv_experiment_get(p, "caption", NULL);
        fprintf(tf, "\\begin{figure}[tbp]\n\\centering\n\\includegraphics[width=0.8\\linewidth,height=0.7\\textheight,keepaspectratio]{%s%s%s/figures/%s.pdf}\n"
                    "\\caption{",
                s.name, s.scale ? "-" : "", s.scale ? s.scale : "", p->name);
        drv_claimtab_tex_escape(tf, caption ? caption : s.title);
        fprintf(tf, " (\\texttt{");
        drv_claimtab_tex_escape(tf, s.name);
        fprintf(tf, "})}\n\\label{fig:%s:%s}\n\\end{figure}\n\n", s.name, p->name);
        drawn++;
    }
    if (tf) {
        fclose(tf);
        char tp[PATH_MAX + 32];
        snprintf(tp, sizeof tp, "%s/figures.tex", figs);
        if (code == 0 && mfd_out_write_text(tp, tex ? tex : "", err, sizeof err) != MFD_OK)
            code = app_usage_error(PROG, "%s", err);
        free(tex);
    }
    if (code == 0)
        printf("%s: %zu figure%s in %s (%zu of %zu runs)\n", s.name, drawn, drawn == 1 ? "" : "s", figs, done, total);
    drv_csv_free(&t);
    drv_experiment_free(&s);
    return code;
}

/* ---- main ------------------------------------------------------------------------ */

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
static int parse_args(int argc, char **argv, opts *o, char **args, int *nargs)
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
                return app_usage_error(PROG, "--scale: '%s' is not a scale (expected paper or quick)", o->scale);
        } else if ((strcmp(a, "-j") == 0 && more) || (strncmp(a, "-j", 2) == 0 && a[2])) {
            const char *v = a[2] ? a + 2 : argv[++i];
            if (!parse_long(v, &o->jobs) || o->jobs < 1 || o->jobs > 1024)
                return app_usage_error(PROG, "-j: '%s' is not a number of jobs in [1, 1024]", v);
        } else if (strcmp(a, "--shard") == 0 && more) {
            const char *v = argv[++i];
            char *slash = strchr(v, '/');
            char kbuf[32];
            snprintf(kbuf, sizeof kbuf, "%.*s", slash ? (int)(slash - v) : 0, v);
            if (!slash || !parse_long(kbuf, &o->shard_k) || !parse_long(slash + 1, &o->shard_n) || o->shard_n < 1 ||
                o->shard_k < 1 || o->shard_k > o->shard_n)
                return app_usage_error(PROG, "--shard: '%s' is not K/N with 1 <= K <= N", v);
        } else if (strcmp(a, "--task") == 0 && more) {
            if (!parse_long(argv[++i], &o->task) || o->task < 0)
                return app_usage_error(PROG, "--task: '%s' is not a run index >= 0", argv[i]);
        } else if (strcmp(a, "--all") == 0)
            o->all = 1;
        else if (strcmp(a, "--count") == 0)
            o->count = 1;
        else if (a[0] == '-')
            return app_usage_error(PROG, "unknown option '%s' (mfd --help)", a);
        else
            args[(*nargs)++] = argv[i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {"experiments", "results", NULL, "plots", 0, 0, 0, -1, 0, 0};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? APP_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mfd %s\n", MFD_VERSION);
        return 0;
    }
    const char *verb = argv[1];
    char **args = calloc((size_t)argc, sizeof *args);
    int nargs = 0;
    int perr = args ? parse_args(argc, argv, &o, args, &nargs) : app_usage_error(PROG, "out of memory");
    if (perr) {
        free(args);
        return perr;
    }
    int code = 0;
    size_t nspecs = 0;
    char **specs_all = NULL;
    if (o.all) { /* every spec, after the named ones */
        specs_all = all_specs(&o, &nspecs);
        char **p = realloc(args, ((size_t)nargs + nspecs + 1) * sizeof *p);
        if (!p) {
            free(args);
            return app_usage_error(PROG, "out of memory");
        }
        args = p;
        for (size_t i = 0; i < nspecs; i++)
            args[nargs++] = specs_all[i];
    }
    if (strcmp(verb, "list") == 0) {
        code = cmd_list(&o);
    } else if (strcmp(verb, "plan") == 0) {
        code = nargs == 1 ? cmd_plan(&o, args[0]) : app_usage_error(PROG, "plan takes one experiment");
    } else if (strcmp(verb, "run") == 0 || strcmp(verb, "collect") == 0 || strcmp(verb, "check") == 0 ||
               strcmp(verb, "plot") == 0) {
        if (nargs == 0)
            code = app_usage_error(PROG, "%s: name an experiment (or --all)", verb);
        drv_claims_result *all = NULL;
        size_t nall = 0;
        for (int i = 0; i < nargs && code != APP_EXIT_USAGE; i++) {
            int c = strcmp(verb, "run") == 0       ? run_spec(&o, args[i])
                    : strcmp(verb, "collect") == 0 ? cmd_collect(&o, args[i])
                    : strcmp(verb, "plot") == 0    ? plot_spec(&o, args[i])
                                                   : check_spec(&o, args[i], &all, &nall, o.all);
            code = c > code ? c : code;
        }
        if (strcmp(verb, "check") == 0 && o.all && code != APP_EXIT_USAGE) {
            char err[1024], p[PATH_MAX];
            printf("All claims (%zu):\n", nall);
            drv_claimtab_print(stdout, all, nall);
            size_t fails = 0, dev = 0;
            for (size_t i = 0; i < nall; i++) {
                fails += all[i].verdict == DRV_CLAIMS_FAIL;
                dev += all[i].verdict == DRV_CLAIMS_DEVIATION;
            }
            printf("%zu claims: %zu pass, %zu known deviations, %zu fail\n", nall, nall - fails - dev, dev, fails);
            snprintf(err, sizeof err, "%s", o.results);
            mfd_out_mkdirs(o.results, err, sizeof err);
            snprintf(p, sizeof p, "%s/claims.csv", o.results);
            drv_claimtab_write_csv(p, all, nall, err, sizeof err);
            snprintf(p, sizeof p, "%s/claims.tex", o.results);
            drv_claimtab_write_tex(p, all, nall, err, sizeof err);
        }
        free(all);
    } else {
        code = app_usage_error(PROG, "unknown verb '%s' (list, plan, run, collect, check, plot)", verb);
    }
    for (size_t i = 0; i < nspecs; i++)
        free(specs_all[i]);
    free(specs_all);
    free(args);
    return code;
}
