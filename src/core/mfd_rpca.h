/* mfd_rpca.h — the sparse-outlier projection of robust PCA ([TMC21],
 * following Yi et al. 2016):
 *
 *   T_α(D)_ij = D_ij  if |D_ij| is among the ⌊α n2⌋ largest magnitudes of
 *                     row i and among the ⌊α n1⌋ largest of column j,
 *             = 0     otherwise
 *
 * (ties with the threshold are kept; magnitudes within a relative 1e-10 of it
 * count as tied, so that rounding does not decide between equal entries).  Computed with one selection per row
 * and per column (quickselect, O(n1 n2) on average) in preallocated scratch. */
#ifndef MFD_RPCA_H
#define MFD_RPCA_H

#include "mfd_mat.h"

typedef struct mfd_rpca {
    size_t n1, n2, krow, kcol; /* krow = ⌊α n2⌋ kept per row, kcol = ⌊α n1⌋ per column */
    double alpha;
    double *row_thr, *col_thr, *buf;
} mfd_rpca;

mfd_status mfd_rpca_alloc(size_t n1, size_t n2, double alpha, mfd_rpca **out);
void mfd_rpca_free(mfd_rpca *w);

/* S = T_α(D) (S may alias D). */
void mfd_rpca_project(mfd_rpca *w, mfd_mat D, mfd_mat S);

#endif
