#define _POSIX_C_SOURCE 200809L
#include "drv_cmd.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv_claims.h"
#include "mfd_out.h"
#include "mfd_status.h"

int drv_cmd_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mfd: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static void spec_path(const drv_cmd_opts *o, const char *x, char *buf, size_t len)
{
    if (strchr(x, '/') || (strlen(x) > 4 && strcmp(x + strlen(x) - 4, ".ini") == 0))
        snprintf(buf, len, "%s", x);
    else
        snprintf(buf, len, "%s/%s.ini", o->specs, x);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* All spec files of the specs folder, sorted. */
char **drv_cmd_all_specs(const drv_cmd_opts *o, size_t *n)
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
void drv_cmd_program_path(const char *name, char *buf, size_t len)
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
 * the program cannot be run, or prints none unless may_be_empty. */
static char **program_keys(const drv_experiment *s, const char *flag, bool may_be_empty, size_t *n)
{
    char prog[PATH_MAX + 16], cmd[PATH_MAX + 64], line[256];
    drv_cmd_program_path(s->program, prog, sizeof prog);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", prog, flag);
    FILE *p = popen(cmd, "r");
    mfd_strlist keys = {0, 0, NULL};
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            mfd_strlist_addf(&keys, "%s", line);
    }
    int status = p ? pclose(p) : -1;
    if (status == 0 && !keys.s && may_be_empty)
        keys.s = calloc(1, sizeof *keys.s);
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
 * parameter table) stay out of the seeds, and its operator keys
 * (`program --operator-keys`) alone make the operator seed. */
static int program_check(const drv_experiment *s, bool check_keys, drv_experiment *out)
{
    char prog[PATH_MAX + 16];
    size_t nk = 0, no = 0;
    char **keys = check_keys ? program_keys(s, "--keys", false, &nk) : NULL;
    char **obs = program_keys(s, "--observing-keys", false, &no);
    size_t nop = 0; /* a program that cannot list operator keys has none */
    char **opk = obs ? program_keys(s, "--operator-keys", true, &nop) : NULL;
    drv_cmd_program_path(s->program, prog, sizeof prog);
    int code = DRV_EXIT_OK;
    if ((check_keys && !keys) || !obs)
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s: program '%s' cannot be run (looked for %s)", s->path, s->program,
                            prog);
    for (size_t i = 0; code == DRV_EXIT_OK && check_keys && i < s->nfixed + s->naxes; i++) {
        const char *k = i < s->nfixed ? s->fixed[i].key : s->axes[i - s->nfixed].key;
        int kline = i < s->nfixed ? s->fixed[i].line : s->axes[i - s->nfixed].line;
        bool found = false;
        for (size_t j = 0; j < nk && !found; j++)
            found = strcmp(keys[j], k) == 0;
        if (!found)
            code = drv_cmd_fail(DRV_EXIT_USAGE, "%s:%d: key '%s' is not a key of %s (%s --help lists them)", s->path,
                                kline, k, s->program, s->program);
    }
    if (code == DRV_EXIT_OK && (!drv_experiment_set_observing(out, (const char *const *)obs, no) ||
                                !drv_experiment_set_operator(out, (const char *const *)opk, opk ? nop : 0)))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", mfd_status_str(MFD_ENOMEM));
    free_keys(keys, nk);
    free_keys(obs, no);
    free_keys(opk, nop);
    return code;
}

int drv_cmd_load(const drv_cmd_opts *o, const char *x, drv_experiment *s, bool check_keys)
{
    char path[PATH_MAX], err[1024];
    spec_path(o, x, path, sizeof path);
    if (!drv_experiment_load(path, o->scale, s, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    int code = program_check(s, check_keys, s);
    if (code != DRV_EXIT_OK)
        drv_experiment_free(s); /* the caller frees only what loaded */
    return code;
}

int drv_cmd_list(const drv_cmd_opts *o)
{
    size_t n;
    char **list = drv_cmd_all_specs(o, &n);
    if (n == 0)
        return drv_cmd_fail(DRV_EXIT_USAGE, "no specs in '%s'", o->specs);
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
int drv_cmd_load_plan(const drv_cmd_opts *o, const char *x, drv_experiment *s, drv_plan_run **runs, size_t *n,
                      char *dir, size_t dlen)
{
    int code = drv_cmd_load(o, x, s, true);
    if (code)
        return code;
    char err[1024];
    if (!drv_plan_expand(s, runs, n, err, sizeof err)) {
        drv_experiment_free(s);
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    }
    /* the claims' definitions, and pooling where it can be told from the plan */
    drv_csv t;
    bool ok = drv_plan_table(*runs, *n, &t);
    if (!ok)
        snprintf(err, sizeof err, "out of memory");
    ok = ok && drv_claims_check_plan(s, &t, err, sizeof err);
    if (t.names)
        drv_csv_free(&t);
    if (!ok) {
        drv_plan_free(*runs, *n);
        drv_experiment_free(s);
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    }
    drv_experiment_results_dir(s, o->results, dir, dlen);
    return 0;
}

int drv_cmd_plan(const drv_cmd_opts *o, const char *x)
{
    drv_experiment s;
    drv_plan_run *runs;
    size_t n;
    char dir[PATH_MAX];
    int code = drv_cmd_load_plan(o, x, &s, &runs, &n, dir, sizeof dir);
    if (code)
        return code;
    if (o->count) {
        printf("%zu\n", n);
    } else {
        for (size_t i = 0; i < n; i++) {
            printf("%zu %s %s", runs[i].index, runs[i].id, s.program);
            for (size_t k = 0; k < runs[i].nparams; k++)
                printf(" %s=%s", runs[i].params[k].key, runs[i].params[k].value);
            printf(" seed=%llu", (unsigned long long)runs[i].seed);
            if (runs[i].has_op_seed)
                printf(" op_seed=%llu", (unsigned long long)runs[i].op_seed);
            printf(" out=%s/runs/%s\n", dir, runs[i].id);
        }
    }
    drv_plan_free(runs, n);
    drv_experiment_free(&s);
    return 0;
}
