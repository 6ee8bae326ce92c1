/* mfd_deepdiag.h — diagnostics of a deep model along a run (THEORY.md §1).
 *
 * Computed at logged iterations only (the schedule keeps their cost small
 * next to the iterations) into preallocated workspace:
 *   loss_ori, loss_reg, ‖Δ_j‖ (j < N), all singular values of W, the extreme
 *   singular values of every layer, effective ranks ‖W‖_* / ‖W‖_op and
 *   exp(entropy of σ/Σσ); for square layers sign(det W) (real) or
 *   arg(det W)/π (complex), log|det W|, and
 *   init_q = σ_min(W + (WWᴴ)^{1/2}) ([LXGFD25] Thm 6), with (WWᴴ)^{1/2} =
 *   U S Uᴴ from the SVD W = U S Vᴴ (unique, and accurate for small σ);
 *   for N = 4 square, from the layers (never from an SVD of W, which is not
 *   unique when Σ = σI):
 *     skew_err  = ‖W_1 − Z‖,  herm_smin = σ_min(W_1 + Z),  Z = W_2⁻¹ W_3ᴴ W_4ᴴ
 *   (one LU of W_2 and a solve; NaN when W_2 is singular), and the sandwich
 *     sandwich_lo = σ_min(W_1) init_q / σ_max(W) <= herm_smin
 *                 <= σ_max(W_1) init_q / σ_min(W) = sandwich_hi,
 *   which holds for exactly balanced layers: then ZZᴴ = W_1W_1ᴴ, so W_1 = P U_1,
 *   Z = P U_Z with P = (W_1W_1ᴴ)^{1/2}, and W = (WWᴴ)^{1/2} U_Zᴴ U_1, so both
 *   herm_smin and init_q are σ_min(I + U_Zᴴ U_1) up to the factors P and
 *   (WWᴴ)^{1/2}.  This is mfdyn's own derivation: it stands in for
 *   [LXGFD25] eq. (11), whose exact form we could not consult. */
#ifndef MFD_DEEPDIAG_H
#define MFD_DEEPDIAG_H

#include "mfd_deep.h"
#include "mfd_la.h"

typedef struct mfd_deepdiag {
    int depth;
    size_t nsv;     /* singular values of W logged: min(d_N, d_0) */
    bool square;    /* all layers square of one size */
    bool four;      /* N == 4 and square */
    mfd_field field;
    /* results of the last mfd_deepdiag_compute */
    double loss_ori, loss_reg;
    double *delta_norm;             /* N−1 */
    double *sv;                     /* nsv, descending */
    double *layer_smax, *layer_smin; /* N each */
    double det_sign, log_abs_det;   /* det_sign holds arg(det)/π in the complex field */
    double erank_nuc, erank_ent;
    double init_q, skew_err, herm_smin, sandwich_lo, sandwich_hi;
    /* workspace */
    mfd_la_ws ws;
    mfd_mat A, B, C, U, VH;
    double *svtmp;
    int *ipiv;
    /* trace columns */
    size_t ncols;
    char **names;
} mfd_deepdiag;

mfd_status mfd_deepdiag_alloc(const mfd_deep *m, mfd_deepdiag **out);
void mfd_deepdiag_free(mfd_deepdiag *g);

/* Diagnostics at the current layers; m must have been evaluated
 * (mfd_deep_loss or mfd_deep_eval) at them.  Recomputes Δ when a == 0. */
mfd_status mfd_deepdiag_compute(mfd_deepdiag *g, mfd_deep *m);

/* The trace columns (without "iter"), their names, and the current row. */
size_t mfd_deepdiag_ncols(const mfd_deepdiag *g);
const char *mfd_deepdiag_name(const mfd_deepdiag *g, size_t i);
void mfd_deepdiag_row(const mfd_deepdiag *g, double *row);

#endif
