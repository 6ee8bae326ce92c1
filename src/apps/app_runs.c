#define _POSIX_C_SOURCE 200809L
#include "app_runs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_common.h"
#include "app_loop.h"

const char *app_runs_path(int argc, char **argv, bool *bad)
{
    *bad = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--runs") == 0) {
            *bad = argc != 3 || i != 1;
            return i + 1 < argc ? argv[i + 1] : NULL;
        }
    return NULL;
}

/* The whole of fp as one NUL-terminated string (NULL on error). */
static char *slurp(FILE *fp)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (len + 1 < cap) {
            if (ferror(fp)) {
                free(buf);
                return NULL;
            }
            buf[len] = '\0';
            return buf;
        }
        char *b = realloc(buf, cap * 2);
        if (!b)
            free(buf);
        buf = b;
        cap *= 2;
    }
    return NULL;
}

void app_runs_free(app_runs *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->run[i].argv);
    free(r->run);
    free(r->text);
    memset(r, 0, sizeof *r);
}

bool app_runs_read(const char *argv0, const char *path, app_runs *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "--runs: cannot open '%s': %s", path, strerror(errno));
        return false;
    }
    r->text = slurp(fp);
    if (fp != stdin)
        fclose(fp);
    if (!r->text) {
        snprintf(err, errlen, "--runs: cannot read '%s'", path);
        return false;
    }
    int lineno = 0;
    char *rest = NULL;
    /* strtok_r would merge empty lines and so lose the line numbers: split by hand */
    for (char *line = r->text; line; line = rest) {
        char *nl = strchr(line, '\n');
        rest = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        if (!line[0] || line[0] == '#')
            continue;
        size_t ntok = 1;
        for (const char *c = line; *c; c++)
            ntok += *c == '\t';
        app_run_args a = {0, calloc(ntok + 2, sizeof(char *)), lineno};
        app_run_args *grown = realloc(r->run, (r->n + 1) * sizeof *grown);
        if (!a.argv || !grown) {
            free(a.argv);
            if (grown)
                r->run = grown;
            snprintf(err, errlen, "out of memory");
            app_runs_free(r);
            return false;
        }
        r->run = grown;
        a.argv[a.argc++] = (char *)argv0;
        for (char *tok = line, *next; tok; tok = next) {
            char *tab = strchr(tok, '\t');
            next = tab ? tab + 1 : NULL;
            if (tab)
                *tab = '\0';
            if (!tok[0])
                continue;
            if (!strchr(tok, '=') || tok[0] == '=') {
                snprintf(err, errlen, "--runs %s:%d: '%s' is not key=value (arguments are separated by TABs)", path,
                         lineno, tok);
                free(a.argv);
                app_runs_free(r);
                return false;
            }
            a.argv[a.argc++] = tok;
        }
        a.argv[a.argc] = NULL;
        r->run[r->n++] = a;
    }
    if (r->n == 0) {
        snprintf(err, errlen, "--runs %s: no run in the file", path);
        app_runs_free(r);
        return false;
    }
    return true;
}

int app_runs_worse(int a, int b)
{
    /* usage errors above failures above success */
    int rank_a = a == APP_EXIT_USAGE ? 2 : a != APP_EXIT_OK, rank_b = b == APP_EXIT_USAGE ? 2 : b != APP_EXIT_OK;
    return rank_b > rank_a ? b : a;
}

/* A --runs batch completes its runs through one queue (mfd_out.h): their
 * files reach the disk in one sync of the file system every
 * APP_QUEUE_SECONDS, not an fsync each.  MFD_SYNC=each keeps the per-file
 * syncs (the one-run path's behaviour, for comparison).  false (with *code)
 * on a bad MFD_SYNC; *q NULL when the queue could not be made (then each
 * file completes at once). */
#define APP_QUEUE_SECONDS 2.0

static bool batch_begin(const char *prog, mfd_out_queue **q, int *code)
{
    *q = NULL;
    const char *how = getenv("MFD_SYNC");
    if (how && *how && strcmp(how, "batch") != 0) {
        if (strcmp(how, "each") == 0)
            return true;
        *code = app_usage_error(prog, "environment variable MFD_SYNC: '%s' is not a completion mode; expected batch or each",
                                how);
        return false;
    }
    if (mfd_out_queue_new(APP_QUEUE_SECONDS, q) != MFD_OK)
        *q = NULL;
    app_loop_set_queue(*q);
    return true;
}

/* Flush and free the batch's queue; a failure to complete runs is the batch's failure. */
static int batch_end(const char *prog, mfd_out_queue *q, int code)
{
    app_loop_set_queue(NULL);
    if (!q)
        return code;
    char err[1024];
    if (mfd_out_queue_flush(q, err, sizeof err) != MFD_OK) {
        app_error(prog, "%s", err);
        code = app_runs_worse(code, APP_EXIT_FAILURE);
    }
    mfd_out_queue_free(q);
    return code;
}

/* What every program's main() does first: restart with better BLAS
 * kernels where that applies (app_blas_core_restart), then find --runs FILE.
 * False when the arguments misuse --runs (the usage error printed, *code
 * set); else *path is FILE, or NULL for a single run. */
static bool entry(const char *prog, int argc, char **argv, const char **path, int *code)
{
    app_blas_core_restart(argv);
    bool bad;
    *path = app_runs_path(argc, argv, &bad);
    if (bad)
        *code = app_usage_error(prog, "--runs FILE takes the runs from FILE and no other argument");
    return !bad;
}

int app_main_batch(const char *prog, int argc, char **argv, int (*one)(int argc, char **argv),
                   int (*many)(const app_runs *r))
{
    const char *path;
    int code = APP_EXIT_OK;
    if (!entry(prog, argc, argv, &path, &code))
        return code;
    if (!path)
        return one(argc, argv);
    app_runs r;
    char err[512];
    if (!app_runs_read(argv[0], path, &r, err, sizeof err))
        return app_usage_error(prog, "%s", err);
    mfd_out_queue *q;
    if (batch_begin(prog, &q, &code))
        code = batch_end(prog, q, many(&r));
    app_runs_free(&r);
    return code;
}

/* The value the run gives key (its last occurrence), or NULL. */
static const char *arg_value(const app_run_args *a, const char *key)
{
    size_t kl = strlen(key);
    const char *v = NULL;
    for (int i = 1; i < a->argc; i++)
        if (strncmp(a->argv[i], key, kl) == 0 && a->argv[i][kl] == '=')
            v = a->argv[i] + kl + 1;
    return v;
}

void app_runs_operator_key(mfd_param_table t, const app_run_args *a, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < t.n; k++)
        if (t.spec[k].flags & MFD_P_OPERATOR) {
            const char *v = arg_value(a, t.spec[k].key);
            int w = snprintf(buf + at, len - at, "%s=%s\t", t.spec[k].key, v ? v : "");
            at = w > 0 && (size_t)w < len - at ? at + (size_t)w : len - 1;
        }
    const char *op = arg_value(a, "op_seed"), *seed = arg_value(a, "seed"), *share = arg_value(a, "share_operator");
    snprintf(buf + at, len - at, "op_seed=%s", op ? op : seed ? seed : "");
    if (share && strcmp(share, "1") != 0) /* a key of its own: the run goes alone */
        snprintf(buf, len, "share_operator=0\tline %d", a->line);
}

#define KEY_LEN 2048

int app_runs_main_grouped(const char *prog, const char *argv0, const char *path, mfd_param_table t,
                          app_member_fn one)
{
    app_runs r;
    char err[512];
    if (!app_runs_read(argv0, path, &r, err, sizeof err))
        return app_usage_error(prog, "%s", err);
    char *keys = malloc(r.n * KEY_LEN);
    bool *done = calloc(r.n, sizeof *done);
    int *argc = malloc(r.n * sizeof *argc);
    char ***argv = malloc(r.n * sizeof *argv);
    int code = APP_EXIT_OK;
    if (!keys || !done || !argc || !argv) {
        code = app_usage_error(prog, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < r.n; i++)
        app_runs_operator_key(t, &r.run[i], keys + i * KEY_LEN, KEY_LEN);
    size_t share_min;
    if (!app_group_share_min(prog, &share_min)) {
        code = APP_EXIT_USAGE;
        goto done;
    }
    mfd_out_queue *q;
    if (!batch_begin(prog, &q, &code))
        goto done;
    for (size_t i = 0; i < r.n; i++) {
        if (done[i])
            continue;
        size_t g = 0;
        for (size_t j = i; j < r.n; j++)
            if (!done[j] && strcmp(keys + i * KEY_LEN, keys + j * KEY_LEN) == 0) {
                done[j] = true;
                argc[g] = r.run[j].argc;
                argv[g++] = r.run[j].argv;
            }
        int c = g == 1 ? one(argc[0], argv[0], NULL) : app_group_run(prog, g, argc, argv, one, share_min);
        code = app_runs_worse(code, c);
    }
    code = batch_end(prog, q, code);
done:
    free(keys);
    free(done);
    free(argc);
    free(argv);
    app_runs_free(&r);
    return code;
}

int app_main_grouped(const char *prog, int argc, char **argv, mfd_param_table t, app_member_fn one)
{
    const char *path;
    int code = APP_EXIT_OK;
    if (!entry(prog, argc, argv, &path, &code))
        return code;
    return path ? app_runs_main_grouped(prog, argv[0], path, t, one) : one(argc, argv, NULL);
}
