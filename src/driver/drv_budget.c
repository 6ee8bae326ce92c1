/* drv_budget.c — continuing complete runs of a smaller budget (drv_budget.h). */
#define _POSIX_C_SOURCE 200809L
#include "drv_budget.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drv_run.h"

/* ---- a larger budget: continuing a complete run of a smaller one ------------
 *
 * A run's id depends on all its arguments, iters and tol included, so a spec
 * whose budget was raised plans new folders.  Before a run of the plan whose
 * folder does not exist yet is started, the folders of the results are
 * searched for a complete run with the same arguments but the budget's
 * (iters, tol, checkpoint_every, restart; the seed included): when there is
 * one with a budget not larger (iters <= the run's, tol >= the run's), the
 * one with the largest iters is copied into the run's folder (without its
 * summary.csv, so that the folder is not complete until the program has
 * continued it), and the program, started there with the larger budget,
 * continues it from its final checkpoint (app_ckpt.h); the copy is made
 * under "<id>.adopt.<pid>" and renamed into place; a copy that fails is removed, and so are the copies of
 * drivers that no longer run, when the folders are first read.  A run that
 * stopped for another reason than max_iter is copied only when it is the
 * larger budget's run bit for bit: the
 * same tol and an explicit slope window (slope_t1 > 0; the default window
 * [iters/10, iters] moves with iters); the program then leaves it as it is.
 * The old folder is not changed. */

static const char *const BUDGET_KEYS[] = {"iters", "tol", "checkpoint_every", "restart", "out"};

struct drv_budget_sib {
    char id[17];
    char *key;         /* the program, then the arguments but the budget's, sorted, one a line */
    char *iters, *tol; /* the arguments' values, NULL when not given */
    bool max_iter;     /* it stopped at max_iter */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The key of a run from its program and its key=value arguments a[0..n);
 * *iters and *tol point into a (NULL when not given).  NULL when memory runs
 * out. */
static char *args_key(const char *prog, char **a, size_t n, const char **iters, const char **tol)
{
    const char *base = strrchr(prog, '/');
    base = base ? base + 1 : prog;
    char **keep = malloc((n ? n : 1) * sizeof *keep);
    if (!keep)
        return NULL;
    size_t nk = 0, len = strlen(base) + 2;
    *iters = *tol = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(a[i], '=');
        size_t kl = eq ? (size_t)(eq - a[i]) : strlen(a[i]);
        bool budget = false;
        for (size_t j = 0; j < sizeof BUDGET_KEYS / sizeof *BUDGET_KEYS; j++)
            budget = budget || (strlen(BUDGET_KEYS[j]) == kl && strncmp(a[i], BUDGET_KEYS[j], kl) == 0);
        if (eq && kl == 5 && strncmp(a[i], "iters", 5) == 0)
            *iters = eq + 1;
        if (eq && kl == 3 && strncmp(a[i], "tol", 3) == 0)
            *tol = eq + 1;
        if (!budget) {
            keep[nk++] = a[i];
            len += strlen(a[i]) + 1;
        }
    }
    qsort(keep, nk, sizeof *keep, cmp_str);
    char *key = malloc(len), *p = key;
    if (key) {
        p += sprintf(p, "%s\n", base);
        for (size_t i = 0; i < nk; i++)
            p += sprintf(p, "%s\n", keep[i]);
    }
    free(keep);
    return key;
}

static int cmp_sib(const void *a, const void *b)
{
    const drv_budget_sib *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->id, y->id);
}

static bool is_id(const char *s)
{
    size_t n = strlen(s);
    return n == 16 && strspn(s, "0123456789abcdef") == n;
}

/* The complete run in runs/<id> as a sibling (false when it is not one: no
 * summary.csv, no command in run.ini, or memory ran out).  The command is
 * split at spaces into key=value arguments; a piece without '=' continues
 * the value before it (a value with spaces). */
static bool read_sibling(const char *dir, const char *id, drv_budget_sib *s)
{
    char p[PATH_MAX + 64], line[16384];
    if (!drv_run_is_complete(dir, id))
        return false;
    snprintf(p, sizeof p, "%s/runs/%s/run.ini", dir, id);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    bool found = false, max_iter = false;
    char cmdline[16384];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "command = ", 10) == 0) {
            found = true;
            memcpy(cmdline, line, sizeof cmdline);
        }
        if (strcmp(line, "stop_reason = max_iter\n") == 0)
            max_iter = true;
    }
    fclose(f);
    if (!found)
        return false;
    memcpy(line, cmdline, sizeof line);
    line[strcspn(line, "\n")] = '\0';
    char *cmd = line + 10, **a = malloc((strlen(cmd) / 2 + 2) * sizeof *a), *save = NULL;
    if (!a)
        return false;
    size_t n = 0;
    char *prog = strtok_r(cmd, " ", &save);
    for (char *t = strtok_r(NULL, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (strchr(t, '=') || n == 0)
            a[n++] = t;
        else
            t[-1] = ' '; /* joins t to the argument before it */
    }
    const char *iters, *tol;
    memset(s, 0, sizeof *s);
    s->key = prog ? args_key(prog, a, n, &iters, &tol) : NULL;
    s->iters = s->key && iters ? strdup(iters) : NULL;
    s->tol = s->key && tol ? strdup(tol) : NULL;
    free(a);
    if (!s->key || (iters && !s->iters) || (tol && !s->tol)) {
        free(s->key);
        free(s->iters);
        free(s->tol);
        return false;
    }
    snprintf(s->id, sizeof s->id, "%s", id);
    s->max_iter = max_iter;
    return true;
}

/* Remove path: a folder with everything in it, anything else (a symlink
 * included, never followed) unlinked; best effort. */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    if (d) {
        char a[PATH_MAX];
        for (struct dirent *e; (e = readdir(d)) != NULL;)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
                snprintf(a, sizeof a, "%s/%s", path, e->d_name) < (int)sizeof a)
                remove_tree(a);
        closedir(d);
    }
    rmdir(path);
}

/* Is name "<16 hex digits>.adopt.<pid>" with a pid that no longer runs: a
 * copy that a killed driver left behind? */
static bool stale_copy(const char *name)
{
    if (strlen(name) < 24 || strncmp(name + 16, ".adopt.", 7) != 0)
        return false;
    char id[17];
    memcpy(id, name, 16);
    id[16] = '\0';
    char *end;
    long pid = strtol(name + 23, &end, 10);
    return is_id(id) && end != name + 23 && *end == '\0' && drv_run_pid_gone(pid);
}

/* Every complete run of the results folder (once per mfd run); copies that
 * drivers no longer running left behind are removed on the way. */
static void read_siblings(drv_budget *R)
{
    R->sibs_read = true;
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/runs", R->dir);
    DIR *d = opendir(p);
    if (!d)
        return;
    size_t cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (stale_copy(e->d_name)) {
            char a[PATH_MAX + 300];
            snprintf(a, sizeof a, "%s/%s", p, e->d_name);
            remove_tree(a);
            continue;
        }
        if (!is_id(e->d_name))
            continue;
        if (R->nsibs == cap) {
            size_t nc = cap ? 2 * cap : 64;
            drv_budget_sib *g = realloc(R->sibs, nc * sizeof *g);
            if (!g)
                break;
            R->sibs = g;
            cap = nc;
        }
        if (read_sibling(R->dir, e->d_name, &R->sibs[R->nsibs]))
            R->nsibs++;
    }
    closedir(d);
    /* by key (then id, for a fixed order): drv_budget_adopt finds a run's
     * candidates by binary search, not by a pass over every complete run,
     * which made resuming a large sweep quadratic in its runs */
    if (R->nsibs > 1)
        qsort(R->sibs, R->nsibs, sizeof *R->sibs, cmp_sib);
}

/* The first sibling whose key is not below key (nsibs when there is none):
 * the siblings with key, if any, start there. */
static size_t first_with_key(const drv_budget *R, const char *key)
{
    size_t lo = 0, hi = R->nsibs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(R->sibs[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void drv_budget_free(drv_budget *R)
{
    for (size_t i = 0; i < R->nsibs; i++) {
        free(R->sibs[i].key);
        free(R->sibs[i].iters);
        free(R->sibs[i].tol);
    }
    free(R->sibs);
}

/* A number given as an argument, or NaN. */
static double arg_num(const char *v)
{
    char *end;
    double x = v ? strtod(v, &end) : NAN;
    return v && end != v && *end == '\0' ? x : NAN;
}

/* Copy the folder src (its files and folders, not the .part files a killed
 * writer may have left, nor a file of its own named skip) to dst; false on
 * an error. */
static bool copy_tree(const char *src, const char *dst, const char *skip)
{
    if (mkdir(dst, 0755) != 0)
        return false;
    DIR *d = opendir(src);
    if (!d)
        return false;
    bool ok = true;
    char a[PATH_MAX], b[PATH_MAX], buf[65536];
    for (struct dirent *e; ok && (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (l > 5 && strcmp(e->d_name + l - 5, ".part") == 0) || (skip && strcmp(e->d_name, skip) == 0))
            continue;
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
        struct stat sb;
        if (stat(a, &sb) != 0) {
            ok = false;
        } else if (S_ISDIR(sb.st_mode)) {
            ok = copy_tree(a, b, NULL);
        } else if (S_ISREG(sb.st_mode)) {
            int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ssize_t r = 0;
            ok = in >= 0 && out >= 0;
            while (ok && (r = read(in, buf, sizeof buf)) > 0)
                ok = write(out, buf, (size_t)r) == r;
            ok = ok && r == 0 && fsync(out) == 0;
            if (in >= 0)
                close(in);
            if (out >= 0 && close(out) != 0)
                ok = false;
        }
    }
    closedir(d);
    return ok;
}

void drv_budget_adopt(drv_budget *R, const char *id, char **args, size_t n)
{
    char to[PATH_MAX + 64], from[PATH_MAX + 64], tmp[PATH_MAX + 96];
    snprintf(to, sizeof to, "%s/runs/%s", R->dir, id);
    if (access(to, F_OK) == 0)
        return;
    if (!R->sibs_read)
        read_siblings(R);
    if (R->nsibs == 0)
        return;
    const char *iters = NULL, *tol = NULL;
    char *key = n ? args_key(R->prog, args, n, &iters, &tol) : NULL;
    double it = arg_num(iters), tl = arg_num(tol), window = NAN;
    for (size_t k = 0; k < n; k++)
        if (strncmp(args[k], "slope_t1=", 9) == 0)
            window = arg_num(args[k] + 9);
    const drv_budget_sib *best = NULL;
    double best_it = -1;
    for (size_t i = key ? first_with_key(R, key) : R->nsibs; i < R->nsibs && strcmp(R->sibs[i].key, key) == 0; i++) {
        const drv_budget_sib *s = &R->sibs[i];
        if (strcmp(s->id, id) == 0)
            continue;
        double sit = arg_num(s->iters), stl = arg_num(s->tol);
        /* the budget: the same default, or given in both and not larger */
        bool iters_ok = (!iters && !s->iters) || (iters && s->iters && sit <= it);
        bool tol_ok = (!tol && !s->tol) || (tol && s->tol && stl >= tl);
        /* a run that stopped for another reason is the larger budget's run only when it would have stopped
         * there too (the same tol) and its summary does not depend on iters (an explicit slope window) */
        if (!s->max_iter)
            tol_ok = tol_ok && ((!tol && !s->tol) || (tol && s->tol && stl == tl)) && window > 0;
        double rank = s->iters ? sit : 0;
        if (iters_ok && tol_ok && rank > best_it) {
            best = s;
            best_it = rank;
        }
    }
    if (best) {
        snprintf(from, sizeof from, "%s/runs/%s", R->dir, best->id);
        snprintf(tmp, sizeof tmp, "%s/runs/%s.adopt.%ld", R->dir, id, (long)getpid());
        /* A run to continue gets no summary.csv: until the program writes
         * its own, the run is not complete, so a driver killed before then
         * leaves a run the next mfd run continues, not one that looks
         * finished at the smaller budget.  (The program continues it from
         * the checkpoint as it would a killed run: the same bits.)  A run
         * complete as it is keeps its summary. */
        if (copy_tree(from, tmp, best->max_iter ? "summary.csv" : NULL) && rename(tmp, to) == 0)
            R->adopted++;
        else /* the run starts afresh; no half copy stays behind */
            remove_tree(tmp);
    }
    free(key);
}
