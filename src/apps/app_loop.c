#include "app_loop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_ckpt.h"
#include "app_common.h"
#include "mfd_rate.h"
#include "mfd_schedule.h"

#define MAX_PLATEAUS 4
#define MAX_LOGGED 1000000 /* points kept for plateau detection (log-spaced runs keep all) */

typedef struct loop_state {
    mfd_kv meta, extra, summary, params, runkv;
    double *row;
    const char **cols;
    app_loop_acc acc; /* what a checkpoint saves besides the model */
    app_ckpt ck;
} loop_state;

static void state_free(loop_state *s)
{
    mfd_kv_free(&s->meta);
    mfd_kv_free(&s->extra);
    mfd_kv_free(&s->summary);
    mfd_kv_free(&s->params);
    mfd_kv_free(&s->runkv);
    free(s->row);
    free(s->acc.log_t);
    free(s->acc.log_e);
    free(s->cols);
    free(s->acc.first_below);
    free(s->acc.time_below);
    app_ckpt_free(&s->ck);
}

int app_loop_check(const char *prog, const app_loop_params *lp)
{
    if (lp->rate_lo >= lp->rate_hi)
        return app_usage_error(prog, "key 'rate_lo': %.17g is not below rate_hi = %.17g", lp->rate_lo, lp->rate_hi);
    long every;
    if (!app_ckpt_parse_every(lp->checkpoint_every, &every))
        return app_usage_error(prog, "key 'checkpoint_every': '%s' is not a number of iterations; expected auto, 0 "
                               "(never) or an integer >= 1", lp->checkpoint_every);
    return APP_EXIT_OK;
}

app_loop_cfg app_loop_config(const char *prog, const char *monitor, long iters, const app_loop_params *lp)
{
    app_loop_cfg c = {prog,          monitor,        iters,       lp->tol,     lp->div_bound, lp->plateau_window,
                      lp->plateau_rtol, lp->log_per_decade, lp->log_every, lp->rate_lo, lp->rate_hi, lp->slope_t0,
                      lp->slope_t1, &lp->thresholds, lp->plateau_detect_rtol, lp->plateau_detect_decades,
                      APP_CKPT_AUTO, lp->restart, lp->snapshots};
    if (!app_ckpt_parse_every(lp->checkpoint_every, &c.checkpoint_every)) /* app_loop_check refused it */
        c.checkpoint_every = 0;
    return c;
}

/* The accumulators of a fresh run (the settings from cfg). */
static void acc_init(app_loop_acc *a, const app_loop_cfg *cfg)
{
    a->t = 0;
    a->iters = cfg->iters;
    a->tol = cfg->tol;
    a->e_init = NAN;
    a->e_min = INFINITY;
    mfd_linreg_reset(&a->band);
    mfd_linreg_reset(&a->window);
    mfd_stop_rule_init(&a->rule, cfg->tol, cfg->div_bound, cfg->iters, cfg->plateau_window, cfg->plateau_rtol);
    mfd_schedule_init(&a->sched, cfg->log_per_decade, cfg->log_every);
    for (size_t i = 0; i < a->nthr; i++) {
        a->first_below[i] = -1;
        a->time_below[i] = NAN;
    }
    a->log_n = 0;
    a->elapsed = a->log_seconds = a->ckpt_seconds = 0;
    a->trace_pos = a->rows = a->checkpoints = 0;
    a->pieces = 1;
}

/* One trace row at iteration t; 0 on success, else st or err is set. */
static int log_point(app_model *model, loop_state *s, mfd_out *o, long t, double e, double t0, char *err,
                     size_t errlen, mfd_status *st)
{
    app_loop_acc *a = &s->acc;
    double t1 = app_now();
    s->row[0] = (double)t;
    s->row[1] = t1 - t0 - a->log_seconds - a->ckpt_seconds; /* the algorithm's time: diagnostics left out */
    if ((*st = model->log_row(model->ctx, t, s->row + 2)) != MFD_OK)
        return -1;
    if (mfd_out_trace_row(o, s->row, err, errlen) != MFD_OK || app_ckpt_snapshot(&s->ck, t, err, errlen) != MFD_OK)
        return -1;
    a->rows++;
    a->log_seconds += app_now() - t1;
    if (a->log_n < a->log_cap) {
        a->log_t[a->log_n] = (double)t;
        a->log_e[a->log_n++] = e;
    }
    return 0;
}

#define TRY(call)                    \
    do {                             \
        if ((st = (call)) != MFD_OK) \
            goto fail;               \
    } while (0)

struct app_loop {
    app_loop_cfg cfg;
    app_model *model;
    mfd_param_table table;
    const void *params;
    int argc;
    char **argv;
    loop_state s;
    mfd_out o;
    char err[1024], started[32];
    mfd_status st;
    bool failed, err_set; /* failed: st != MFD_OK, or err holds the message */
    size_t nthr;
    double t_lo, t_hi, e, t0;
    mfd_stop stop;
    long t;
};

/* The process's completion queue (app_loop_set_queue), or NULL. */
static mfd_out_queue *completion_queue;

void app_loop_set_queue(mfd_out_queue *q) { completion_queue = q; }

static void loop_discard(app_loop *L)
{
    if (L->o.dir)
        mfd_out_abandon(&L->o);
    mfd_out_close(&L->o);
    state_free(&L->s);
    free(L);
}

app_loop *app_loop_begin(const app_loop_cfg *cfg, app_model *model, const char *out_dir, mfd_param_table table,
                         const void *params, int argc, char **argv, int *code)
{
    *code = APP_EXIT_FAILURE;
    app_loop *L = calloc(1, sizeof *L);
    if (!L) {
        app_error(cfg->prog, "%s", mfd_status_str(MFD_ENOMEM));
        return NULL;
    }
    loop_state *s = &L->s;
    L->cfg = *cfg;
    cfg = &L->cfg;
    L->model = model;
    L->table = table;
    L->params = params;
    L->argc = argc;
    L->argv = argv;
    mfd_kv_init(&s->meta);
    mfd_kv_init(&s->extra);
    mfd_kv_init(&s->summary);
    mfd_kv_init(&s->params);
    mfd_kv_init(&s->runkv);
    mfd_status st = MFD_OK;
    size_t ncols = model->ncols + 2, nthr = cfg->thresholds ? cfg->thresholds->n : 0;
    L->nthr = nthr;

    app_loop_acc *a = &s->acc;
    mfd_schedule sched;
    mfd_schedule_init(&sched, cfg->log_per_decade, cfg->log_every);
    size_t cap = mfd_schedule_max_points(&sched, cfg->iters) + 1;
    a->log_cap = cap < MAX_LOGGED ? cap : MAX_LOGGED;
    a->nthr = nthr;
    s->row = malloc(ncols * sizeof *s->row);
    s->cols = malloc(ncols * sizeof *s->cols);
    a->log_t = malloc(a->log_cap * sizeof(double));
    a->log_e = malloc(a->log_cap * sizeof(double));
    a->first_below = malloc((nthr + 1) * sizeof(long));
    a->time_below = malloc((nthr + 1) * sizeof(double));
    if (!s->row || !s->cols || !a->log_t || !a->log_e || !a->first_below || !a->time_below) {
        st = MFD_ENOMEM;
        goto fail;
    }
    s->cols[0] = "iter";
    s->cols[1] = "time_s";
    for (size_t i = 0; i < model->ncols; i++)
        s->cols[i + 2] = model->cols[i];
    acc_init(a, cfg);
    TRY(mfd_kv_add_str(&s->meta, "program", cfg->prog));
    if (model->describe)
        TRY(model->describe(model->ctx, &s->meta, &s->extra));

    /* a run of this batch in the same folder that waits for its flush: complete it first */
    if (completion_queue && mfd_out_queue_holds(completion_queue, out_dir)) {
        char qerr[1024];
        mfd_out_queue_flush(completion_queue, qerr, sizeof qerr); /* a failure is the batch's, reported at its end */
    }
    /* a checkpoint in out_dir: continue it, leave a complete run, or refuse */
    int how;
    if ((*code = app_ckpt_begin(&s->ck, cfg, model, table, params, out_dir, a, &how)) != APP_EXIT_OK ||
        how == APP_CKPT_DONE) {
        state_free(s);
        free(L);
        return NULL; /* *code: APP_EXIT_OK for a complete run left alone */
    }
    *code = APP_EXIT_FAILURE;
    if (how == APP_CKPT_FRESH)
        acc_init(a, cfg);
    app_utc_iso(L->started, sizeof L->started);
    if ((st = app_ckpt_open(&s->ck, &L->o, a, &s->meta, s->cols, ncols, L->err, sizeof L->err)) != MFD_OK) {
        if (st == MFD_ENOMEM)
            goto fail;
        app_error(cfg->prog, "%s", L->err);
        loop_discard(L);
        return NULL;
    }
    L->o.queue = completion_queue;
    if (completion_queue)
        mfd_out_queue_watch(completion_queue, L->o.dir);

    L->t_lo = cfg->slope_t1 > 0 ? cfg->slope_t0 : 0.1 * (double)cfg->iters;
    L->t_hi = cfg->slope_t1 > 0 ? cfg->slope_t1 : (double)cfg->iters;
    L->e = NAN;
    L->t0 = app_now() - a->elapsed; /* a continued run's clock goes on from its checkpoint */
    L->stop = MFD_STOP_NONE;
    L->t = a->t;
    return L;

fail:
    app_error(cfg->prog, "%s", mfd_status_str(st));
    loop_discard(L);
    return NULL;
}

bool app_loop_next(app_loop *L)
{
    const app_loop_cfg *cfg = &L->cfg;
    app_model *model = L->model;
    loop_state *s = &L->s;
    app_loop_acc *a = &s->acc;
    mfd_status st = MFD_OK;
    const long t = L->t;
    const double t0 = L->t0;
    double e = NAN;
    if (app_ckpt_due(&s->ck, t, t0)) {
        a->t = t;
        if (model->sync)
            TRY(model->sync(model->ctx));
        if (app_ckpt_write(&s->ck, &L->o, a, app_now() - t0, L->err, sizeof L->err) != MFD_OK) {
            L->failed = L->err_set = true;
            return false;
        }
    }
    TRY(model->eval(model->ctx, t, &e));
    if (model->adjust) {
        bool moved = false;
        TRY(model->adjust(model->ctx, t, &moved));
        if (moved)
            TRY(model->eval(model->ctx, t, &e));
    }
    L->e = e;
    if (t == 0)
        a->e_init = e;
    if (L->stop == MFD_STOP_NONE) /* a step may already have stopped the run */
        L->stop = mfd_stop_check(&a->rule, t, e);
    if (e < a->e_min)
        a->e_min = e;
    mfd_rate_band_add(&a->band, cfg->rate_lo, cfg->rate_hi, (double)t, e);
    mfd_rate_window_add(&a->window, L->t_lo, L->t_hi, (double)t, e);
    mfd_rate_thresholds_update(cfg->thresholds ? cfg->thresholds->v : NULL, a->first_below, L->nthr, t, e);
    /* the time to a threshold is read once, at its crossing, on the clock of time_s (logging and
     * checkpoints left out): runtime distributions in time need it exactly, not interpolated between
     * logged rows */
    for (size_t i = 0; i < L->nthr; i++)
        if (a->first_below[i] == t && isnan(a->time_below[i]))
            a->time_below[i] = app_now() - t0 - a->log_seconds - a->ckpt_seconds;
    int logged = 0;
    if (mfd_schedule_due(&a->sched, t) || L->stop != MFD_STOP_NONE) {
        if (log_point(model, s, &L->o, t, e, t0, L->err, sizeof L->err, &st) != 0)
            goto fail_any;
        logged = 1;
    }
    if (L->stop != MFD_STOP_NONE)
        return false;
    TRY(model->step(model->ctx, t, &L->stop));
    if (L->stop != MFD_STOP_NONE) { /* the step could not be taken: the run ends at t */
        if (!logged && log_point(model, s, &L->o, t, e, t0, L->err, sizeof L->err, &st) != 0)
            goto fail_any;
        return false;
    }
    L->t = t + 1;
    return true;

fail_any:
    if (st == MFD_OK) {
        L->failed = L->err_set = true;
        return false;
    }
fail:
    L->st = st;
    L->failed = true;
    return false;
}

long app_loop_iter(const app_loop *L) { return L->t; }

int app_loop_end(app_loop *L)
{
    const app_loop_cfg *cfg = &L->cfg;
    app_model *model = L->model;
    loop_state *s = &L->s;
    app_loop_acc *a = &s->acc;
    mfd_out *o = &L->o;
    char *err = L->err, name[96], ended[32];
    const size_t errlen = sizeof L->err;
    mfd_status st = L->st;
    int code = APP_EXIT_FAILURE;
    size_t nthr = L->nthr;
    long t = L->t;
    double e = L->e;
    mfd_stop stop = L->stop;
    if (L->failed) {
        if (L->err_set)
            goto fail_msg;
        goto fail;
    }
    double wall = app_now() - L->t0, algo = wall - a->log_seconds - a->ckpt_seconds;
    app_utc_iso(ended, sizeof ended);

    /* summary.csv */
    mfd_fit fit = mfd_linreg_fit(&a->band), slope = mfd_linreg_fit(&a->window);
    double rho, rho_se;
    mfd_rate_rho(fit, &rho, &rho_se);
    mfd_plateau plat[MAX_PLATEAUS];
    size_t nplat = mfd_rate_plateaus(a->log_t, a->log_e, a->log_n, cfg->plateau_detect_rtol,
                                     cfg->plateau_detect_decades, plat, MAX_PLATEAUS);
    const char *mon = cfg->monitor;
    TRY(mfd_kv_add_str(&s->summary, "program", cfg->prog));
    TRY(mfd_kv_add_str(&s->summary, "stop_reason", mfd_stop_name(stop)));
    TRY(mfd_kv_add_int(&s->summary, "iterations", t)); /* "iters" is the budget key */
    snprintf(name, sizeof name, "%s_init", mon);
    TRY(mfd_kv_add_real(&s->summary, name, a->e_init));
    TRY(mfd_kv_add_real(&s->summary, mon, e));
    snprintf(name, sizeof name, "%s_min", mon);
    TRY(mfd_kv_add_real(&s->summary, name, a->e_min));
    TRY(mfd_kv_add_real(&s->summary, "plateau_level", stop == MFD_STOP_PLATEAU ? e : NAN));
    TRY(mfd_kv_add_real(&s->summary, "rate", rho));
    TRY(mfd_kv_add_real(&s->summary, "rate_se", rho_se));
    TRY(mfd_kv_add_int(&s->summary, "rate_npoints", (long)fit.n));
    TRY(mfd_kv_add_real(&s->summary, "slope", slope.slope));
    TRY(mfd_kv_add_real(&s->summary, "slope_se", slope.slope_se));
    TRY(mfd_kv_add_int(&s->summary, "slope_npoints", (long)slope.n));
    for (size_t i = 0; i < nthr; i++) {
        mfd_rate_threshold_name(cfg->thresholds->v[i], name, sizeof name);
        /* a threshold never reached has no iteration: missing (NaN), never a number such as -1 */
        if (a->first_below[i] >= 0)
            TRY(mfd_kv_add_int(&s->summary, name, a->first_below[i]));
        else
            TRY(mfd_kv_add_real(&s->summary, name, NAN));
    }
    TRY(mfd_kv_add_int(&s->summary, "plateaus", (long)nplat));
    for (size_t i = 0; i < MAX_PLATEAUS; i++) {
        snprintf(name, sizeof name, "plateau%zu_level", i + 1);
        TRY(mfd_kv_add_real(&s->summary, name, i < nplat ? plat[i].level : NAN));
        snprintf(name, sizeof name, "plateau%zu_escape", i + 1);
        TRY(mfd_kv_add_real(&s->summary, name, i < nplat ? plat[i].escape : NAN));
    }
    TRY(model->summary(model->ctx, stop, &s->summary));
    TRY(mfd_kv_add_real(&s->summary, "wall_s", wall));
    TRY(mfd_kv_add_real(&s->summary, "algo_s", algo));
    TRY(mfd_kv_add_real(&s->summary, "s_per_iter", t > 0 ? algo / (double)t : NAN));
    for (size_t i = 0; i < nthr; i++) {
        char tname[128];
        mfd_rate_threshold_name(cfg->thresholds->v[i], name, sizeof name);
        snprintf(tname, sizeof tname, "time_to_%s", name + strlen("iter_to_"));
        TRY(mfd_kv_add_real(&s->summary, tname, a->time_below[i])); /* NaN: never reached */
    }

    /* run.ini */
    TRY(app_params_kv(L->table, L->params, &s->params));
    TRY(app_run_kv(cfg->prog, L->argc, L->argv, &s->runkv));
    TRY(mfd_kv_add_str(&s->runkv, "started", L->started));
    TRY(mfd_kv_add_str(&s->runkv, "ended", ended));
    TRY(mfd_kv_add_str(&s->runkv, "stop_reason", mfd_stop_name(stop)));
    TRY(mfd_kv_add_int(&s->runkv, "iters", t));
    TRY(mfd_kv_add_real(&s->runkv, "wall_s", wall));
    if (s->ck.resumed) /* the times are summed over the pieces, each up to its last checkpoint */
        TRY(mfd_kv_add_int(&s->runkv, "resumed_from", s->ck.resumed_from));
    TRY(mfd_kv_add_int(&s->runkv, "pieces", a->pieces));
    TRY(mfd_kv_add_int(&s->runkv, "checkpoints", a->checkpoints));
    TRY(mfd_kv_add_real(&s->runkv, "checkpoint_s", a->ckpt_seconds));
    for (size_t i = 0; i < s->extra.n; i++)
        TRY(mfd_kv_add_str(&s->runkv, s->extra.keys[i], s->extra.vals[i]));
    if (model->run_info)
        TRY(model->run_info(model->ctx, &s->runkv));
    if (model->write_final && model->write_final(model->ctx, o, err, errlen) != MFD_OK)
        goto fail_msg;
    const char *titles[2] = {"params", "run"};
    const mfd_kv *secs[2] = {&s->params, &s->runkv};
    if (mfd_out_write_ini(o, titles, secs, 2, err, errlen) != MFD_OK)
        goto fail_msg;
    if (app_ckpt_finish(&s->ck, err, errlen) != MFD_OK || mfd_out_finish(o, &s->summary, err, errlen) != MFD_OK)
        goto fail_msg;
    /* a run that checkpointed completes at once: app_ckpt_end removes what would let it continue (a failure
     * is kept in the queue, and the batch reports it at its end) */
    if (o->queue && (a->checkpoints > 0 || s->ck.resumed)) {
        char qerr[1024];
        (void)mfd_out_queue_flush(o->queue, qerr, sizeof qerr);
    }
    app_ckpt_end(&s->ck, stop);
    printf("%s: %s after %ld iterations, %s %.6g (%.3g s); wrote %s\n", cfg->prog, mfd_stop_name(stop), t, mon, e,
           wall, o->dir);
    code = APP_EXIT_OK;
    mfd_out_close(o);
    state_free(s);
    free(L);
    return code;

fail_msg:
    app_error(cfg->prog, "%s", err);
    loop_discard(L);
    return code;
fail:
    app_error(cfg->prog, "%s", mfd_status_str(st));
    loop_discard(L);
    return code;
}

int app_loop_run(const app_loop_cfg *cfg, app_model *model, const char *out_dir, mfd_param_table table,
                 const void *params, int argc, char **argv)
{
    int code;
    app_loop *L = app_loop_begin(cfg, model, out_dir, table, params, argc, argv, &code);
    if (!L)
        return code;
    while (app_loop_next(L))
        ;
    return app_loop_end(L);
}
