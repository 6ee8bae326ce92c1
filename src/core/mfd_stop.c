#include "mfd_stop.h"

#include <math.h>

const char *mfd_stop_name(mfd_stop s)
{
    switch (s) {
    case MFD_STOP_NONE: return "running";
    case MFD_STOP_CONVERGED: return "converged";
    case MFD_STOP_MAX_ITER: return "max_iter";
    case MFD_STOP_DIVERGED: return "diverged";
    case MFD_STOP_PLATEAU: return "plateau";
    case MFD_STOP_SINGULAR_PRECONDITIONER: return "singular_preconditioner";
    }
    return "unknown";
}

void mfd_stop_rule_init(mfd_stop_rule *r, double tol, double div_bound, long max_iter, long plateau_window,
                        double plateau_rtol)
{
    r->tol = tol;
    r->div_bound = div_bound;
    r->max_iter = max_iter;
    r->plateau_window = plateau_window;
    r->plateau_rtol = plateau_rtol;
    r->window_start = 0;
    r->window_error = INFINITY;
}

mfd_stop mfd_stop_check(mfd_stop_rule *r, long t, double error)
{
    if (!isfinite(error) || error > r->div_bound)
        return MFD_STOP_DIVERGED;
    if (error <= r->tol)
        return MFD_STOP_CONVERGED;
    if (r->plateau_window > 0 && t - r->window_start >= r->plateau_window) {
        if (error >= r->window_error * (1.0 - r->plateau_rtol))
            return MFD_STOP_PLATEAU;
        r->window_start = t;
        r->window_error = error;
    } else if (t == 0) {
        r->window_error = error;
    }
    if (t >= r->max_iter)
        return MFD_STOP_MAX_ITER;
    return MFD_STOP_NONE;
}

void mfd_stop_rule_save(const mfd_stop_rule *r, mfd_ckpt_buf *b)
{
    mfd_ckpt_put_tag(b, "stoprule");
    mfd_ckpt_put_i64(b, r->window_start);
    mfd_ckpt_put_f64(b, r->window_error);
}

mfd_status mfd_stop_rule_load(mfd_stop_rule *r, mfd_ckpt_buf *b)
{
    mfd_ckpt_get_tag(b, "stoprule");
    long start = (long)mfd_ckpt_get_i64(b);
    double err = mfd_ckpt_get_f64(b);
    MFD_CHECK(b->st);
    r->window_start = start;
    r->window_error = err;
    return MFD_OK;
}
