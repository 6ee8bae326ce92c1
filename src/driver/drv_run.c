#define _POSIX_C_SOURCE 200809L
#include "drv_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drv_budget.h"
#include "mfd_out.h"

/* Monotonic seconds, for the progress line and the summary's time. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long drv_run_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (n > 1024 ? 1024 : n) : 1;
}

size_t drv_run_auto_batch(size_t ntodo, long jobs, size_t group)
{
    /* about four batches per job, so that the jobs end together, and at most
     * DRV_BATCH_MAX runs in one process, so that progress and a second runner
     * see batches end (a killed batch loses only its unfinished runs, and
     * those it completed in its last seconds, mfd_out.h's queue).  A process
     * start costs about 20 ms of CPU (linking, OpenBLAS's buffers): at 64 runs
     * a batch that was a tenth of the phase diagram's CPU time.  Runs that
     * share an operator stay in one batch, even when they are more than a
     * job's share: the jobs left idle go to that process's operator passes
     * (start_next), and a split would build and stream the operator once per
     * part.  [TMC21] Fig. 2's sensing panel at paper size (one group of 8 runs
     * over a 3.2 GB operator, -j 2): 368 s end to end whole, with two threads
     * for the passes, against 432 s split in two batches of 4. */
    size_t nj = (size_t)(jobs > 0 ? jobs : 1), b = ntodo / (4 * nj);
    if (b < group)
        b = group;
    return b < 1 ? 1 : b > DRV_BATCH_MAX ? DRV_BATCH_MAX : b;
}

/* The runs from todo[i] on that share todo[i]'s operator seed (group_by_operator put them together). */
static size_t op_group_len(const drv_plan_run *runs, const size_t *todo, size_t ntodo, size_t i)
{
    size_t j = i + 1;
    while (j < ntodo && runs[todo[i]].has_op_seed && runs[todo[j]].has_op_seed &&
           runs[todo[j]].op_seed == runs[todo[i]].op_seed)
        j++;
    return j - i;
}

bool drv_run_is_complete(const char *dir, const char *id)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/%s/summary.csv", dir, id);
    return access(p, F_OK) == 0;
}

bool drv_run_pid_gone(long pid) { return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH; }

/* True when the lock file p exists and its runner's process is gone
 * (drv_run_pid_gone), or it names none. */
static bool lock_is_stale(const char *p)
{
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return pid <= 0 || drv_run_pid_gone(pid);
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
        if (!lock_is_stale(p))
            break; /* another runner is on it (or just finished) */
        unlink(p);
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

/* The child's side of a start: output to log, one BLAS thread per job
 * unless set, MFD_THREADS_AVAILABLE = threads (the cores the child may use
 * for a large operator's passes), and argv run under MFD_WRAP (a command
 * prefix split at spaces, e.g. "valgrind --error-exitcode=99" or "nice -n
 * 19").  Never returns. */
static void exec_logged(const char *log, long jobs, long threads, char **args, size_t nargs)
{
    char tb[32];
    snprintf(tb, sizeof tb, "%ld", threads > 1 ? threads : 1L);
    setenv("MFD_THREADS_AVAILABLE", tb, 1);
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
    char **argv = calloc(nargs + nw + 2, sizeof *argv);
    if (!argv || !wbuf)
        _exit(127);
    size_t a = 0;
    char *save = NULL;
    for (char *t = strtok_r(wbuf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        argv[a++] = t;
    for (size_t k = 0; k < nargs; k++)
        argv[a++] = args[k];
    execvp(argv[0], argv);
    fprintf(stderr, "mfd: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Run r's arguments, key=value each, seed (op_seed) and out last, into args (from
 * args[0]); the number written, or 0 when memory runs out. */
static size_t run_args(const drv_plan_run *r, const char *dir, char **args)
{
    size_t a = 0;
    for (size_t k = 0; k < r->nparams; k++) {
        size_t l = strlen(r->params[k].key) + strlen(r->params[k].value) + 2;
        if (!(args[a] = malloc(l)))
            return 0;
        snprintf(args[a++], l, "%s=%s", r->params[k].key, r->params[k].value);
    }
    char buf[PATH_MAX + 80];
    snprintf(buf, sizeof buf, "seed=%llu", (unsigned long long)r->seed);
    args[a++] = strdup(buf);
    if (r->has_op_seed) {
        snprintf(buf, sizeof buf, "op_seed=%llu", (unsigned long long)r->op_seed);
        if (!(args[a++] = strdup(buf)))
            return 0;
    }
    snprintf(buf, sizeof buf, "out=%s/runs/%s", dir, r->id);
    args[a++] = strdup(buf);
    return args[a - 1] && args[a - 2] ? a : 0;
}

/* Start one run of the plan as a child process, its output in
 * logs/<id>.log. */
static pid_t start_run(const drv_plan_run *r, const char *dir, const char *prog, long jobs, long threads)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char log[PATH_MAX + 64];
    snprintf(log, sizeof log, "%s/logs/%s.log", dir, r->id);
    char **args = calloc(r->nparams + 5, sizeof *args);
    if (!args)
        _exit(127);
    args[0] = (char *)prog;
    size_t n = run_args(r, dir, args + 1);
    if (!n)
        _exit(127);
    exec_logged(log, jobs, threads, args, n + 1);
    return -1;
}

/* Can run r go in a runs file (no TAB or newline in a value)? */
static bool batchable(const drv_plan_run *r)
{
    for (size_t k = 0; k < r->nparams; k++)
        if (strpbrk(r->params[k].value, "\t\n"))
            return false;
    return true;
}

/* Start the runs batch[0 .. nb) in one child process, `prog --runs
 * logs/batch-<first id>.runs`, its output in logs/batch-<first id>.log. */
static pid_t start_batch(const drv_plan_run *runs, const size_t *batch, size_t nb, const char *dir, const char *prog,
                         long jobs, long threads)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/logs/batch-%s.runs", dir, runs[batch[0]].id);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    bool ok = true;
    for (size_t i = 0; ok && i < nb; i++) {
        const drv_plan_run *r = &runs[batch[i]];
        char **args = calloc(r->nparams + 3, sizeof *args);
        size_t n = args ? run_args(r, dir, args) : 0;
        ok = n > 0;
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%s%s", k ? "\t" : "", args[k]);
        fputc('\n', f);
        for (size_t k = 0; args && k < r->nparams + 3; k++)
            free(args[k]);
        free(args);
    }
    if (fclose(f) != 0 || !ok)
        return -1;
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char log[PATH_MAX + 64];
    snprintf(log, sizeof log, "%s/logs/batch-%s.log", dir, runs[batch[0]].id);
    char *args[] = {(char *)prog, (char *)"--runs", path};
    exec_logged(log, jobs, threads, args, 3);
    return -1;
}

typedef struct slot {
    pid_t pid;
    size_t *batch, nb; /* the runs (indices into the plan) the child is doing */
    double start;
} slot;

/* One mfd run of one experiment: the runs it is to do (todo, indices into
 * the plan), the children running in slots, and the counts. */
typedef struct runner {
    const drv_plan_run *runs;
    const char *dir, *prog;
    const size_t *todo;
    size_t ntodo, batch; /* batch: runs per child process */
    long jobs;
    bool tty;
    slot *slots;
    size_t next, done, failed, skipped, running;
    double t0, spent;
    drv_budget budget; /* the complete runs of smaller budgets that runs continue */
    long *pool;        /* NULL, or the free jobs shared with the runners of other experiments */
} runner;

/* Before run r starts: when its folder does not exist, copy the complete run
 * of a smaller budget that it continues, if there is one (drv_budget.h). */
static void adopt(runner *R, const drv_plan_run *r)
{
    char to[PATH_MAX + 64];
    snprintf(to, sizeof to, "%s/runs/%s", R->dir, r->id);
    if (access(to, F_OK) == 0)
        return;
    char **args = calloc(r->nparams + 3, sizeof *args);
    size_t n = args ? run_args(r, R->dir, args) : 0;
    if (n)
        drv_budget_adopt(&R->budget, r->id, args, n);
    for (size_t k = 0; args && k < r->nparams + 3; k++)
        free(args[k]);
    free(args);
}

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
        if (drv_run_is_complete(dir, runs[i].id)) {
            /* a runner killed after its run wrote summary.csv, before it
             * unlocked the run, left the lock behind */
            char p[PATH_MAX + 64];
            snprintf(p, sizeof p, "%s/runs/%s.lock", dir, runs[i].id);
            if (lock_is_stale(p))
                unlink(p);
            (*already)++;
        } else
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

/* The next runs to start, up to R->batch of them, each locked for this
 * runner, into b; a run that another runner holds, or has finished
 * meanwhile, is skipped.  The number taken. */
static size_t take(runner *R, size_t *b)
{
    size_t nb = 0;
    while (nb < R->batch && R->next < R->ntodo) {
        /* a batch ends before an operator's runs that would fit whole in the next one */
        if (nb > 0 && R->runs[R->todo[R->next]].has_op_seed &&
            R->runs[R->todo[R->next]].op_seed != R->runs[R->todo[R->next - 1]].op_seed) {
            size_t len = op_group_len(R->runs, R->todo, R->ntodo, R->next);
            if (len > R->batch - nb && len <= R->batch)
                break;
        }
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
        adopt(R, &R->runs[ri]);
        b[nb++] = ri;
        if (!batchable(&R->runs[ri]))
            break; /* it goes alone */
    }
    return nb;
}

/* Start children until every slot is busy or nothing is left to start: one
 * run per child, or a batch of runs through the program's --runs. */
static void start_next(runner *R)
{
    if (!R->slots) /* its set-up ran out of memory: nothing starts, spec_done says it has ended */
        return;
    while (R->running < (size_t)R->jobs && (!R->pool || *R->pool > 0) && R->next < R->ntodo) {
        slot *sl = NULL;
        for (long j = 0; j < R->jobs && !sl; j++)
            if (R->slots[j].pid == 0)
                sl = &R->slots[j];
        size_t nb = take(R, sl->batch);
        if (nb == 0)
            continue;
        bool alone = nb == 1 || !batchable(&R->runs[sl->batch[nb - 1]]);
        if (alone && nb > 1) { /* the unbatchable last one waits for the next slot */
            R->next--;
            unlock_run(R->dir, R->runs[sl->batch[--nb]].id);
        }
        /* the last child of a lone experiment gets the job slots that stay idle for its operator passes (one
         * group at paper size would otherwise leave a core idle); with a pool, other experiments take them */
        long threads = !R->pool && R->next >= R->ntodo ? R->jobs - (long)R->running : 1;
        pid_t pid = nb == 1 ? start_run(&R->runs[sl->batch[0]], R->dir, R->prog, R->jobs, threads)
                            : start_batch(R->runs, sl->batch, nb, R->dir, R->prog, R->jobs, threads);
        if (pid < 0) {
            for (size_t i = 0; i < nb; i++)
                unlock_run(R->dir, R->runs[sl->batch[i]].id);
            R->failed += nb;
            R->done += nb;
            continue;
        }
        sl->pid = pid;
        sl->nb = nb;
        sl->start = now();
        R->running++;
        if (R->pool)
            --*R->pool;
    }
}

/* Account for the child pid that ended with status: each of its runs failed
 * unless it left a complete folder (and a single run's child exited 0). */
static void finished(runner *R, pid_t pid, int status)
{
    for (long j = 0; j < R->jobs; j++) {
        slot *sl = &R->slots[j];
        if (sl->pid != pid)
            continue;
        bool exited0 = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        for (size_t i = 0; i < sl->nb; i++) {
            const drv_plan_run *r = &R->runs[sl->batch[i]];
            bool ok = (exited0 || sl->nb > 1) && drv_run_is_complete(R->dir, r->id);
            unlock_run(R->dir, r->id);
            R->done++;
            if (!ok) {
                R->failed++;
                if (R->tty)
                    fprintf(stderr, "\n");
                fprintf(stderr, "mfd: run %zu (%s) failed; see %s/logs/%s%s.log\n", r->index, r->id, R->dir,
                        sl->nb > 1 ? "batch-" : "", sl->nb > 1 ? R->runs[sl->batch[0]].id : r->id);
            }
        }
        R->spent += now() - sl->start;
        sl->pid = 0;
        sl->nb = 0;
        R->running--;
        if (R->pool)
            ++*R->pool;
        progress(R);
    }
}

/* Is pid one of R's children? */
static bool owns(const runner *R, pid_t pid)
{
    for (long j = 0; R->slots && j < R->jobs; j++)
        if (R->slots[j].pid == pid)
            return true;
    return false;
}

/* The keys whose values make runs of mfd-deep one shape of a lock-step
 * ensemble (README, "Lock-step ensembles"), with whether a > 0; runs of a
 * batch with the same shape are stepped together. */
static const char *const DEEP_SHAPE_KEYS[] = {"field", "depth", "d", "widths", "init_file", "observed",
                                              "monitor_invariants", "monitor_thm8", "monitor_thm11"};
#define NDEEP_SHAPE_KEYS (sizeof DEEP_SHAPE_KEYS / sizeof *DEEP_SHAPE_KEYS)

static const char *param_value(const drv_plan_run *r, const char *key)
{
    const char *v = "";
    for (size_t k = 0; k < r->nparams; k++) /* the last one given counts, as on a command line */
        if (strcmp(r->params[k].key, key) == 0)
            v = r->params[k].value;
    return v;
}

static const drv_plan_run *sort_runs; /* qsort has no context argument */

static int shape_cmp(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    const drv_plan_run *a = &sort_runs[i], *b = &sort_runs[j];
    for (size_t k = 0; k < NDEEP_SHAPE_KEYS; k++) {
        int c = strcmp(param_value(a, DEEP_SHAPE_KEYS[k]), param_value(b, DEEP_SHAPE_KEYS[k]));
        if (c)
            return c;
    }
    const char *va = param_value(a, "a"), *vb = param_value(b, "a");
    int ra = *va && strtod(va, NULL) > 0, rb = *vb && strtod(vb, NULL) > 0;
    if (ra != rb)
        return ra - rb;
    return (i > j) - (i < j); /* stable: plan order within a shape */
}

/* Order the todo list so that the runs of one shape follow each other and so
 * land in the same batch (mfd-deep, batches of more than one run); the set
 * of runs, and so resume, --shard and --task, is unchanged. */
static void order_by_shape(const char *program, const drv_plan_run *runs, size_t *todo, size_t ntodo, size_t batch)
{
    if (batch < 2 || strcmp(program, "mfd-deep") != 0)
        return;
    sort_runs = runs;
    qsort(todo, ntodo, sizeof *todo, shape_cmp);
    sort_runs = NULL;
}

/* The next child to end (a signal's interruption retried); -1 when there is none. */
static pid_t wait_child(int *status)
{
    for (;;) {
        pid_t pid = waitpid(-1, status, 0);
        if (pid >= 0 || errno != EINTR)
            return pid;
    }
}

/* Run the todo list, jobs at a time, until every run has ended. */
static void run_all(runner *R)
{
    while (R->slots && (R->next < R->ntodo || R->running > 0)) {
        start_next(R);
        int status;
        pid_t pid = wait_child(&status);
        if (pid < 0)
            break;
        finished(R, pid, status);
    }
}

typedef struct op_order {
    uint64_t op_seed;
    size_t run;
} op_order;

static int cmp_op_order(const void *a, const void *b)
{
    const op_order *x = a, *y = b;
    if (x->op_seed != y->op_seed)
        return x->op_seed < y->op_seed ? -1 : 1;
    return x->run < y->run ? -1 : x->run > y->run;
}

/* Runs that share an operator seed next to one another (in plan order
 * within each), so that a batch holds them together and the program steps
 * them over one copy of the operator.  Left as it is when memory runs out. */
static void group_by_operator(const drv_plan_run *runs, size_t *todo, size_t ntodo)
{
    if (ntodo < 2 || !runs[todo[0]].has_op_seed)
        return;
    op_order *o = malloc(ntodo * sizeof *o);
    if (!o)
        return;
    for (size_t i = 0; i < ntodo; i++)
        o[i] = (op_order){runs[todo[i]].op_seed, todo[i]};
    qsort(o, ntodo, sizeof *o, cmp_op_order);
    for (size_t i = 0; i < ntodo; i++)
        todo[i] = o[i].run;
    free(o);
}

/* One experiment's runs: its plan, todo list and runner. */
typedef struct spec_run {
    drv_experiment s;
    drv_plan_run *runs;
    size_t n, already;
    size_t *todo;
    char dir[PATH_MAX], prog[PATH_MAX + 16];
    runner R;
} spec_run;

/* Load experiment x and set up its runner (sharing *pool when not NULL);
 * 0 and *out, or the exit code of the failure (reported). */
static int spec_open(const drv_cmd_opts *o, const char *x, long *pool, spec_run **out)
{
    *out = NULL;
    spec_run *sr = calloc(1, sizeof *sr);
    if (!sr)
        return drv_cmd_fail(DRV_EXIT_FAILURE, "out of memory");
    char err[1024], sub[PATH_MAX + 16];
    int code = drv_cmd_load_plan(o, x, &sr->s, &sr->runs, &sr->n, sr->dir, sizeof sr->dir);
    if (code) {
        free(sr);
        return code;
    }
    drv_cmd_program_path(sr->s.program, sr->prog, sizeof sr->prog);
    snprintf(sub, sizeof sub, "%s/runs", sr->dir);
    if (mfd_out_mkdirs(sub, err, sizeof err) != MFD_OK) { /* the results folder cannot be made: not a usage error */
        drv_plan_free(sr->runs, sr->n);
        drv_experiment_free(&sr->s);
        free(sr);
        return drv_cmd_fail(DRV_EXIT_FAILURE, "%s", err);
    }
    snprintf(sub, sizeof sub, "%s/logs", sr->dir);
    mfd_out_mkdirs(sub, err, sizeof err);
    size_t ntodo;
    size_t *todo = share(o, sr->runs, sr->n, sr->dir, &ntodo, &sr->already);
    if (todo)
        group_by_operator(sr->runs, todo, ntodo);
    if (o->task >= 0 && (size_t)o->task >= sr->n) {
        free(todo);
        drv_plan_free(sr->runs, sr->n);
        code = drv_cmd_fail(DRV_EXIT_USAGE, "--task %ld: the plan of %s has %zu runs (0 to %zu)", o->task, sr->s.name,
                            sr->n, sr->n ? sr->n - 1 : 0);
        drv_experiment_free(&sr->s);
        free(sr);
        return code;
    }
    sr->todo = todo;
    runner *R = &sr->R;
    *R = (runner){.runs = sr->runs,
                  .dir = sr->dir,
                  .prog = sr->prog,
                  .todo = todo,
                  .ntodo = ntodo,
                  .budget = {.dir = sr->dir, .prog = sr->prog},
                  .pool = pool};
    R->tty = isatty(STDERR_FILENO);
    R->jobs = o->jobs > 0 ? o->jobs : drv_run_default_jobs();
    size_t group = 1; /* the most runs that share an operator */
    for (size_t i = 0; todo && i < ntodo; i += op_group_len(sr->runs, todo, ntodo, i)) {
        size_t len = op_group_len(sr->runs, todo, ntodo, i);
        group = len > group ? len : group;
    }
    R->batch = o->batch > 0 ? (size_t)o->batch : drv_run_auto_batch(ntodo, R->jobs, group);
    if (todo)
        order_by_shape(sr->s.program, sr->runs, todo, ntodo, R->batch);
    R->slots = calloc((size_t)R->jobs, sizeof *R->slots);
    for (long j = 0; R->slots && j < R->jobs; j++)
        if (!(R->slots[j].batch = malloc(R->batch * sizeof *R->slots[j].batch))) {
            for (long k = 0; k < j; k++)
                free(R->slots[k].batch);
            free(R->slots);
            R->slots = NULL;
        }
    R->t0 = now();
    if (R->tty)
        fprintf(stderr, "%s: %zu runs to do (%zu already complete)\n", sr->s.name, ntodo, sr->already);
    *out = sr;
    return DRV_EXIT_OK;
}

/* Has every run of sr ended (or can none start)? */
static bool spec_done(const spec_run *sr)
{
    return !sr->R.slots || (sr->R.next >= sr->R.ntodo && sr->R.running == 0);
}

/* Free an experiment's runner (none of its runs running). */
static void spec_discard(spec_run *sr)
{
    runner *R = &sr->R;
    drv_budget_free(&R->budget);
    for (long j = 0; R->slots && j < R->jobs; j++)
        free(R->slots[j].batch);
    free(R->slots);
    free(sr->todo);
    drv_plan_free(sr->runs, sr->n);
    drv_experiment_free(&sr->s);
    free(sr);
}

/* The summary line of an experiment whose runs have ended; frees it.  Its exit code. */
static int spec_close(spec_run *sr)
{
    runner *R = &sr->R;
    if (R->tty)
        fprintf(stderr, "\n");
    printf("%s: %zu runs done, %zu already complete, %zu taken by another runner, %zu failed (%.1f s)\n", sr->s.name,
           R->done - R->failed, sr->already, R->skipped, R->failed, now() - R->t0);
    if (R->budget.adopted)
        printf("%s: %zu runs continued from complete runs of a smaller budget\n", sr->s.name, R->budget.adopted);
    int code = R->failed || !R->slots ? DRV_EXIT_FAILURE : DRV_EXIT_OK;
    spec_discard(sr);
    fflush(stdout);
    return code;
}

int drv_run_spec(const drv_cmd_opts *o, const char *x)
{
    spec_run *sr;
    int code = spec_open(o, x, NULL, &sr);
    if (code)
        return code;
    run_all(&sr->R);
    return spec_close(sr);
}

int drv_run_specs(const drv_cmd_opts *o, char **xs, size_t nx)
{
    if (nx <= 1)
        return nx ? drv_run_spec(o, xs[0]) : DRV_EXIT_OK;
    long pool = o->jobs > 0 ? o->jobs : drv_run_default_jobs();
    spec_run **open = calloc(nx, sizeof *open);
    char(*dirs)[PATH_MAX] = calloc(nx, sizeof *dirs); /* the results folders opened so far */
    if (!open || !dirs) {
        free(open);
        free(dirs);
        return drv_cmd_fail(DRV_EXIT_FAILURE, "out of memory");
    }
    size_t head = 0, tail = 0, next = 0; /* open[head .. tail) are running, in the order given */
    int code = DRV_EXIT_OK;
    for (;;) {
        /* the free jobs go to the earliest experiment with runs to start, then to the next ones */
        for (size_t k = head; k < tail && pool > 0; k++)
            start_next(&open[k]->R);
        while (pool > 0 && next < nx && code != DRV_EXIT_USAGE) {
            spec_run *sr;
            int c = spec_open(o, xs[next++], &pool, &sr);
            code = c > code ? c : code;
            if (c != DRV_EXIT_OK)
                continue;
            bool again = false; /* named twice (mfd run X --all): its runs are already being done */
            for (size_t k = 0; k < tail && !again; k++)
                again = strcmp(dirs[k], sr->dir) == 0;
            if (again) {
                spec_discard(sr);
                continue;
            }
            snprintf(dirs[tail], sizeof dirs[tail], "%s", sr->dir);
            open[tail++] = sr;
            start_next(&sr->R);
        }
        while (head < tail && spec_done(open[head])) { /* summaries in the order given */
            int c = spec_close(open[head++]);
            code = c > code ? c : code;
        }
        if (head == tail && (next >= nx || code == DRV_EXIT_USAGE))
            break;
        bool children = false;
        for (size_t k = head; k < tail; k++)
            children = children || open[k]->R.running > 0;
        if (!children) /* a later experiment ended first: nothing to wait for, the loop closes the rest */
            continue;
        int status;
        pid_t pid = wait_child(&status);
        if (pid < 0)
            break;
        for (size_t k = head; k < tail; k++)
            if (owns(&open[k]->R, pid)) {
                finished(&open[k]->R, pid, status);
                break;
            }
    }
    while (head < tail) {
        int c = spec_close(open[head++]);
        code = c > code ? c : code;
    }
    free(open);
    free(dirs);
    return code;
}
