/* mfd_stop.h — why a run stopped (numerical events, not errors), and the
 * stopping tests that the loop's owner applies once per iteration. */
#ifndef MFD_STOP_H
#define MFD_STOP_H

#include "mfd_ckpt.h"

typedef enum mfd_stop {
    MFD_STOP_NONE = 0,                /* still running */
    MFD_STOP_CONVERGED,               /* the monitored error fell to the tolerance */
    MFD_STOP_MAX_ITER,                /* the iteration budget is spent */
    MFD_STOP_DIVERGED,                /* the error is not finite or exceeds the divergence bound */
    MFD_STOP_PLATEAU,                 /* the error stopped decreasing (level recorded) */
    MFD_STOP_SINGULAR_PRECONDITIONER  /* a preconditioner's Cholesky factorization failed */
} mfd_stop;

/* "converged", "max_iter", "diverged", "plateau", "singular_preconditioner" ("running" for NONE). */
const char *mfd_stop_name(mfd_stop s);

typedef struct mfd_stop_rule {
    double tol;           /* converged when error <= tol */
    double div_bound;     /* diverged when error > div_bound or not finite */
    long max_iter;        /* max_iter when t == max_iter */
    long plateau_window;  /* 0: no plateau test */
    double plateau_rtol;  /* plateau when the error fell by less than this fraction over the window */
    long window_start;    /* state of the plateau test */
    double window_error;
} mfd_stop_rule;

void mfd_stop_rule_init(mfd_stop_rule *r, double tol, double div_bound, long max_iter, long plateau_window,
                        double plateau_rtol);

/* The reason to stop at iteration t with the given error, or MFD_STOP_NONE.
 * Divergence is tested first, so a NaN never counts as converged. */
mfd_stop mfd_stop_check(mfd_stop_rule *r, long t, double error);

/* The plateau test's state into / from a checkpoint; the settings (tol,
 * budget, window) are the caller's, from mfd_stop_rule_init. */
void mfd_stop_rule_save(const mfd_stop_rule *r, mfd_ckpt_buf *b);
mfd_status mfd_stop_rule_load(mfd_stop_rule *r, mfd_ckpt_buf *b);

#endif
