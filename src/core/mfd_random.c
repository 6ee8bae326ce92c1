#include "mfd_random.h"

#include <math.h>
#include <stdlib.h>

#include "mfd_la.h"

void mfd_random_gaussian(mfd_rng *r, mfd_mat M, double scale)
{
    size_t w = mfd_field_width(M.field);
    double s = M.field == MFD_COMPLEX ? scale / sqrt(2.0) : scale;
    for (size_t j = 0; j < M.cols; j++)
        mfd_rng_fill_gaussian(r, mfd_mat_at(M, 0, j), w * M.rows, s);
}

void mfd_random_rademacher(mfd_rng *r, mfd_mat M)
{
    mfd_mat_zero(M);
    for (size_t j = 0; j < M.cols; j++)
        for (size_t i = 0; i < M.rows; i++)
            mfd_mat_at(M, i, j)[0] = (mfd_rng_u64(r) >> 63) ? 1.0 : -1.0;
}

mfd_status mfd_random_orthonormalize(mfd_mat A, mfd_mat Q)
{
    if (!mfd_mat_same_shape(A, Q) || A.rows < A.cols)
        return MFD_EINVAL;
    size_t w = mfd_field_width(A.field), n = A.cols;
    mfd_la_ws ws;
    mfd_status st = mfd_la_ws_alloc(A.field, A.rows, &ws);
    if (st != MFD_OK)
        return st;
    double *tau = malloc(w * (n > 0 ? n : 1) * sizeof(double));
    double *phase = malloc(w * (n > 0 ? n : 1) * sizeof(double));
    if (!tau || !phase) {
        st = MFD_ENOMEM;
        goto free_all;
    }
    st = mfd_mat_copy(Q, A);
    if (st == MFD_OK)
        st = mfd_la_qr(Q, tau, &ws);
    if (st != MFD_OK)
        goto free_all;
    /* The phase of each R_ii (its sign in the real case); 1 where R_ii = 0. */
    for (size_t i = 0; i < n; i++) {
        const double *rii = mfd_mat_at(Q, i, i);
        double mag = A.field == MFD_REAL ? fabs(rii[0]) : hypot(rii[0], rii[1]);
        phase[w * i] = mag > 0 ? rii[0] / mag : 1.0;
        if (A.field == MFD_COMPLEX)
            phase[w * i + 1] = mag > 0 ? rii[1] / mag : 0.0;
    }
    st = mfd_la_qr_q(Q, tau, &ws);
    if (st != MFD_OK)
        goto free_all;
    /* Q <- Q diag(phase): makes the factorization unique and Q Haar-distributed. */
    for (size_t j = 0; j < n; j++) {
        double *c = mfd_mat_at(Q, 0, j);
        if (A.field == MFD_REAL) {
            for (size_t i = 0; i < Q.rows; i++)
                c[i] *= phase[j];
        } else {
            double pr = phase[2 * j], pi = phase[2 * j + 1];
            for (size_t i = 0; i < Q.rows; i++) {
                double re = c[2 * i], im = c[2 * i + 1];
                c[2 * i] = re * pr - im * pi;
                c[2 * i + 1] = re * pi + im * pr;
            }
        }
    }
free_all:
    free(phase);
    free(tau);
    mfd_la_ws_free(&ws);
    return st;
}

mfd_status mfd_random_haar(mfd_rng *r, mfd_mat Q)
{
    mfd_mat G;
    mfd_status st = mfd_mat_alloc(Q.field, Q.rows, Q.cols, &G);
    if (st != MFD_OK)
        return st;
    mfd_random_gaussian(r, G, 1.0);
    st = mfd_random_orthonormalize(G, Q);
    mfd_mat_free(&G);
    return st;
}
