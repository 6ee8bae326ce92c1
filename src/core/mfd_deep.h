/* mfd_deep.h — deep (N-layer) matrix factorization, THEORY.md §1.
 *
 *   L = ½‖Σ − W‖² + (a/4) Σ_{j=1}^{N−1} ‖Δ_j‖²,   W = W_N ⋯ W_1,
 *   Δ_j = W_j W_jᴴ − W_{j+1}ᴴ W_{j+1},
 *   ∇_j L = A_jᴴ (W − Σ) B_jᴴ + a (Δ_j W_j − W_j Δ_{j−1}),  Δ_0 = Δ_N = 0,
 *
 * with A_j = W_N ⋯ W_{j+1}, B_j = W_{j−1} ⋯ W_1.  W_j is dims[j] × dims[j−1]
 * (square layers: all dims equal).  In the complex field the gradient is
 * 2 ∂L/∂conj(W_j), i.e. real GD on (Re W, Im W), so a step size means the
 * same in both fields.
 *
 * The layers live in one contiguous block (W_1 first), as do the gradients,
 * so a GD step is a single axpy.  Evaluating the gradient costs 3(N−1) GEMMs
 * with a = 0 and 7(N−1) with a > 0 (prefix products once, suffix products
 * accumulated top-down, never O(N²)).  The model owns every workspace: after
 * mfd_deep_alloc nothing allocates.
 *
 * Matrix completion ([ACHL19], D8): with a mask (mfd_deep_set_mask) the data
 * term is ½‖P_Ω(Σ − W)‖² over the observed entries Ω, the gradients use the
 * masked residual, and loss_test = ½‖P_Ωᶜ(Σ − W)‖² measures the rest.
 *
 * The caller owns the loop (GSL style): mfd_deep_eval at W(t) gives L(t) and
 * the gradients; stopping tests and diagnostics look at the model; then
 * mfd_deep_update moves all layers at once. */
#ifndef MFD_DEEP_H
#define MFD_DEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_mat.h"

#define MFD_DEEP_MAX_DEPTH 64

typedef struct mfd_deep {
    mfd_field field;
    int depth;                          /* N >= 2 */
    size_t dims[MFD_DEEP_MAX_DEPTH + 1]; /* W_j is dims[j] × dims[j−1] */
    double a;                           /* balancing regularizer, >= 0 */
    double *w, *grad;                   /* layers and gradients, contiguous */
    double *grad_ori;                   /* NULL, or ∇L_ori apart (mfd_deep_keep_grad_ori) */
    size_t off[MFD_DEEP_MAX_DEPTH + 1]; /* W_j starts at w + off[j−1]; off[N] = total doubles */
    mfd_mat target;                     /* Σ, dims[N] × dims[0], owned */
    /* workspace */
    double *prefix;                     /* P_j = W_j ⋯ W_1 for j = 2..N (P_N = W) */
    size_t poff[MFD_DEEP_MAX_DEPTH + 1];
    mfd_mat resid;                      /* W − Σ */
    double *tbuf[2];                    /* top-down products (W_N ⋯ W_{j+1})ᴴ (W − Σ) */
    double *delta;                      /* Δ_1 … Δ_{N−1} */
    size_t doff[MFD_DEEP_MAX_DEPTH + 1];
    unsigned char *mask;                /* NULL, or dims[N] × dims[0] flags (column-major): 1 observed */
    double loss_ori, loss_reg;          /* at the last evaluation */
    double loss_test;                   /* ½‖P_Ωᶜ(Σ − W)‖² (0 without a mask) */
    double test_norm;                   /* ‖P_Ωᶜ Σ‖ when the mask was set */
} mfd_deep;

/* Allocate a model with zero layers and a zero target.  depth in [2, 64],
 * every dims[j] >= 1.  Returns MFD_EINVAL, MFD_ERANGE or MFD_ENOMEM. */
mfd_status mfd_deep_alloc(mfd_field field, int depth, const size_t *dims, mfd_deep **out);
void mfd_deep_free(mfd_deep *m);

/* Observe only the entries flagged in mask (dims[N] × dims[0], column-major,
 * copied); NULL observes everything again.  Set the target first: test_norm
 * is taken from it.  MFD_ENOMEM on failure. */
mfd_status mfd_deep_set_mask(mfd_deep *m, const unsigned char *mask);

/* Keep ∇_j L_ori (the data term's gradient, before the regularizer's part
 * is added) in m->grad_ori at every evaluation, for a per-step monitor
 * (mfd_deepmon).  MFD_ENOMEM on failure. */
mfd_status mfd_deep_keep_grad_ori(mfd_deep *m);

/* True when every layer is square of the same size. */
bool mfd_deep_is_square(const mfd_deep *m);

/* Views of W_j and ∇_j (j = 1..N), of Σ, of W (valid after an evaluation)
 * and of Δ_j (j = 1..N−1, valid after mfd_deep_eval with a > 0 or after
 * mfd_deep_imbalance). */
mfd_mat mfd_deep_layer(const mfd_deep *m, int j);
mfd_mat mfd_deep_grad(const mfd_deep *m, int j);
mfd_mat mfd_deep_product(const mfd_deep *m);
mfd_mat mfd_deep_delta(const mfd_deep *m, int j);

/* Doubles in all layers together (the length of w and grad). */
size_t mfd_deep_ndoubles(const mfd_deep *m);

/* Compute W, the residual and the loss (and Δ when a > 0) at the current
 * layers; sets loss_ori and loss_reg. */
mfd_status mfd_deep_loss(mfd_deep *m);

/* mfd_deep_loss and, in addition, every gradient ∇_j L. */
mfd_status mfd_deep_eval(mfd_deep *m);

/* Δ_1 … Δ_{N−1} at the current layers (whatever a is). */
mfd_status mfd_deep_imbalance(mfd_deep *m);

/* Completion: ‖P_Ωᶜ(Σ − W)‖ / ‖P_Ωᶜ Σ‖ at the last evaluation, the error on
 * the entries not fitted (D8); NaN without a mask. */
double mfd_deep_test_err(const mfd_deep *m);

/* W_j ← W_j − eta ∇_j for all j at once (the gradients of the last eval). */
void mfd_deep_update(mfd_deep *m, double eta);

/* Layers from / to a contiguous block in the same layout (W_1 first, each
 * column-major): used for init files and final/W.npy. */
void mfd_deep_set_layers(mfd_deep *m, const double *block);

#endif
