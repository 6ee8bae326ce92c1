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
 *   (WWᴴ)^{1/2}.  This is mfdyn's own derivation; beside it, [LXGFD25]
 *   eq. (11) (Lemma 20) in the paper's quantities: for balanced layers
 *   W_j = Q_j Σ_w Q_{j−1}ᴴ one has W_1 + Z = Q_1 Σ_w (U + V)ᴴ and
 *   W_1 − Z = Q_1 Σ_w (V − U)ᴴ (U = Q_4, V = Q_0), so
 *     eq11_lo = ½ σ_min(W_1 + Z) <= σ_min(Σ_w) = σ_min(W)^{1/4}
 *             <= ½ (σ_min(W_1 + Z)² + ‖W_1 − Z‖_op²)^{1/2} = eq11_hi. */
#ifndef MFD_DEEPDIAG_H
#define MFD_DEEPDIAG_H

#include "mfd_ckpt.h"
#include "mfd_deep.h"
#include "mfd_la.h"
#include "mfd_out.h"

typedef struct mfd_deepdiag {
    int depth;
    size_t nsv;     /* singular values of W logged: min(d_N, d_0) */
    bool square;    /* all layers square of one size */
    bool four;      /* N == 4 and square */
    bool masked;    /* completion: a test_err column, ‖P_Ωᶜ(Σ − W)‖ / ‖P_Ωᶜ Σ‖ */
    mfd_field field;
    /* results of the last mfd_deepdiag_compute */
    double loss_ori, loss_reg, test_err;
    double *delta_norm;             /* N−1 */
    double *sv;                     /* nsv, descending */
    double *layer_smax, *layer_smin; /* N each */
    double det_sign, log_abs_det;   /* det_sign holds arg(det)/π in the complex field */
    double erank_nuc, erank_ent;
    double init_q, skew_err, herm_smin, sandwich_lo, sandwich_hi;
    double skew_op;                 /* ‖W_1 − Z‖_op */
    double eq11_lo, eq11_mid, eq11_hi; /* [LXGFD25] eq. (11), N = 4 */
    /* workspace */
    mfd_la_ws ws;
    mfd_mat A, B, C, U, VH;
    double *svtmp;
    int *ipiv;
    mfd_strlist names; /* trace columns */
} mfd_deepdiag;

mfd_status mfd_deepdiag_alloc(const mfd_deep *m, mfd_deepdiag **out);
void mfd_deepdiag_free(mfd_deepdiag *g);

/* Diagnostics at the current layers; m must have been evaluated
 * (mfd_deep_loss or mfd_deep_eval) at them.  Recomputes Δ when a == 0. */
mfd_status mfd_deepdiag_compute(mfd_deepdiag *g, mfd_deep *m);

/* What a run's logged diagnostics add up to (the loop's owner calls
 * mfd_deeptrack_update after each mfd_deepdiag_compute):
 *   skew_max_rise, herm_max_drop   largest increase of skew_err / decrease of
 *                                  herm_smin between consecutive logged points,
 *   sandwich_max_violation         largest max(lo − herm, herm − hi),
 *   eq11_max_violation             largest max(eq11_lo − eq11_mid, eq11_mid − eq11_hi),
 * all three divided by 2 σ_max(W_1), the scale of these quantities (so
 * values <= 0 mean the D3 statements held at every logged point);
 *   layer_sv_max_step              largest |change of an extreme layer singular
 *                                  value| / (iterations × eta) between logged
 *                                  points (D4: O(1) means O(eta) per step);
 *   layer_sv_max_step_bal          the same from iter_balanced on (once the
 *                                  regularizer's term a Δ_j W_j is small);
 *   iter_balanced, det_sign_balanced  the first logged point where
 *                                  max_j |Δ_j| / |W_j|² <= balance_tol, and the
 *                                  sign of det W there;
 *   mode_t[k][l]                   (D7) the iteration at which σ_{k+1}(W) first
 *                                  reaches MFD_DEEP_MODE_FRAC[l] × s_{k+1}, the
 *                                  target's singular value (mfd_deeptrack_set_modes),
 *                                  interpolated linearly between logged points;
 *                                  NaN if it never did.  Log densely (log_every)
 *                                  when the crossing times matter. */
#define MFD_DEEP_MODES 4
#define MFD_DEEP_NFRAC 3
extern const double MFD_DEEP_MODE_FRAC[MFD_DEEP_NFRAC]; /* 0.1, 0.5, 0.9 */

typedef struct mfd_deeptrack {
    double balance_tol;
    long nlogged, prev_t;
    double prev_skew, prev_herm, prev_lsv[2 * MFD_DEEP_MAX_DEPTH];
    double skew_max_rise, herm_max_drop, sandwich_max_violation, layer_sv_max_step, layer_sv_max_step_bal;
    double eq11_max_violation;
    double det_sign_init, init_q_init, skew_init, herm_init;
    long iter_balanced;
    double det_sign_balanced;
    size_t nmodes;
    double mode_s[MFD_DEEP_MODES], prev_sv[MFD_DEEP_MODES];
    double mode_t[MFD_DEEP_MODES][MFD_DEEP_NFRAC];
} mfd_deeptrack;

void mfd_deeptrack_init(mfd_deeptrack *tr, double balance_tol);

/* The target's singular values s (descending, n of them) whose learning
 * times are tracked: the first min(n, MFD_DEEP_MODES) that are > 0. */
void mfd_deeptrack_set_modes(mfd_deeptrack *tr, const double *s, size_t n);
void mfd_deeptrack_update(mfd_deeptrack *tr, const mfd_deepdiag *g, const mfd_deep *m, long t, double eta);

/* Everything the tracker has gathered, into / from a checkpoint (its
 * settings, balance_tol and the modes, come from init and set_modes and must
 * be the same; a load that finds others is MFD_EFORMAT). */
void mfd_deeptrack_save(const mfd_deeptrack *tr, mfd_ckpt_buf *b);
mfd_status mfd_deeptrack_load(mfd_deeptrack *tr, mfd_ckpt_buf *b);

/* The trace columns (without "iter"), their names, and the current row. */
size_t mfd_deepdiag_ncols(const mfd_deepdiag *g);
const char *mfd_deepdiag_name(const mfd_deepdiag *g, size_t i);
void mfd_deepdiag_row(const mfd_deepdiag *g, double *row);

#endif
