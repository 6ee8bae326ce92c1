/* fd_sense.h — the central-difference check of a sensing objective's
 * gradients, shared by the sensing and the scaled-GD unit tests. */
#ifndef FD_SENSE_H
#define FD_SENSE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_sense.h"

/* The largest |central difference (h = 1e-6) - gradient| over every entry of
 * F (and G for the asymmetric model), relative to max(1, largest gradient
 * entry).  Its own error is O(h^2 |f'''|) from truncation and O(u |f| / h)
 * from rounding. */
static double fd_sense_error(mfd_sense *s)
{
    mfd_sense_eval(s);
    double worst = 0, gmax = 0, h = 1e-6;
    for (int f = 0; f < (s->symmetric ? 1 : 2); f++) {
        mfd_mat X = f ? s->G : s->F;
        size_t n = X.rows * X.cols;
        double *g = malloc(n * sizeof(double));
        memcpy(g, (f ? s->gG : s->gF).data, n * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            double x0 = X.data[i];
            X.data[i] = x0 + h;
            mfd_sense_loss(s);
            double lp = s->loss;
            X.data[i] = x0 - h;
            mfd_sense_loss(s);
            double lm = s->loss;
            X.data[i] = x0;
            worst = fmax(worst, fabs((lp - lm) / (2 * h) - g[i]));
            gmax = fmax(gmax, fabs(g[i]));
        }
        free(g);
    }
    return worst / fmax(1.0, gmax);
}

#endif
