#include "mfd_rpca.h"

#include <math.h>
#include <stdlib.h>

mfd_status mfd_rpca_alloc(size_t n1, size_t n2, double alpha, mfd_rpca **out)
{
    *out = NULL;
    if (!(alpha >= 0 && alpha <= 1) || n1 < 1 || n2 < 1)
        return MFD_EINVAL;
    mfd_rpca *w = calloc(1, sizeof *w);
    if (!w)
        return MFD_ENOMEM;
    w->n1 = n1;
    w->n2 = n2;
    w->alpha = alpha;
    w->krow = (size_t)floor(alpha * (double)n2);
    w->kcol = (size_t)floor(alpha * (double)n1);
    w->row_thr = malloc(n1 * sizeof(double));
    w->col_thr = malloc(n2 * sizeof(double));
    w->buf = malloc((n1 > n2 ? n1 : n2) * sizeof(double));
    if (!w->row_thr || !w->col_thr || !w->buf) {
        mfd_rpca_free(w);
        return MFD_ENOMEM;
    }
    *out = w;
    return MFD_OK;
}

void mfd_rpca_free(mfd_rpca *w)
{
    if (!w)
        return;
    free(w->row_thr);
    free(w->col_thr);
    free(w->buf);
    free(w);
}

/* The k-th largest of a[0..n-1] (k >= 1), reordering a (Hoare's quickselect
 * with a median-of-three pivot). */
static double kth_largest(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double pivot = (x > y) ? ((y > z) ? y : (x > z ? z : x)) : ((x > z) ? x : (y > z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) { /* descending: big values to the left */
            while (a[i] > pivot)
                i++;
            while (a[j] < pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return a[want];
    }
    return a[want];
}

/* Magnitudes that agree to this relative amount count as tied with the
 * threshold.  [TMC21]'s ground truth has orthonormalized Rademacher bases, so
 * a row of U* depends only on its r signs and M* has few distinct |M*_ij|
 * (14 among 3600 entries at n = 60, r = 3): mathematically equal entries that
 * differ only by the rounding of the products that formed them.  Which of them
 * passes a strict threshold was decided by the BLAS kernel (the spectral
 * initialization of problem=rpca moved by 2e-3 between CPUs).  That rounding is
 * a few k·u of the entry; 1e-10 is far above it and far below the gaps between
 * distinct magnitudes, so the selection no longer depends on the kernel. */
#define RPCA_TIE_RTOL 1e-10

void mfd_rpca_project(mfd_rpca *w, mfd_mat D, mfd_mat S)
{
    size_t n1 = w->n1, n2 = w->n2;
    for (size_t i = 0; i < n1; i++) {
        for (size_t j = 0; j < n2; j++)
            w->buf[j] = fabs(*mfd_mat_at(D, i, j));
        w->row_thr[i] = w->krow == 0 ? INFINITY : kth_largest(w->buf, n2, w->krow) * (1 - RPCA_TIE_RTOL);
    }
    for (size_t j = 0; j < n2; j++) {
        for (size_t i = 0; i < n1; i++)
            w->buf[i] = fabs(*mfd_mat_at(D, i, j));
        w->col_thr[j] = w->kcol == 0 ? INFINITY : kth_largest(w->buf, n1, w->kcol) * (1 - RPCA_TIE_RTOL);
    }
    for (size_t j = 0; j < n2; j++)
        for (size_t i = 0; i < n1; i++) {
            double v = *mfd_mat_at(D, i, j);
            *mfd_mat_at(S, i, j) = (fabs(v) >= w->row_thr[i] && fabs(v) >= w->col_thr[j]) ? v : 0.0;
        }
}
