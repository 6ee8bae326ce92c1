/* mfd_deep_model.c — the run loop's callbacks of mfd-deep (mfd_deep_model.h). */
#define _POSIX_C_SOURCE 200809L
#include "mfd_deep_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_la.h"
#include "mfd_out.h"
#include "mfd_small.h"

#define PROG "mfd-deep"

/* ---- the loop's callbacks --------------------------------------------- */

/* An iteration a monitor reports, or NaN when it has none. */
static mfd_status add_iter(mfd_kv *kv, const char *name, long t)
{
    return t >= 0 ? mfd_kv_add_int(kv, name, t) : mfd_kv_add_real(kv, name, NAN);
}

/* The per-step monitors' columns: NaN for a part not enabled. */
static mfd_status monitor_summary(const mfd_deepmon *mon, double a, mfd_kv *kv)
{
    bool inv = mon && mon->p.invariants, t8 = mon && mon->p.thm8, t11 = mon && mon->p.thm11;
    bool moved = mon && mon->prev_t > 0;
    MFD_CHECK(mfd_kv_add_real(kv, "step_skew_max_rise", inv && moved ? mon->skew_max_rise : NAN));
    MFD_CHECK(add_iter(kv, "step_skew_rise_iter", inv && moved ? mon->skew_rise_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "step_herm_max_drop", inv && moved ? mon->herm_max_drop : NAN));
    MFD_CHECK(add_iter(kv, "step_herm_drop_iter", inv && moved ? mon->herm_drop_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_max_excess", t8 && moved ? mon->thm8_max_excess : NAN));
    MFD_CHECK(add_iter(kv, "thm8_max_iter", t8 && moved ? mon->thm8_max_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_min_excess", t8 && moved ? mon->thm8_min_excess : NAN));
    MFD_CHECK(add_iter(kv, "thm8_min_iter", t8 && moved ? mon->thm8_min_iter : -1));
    MFD_CHECK(mfd_kv_add_real(kv, "thm8_c", t8 && moved ? mfd_deepmon_thm8_c(mon, a) : NAN));
    MFD_CHECK(add_iter(kv, "thm11_t0", t11 ? mon->thm11_t0 : -1));
    MFD_CHECK(
        mfd_kv_add_real(kv, "thm11_max_excess", t11 && mon->thm11_excess_iter >= 0 ? mon->thm11_max_excess : NAN));
    return add_iter(kv, "thm11_excess_iter", t11 ? mon->thm11_excess_iter : -1);
}

static mfd_status deep_eval(void *ctx, long t, double *monitor)
{
    run *r = ctx;
    mfd_deep *m = r->dp->m;
    if (r->ens) { /* the ensemble has evaluated every lane: only the losses are read here */
        double lo = r->ens->loss_ori[r->lane], lr = r->ens->loss_reg[r->lane];
        mfd_rate_band_add(&r->band_ori, r->p.loop.rate_lo, r->p.loop.rate_hi, (double)t, lo);
        *monitor = lo + lr;
        return MFD_OK;
    }
    MFD_CHECK(mfd_deep_eval(m));
    if (r->mon)
        MFD_CHECK(mfd_deepmon_observe(r->mon, m, t));
    mfd_rate_band_add(&r->band_ori, r->p.loop.rate_lo, r->p.loop.rate_hi, (double)t, m->loss_ori);
    if (m->mask) {
        double te = mfd_deep_test_err(m);
        if (te < r->test_min || isnan(te))
            r->test_min = te;
    }
    *monitor = m->loss_ori + m->loss_reg;
    return MFD_OK;
}

static mfd_status deep_log_row(void *ctx, long t, double *row)
{
    run *r = ctx;
    if (r->ens) /* the lane's layers, gradients, products and losses into the run's model */
        mfd_deepens_get(r->ens, r->lane, r->dp->m);
    MFD_CHECK(mfd_deepdiag_compute(r->g, r->dp->m));
    mfd_deepdiag_row(r->g, row);
    mfd_deeptrack_update(&r->tr, r->g, r->dp->m, t, r->p.eta);
    return MFD_OK;
}

static mfd_status deep_step(void *ctx, long t, mfd_stop *stop)
{
    (void)t;
    run *r = ctx;
    if (r->ens) /* the ensemble moves every lane after each has done its iteration */
        return MFD_OK;
    return mfd_method_step(r->alg, stop);
}

static mfd_status deep_summary(void *ctx, mfd_stop stop, mfd_kv *kv)
{
    (void)stop;
    run *r = ctx;
    const mfd_deep *m = r->dp->m;
    const mfd_deepdiag *g = r->g;
    const mfd_deeptrack *tr = &r->tr;
    double rho_ori, rho_ori_se;
    mfd_rate_rho(mfd_linreg_fit(&r->band_ori), &rho_ori, &rho_ori_se);
    bool moved = tr->nlogged > 1;
    MFD_CHECK(mfd_kv_add_str(kv, "field", mfd_field_name(m->field)));
    MFD_CHECK(mfd_kv_add_int(kv, "depth", m->depth));
    MFD_CHECK(mfd_kv_add_int(kv, "d", (long)m->dims[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "loss_ori", m->loss_ori));
    MFD_CHECK(mfd_kv_add_real(kv, "loss_reg", m->loss_reg));
    MFD_CHECK(mfd_kv_add_real(kv, "rate_ori", rho_ori));
    MFD_CHECK(mfd_kv_add_real(kv, "rate_ori_se", rho_ori_se));
    MFD_CHECK(mfd_kv_add_real(kv, "sv_max", g->sv[0]));
    MFD_CHECK(mfd_kv_add_real(kv, "sv_min", g->sv[g->nsv - 1]));
    MFD_CHECK(mfd_kv_add_real(kv, "erank_entropy", g->erank_ent));
    MFD_CHECK(mfd_kv_add_real(kv, "layer_sv_max_step", tr->layer_sv_max_step));
    MFD_CHECK(mfd_kv_add_real(kv, "layer_sv_max_step_bal", tr->iter_balanced >= 0 ? tr->layer_sv_max_step_bal : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "deficiency_margin", r->dp->margin));
    MFD_CHECK(mfd_kv_add_real(kv, "test_err", mfd_deep_test_err(m)));
    MFD_CHECK(mfd_kv_add_real(kv, "test_err_min", m->mask ? r->test_min : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_init", tr->det_sign_init));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_final", g->square ? g->det_sign : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "det_sign_balanced", tr->det_sign_balanced));
    if (tr->iter_balanced >= 0)
        MFD_CHECK(mfd_kv_add_int(kv, "iter_balanced", tr->iter_balanced));
    else /* never balanced: missing */
        MFD_CHECK(mfd_kv_add_real(kv, "iter_balanced", NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "init_q_init", tr->init_q_init));
    MFD_CHECK(mfd_kv_add_real(kv, "init_q_final", g->square ? g->init_q : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_init", tr->skew_init));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_final", g->four ? g->skew_err : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_init", tr->herm_init));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_final", g->four ? g->herm_smin : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "skew_err_max_rise", g->four && moved ? tr->skew_max_rise : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "herm_smin_max_drop", g->four && moved ? tr->herm_max_drop : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "sandwich_max_violation", g->four ? tr->sandwich_max_violation : NAN));
    MFD_CHECK(mfd_kv_add_real(kv, "eq11_max_violation", g->four ? tr->eq11_max_violation : NAN));
    for (size_t k = 0; k < MFD_DEEP_MODES; k++)
        for (size_t l = 0; l < MFD_DEEP_NFRAC; l++) {
            char name[32];
            snprintf(name, sizeof name, "mode%zu_t%02.0f", k + 1, 100 * MFD_DEEP_MODE_FRAC[l]);
            MFD_CHECK(mfd_kv_add_real(kv, name, tr->mode_t[k][l]));
        }
    return monitor_summary(r->mon, r->p.a, kv);
}

static mfd_status deep_write_final(void *ctx, mfd_out *o, char *err, size_t errlen)
{
    run *r = ctx;
    deep_params *p = &r->p;
    const mfd_deep *m = r->dp->m;
    char path[4096];
    if (!p->save_final && !p->save_inputs)
        return MFD_OK;
    MFD_CHECK(mfd_out_mkdir(o, "final", err, errlen));
    size_t shape[3] = {(size_t)m->depth, m->dims[0], m->dims[0]};
    bool square = mfd_deep_is_square(m);
    for (int which = 0; which < 2; which++) {
        if (which == 0 ? !p->save_final : !p->save_inputs)
            continue;
        const double *block = which == 0 ? m->w : r->dp->w0;
        const char *base = which == 0 ? "W" : "W0";
        if (square) {
            snprintf(path, sizeof path, "%s/final/%s.npy", o->dir, base);
            MFD_CHECK(mfd_npy_write(path, m->field, 3, shape, block, err, errlen));
        } else { /* rectangular layers: one file per layer */
            for (int j = 1; j <= m->depth; j++) {
                size_t sh[2] = {m->dims[j], m->dims[j - 1]};
                snprintf(path, sizeof path, "%s/final/%s_%d.npy", o->dir, base, j);
                MFD_CHECK(mfd_npy_write(path, m->field, 2, sh, block + m->off[j - 1], err, errlen));
            }
        }
    }
    if (p->save_inputs) {
        snprintf(path, sizeof path, "%s/final/target.npy", o->dir);
        MFD_CHECK(mfd_npy_write_mat(path, m->target, err, errlen));
    }
    return MFD_OK;
}

static mfd_status deep_describe(void *ctx, mfd_kv *meta, mfd_kv *extra)
{
    run *r = ctx;
    const deep_params *p = &r->p;
    const mfd_deep *m = r->dp->m;
    char dims_text[1024] = "", started[32];
    for (int j = 0, n = 0; j <= m->depth && (size_t)n < sizeof dims_text; j++)
        n += snprintf(dims_text + n, sizeof dims_text - (size_t)n, j ? ",%zu" : "%zu", m->dims[j]);
    app_utc_iso(started, sizeof started);
    MFD_CHECK(mfd_kv_add_str(meta, "field", mfd_field_name(m->field)));
    MFD_CHECK(mfd_kv_add_int(meta, "depth", m->depth));
    MFD_CHECK(mfd_kv_add_str(meta, "widths", dims_text));
    MFD_CHECK(mfd_kv_add_real(meta, "a", p->a));
    MFD_CHECK(mfd_kv_add_real(meta, "eta", p->eta));
    MFD_CHECK(mfd_kv_add_int(meta, "seed", (long)p->seed));
    MFD_CHECK(mfd_kv_add_str(meta, "started", started));
    MFD_CHECK(mfd_kv_add_str(extra, "widths", dims_text));
    MFD_CHECK(mfd_kv_add_str(extra, "stream_target", "philox4x64(seed, 1)"));
    MFD_CHECK(mfd_kv_add_str(extra, "stream_init", "philox4x64(seed, 2)"));
    return mfd_kv_add_str(extra, "stream_mask", "philox4x64(seed, 5)");
}

/* Square layers are one factor, W (N, d, d); rectangular ones one each, W_j. */
static size_t deep_factors(void *ctx, app_factor *f, size_t max)
{
    run *r = ctx;
    mfd_deep *m = r->dp->m;
    if (mfd_deep_is_square(m)) {
        f[0] = (app_factor){"W", m->field, (size_t)m->depth, m->dims[0], m->dims[0], m->w};
        return max >= 1 ? 1 : 0;
    }
    if (max < (size_t)m->depth)
        return 0;
    for (int j = 1; j <= m->depth; j++) {
        snprintf(r->layer_names[j - 1], sizeof r->layer_names[j - 1], "W_%d", j);
        f[j - 1] = (app_factor){r->layer_names[j - 1], m->field, 0, m->dims[j], m->dims[j - 1], m->w + m->off[j - 1]};
    }
    return (size_t)m->depth;
}

/* Before a checkpoint of a run in an ensemble: the lane's layers into the
 * run's model, where factors() points. */
static mfd_status deep_sync(void *ctx)
{
    run *r = ctx;
    if (r->ens)
        mfd_deepens_get_layers(r->ens, r->lane, r->dp->m);
    return MFD_OK;
}

/* Between iterations the run carries the rule's state, the tracker of the
 * logged diagnostics, the rate fit of L_ori, the least test error and the
 * per-step monitors. */
static mfd_status deep_save(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    mfd_method_save(r->alg, b);
    mfd_deeptrack_save(&r->tr, b);
    mfd_linreg_save(&r->band_ori, b);
    mfd_ckpt_put_tag(b, "deep");
    mfd_ckpt_put_f64(b, r->test_min);
    mfd_ckpt_put_u64(b, r->mon != NULL);
    if (r->mon)
        mfd_deepmon_save(r->mon, b);
    return b->st;
}

static mfd_status deep_load(void *ctx, mfd_ckpt_buf *b)
{
    run *r = ctx;
    MFD_CHECK(mfd_method_load(r->alg, b));
    MFD_CHECK(mfd_deeptrack_load(&r->tr, b));
    MFD_CHECK(mfd_linreg_load(&r->band_ori, b));
    mfd_ckpt_get_tag(b, "deep");
    r->test_min = mfd_ckpt_get_f64(b);
    if (mfd_ckpt_get_u64(b) != (r->mon != NULL))
        return MFD_EFORMAT;
    return r->mon ? mfd_deepmon_load(r->mon, b) : b->st;
}

app_model mfd_deep_model(run *r, size_t ncols)
{
    app_model model = {.ctx = r,
                       .ncols = ncols,
                       .cols = r->cols,
                       .describe = deep_describe,
                       .eval = deep_eval,
                       .log_row = deep_log_row,
                       .step = deep_step,
                       .summary = deep_summary,
                       .write_final = deep_write_final,
                       .factors = deep_factors,
                       .save = deep_save,
                       .load = deep_load,
                       .sync = deep_sync};
    return model;
}
