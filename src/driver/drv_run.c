#define _POSIX_C_SOURCE 200809L
#include "drv_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mfd_out.h"

/* Monotonic seconds, for the progress line and the summary's time. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool drv_run_is_complete(const char *dir, const char *id)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, id);
    return access(p, F_OK) == 0;
}

/* Claim a run for this process: <id>.lock holds the runner's pid.  It is
 * made complete (written under a private name, then hard-linked into place,
 * which fails if the lock exists), so a reader never sees an empty lock.  A
 * lock whose process is gone is stale and taken over.  False when another
 * live runner has it. */
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

typedef struct slot {
    pid_t pid;
    size_t run;
    double start;
} slot;

/* One mfd run of one experiment: the runs it is to do (todo, indices into
 * the plan), the children running in slots, and the counts. */
typedef struct runner {
    const drv_plan_run *runs;
    const char *dir, *prog;
    const size_t *todo;
    size_t ntodo;
    long jobs;
    bool tty;
    slot *slots;
    size_t next, done, failed, skipped, running;
    double t0, spent;
} runner;

/* This invocation's share of the plan (--task, --shard), less what is
 * complete (counted in *already); NULL when memory runs out. */
static size_t *share(const drv_cmd_opts *o, const drv_plan_run *runs, size_t n, const char *dir, size_t *ntodo,
                     size_t *already)
{
    size_t *todo = malloc((n ? n : 1) * sizeof *todo);
    *ntodo = *already = 0;
    for (size_t i = 0; todo && i < n; i++) {
        if (o->task >= 0 && (long)i != o->task)
            continue;
        if (o->shard_n > 0 && (long)(i % (size_t)o->shard_n) != o->shard_k - 1)
            continue;
        if (drv_run_is_complete(dir, runs[i].id))
            (*already)++;
        else
            todo[(*ntodo)++] = i;
    }
    return todo;
}

static void progress(const runner *R)
{
    if (!R->tty)
        return;
    size_t total = R->ntodo - R->skipped;
    double per_run = R->spent / (double)R->done;
    double el = now() - R->t0, eta = per_run * (double)(total - R->done) / (double)R->jobs;
    fprintf(stderr, "\r%zu/%zu runs, %zu failed, elapsed %.0f s, ETA %.0f s   ", R->done, total, R->failed, el,
            R->done > 0 ? eta : 0.0);
    fflush(stderr);
}

/* Start runs until every slot is busy or nothing is left to start; a run
 * that another runner holds, or has finished meanwhile, is skipped. */
static void start_next(runner *R)
{
    while (R->running < (size_t)R->jobs && R->next < R->ntodo) {
        size_t ri = R->todo[R->next++];
        const char *id = R->runs[ri].id;
        if (!lock_run(R->dir, id)) {
            R->skipped++;
            continue;
        }
        if (drv_run_is_complete(R->dir, id)) { /* another runner finished it since we looked */
            unlock_run(R->dir, id);
            R->skipped++;
            continue;
        }
        pid_t pid = start_run(&R->runs[ri], R->dir, R->prog, R->jobs);
        if (pid < 0) {
            unlock_run(R->dir, id);
            R->failed++;
            continue;
        }
        for (long j = 0; j < R->jobs; j++)
            if (R->slots[j].pid == 0) {
                R->slots[j] = (slot){pid, ri, now()};
                break;
            }
        R->running++;
    }
}

/* Account for the child pid that ended with status: a run failed unless it
 * exited 0 and left a complete folder. */
static void finished(runner *R, pid_t pid, int status)
{
    for (long j = 0; j < R->jobs; j++) {
        if (R->slots[j].pid != pid)
            continue;
        const drv_plan_run *r = &R->runs[R->slots[j].run];
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && drv_run_is_complete(R->dir, r->id);
        unlock_run(R->dir, r->id);
        R->spent += now() - R->slots[j].start;
        R->done++;
        if (!ok) {
            R->failed++;
            if (R->tty)
                fprintf(stderr, "\n");
            fprintf(stderr, "mfd: run %zu (%s) failed; see %s/logs/%s.log\n", r->index, r->id, R->dir, r->id);
        }
        R->slots[j].pid = 0;
        R->running--;
        progress(R);
    }
}

/* Run the todo list, jobs at a time, until every run has ended. */
static void run_all(runner *R)
{
    while (R->slots && (R->next < R->ntodo || R->running > 0)) {
        start_next(R);
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        finished(R, pid, status);
    }
}

int drv_run_spec(const drv_cmd_opts *o, const char *x)
{
    drv_experiment s;
    drv_plan_run *runs;
    size_t n;
    char err[1024], dir[PATH_MAX], prog[PATH_MAX + 16], sub[PATH_MAX + 16];
    int code = drv_cmd_load_plan(o, x, &s, &runs, &n, dir, sizeof dir);
    if (code)
        return code;
    drv_cmd_program_path(s.program, prog, sizeof prog);
    snprintf(sub, sizeof sub, "%s/runs", dir);
    if (mfd_out_mkdirs(sub, err, sizeof err) != MFD_OK) { /* the results folder cannot be made: not a usage error */
        drv_plan_free(runs, n);
        drv_experiment_free(&s);
        return drv_cmd_fail(DRV_EXIT_FAILURE, "%s", err);
    }
    snprintf(sub, sizeof sub, "%s/logs", dir);
    mfd_out_mkdirs(sub, err, sizeof err);
    size_t ntodo, already;
    size_t *todo = share(o, runs, n, dir, &ntodo, &already);
    if (o->task >= 0 && (size_t)o->task >= n) {
        free(todo);
        drv_plan_free(runs, n);
        code = drv_cmd_fail(DRV_EXIT_USAGE, "--task %ld: the plan of %s has %zu runs (0 to %zu)", o->task, s.name,
                            n, n ? n - 1 : 0);
        drv_experiment_free(&s);
        return code;
    }
    runner R = {.runs = runs, .dir = dir, .prog = prog, .todo = todo, .ntodo = ntodo};
    R.tty = isatty(STDERR_FILENO);
    R.jobs = o->jobs > 0 ? o->jobs : 1;
    R.slots = calloc((size_t)R.jobs, sizeof *R.slots);
    R.t0 = now();
    if (R.tty)
        fprintf(stderr, "%s: %zu runs to do (%zu already complete)\n", s.name, ntodo, already);
    run_all(&R);
    if (R.tty)
        fprintf(stderr, "\n");
    printf("%s: %zu runs done, %zu already complete, %zu taken by another runner, %zu failed (%.1f s)\n", s.name,
           R.done - R.failed, already, R.skipped, R.failed, now() - R.t0);
    free(R.slots);
    free(todo);
    drv_plan_free(runs, n);
    drv_experiment_free(&s);
    return R.failed ? DRV_EXIT_FAILURE : DRV_EXIT_OK;
}
