#include "mfd_target.h"

#include <math.h>
#include <stdlib.h>

#include "mfd_la.h"
#include "mfd_random.h"

void mfd_target_identity(mfd_mat T, double sigma) { mfd_mat_set_identity(T, sigma); }

mfd_status mfd_target_haar(mfd_mat T, double sigma, mfd_rng *r)
{
    if (T.rows != T.cols)
        return MFD_EINVAL;
    MFD_CHECK(mfd_random_haar(r, T));
    mfd_mat_scale(T, sigma);
    return MFD_OK;
}

mfd_status mfd_target_diag(mfd_mat T, const double *s, size_t k)
{
    size_t n = T.rows < T.cols ? T.rows : T.cols;
    if (k != n)
        return MFD_EINVAL;
    mfd_mat_zero(T);
    for (size_t i = 0; i < n; i++)
        mfd_mat_at(T, i, i)[0] = s[i];
    return MFD_OK;
}

mfd_status mfd_target_lowrank(mfd_mat T, size_t rank, mfd_rng *r)
{
    if (rank < 1 || rank > T.rows || rank > T.cols)
        return MFD_EINVAL;
    mfd_mat U, V;
    mfd_status st = mfd_mat_alloc(T.field, T.rows, rank, &U);
    if (st != MFD_OK)
        return st;
    if ((st = mfd_mat_alloc(T.field, T.cols, rank, &V)) != MFD_OK) {
        mfd_mat_free(&U);
        return st;
    }
    mfd_random_gaussian(r, U, 1.0);
    mfd_random_gaussian(r, V, 1.0);
    st = mfd_la_gemm('N', 'C', 1.0 / sqrt((double)rank), U, V, 0.0, T);
    if (st == MFD_OK) {
        double nrm = sqrt(mfd_mat_norm2(T));
        mfd_mat_scale(T, sqrt((double)T.rows * (double)T.cols) / nrm);
    }
    mfd_mat_free(&V);
    mfd_mat_free(&U);
    return st;
}

mfd_status mfd_target_hermitian(mfd_mat T, const double *lambda, mfd_rng *r)
{
    if (T.rows != T.cols)
        return MFD_EINVAL;
    size_t n = T.rows;
    mfd_mat Q, QL;
    mfd_status st = mfd_mat_alloc(T.field, n, n, &Q);
    if (st != MFD_OK)
        return st;
    if ((st = mfd_mat_alloc(T.field, n, n, &QL)) != MFD_OK) {
        mfd_mat_free(&Q);
        return st;
    }
    if ((st = mfd_random_haar(r, Q)) == MFD_OK) {
        mfd_mat_copy(QL, Q);
        for (size_t j = 0; j < n; j++) {
            mfd_mat col = mfd_mat_view(mfd_mat_at(QL, 0, j), T.field, n, 1, n);
            mfd_mat_scale(col, lambda[j]);
        }
        st = mfd_la_gemm('N', 'C', 1.0, QL, Q, 0.0, T);
    }
    /* Exactly Hermitian: rounding in the product leaves O(u) asymmetry. */
    for (size_t j = 0; st == MFD_OK && j < n; j++)
        for (size_t i = j; i < n; i++) {
            double *a = mfd_mat_at(T, i, j), *b = mfd_mat_at(T, j, i);
            double re = 0.5 * (a[0] + b[0]);
            a[0] = b[0] = re;
            if (T.field == MFD_COMPLEX) {
                double im = i == j ? 0.0 : 0.5 * (a[1] - b[1]);
                a[1] = im;
                b[1] = -im;
            }
        }
    mfd_mat_free(&QL);
    mfd_mat_free(&Q);
    return st;
}
