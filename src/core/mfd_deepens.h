/* mfd_deepens.h — lock-step ensembles of small deep runs (THEORY.md §1).
 *
 * An ensemble holds `lanes` runs of mfd_deep that have the same shape (field,
 * depth N, square d × d layers with d <= MFD_SMALL_CANON) and the same
 * features (a > 0 in all of them or in none; ∇L_ori kept or not), and moves
 * them together: one SIMD instruction advances several runs.  Every array is
 * stored with the run index fastest (structure of arrays): double k of a
 * run's own (column-major, (re, im) interleaved) matrix sits at [k·lanes +
 * lane], so entry (i, j) of a layer of lanes r0 … r0+7 is one AVX-512 vector.
 *
 * Each lane's numbers are bitwise those of the same model alone
 * (mfd_deep_eval, mfd_deep_update): the products are computed per lane by the
 * canonical sequence of mfd_small.h, the sums of squares in the order of
 * mfd_mat_norm2 and mfd_mat_sub_norm2, the update as mfd_deep_update.  The
 * SIMD width (AVX-512, AVX2 or plain C, mfd_small_simd_width) is chosen at
 * run time; all give the same bits.
 *
 * Lanes differ in everything else: target, layers, a and eta.  A lane that
 * holds no run computes on zeros; the caller ignores it.  The caller owns the
 * loop: mfd_deepens_eval gives every lane's loss and gradient at its current
 * layers, the caller tests and logs each lane (mfd_deepens_get copies a
 * lane out into a model that then looks evaluated), then mfd_deepens_update
 * moves all lanes, and a lane whose run has ended is refilled with
 * mfd_deepens_set.  Nothing allocates after mfd_deepens_alloc. */
#ifndef MFD_DEEPENS_H
#define MFD_DEEPENS_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_deep.h"

/* What the runs of one ensemble share. */
typedef struct mfd_deepens_shape {
    mfd_field field;
    int depth;          /* N in [2, MFD_DEEP_MAX_DEPTH] */
    size_t d;           /* square layers, 1 <= d <= MFD_SMALL_CANON */
    bool reg;           /* a > 0 in every lane (else a = 0 in every lane) */
    bool keep_grad_ori; /* ∇L_ori kept apart, as mfd_deep_keep_grad_ori */
} mfd_deepens_shape;

typedef struct mfd_deepens {
    mfd_deepens_shape s;
    size_t lanes;   /* runs stepped together: a multiple of width */
    int width;      /* SIMD lanes per instruction: 8, 4 or 1 */
    size_t mat;     /* doubles of one matrix for all lanes: w d² lanes */
    double *w, *grad, *grad_ori; /* N matrices each (grad_ori NULL unless kept) */
    double *target, *resid;
    double *prefix;              /* P_j = W_j ⋯ W_1 for j = 2..N, at (j − 2) mat */
    double *tbuf;                /* 2 matrices: the top-down products */
    double *delta;               /* Δ_1 … Δ_{N−1} (reg only) */
    double *a, *nega, *quarter_a, *eta; /* per lane: a, −a, a/4 … as the single run forms them */
    double *loss_ori, *loss_reg;        /* per lane, at the last mfd_deepens_eval */
    void (*eval_block)(struct mfd_deepens *e, size_t lane0);   /* the kernels of the SIMD width */
    void (*update_block)(struct mfd_deepens *e, size_t lane0);
} mfd_deepens;

/* The shape of model m, and whether it can be stepped in an ensemble at all
 * (square layers of d <= MFD_SMALL_CANON, no completion mask). */
bool mfd_deepens_accepts(const mfd_deep *m);
mfd_deepens_shape mfd_deepens_shape_of(const mfd_deep *m);

/* The lanes an ensemble takes by default: two SIMD widths (two independent
 * instruction streams hide the FMA latency at d = 2). */
size_t mfd_deepens_default_lanes(void);

/* An ensemble of `lanes` empty lanes (0: the default), rounded up to a
 * multiple of the SIMD width.  MFD_EINVAL for a shape it cannot step,
 * MFD_ENOMEM. */
mfd_status mfd_deepens_alloc(const mfd_deepens_shape *s, size_t lanes, mfd_deepens **out);
void mfd_deepens_free(mfd_deepens *e);

/* Put model m (its layers, target and a) with step size eta into lane.
 * MFD_EINVAL when m's shape is not the ensemble's. */
mfd_status mfd_deepens_set(mfd_deepens *e, size_t lane, const mfd_deep *m, double eta);

/* Empty a lane (zeros: it computes nothing that can overflow). */
void mfd_deepens_clear(mfd_deepens *e, size_t lane);

/* Loss and gradients of every lane at its current layers (mfd_deep_eval). */
void mfd_deepens_eval(mfd_deepens *e);

/* W_j ← W_j − eta ∇_j for every lane (mfd_deep_update). */
void mfd_deepens_update(mfd_deepens *e);

/* Copy lane out into m (of the ensemble's shape): layers, gradients (and
 * ∇L_ori when kept), products, residual, Δ (reg) and the losses, so that m
 * is as mfd_deep_eval leaves it. */
void mfd_deepens_get(const mfd_deepens *e, size_t lane, mfd_deep *m);

/* Only the layers of lane into m (the final iterate). */
void mfd_deepens_get_layers(const mfd_deepens *e, size_t lane, mfd_deep *m);

#endif
