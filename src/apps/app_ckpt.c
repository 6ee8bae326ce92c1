#define _POSIX_C_SOURCE 200809L
#include "app_ckpt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_common.h"
#include "mfd_version.h"

/* Keys a continued run may change: the budget (checked on its own), where
 * the files go, what it writes at its end, and how it runs. */
static const char *const NOT_DEFINING[] = {
    "iters",       "tol",        "out",         "threads",          "mem_limit",
    "save_final",  "save_inputs", "checkpoint_every", "restart",   "share_operator"};

static bool defining(const char *key)
{
    for (size_t i = 0; i < sizeof NOT_DEFINING / sizeof *NOT_DEFINING; i++)
        if (strcmp(NOT_DEFINING[i], key) == 0)
            return false;
    return true;
}

bool app_ckpt_parse_every(const char *text, long *every)
{
    if (strcmp(text, "auto") == 0) {
        *every = APP_CKPT_AUTO;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= 0) || v > 1e15 || v != floor(v))
        return false;
    *every = (long)v;
    return true;
}

/* ---- one run's state ------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
    return mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, s, strlen(s));
}

static size_t factor_doubles(const app_factor *f)
{
    return mfd_field_width(f->field) * (f->count ? f->count : 1) * f->rows * f->cols;
}

mfd_status app_ckpt_save_run(mfd_ckpt_buf *b, const app_loop_acc *acc, const app_factor *f, size_t nf,
                             mfd_status (*save)(void *ctx, mfd_ckpt_buf *b), void *ctx)
{
    mfd_ckpt_put_tag(b, "mfdrun");
    mfd_ckpt_put_tag(b, "loop");
    mfd_ckpt_put_i64(b, acc->t);
    mfd_ckpt_put_i64(b, acc->iters);
    mfd_ckpt_put_f64(b, acc->tol);
    mfd_ckpt_put_f64(b, acc->e_init);
    mfd_ckpt_put_f64(b, acc->e_min);
    mfd_ckpt_put_f64(b, acc->elapsed);
    mfd_ckpt_put_f64(b, acc->log_seconds);
    mfd_ckpt_put_f64(b, acc->ckpt_seconds);
    mfd_ckpt_put_i64(b, acc->trace_pos);
    mfd_ckpt_put_i64(b, acc->rows);
    mfd_ckpt_put_i64(b, acc->pieces);
    mfd_ckpt_put_i64(b, acc->checkpoints);
    mfd_linreg_save(&acc->band, b);
    mfd_linreg_save(&acc->window, b);
    mfd_stop_rule_save(&acc->rule, b);
    mfd_schedule_save(&acc->sched, b);
    mfd_ckpt_put_u64(b, (uint64_t)acc->nthr);
    for (size_t i = 0; i < acc->nthr; i++) {
        mfd_ckpt_put_i64(b, acc->first_below[i]);
        mfd_ckpt_put_f64(b, acc->time_below[i]);
    }
    mfd_ckpt_put_f64s(b, acc->log_t, acc->log_n);
    mfd_ckpt_put_f64s(b, acc->log_e, acc->log_n);
    mfd_ckpt_put_tag(b, "factors");
    mfd_ckpt_put_u64(b, (uint64_t)nf);
    for (size_t i = 0; i < nf; i++) {
        mfd_ckpt_put_u64(b, name_hash(f[i].name));
        mfd_ckpt_put_u64(b, (uint64_t)f[i].field);
        mfd_ckpt_put_u64(b, (uint64_t)f[i].count);
        mfd_ckpt_put_u64(b, (uint64_t)f[i].rows);
        mfd_ckpt_put_u64(b, (uint64_t)f[i].cols);
        mfd_ckpt_put_f64s(b, f[i].data, factor_doubles(&f[i]));
    }
    mfd_ckpt_put_tag(b, "model");
    if (save)
        MFD_CHECK(save(ctx, b));
    mfd_ckpt_put_tag(b, "end");
    return b->st;
}

mfd_status app_ckpt_load_acc(mfd_ckpt_buf *b, app_loop_acc *acc)
{
    mfd_ckpt_get_tag(b, "mfdrun");
    mfd_ckpt_get_tag(b, "loop");
    acc->t = (long)mfd_ckpt_get_i64(b);
    acc->iters = (long)mfd_ckpt_get_i64(b);
    acc->tol = mfd_ckpt_get_f64(b);
    acc->e_init = mfd_ckpt_get_f64(b);
    acc->e_min = mfd_ckpt_get_f64(b);
    acc->elapsed = mfd_ckpt_get_f64(b);
    acc->log_seconds = mfd_ckpt_get_f64(b);
    acc->ckpt_seconds = mfd_ckpt_get_f64(b);
    acc->trace_pos = (long)mfd_ckpt_get_i64(b);
    acc->rows = (long)mfd_ckpt_get_i64(b);
    acc->pieces = (long)mfd_ckpt_get_i64(b);
    acc->checkpoints = (long)mfd_ckpt_get_i64(b);
    MFD_CHECK(mfd_linreg_load(&acc->band, b));
    MFD_CHECK(mfd_linreg_load(&acc->window, b));
    MFD_CHECK(mfd_stop_rule_load(&acc->rule, b));
    MFD_CHECK(mfd_schedule_load(&acc->sched, b));
    if (mfd_ckpt_get_u64(b) != (uint64_t)acc->nthr)
        return MFD_EFORMAT;
    for (size_t i = 0; i < acc->nthr; i++) {
        acc->first_below[i] = (long)mfd_ckpt_get_i64(b);
        acc->time_below[i] = mfd_ckpt_get_f64(b);
    }
    uint64_t n = mfd_ckpt_peek_count(b);
    if (b->st != MFD_OK || n > acc->log_cap)
        return MFD_EFORMAT;
    acc->log_n = (size_t)n;
    mfd_ckpt_get_f64s(b, acc->log_t, acc->log_n);
    return mfd_ckpt_get_f64s(b, acc->log_e, acc->log_n);
}

mfd_status app_ckpt_load_model(mfd_ckpt_buf *b, const app_factor *f, size_t nf,
                               mfd_status (*load)(void *ctx, mfd_ckpt_buf *b), void *ctx)
{
    mfd_ckpt_get_tag(b, "factors");
    if (mfd_ckpt_get_u64(b) != (uint64_t)nf)
        return MFD_EFORMAT;
    for (size_t i = 0; i < nf; i++) {
        uint64_t h = mfd_ckpt_get_u64(b), field = mfd_ckpt_get_u64(b), count = mfd_ckpt_get_u64(b);
        uint64_t rows = mfd_ckpt_get_u64(b), cols = mfd_ckpt_get_u64(b);
        if (b->st != MFD_OK || h != name_hash(f[i].name) || field != (uint64_t)f[i].field ||
            count != (uint64_t)f[i].count || rows != (uint64_t)f[i].rows || cols != (uint64_t)f[i].cols)
            return MFD_EFORMAT;
        MFD_CHECK(mfd_ckpt_get_f64s(b, f[i].data, factor_doubles(&f[i])));
    }
    MFD_CHECK(mfd_ckpt_get_tag(b, "model"));
    if (load)
        MFD_CHECK(load(ctx, b));
    MFD_CHECK(mfd_ckpt_get_tag(b, "end"));
    return b->pos == b->len ? MFD_OK : MFD_EFORMAT;
}

/* ---- the defining keys ------------------------------------------------------ */

/* "key = value" lines of the defining keys of kv. */
static char *identity_text(const mfd_kv *kv)
{
    size_t n = 1;
    for (size_t i = 0; i < kv->n; i++)
        if (defining(kv->keys[i]))
            n += strlen(kv->keys[i]) + strlen(kv->vals[i]) + 4;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < kv->n; i++)
        if (defining(kv->keys[i]))
            p += sprintf(p, "%s = %s\n", kv->keys[i], kv->vals[i]);
    *p = '\0';
    return s;
}

/* "key = value" lines into kv (a line without " = " is skipped). */
static mfd_status lines_kv(const char *text, mfd_kv *kv)
{
    const char *p = text;
    char key[256], val[8192];
    while (*p) {
        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *eq = strstr(p, " = ");
        if (eq && eq < end && (size_t)(eq - p) < sizeof key && (size_t)(end - eq - 3) < sizeof val) {
            memcpy(key, p, (size_t)(eq - p));
            key[eq - p] = '\0';
            memcpy(val, eq + 3, (size_t)(end - eq - 3));
            val[end - eq - 3] = '\0';
            MFD_CHECK(mfd_kv_add_str(kv, key, val));
        }
        p = nl ? nl + 1 : end;
    }
    return MFD_OK;
}

/* The first defining key in which two identities differ (NULL: none); its
 * values go to va (a's) and vb (b's). */
static const char *identity_diff(const char *a, const char *b, mfd_kv *ka, mfd_kv *kb, const char **va, const char **vb)
{
    if (lines_kv(a, ka) != MFD_OK || lines_kv(b, kb) != MFD_OK) {
        *va = *vb = "";
        return "(out of memory)";
    }
    for (size_t i = 0; i < ka->n; i++) {
        const char *o = mfd_kv_get(kb, ka->keys[i]);
        if (!o || strcmp(o, ka->vals[i]) != 0) {
            *va = ka->vals[i];
            *vb = o ? o : "(no such key)";
            return ka->keys[i];
        }
    }
    for (size_t i = 0; i < kb->n; i++)
        if (!mfd_kv_get(ka, kb->keys[i])) {
            *va = "(no such key)";
            *vb = kb->vals[i];
            return kb->keys[i];
        }
    return NULL;
}

/* run.ini's [params] and [run] sections into two lists; false when it
 * cannot be read. */
static bool read_run_ini(const char *dir, mfd_kv *params, mfd_kv *run)
{
    char path[4096], line[16384];
    snprintf(path, sizeof path, "%s/run.ini", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    mfd_kv *sec = NULL;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "[params]") == 0)
            sec = params;
        else if (strcmp(line, "[run]") == 0)
            sec = run;
        else if (line[0] == '[')
            sec = NULL;
        else if (sec)
            ok = lines_kv(line, sec) == MFD_OK;
    }
    fclose(f);
    return ok;
}

static bool exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static long long file_size(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* ---- starting ---------------------------------------------------------------- */

/* The bytes a checkpoint of this run can take (the logged points at their most). */
static mfd_status payload_size(app_ckpt *ck, app_loop_acc *acc, size_t *bytes)
{
    mfd_ckpt_buf b;
    mfd_ckpt_buf_writer(&b, NULL, 0);
    size_t n = acc->log_n;
    acc->log_n = acc->log_cap;
    mfd_status st = app_ckpt_save_run(&b, acc, ck->f, ck->nf, ck->model->save, ck->model->ctx);
    acc->log_n = n;
    *bytes = b.len;
    return st;
}

/* A complete run left as it is: say so (exit 0). */
static int leave_complete(const app_ckpt *ck, const char *stop, const char *iters, int *how)
{
    printf("%s: %s is complete (%s after %s iterations); not touched (restart=fresh runs it again)\n", ck->cfg->prog,
           ck->dir, stop, iters);
    *how = APP_CKPT_DONE;
    return APP_EXIT_OK;
}

/* No checkpoint: is the directory a complete run that this command would
 * only repeat?  (a run that stopped before the budget for another reason
 * than max_iter, or at the same budget) */
static bool complete_as_asked(const app_ckpt *ck, const char **stop, const char **iters, mfd_kv *params, mfd_kv *run)
{
    if (!exists(ck->dir, "summary.csv") || !read_run_ini(ck->dir, params, run))
        return false;
    char *theirs = identity_text(params);
    bool same = theirs && strcmp(theirs, ck->identity) == 0;
    free(theirs);
    const char *s = mfd_kv_get(run, "stop_reason"), *done = mfd_kv_get(run, "iters");
    const char *budget = mfd_kv_get(params, "iters"), *tol = mfd_kv_get(params, "tol");
    if (!same || !s || !done || !budget || !tol)
        return false;
    *stop = s;
    *iters = done;
    double t_done = strtod(done, NULL), t_budget = strtod(budget, NULL), tol_then = strtod(tol, NULL);
    if (ck->cfg->tol > tol_then) /* a larger tol may stop it earlier */
        return false;
    if (strcmp(s, "max_iter") == 0)
        return t_budget == (double)ck->cfg->iters;
    return t_done <= (double)ck->cfg->iters;
}

/* Can the files that a checkpoint continues be continued? (before anything
 * is changed).  The message names what is missing. */
static bool continuable(const app_ckpt *ck, const app_loop_acc *acc, char *why, size_t len)
{
    long long tr = file_size(ck->dir, "trace.csv.part");
    if (tr < 0)
        tr = file_size(ck->dir, "trace.csv");
    if (tr < (long long)acc->trace_pos) {
        snprintf(why, len, "its trace has %lld bytes but the checkpoint continues it at byte %ld", tr < 0 ? 0 : tr,
                 acc->trace_pos);
        return false;
    }
    if (!ck->cfg->snapshots)
        return true;
    for (size_t i = 0; i <= ck->nf; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s/%s.npy.part", MFD_OUT_SNAPSHOTS, i < ck->nf ? ck->f[i].name : "iter");
        long long sz = file_size(ck->dir, name);
        if (sz < 0) {
            name[strlen(name) - 5] = '\0';
            sz = file_size(ck->dir, name);
        }
        size_t rec = i < ck->nf ? 8 * mfd_field_width(ck->f[i].field) * (ck->f[i].count ? ck->f[i].count : 1) *
                                      ck->f[i].rows * ck->f[i].cols
                                : 8;
        if ((double)sz < MFD_NPY_STREAM_HEADER + (double)acc->rows * (double)rec) {
            snprintf(why, len, "%s holds fewer than the %ld records the checkpoint counts", name, acc->rows);
            return false;
        }
    }
    return true;
}

/* A checkpoint is there: check it against the command and decide. */
static int decide(app_ckpt *ck, mfd_ckpt_info *ci, app_loop_acc *acc, int *how)
{
    const app_loop_cfg *cfg = ck->cfg;
    const char *prog = cfg->prog, *path = ck->file.path;
    mfd_kv ka, kb, params, run;
    mfd_kv_init(&ka);
    mfd_kv_init(&kb);
    mfd_kv_init(&params);
    mfd_kv_init(&run);
    int code = APP_EXIT_OK;
    const char *va, *vb, *key;
    if (strcmp(ci->program, prog) != 0) {
        code = app_usage_error(prog,
                               "'%s' is a checkpoint of %s, not of %s; restart=fresh starts this run afresh "
                               "(the directory's files are then replaced)",
                               path, ci->program, prog);
        goto done;
    }
    if ((key = identity_diff(ck->identity, ci->params, &ka, &kb, &va, &vb)) != NULL) {
        code = app_usage_error(prog,
                               "key '%s': the checkpoint '%s' belongs to a run with %s = %s, not %s; give that "
                               "run's keys, or restart=fresh to start this one afresh (the directory's files are "
                               "then replaced)",
                               key, path, key, vb, va);
        goto done;
    }
    if (strcmp(ci->version, MFD_VERSION) != 0)
        fprintf(stderr,
                "%s: note: '%s' was written by version %s; this is %s (a continuation is exact when the "
                "mathematics did not change)\n",
                prog, path, ci->version, MFD_VERSION);
    mfd_ckpt_buf b;
    mfd_ckpt_buf_reader(&b, ci->payload, ci->payload_len);
    if (cfg->iters < ci->iter && !exists(ck->dir, "summary.csv")) {
        code = app_usage_error(prog,
                               "key 'iters': %ld is below the iteration %lld at which the checkpoint '%s' "
                               "continues; give iters >= %lld, or restart=fresh",
                               cfg->iters, (long long)ci->iter, path, (long long)ci->iter);
        goto done;
    }
    if (app_ckpt_load_acc(&b, acc) != MFD_OK || acc->t != ci->iter) {
        if (cfg->iters < ci->iter) { /* a complete run: its logged points do not fit a budget this small */
            code = app_usage_error(prog,
                                   "key 'iters': %ld is below the %lld iterations of the complete run in '%s'; "
                                   "restart=fresh runs it afresh",
                                   cfg->iters, (long long)ci->iter, ck->dir);
            goto done;
        }
        code = app_usage_error(prog,
                               "'%s' does not hold the state of this run (it is of another shape or corrupt); "
                               "restart=fresh starts the run afresh",
                               path);
        goto done;
    }
    long t = acc->t;
    bool extend = false;
    if (exists(ck->dir, "summary.csv") && read_run_ini(ck->dir, &params, &run)) {
        const char *stop = mfd_kv_get(&run, "stop_reason"), *done_iters = mfd_kv_get(&run, "iters");
        if (!stop || !done_iters) {
            code =
                app_usage_error(prog, "'%s/run.ini' has no stop_reason; restart=fresh starts the run afresh", ck->dir);
            goto done;
        }
        if (strcmp(stop, "max_iter") != 0 || (cfg->iters == acc->iters && cfg->tol <= acc->tol)) {
            code = leave_complete(ck, stop, done_iters, how);
            goto done;
        }
        extend = true;
    }
    if (cfg->iters < t) {
        code = app_usage_error(prog,
                               "key 'iters': %ld is below the iteration %ld at which the checkpoint '%s' "
                               "continues; give iters >= %ld, or restart=fresh",
                               cfg->iters, t, path, t);
        goto done;
    }
    if (cfg->tol > acc->tol && acc->e_min <= cfg->tol) {
        code = app_usage_error(prog,
                               "key 'tol': the run in '%s' already reached %.17g <= %.17g before its checkpoint "
                               "at iteration %ld, so it would have stopped earlier; restart=fresh runs it afresh",
                               ck->dir, acc->e_min, cfg->tol, t);
        goto done;
    }
    char why[512];
    if (!continuable(ck, acc, why, sizeof why)) {
        code = app_usage_error(prog, "the checkpoint '%s' cannot be continued: %s; restart=fresh starts the run afresh",
                               path, why);
        goto done;
    }
    if (cfg->slope_t1 <= 0 && cfg->iters != acc->iters) {
        /* the default window [iters/10, iters] moved with the budget */
        if (0.1 * (double)cfg->iters <= (double)(t - 1)) {
            fprintf(stderr,
                    "%s: note: the log-log window [iters/10, iters] = [%.17g, %ld] starts before the "
                    "checkpoint's iteration %ld in '%s', which does not hold the errors before it: starting "
                    "afresh\n",
                    prog, 0.1 * (double)cfg->iters, cfg->iters, t, ck->dir);
            goto done; /* fresh */
        }
        mfd_linreg_reset(&acc->window); /* no point of the new window lies before the checkpoint */
    }
    if (app_ckpt_load_model(&b, ck->f, ck->nf, ck->model->load, ck->model->ctx) != MFD_OK) {
        code = app_usage_error(prog,
                               "'%s' does not hold the state of this run's model (another shape, or corrupt); "
                               "restart=fresh starts the run afresh",
                               path);
        goto done;
    }
    if (extend)
        fprintf(stderr, "%s: extending '%s' from its checkpoint at iteration %ld to iters = %ld\n", prog, ck->dir, t,
                cfg->iters);
    else
        fprintf(stderr, "%s: continuing '%s' from its checkpoint at iteration %ld\n", prog, ck->dir, t);
    acc->iters = cfg->iters;
    acc->tol = cfg->tol;
    acc->pieces++;
    ck->resumed = true;
    ck->resumed_from = ck->start = t;
    *how = APP_CKPT_RESUME;
done:
    mfd_kv_free(&ka);
    mfd_kv_free(&kb);
    mfd_kv_free(&params);
    mfd_kv_free(&run);
    return code;
}

int app_ckpt_begin(app_ckpt *ck, const app_loop_cfg *cfg, app_model *model, mfd_param_table t, const void *params,
                   const char *dir, app_loop_acc *acc, int *how)
{
    memset(ck, 0, sizeof *ck);
    ck->cfg = cfg;
    ck->model = model;
    ck->dir = dir;
    ck->cost = APP_CKPT_COST_GUESS;
    ck->last = app_now();
    *how = APP_CKPT_FRESH;
    const char *prog = cfg->prog;
    char path[4096], err[1024];
    mfd_kv kv;
    mfd_kv_init(&kv);
    mfd_status st = app_params_kv(t, params, &kv);
    ck->identity = st == MFD_OK ? identity_text(&kv) : NULL;
    mfd_kv_free(&kv);
    if (!ck->identity)
        goto nomem;
    ck->nf = model->factors ? model->factors(model->ctx, ck->f, APP_MAX_FACTORS) : 0;
    ck->on = ck->nf > 0 && cfg->checkpoint_every != 0;
    snprintf(path, sizeof path, "%s/%s", dir, MFD_OUT_CHECKPOINT);
    if (ck->nf > 0) {
        if (payload_size(ck, acc, &ck->cap) != MFD_OK || !(ck->buf = malloc(ck->cap)) ||
            mfd_ckpt_file_init(&ck->file, path, prog, MFD_VERSION, ck->identity) != MFD_OK)
            goto nomem;
    }
    if (cfg->restart == APP_RESTART_FRESH)
        return APP_EXIT_OK;
    mfd_ckpt_info ci;
    st = mfd_ckpt_file_read(path, &ci, err, sizeof err);
    if (st == MFD_EIO && (errno == ENOENT || errno == ENOTDIR)) { /* no checkpoint (the folder may not exist) */
        mfd_kv p, r;
        mfd_kv_init(&p);
        mfd_kv_init(&r);
        const char *stop, *done;
        int code = APP_EXIT_OK;
        if (complete_as_asked(ck, &stop, &done, &p, &r))
            code = leave_complete(ck, stop, done, how);
        mfd_kv_free(&p);
        mfd_kv_free(&r);
        return code;
    }
    if (st == MFD_ENOMEM)
        goto nomem;
    if (st == MFD_EIO) {
        app_error(prog, "%s", err);
        return APP_EXIT_FAILURE;
    }
    if (st != MFD_OK)
        return app_usage_error(prog,
                               "%s; restart=fresh starts the run afresh (the directory's files are then "
                               "replaced)",
                               err);
    if (ck->nf == 0) {
        mfd_ckpt_info_free(&ci);
        return app_usage_error(prog, "'%s' holds a checkpoint but this run has no state to continue; restart=fresh",
                               path);
    }
    int code = decide(ck, &ci, acc, how);
    mfd_ckpt_info_free(&ci);
    return code;
nomem:
    app_error(prog, "%s", mfd_status_str(MFD_ENOMEM));
    return APP_EXIT_FAILURE;
}

/* ---- during the run ---------------------------------------------------------- */

mfd_status app_ckpt_open(app_ckpt *ck, mfd_out *o, const app_loop_acc *acc, const mfd_kv *meta, const char *const *cols,
                         size_t ncols, char *err, size_t errlen)
{
    if (ck->resumed) {
        MFD_CHECK(mfd_out_reopen(o, ck->dir, err, errlen));
        o->keep_trace = 1;
        MFD_CHECK(mfd_out_trace_resume(o, ncols, acc->trace_pos, err, errlen));
    } else {
        MFD_CHECK(mfd_out_open(o, ck->dir, err, errlen));
        MFD_CHECK(mfd_out_trace_begin(o, meta, cols, ncols, err, errlen));
    }
    if (!ck->cfg->snapshots)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, MFD_OUT_SNAPSHOTS, err, errlen));
    char path[4096];
    for (size_t i = 0; i <= ck->nf; i++) {
        bool it = i == ck->nf;
        const app_factor *f = it ? NULL : &ck->f[i];
        snprintf(path, sizeof path, "%s/%s/%s.npy", o->dir, MFD_OUT_SNAPSHOTS, it ? "iter" : f->name);
        MFD_CHECK(mfd_npy_stream_open(&ck->snap[i], path, it, it ? MFD_REAL : f->field, it ? 0 : f->count,
                                      it ? 0 : f->rows, it ? 0 : f->cols, ck->resumed, (size_t)acc->rows, err, errlen));
        ck->nsnap = i + 1;
    }
    return MFD_OK;
}

bool app_ckpt_due(app_ckpt *ck, long t, double t0)
{
    if (!ck->on || t == ck->start)
        return false;
    long every = ck->cfg->checkpoint_every;
    if (every > 0)
        return t % every == 0 || t == ck->cfg->iters;
    if (t == ck->cfg->iters) /* the final state, when it costs under 1% of the run */
        return app_now() - t0 >= APP_CKPT_COST_RATIO * ck->cost;
    if (t < ck->next_check)
        return false;
    double now = app_now(), since = now - ck->last;
    double interval = fmax(APP_CKPT_MIN_INTERVAL, APP_CKPT_COST_RATIO * ck->cost);
    if (since >= interval)
        return true;
    /* read the clock again about halfway to the deadline, at the rate so far */
    double per = since / (double)(t - ck->start > 0 ? t - ck->start : 1);
    double wait = 0.5 * (interval - since) / (per > 1e-12 ? per : 1e-12);
    ck->next_check = t + (wait < 1 ? 1 : wait > 1e9 ? 1000000000L : (long)wait);
    return false;
}

mfd_status app_ckpt_write(app_ckpt *ck, mfd_out *o, app_loop_acc *acc, double now_elapsed, char *err, size_t errlen)
{
    double w0 = app_now();
    MFD_CHECK(mfd_out_trace_sync(o, &acc->trace_pos, err, errlen));
    for (size_t i = 0; i < ck->nsnap; i++)
        MFD_CHECK(mfd_npy_stream_sync(&ck->snap[i], err, errlen));
    acc->elapsed = now_elapsed;
    acc->checkpoints++;
    mfd_ckpt_buf b;
    mfd_ckpt_buf_writer(&b, ck->buf, ck->cap);
    mfd_status st = app_ckpt_save_run(&b, acc, ck->f, ck->nf, ck->model->save, ck->model->ctx);
    if (st != MFD_OK) {
        mfd_errf(err, errlen, "the state of iteration %ld does not fit the %zu bytes set aside for it", acc->t,
                 ck->cap);
        return st;
    }
    MFD_CHECK(mfd_ckpt_file_write(&ck->file, acc->t, acc->t == ck->cfg->iters ? MFD_CKPT_FINAL : 0, ck->buf, b.len, err,
                                  errlen));
    o->keep_trace = 1; /* the checkpoint continues the trace */
    double w1 = app_now();
    ck->cost = w1 - w0;
    ck->last = w1;
    acc->ckpt_seconds += ck->cost;
    return MFD_OK;
}

mfd_status app_ckpt_snapshot(app_ckpt *ck, long t, char *err, size_t errlen)
{
    if (ck->nsnap == 0)
        return MFD_OK;
    for (size_t i = 0; i < ck->nf; i++)
        MFD_CHECK(mfd_npy_stream_append(&ck->snap[i], ck->f[i].data, err, errlen));
    return mfd_npy_stream_append_int(&ck->snap[ck->nf], t, err, errlen);
}

mfd_status app_ckpt_finish(app_ckpt *ck, char *err, size_t errlen)
{
    for (size_t i = 0; i < ck->nsnap; i++)
        MFD_CHECK(mfd_npy_stream_finish(&ck->snap[i], err, errlen));
    return MFD_OK;
}

void app_ckpt_end(app_ckpt *ck, mfd_stop stop)
{
    if (stop != MFD_STOP_MAX_ITER && ck->file.path)
        unlink(ck->file.path);
}

void app_ckpt_free(app_ckpt *ck)
{
    bool keep = ck->file.path && access(ck->file.path, F_OK) == 0;
    for (size_t i = 0; i < ck->nsnap; i++)
        mfd_npy_stream_close(&ck->snap[i], keep);
    mfd_ckpt_file_free(&ck->file);
    free(ck->buf);
    free(ck->identity);
}
