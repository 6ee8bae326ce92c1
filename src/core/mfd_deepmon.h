/* mfd_deepmon.h — per-step monitors of a deep model: the statements of
 * [LXGFD25] that hold at every step, checked at every step (a violation
 * between two logged points is seen), not only where the trace logs.
 *
 *   invariants (Thm 4, Thm 5; N = 4 square): from one step to the next the
 *     skew error ‖W_1 − Z‖_F (Z = W_2⁻¹ W_3ᴴ W_4ᴴ) must not rise and the
 *     Hermitian σ_min(W_1 + Z) must not fall; reported: the largest rise and
 *     drop over the run, each divided by 2 σ_max(W_1) (the scale of both), and
 *     the iteration where it happened (the step from t to t + 1 is at t + 1).
 *   thm8 (Thm 8, any N): with M(t) = max_{j,k} σ_k²(W_j(t)), m(t) the min,
 *     σ⁺(t), σ⁻(t) the largest and smallest layer singular values and
 *     g(t) = max_j ‖∇_j L_ori(t)‖_op,
 *        M(t+1) − M(t) ≤ 2η σ⁺(t) g(t) + O(η² a²),
 *        m(t+1) − m(t) ≥ −2η σ⁻(t) g(t) + O(η² a²);
 *     reported: the largest excess of each side over its first-order term
 *     (≤ 0 when the first-order bound holds) with its iteration, and the
 *     constant c = max(excess, 0)/(η² a²) that the O(η² a²) term needed.
 *   thm11 (Thm 11, N = 4 square, Σ = σ I): T₀ is the first iteration where
 *     the local conditions hold, σ_min(W_1 + Z) ≥ 2^{3/4} σ^{1/4} and
 *     ‖W_1 − Z‖_F ≤ skew_tol σ^{1/4} (relative to the layers' scale at the
 *     optimum, so that the region is the same at every σ); from there the
 *     pathwise bound
 *        L(t) ≤ L_ori(T₀) exp(−η σ^{3/2} (t − T₀))
 *     is checked at every step; reported: T₀ and the largest excess of
 *     log L(t) − log L_ori(T₀) + η σ^{3/2} (t − T₀) (≤ 0 when it holds).
 *
 * Each part costs a few small eigenvalue problems per step (Jacobi,
 * mfd_small_eigvalsh) and, with invariants or thm11, one LU of W_2: enable
 * only what a run checks.  Everything is allocated at set-up. */
#ifndef MFD_DEEPMON_H
#define MFD_DEEPMON_H

#include <stdbool.h>

#include "mfd_ckpt.h"
#include "mfd_deep.h"

typedef struct mfd_deepmon_params {
    bool invariants, thm8, thm11;
    double eta;      /* the step size of the run */
    double sigma;    /* thm11: Σ = σ I */
    double skew_tol; /* thm11: the skew error, in units of σ^{1/4}, below which the local region starts */
} mfd_deepmon_params;

typedef struct mfd_deepmon {
    mfd_deepmon_params p;
    int depth;
    size_t d;
    mfd_field field;
    bool four; /* N = 4 and square: the invariants and thm11 apply */
    /* workspace */
    double *gram, *ev, *lu, *z, *h;
    size_t ngram, gstride; /* gram holds ngram matrices, gstride doubles apart */
    double *gnorm2; /* thm8: ‖∇_j L_ori‖_F², j = 1 … N */
    int *ipiv;
    /* the previous step */
    long prev_t;
    double prev_skew, prev_herm, prev_M, prev_m, prev_up, prev_lo;
    /* results */
    double skew_max_rise, herm_max_drop;
    long skew_rise_iter, herm_drop_iter;
    double thm8_max_excess, thm8_min_excess;
    long thm8_max_iter, thm8_min_iter;
    long thm11_t0, thm11_excess_iter;
    double thm11_l0, thm11_max_excess;
} mfd_deepmon;

/* A monitor for model m (which must keep ∇L_ori for thm8: mfd_deep_keep_grad_ori);
 * MFD_EINVAL when a part does not apply (invariants or thm11 with N != 4 or
 * rectangular layers). */
mfd_status mfd_deepmon_alloc(const mfd_deep *m, mfd_deepmon_params p, mfd_deepmon **out);
void mfd_deepmon_free(mfd_deepmon *mon);

/* Observe the model right after mfd_deep_eval at iteration t (t = 0, 1, ...,
 * every iteration).  MFD_ENUMERIC never: a singular W_2 makes the invariants
 * of that step NaN (and ends no run). */
mfd_status mfd_deepmon_observe(mfd_deepmon *mon, const mfd_deep *m, long t);

/* What the monitors carry from step to step and have found, into / from a
 * checkpoint (the settings and workspace are set-up's, and the parts that
 * are on must be the same: MFD_EFORMAT otherwise). */
void mfd_deepmon_save(const mfd_deepmon *mon, mfd_ckpt_buf *b);
mfd_status mfd_deepmon_load(mfd_deepmon *mon, mfd_ckpt_buf *b);

/* thm8's constant of the O(η² a²) term: max(excess, 0)/(η² a²); NaN when a = 0. */
double mfd_deepmon_thm8_c(const mfd_deepmon *mon, double a);

#endif
